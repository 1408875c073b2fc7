/** Factories for the enforcement unit tests: anomalies, live pods and configuration. */
import type { V1Pod } from '@kubernetes/client-node';
import { EnforcementConfig } from '#shared/enforce/config';
import type { ActionIntent } from '#shared/enforce/types';
import type { BehaviorAnomaly } from '#shared/events/schema';
import { anomalyDetail } from '#test/unit/events/sample-events';
import type { z } from 'zod';

export const NOW = new Date('2026-03-01T12:00:00Z');

export function anomaly(overrides: Partial<BehaviorAnomaly> = {}): BehaviorAnomaly {
  return anomalyDetail({
    id: 'e0000000-0000-4000-8000-000000000001',
    principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout', namespace: 'shop' },
    workload: { namespace: 'shop', pod: 'checkout-6d9f8b7c5d-abcde', serviceAccount: 'checkout' },
    recommendedActions: ['quarantine', 'revoke-credentials', 'notify'],
    // Just before NOW: the age gate acts only on recent anomalies.
    window: { start: '2026-03-01T11:50:00.000Z', end: '2026-03-01T11:55:00.000Z' },
    ...overrides,
  });
}

/** A finding of `type`, with evidence from `ips`. */
export function finding(type: string, opts: { title?: string; description?: string; ips?: string[] } = {}): BehaviorAnomaly['findings'][number] {
  return {
    type,
    title: opts.title ?? type,
    description: opts.description ?? `${type} happened`,
    mitre: [],
    evidence: { auditIDs: ['a1'], count: 1, sourceIPs: opts.ips ?? ['10.1.0.10'], userAgents: ['kubectl/v1.30.0'], baseline: 'what was normal' },
  };
}

export function config(overrides: z.input<typeof EnforcementConfig> = {}): EnforcementConfig {
  return EnforcementConfig.parse(overrides);
}

export function pod(overrides: { name?: string; labels?: Record<string, string>; hostNetwork?: boolean; owner?: string | null; phase?: string; ip?: string; sa?: string } = {}): V1Pod {
  const owner = overrides.owner === undefined ? 'ReplicaSet/checkout-6d9f8b7c5d' : overrides.owner;
  return {
    metadata: {
      name: overrides.name ?? 'checkout-6d9f8b7c5d-abcde',
      namespace: 'shop',
      uid: 'uid-1',
      resourceVersion: '7',
      labels: overrides.labels ?? { app: 'checkout', 'pod-template-hash': '6d9f8b7c5d' },
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.split('/')[0]!, name: owner.split('/')[1]!, uid: 'o', controller: true }] } : {}),
    },
    spec: { containers: [], nodeName: 'ip-10-20-1-5.ec2.internal', serviceAccountName: overrides.sa ?? 'checkout', ...(overrides.hostNetwork ? { hostNetwork: true } : {}) },
    status: { phase: overrides.phase ?? 'Running', podIP: overrides.ip ?? '10.1.0.10', hostIP: '10.20.1.5' },
  };
}

export function intent(kind: ActionIntent['kind'], target: ActionIntent['target'], id = 'f0000000-0000-4000-8000-00000000000a'): ActionIntent {
  return { id, kind, target, expiresAt: '2026-03-01T13:00:00.000Z' };
}
