/**
 * From a Behavior Anomaly to the actions it calls for, with the safety rails that need no
 * lookup applied in this order: mode (`off` plans nothing), protected namespaces (kube-system
 * and boundwatch's own by default), protected principals (configured, plus principals whose
 * credentials must never be revoked: nodes), allow-lists. Each action gets a deterministic id
 * (the same anomaly redelivered plans the same actions) and an expiry. The rate limit and
 * idempotency need state and are applied by the engine (engine.ts).
 */
import { allowListMatch, protectedNamespaces, type EnforcementConfig } from './config';
import { stableId } from '../events/ids';
import type { ActionKind, BehaviorAnomaly, EnforcementAction, EnforcementMode } from '../events/schema';
import { roleNameFromArn } from './aws';
import { serviceAccountOf } from './revoke';
import type { ActionIntent, NetworkPolicyManifest, Target } from './types';

/** One action as the enforce function announces it, with the policies it applies or would apply. */
export interface PlannedAction {
  action: EnforcementAction;
  policies: NetworkPolicyManifest[];
}

export interface IntentInput {
  anomaly: BehaviorAnomaly;
  mode: EnforcementMode;
  config: EnforcementConfig;
  /** Time of the decision, for the expiry. */
  now: Date;
}

/** Order of execution: isolate first, then restrict, then revoke, then notify. */
export const ACTION_ORDER: readonly ActionKind[] = ['quarantine', 'tighten-egress', 'revoke-credentials', 'notify'];

export function actionId(anomalyId: string, kind: ActionKind, target: Target): string {
  // Kept identical to the first release for quarantine, so records and labels stay valid.
  if (kind === 'quarantine') return stableId('action', anomalyId, 'quarantine', target.namespace ?? '', target.name);
  return stableId('action', anomalyId, kind, target.kind, target.namespace ?? '', target.arn ?? target.name);
}

function workloadRef(anomaly: BehaviorAnomaly): string | undefined {
  const w = anomaly.workload;
  if (w?.owner) return `${w.owner.kind}/${w.owner.name}`;
  return w?.pod ? `Pod/${w.pod}` : undefined;
}

function targets(anomaly: BehaviorAnomaly): Array<{ kind: ActionKind; target: Target; skip?: string }> {
  const out: Array<{ kind: ActionKind; target: Target; skip?: string }> = [];
  const w = anomaly.workload;
  const rec = new Set(anomaly.recommendedActions);
  if (rec.has('quarantine') && w?.pod) out.push({ kind: 'quarantine', target: { kind: 'Pod', namespace: w.namespace, name: w.pod } });
  if (rec.has('tighten-egress') && w) {
    if (w.owner?.kind === 'Deployment') out.push({ kind: 'tighten-egress', target: { kind: 'Deployment', namespace: w.namespace, name: w.owner.name } });
    else if (w.pod) out.push({ kind: 'tighten-egress', target: { kind: 'Pod', namespace: w.namespace, name: w.pod } });
  }
  if (rec.has('revoke-credentials')) {
    const p = anomaly.principal;
    const sa = p.type === 'ServiceAccount' ? serviceAccountOf(anomaly) : undefined;
    if (sa) out.push({ kind: 'revoke-credentials', target: { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name } });
    else if (p.type === 'IAMRole' || p.type === 'IAMUser') {
      const arn = p.name.startsWith('arn:') ? p.name : (p.arn ?? p.name);
      const name = p.type === 'IAMRole' ? (roleNameFromArn(arn) ?? arn) : (arn.split('/').pop() ?? arn);
      out.push({ kind: 'revoke-credentials', target: { kind: p.type, name, arn } });
    } else if (p.type === 'Node' && p.arn) {
      out.push({
        kind: 'revoke-credentials',
        target: { kind: 'IAMRole', name: roleNameFromArn(p.arn) ?? p.arn, arn: p.arn },
        skip: `node credentials are never revoked: it would cut off every pod on node ${p.name.replace(/^system:node:/, '')}`,
      });
    }
    // Other principal types (users of other authenticators, anonymous, control plane) have no
    // credential boundwatch can revoke; detectors never recommend it for them.
  }
  if (out.length === 0 && rec.has('notify')) {
    const p = anomaly.principal;
    const sa = serviceAccountOf(anomaly);
    const target: Target | undefined = w?.pod
      ? { kind: 'Pod', namespace: w.namespace, name: w.pod }
      : sa
        ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name }
        : p.type === 'IAMRole' || p.type === 'IAMUser'
          ? { kind: p.type, name: p.name.split('/').pop() ?? p.name, ...(p.arn ? { arn: p.arn } : {}) }
          : undefined;
    if (target) out.push({ kind: 'notify', target });
  }
  return out;
}

/**
 * The allow-list again, once the workload is known from the cluster (audit anomalies name the
 * pod, not its Deployment): `workload` is `Kind/name` of the pod's owner.
 */
export function allowListReason(anomaly: BehaviorAnomaly, kind: ActionKind, config: EnforcementConfig, workload: string): string | undefined {
  if (kind === 'notify') return undefined;
  const ns = anomaly.workload?.namespace ?? anomaly.principal.namespace;
  const allowed = allowListMatch(config.allowList, kind, { principal: anomaly.principal, ...(ns ? { namespace: ns } : {}), workload });
  return allowed ? `allow-listed for ${kind}${allowed.reason ? `: ${allowed.reason}` : ''}` : undefined;
}

function railReason(anomaly: BehaviorAnomaly, kind: ActionKind, target: Target, config: EnforcementConfig): string | undefined {
  if (kind === 'notify') return undefined;
  const protectedNs = protectedNamespaces(config);
  const namespaces = [target.namespace, anomaly.workload?.namespace, anomaly.principal.type === 'ServiceAccount' ? anomaly.principal.namespace : undefined].filter((n): n is string => !!n);
  const ns = namespaces.find((n) => protectedNs.has(n));
  if (ns) return `namespace ${ns} is protected`;
  const p = anomaly.principal;
  const hit = [p.name, p.arn].find((x) => x !== undefined && config.protectedPrincipals.includes(x));
  if (hit) return `principal ${hit} is protected`;
  const allowed = allowListMatch(config.allowList, kind, { principal: p, ...(namespaces[0] ? { namespace: namespaces[0] } : {}), ...(workloadRef(anomaly) ? { workload: workloadRef(anomaly)! } : {}) });
  if (allowed) return `allow-listed for ${kind}${allowed.reason ? `: ${allowed.reason}` : ''}`;
  return undefined;
}

/** The actions an anomaly calls for, in execution order, each already screened by the safety rails. */
export function planIntents({ anomaly, mode, config, now }: IntentInput): ActionIntent[] {
  if (mode === 'off') return [];
  const expiresAt = new Date(now.getTime() + config.ttlMinutes * 60_000).toISOString();
  const intents = targets(anomaly).map(({ kind, target, skip }) => {
    const reason = skip ?? railReason(anomaly, kind, target, config);
    return { id: actionId(anomaly.id, kind, target), kind, target, expiresAt, ...(reason ? { skip: reason } : {}) };
  });
  // "always" deletes the pod to revoke its bound token: quarantining it first would be moot.
  const revoke = intents.find((i) => i.kind === 'revoke-credentials' && i.target.kind === 'ServiceAccount' && !i.skip);
  if (config.boundTokenRevocation === 'always' && revoke) {
    for (const i of intents) {
      if (i.kind === 'quarantine' && !i.skip && i.target.namespace === revoke.target.namespace) {
        i.skip = `superseded: the pod is deleted to revoke its stolen token (enforcement.boundTokenRevocation is "always")`;
      }
    }
  }
  return intents.sort((a, b) => ACTION_ORDER.indexOf(a.kind) - ACTION_ORDER.indexOf(b.kind));
}
