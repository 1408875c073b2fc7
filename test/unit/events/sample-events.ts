/**
 * Factories for boundwatch events as an EventBridge target receives them. Shared by the unit
 * and integration tests of test/{unit,integration}/events; every detail is parsed with the
 * contract schemas, so a factory that drifts from the contract (shared/events/README.md) fails loudly.
 */
import {
  BehaviorAnomaly,
  DetailType,
  EnforcementAction,
  EVENT_SOURCE,
  SCHEMA_VERSION,
  type AnomalyEvent,
  type EnforcementEvent,
  type Outcome,
  type Severity,
} from '#shared/events/schema';

export function anomalyDetail(overrides: Partial<BehaviorAnomaly> = {}): BehaviorAnomaly {
  return BehaviorAnomaly.parse({
    schemaVersion: SCHEMA_VERSION,
    id: '5f0c6a52-0a8e-4c1e-9d4b-3d3c2f6e7a10',
    cluster: 'prod-eks',
    category: 'api',
    severity: 'HIGH',
    score: 82,
    principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout', namespace: 'shop' },
    workload: { namespace: 'shop', pod: 'checkout-6d9f-abcde', serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' } },
    findings: [
      {
        type: 'SecretsAccessed',
        title: 'Service account listed secrets it never read before',
        description: 'checkout listed secrets in namespace shop',
        mitre: ['T1552.007'],
        evidence: { auditIDs: ['a1', 'a2'], count: 12, sourceIPs: ['10.1.0.7'], userAgents: ['kubectl/v1.29.0'], baseline: 'reads configmaps only' },
      },
    ],
    window: { start: '2024-01-01T00:00:00Z', end: '2024-01-01T00:05:00Z' },
    recommendedActions: ['quarantine', 'notify'],
    ...overrides,
  });
}

export function enforcementDetail(overrides: Partial<EnforcementAction> = {}): EnforcementAction {
  return EnforcementAction.parse({
    schemaVersion: SCHEMA_VERSION,
    id: '9b1d3c44-1f2e-4d5a-8b6c-7d8e9f0a1b2c',
    anomalyId: '5f0c6a52-0a8e-4c1e-9d4b-3d3c2f6e7a10',
    cluster: 'prod-eks',
    action: 'quarantine',
    target: { kind: 'Pod', namespace: 'shop', name: 'checkout-6d9f-abcde' },
    mode: 'dry-run',
    outcome: 'planned',
    changes: ['NetworkPolicy shop/boundwatch-quarantine-checkout denies all ingress and egress'],
    expiresAt: '2024-01-01T01:05:00Z',
    ...overrides,
  });
}

function envelope<T extends string, D>(detailType: T, detail: D, id: string) {
  return {
    version: '0' as const,
    id,
    'detail-type': detailType,
    source: EVENT_SOURCE,
    account: '000000000000',
    time: '2024-01-01T00:05:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export function anomalyEvent(severity: Severity, overrides: Partial<BehaviorAnomaly> = {}): AnomalyEvent {
  return envelope(DetailType.anomaly, anomalyDetail({ severity, ...overrides }), `anomaly-${severity}`);
}

export function enforcementEvent(outcome: Outcome, overrides: Partial<EnforcementAction> = {}): EnforcementEvent {
  return envelope(DetailType.enforcement, enforcementDetail({ outcome, ...overrides }), `action-${outcome}`);
}
