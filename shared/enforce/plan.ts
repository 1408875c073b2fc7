/**
 * From a Behavior Anomaly to the enforcement actions it calls for, with the safety rails
 * applied: mode `off` plans nothing, protected namespaces and principals are skipped with a
 * reason, and every action gets a deterministic id (so redelivery plans the same action) and
 * an expiry.
 */
import type { EnforcementConfig } from '../config';
import { stableId } from '../events/ids';
import { SCHEMA_VERSION, type BehaviorAnomaly, type EnforcementAction, type EnforcementMode } from '../events/schema';
import { quarantinePolicy, QUARANTINE_LABEL, quarantineToken, type NetworkPolicyManifest } from './quarantine';

export interface PlannedAction {
  action: EnforcementAction;
  /** NetworkPolicies this action applies (or would apply). */
  policies: NetworkPolicyManifest[];
}

export interface PlanInput {
  anomaly: BehaviorAnomaly;
  mode: EnforcementMode;
  config: Pick<EnforcementConfig, 'ttlMinutes' | 'protectedNamespaces' | 'protectedPrincipals'>;
  /** Time of the decision, for the expiry. */
  now: Date;
}

export function planActions({ anomaly, mode, config, now }: PlanInput): PlannedAction[] {
  if (mode === 'off') return [];
  const expiresAt = new Date(now.getTime() + config.ttlMinutes * 60_000).toISOString();
  const out: PlannedAction[] = [];
  const pod = anomaly.workload?.pod;
  const ns = anomaly.workload?.namespace;
  if (anomaly.recommendedActions.includes('quarantine') && pod && ns) {
    const target = { kind: 'Pod' as const, namespace: ns, name: pod };
    const id = stableId('action', anomaly.id, 'quarantine', ns, pod);
    const base: EnforcementAction = {
      schemaVersion: SCHEMA_VERSION,
      id,
      anomalyId: anomaly.id,
      cluster: anomaly.cluster,
      action: 'quarantine',
      target,
      mode,
      outcome: 'planned',
      changes: [],
      expiresAt,
    };
    const skip = skipReason(anomaly, ns, config);
    if (skip) {
      out.push({ action: { ...base, outcome: 'skipped', reason: skip }, policies: [] });
    } else {
      const policy = quarantinePolicy(ns, pod, id, anomaly.id, expiresAt);
      out.push({
        action: {
          ...base,
          changes: [
            `label pod ${ns}/${pod} ${QUARANTINE_LABEL}=${quarantineToken(id)} and remove its workload labels, so Services, its ReplicaSet and existing allow policies stop selecting it`,
            `apply NetworkPolicy ${ns}/${policy.metadata.name} denying all ingress and egress of the quarantined pod`,
            `revert at ${expiresAt}: delete the policy and restore the pod's labels`,
          ],
        },
        policies: [policy],
      });
    }
  }
  return out;
}

function skipReason(anomaly: BehaviorAnomaly, ns: string, config: PlanInput['config']): string | undefined {
  if (config.protectedNamespaces.includes(ns)) return `namespace ${ns} is protected`;
  if (config.protectedPrincipals.includes(anomaly.principal.name)) return `principal ${anomaly.principal.name} is protected`;
  return undefined;
}
