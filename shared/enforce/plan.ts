/**
 * From a Behavior Anomaly to the actions it calls for. The response table
 * (response-policy.ts) decides per class of finding how far up the ladder to go and whom to
 * target; the gates (gates.ts) decide whether that may change anything automatically; then the
 * rails that need no lookup: mode (`off` plans nothing), protected namespaces (always
 * kube-system and boundwatch's own), protected principals (configured, plus nodes, whose
 * credentials are never revoked), allow-lists. Each action gets a deterministic id (the same
 * anomaly redelivered plans the same actions), an expiry, and the gate it passed or stopped
 * at. Budgets, the live rails and idempotency need state and are applied by the engine.
 */
import { allowListMatch, protectedNamespaces, type EnforcementConfig } from './config';
import { stableId } from '../events/ids';
import type { ActionKind, BehaviorAnomaly, EnforcementAction, EnforcementMode } from '../events/schema';
import { roleNameFromArn } from './aws';
import { gate, type LearningConfig, type MaturityFacts } from './gates';
import { decide, type ClassDecision } from './response-policy';
import { serviceAccountOf } from './revoke';
import type { NetworkPolicy } from '../netpol-api/types';
import type { ActionIntent, Target } from './types';

/** One action as the enforce function announces it, with the policies it applies or would apply. */
export interface PlannedAction {
  action: EnforcementAction;
  policies: NetworkPolicy[];
}

export interface IntentInput {
  anomaly: BehaviorAnomaly;
  mode: EnforcementMode;
  config: EnforcementConfig;
  /** Time of the decision (event time in a replay), for the expiry and the age gate. */
  now: Date;
  /** The detection learning periods; the defaults when absent. */
  learning?: LearningConfig;
  /** What is known of the cluster's and the principal's learning; undefined: nothing. */
  maturity?: MaturityFacts;
}

const DEFAULT_LEARNING: LearningConfig = { learningDays: 7, clusterLearningDays: 7 };

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

interface Candidate {
  kind: ActionKind;
  target: Target;
  skip?: string;
  /** The table's reason: class, rung and the findings behind it. */
  why: string;
}

function iamTarget(anomaly: BehaviorAnomaly): Target | undefined {
  const p = anomaly.principal;
  if (p.type !== 'IAMRole' && p.type !== 'IAMUser') return undefined;
  const arn = p.name.startsWith('arn:') ? p.name : (p.arn ?? p.name);
  const name = p.type === 'IAMRole' ? (roleNameFromArn(arn) ?? arn) : (arn.split('/').pop() ?? arn);
  return { kind: p.type, name, arn };
}

function nodeCandidate(anomaly: BehaviorAnomaly, why: string): Candidate | undefined {
  const p = anomaly.principal;
  if (p.type !== 'Node' || !p.arn) return undefined;
  return {
    kind: 'revoke-credentials',
    target: { kind: 'IAMRole', name: roleNameFromArn(p.arn) ?? p.arn, arn: p.arn },
    skip: `node credentials are never revoked: it would cut off every pod on node ${p.name.replace(/^system:node:/, '')}`,
    why,
  };
}

/** The credential an anomaly's principal holds, as a revoke target. */
function credentialCandidates(anomaly: BehaviorAnomaly, why: string): Candidate[] {
  const sa = anomaly.principal.type === 'ServiceAccount' ? serviceAccountOf(anomaly) : undefined;
  if (sa) return [{ kind: 'revoke-credentials', target: { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name }, why }];
  const iam = iamTarget(anomaly);
  if (iam) return [{ kind: 'revoke-credentials', target: iam, why }];
  const node = nodeCandidate(anomaly, why);
  // Users of other authenticators, anonymous callers and the control plane hold no credential boundwatch can revoke.
  return node ? [node] : [];
}

function podTarget(anomaly: BehaviorAnomaly): Target | undefined {
  const w = anomaly.workload;
  return w?.pod ? { kind: 'Pod', namespace: w.namespace, name: w.pod } : undefined;
}

function egressTarget(anomaly: BehaviorAnomaly): Target | undefined {
  const w = anomaly.workload;
  if (w?.owner?.kind === 'Deployment') return { kind: 'Deployment', namespace: w.namespace, name: w.owner.name };
  return podTarget(anomaly);
}

/** What one class decision on its rung does, and to whom. */
function candidatesFor(anomaly: BehaviorAnomaly, d: ClassDecision): Candidate[] {
  const why = `response table: ${d.class} finding${d.because.length === 1 ? '' : 's'} ${d.because.join(', ')} → ${d.rung}`;
  switch (d.class) {
    case 'credential':
      // The credential, never the workload it was stolen from.
      return credentialCandidates(anomaly, why);
    case 'workload': {
      if (d.rung === 'quarantine' || d.rung === 'revoke-credentials') {
        const pod = podTarget(anomaly);
        if (pod) return [{ kind: 'quarantine', target: pod, why }];
      }
      const t = egressTarget(anomaly);
      return t ? [{ kind: 'tighten-egress', target: t, why }] : [];
    }
    case 'identity': {
      if (d.rung === 'tighten-egress') {
        const t = egressTarget(anomaly);
        return t ? [{ kind: 'tighten-egress', target: t, why }] : [];
      }
      // A workload acting from its own pod: isolate the pod. A person, a CI role: its sessions.
      const pod = anomaly.principal.type === 'ServiceAccount' ? podTarget(anomaly) : undefined;
      if (pod) return [{ kind: 'quarantine', target: pod, why }];
      if (d.rung === 'quarantine') return [];
      return credentialCandidates(anomaly, why);
    }
    case 'signal':
      return [];
  }
}

function notifyTarget(anomaly: BehaviorAnomaly): Target | undefined {
  const sa = serviceAccountOf(anomaly);
  return podTarget(anomaly) ?? (sa ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name } : undefined) ?? iamTarget(anomaly);
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
  // A session of an IAM identity lives outside the cluster: revoking it touches nothing in the
  // namespace where it was used (protectedPrincipals guards the identities never to touch).
  const outsideCluster = kind === 'revoke-credentials' && (target.kind === 'IAMRole' || target.kind === 'IAMUser');
  const ns = outsideCluster ? undefined : namespaces.find((n) => protectedNs.has(n));
  if (ns) return `namespace ${ns} is protected`;
  const p = anomaly.principal;
  const hit = [p.name, p.arn].find((x) => x !== undefined && config.protectedPrincipals.includes(x));
  if (hit) return `principal ${hit} is protected`;
  const allowed = allowListMatch(config.allowList, kind, { principal: p, ...(namespaces[0] ? { namespace: namespaces[0] } : {}), ...(workloadRef(anomaly) ? { workload: workloadRef(anomaly)! } : {}) });
  if (allowed) return `allow-listed for ${kind}${allowed.reason ? `: ${allowed.reason}` : ''}`;
  return undefined;
}

/** The actions an anomaly calls for, in execution order, each screened by the gates and the rails that need no lookup. */
export function planIntents({ anomaly, mode, config, now, learning, maturity }: IntentInput): ActionIntent[] {
  if (mode === 'off') return [];
  const expiresAt = new Date(now.getTime() + config.ttlMinutes * 60_000).toISOString();
  const decision = decide(anomaly, config.responses);
  const seen = new Set<string>();
  const intents: ActionIntent[] = [];
  const add = (c: Candidate, gateLine: string, gateSkip?: string) => {
    const id = actionId(anomaly.id, c.kind, c.target);
    if (seen.has(id)) return;
    seen.add(id);
    const reason = c.skip ?? railReason(anomaly, c.kind, c.target, config) ?? gateSkip;
    intents.push({ id, kind: c.kind, target: c.target, expiresAt, why: c.why, gate: gateLine, ...(reason ? { skip: reason } : {}) });
  };
  const credential = decision.classes.find((d) => d.class === 'credential' && d.rung !== 'notify');
  for (const d of decision.classes) {
    if (d.rung === 'notify') continue;
    let candidates = candidatesFor(anomaly, d);
    // A credential used away from its pod: the pod is the victim, not the actor. Its token is
    // revoked (the pod evicted); it is not also quarantined for what the token's holder did.
    if (credential && d.class !== 'credential' && anomaly.principal.type === 'ServiceAccount') {
      candidates = candidates.filter((c) => c.kind !== 'quarantine');
    }
    if (candidates.length === 0) continue;
    const g = gate({ anomaly, decision: d, config, learning: learning ?? DEFAULT_LEARNING, maturity, now });
    const line = `gate ${g.gate}: ${g.reason}`;
    for (const c of candidates) add(c, line, g.pass ? undefined : `did not act (gate ${g.gate}): ${g.reason}`);
  }
  if (intents.length === 0) {
    const target = notifyTarget(anomaly);
    const because = decision.classes.flatMap((d) => d.because).concat(decision.unknown.map((u) => `${u} (not in the response table)`));
    if (target) add({ kind: 'notify', target, why: `response table: ${because.join(', ') || 'no finding'} → notify` }, 'gate none: notify changes nothing');
  }
  return intents.sort((a, b) => ACTION_ORDER.indexOf(a.kind) - ACTION_ORDER.indexOf(b.kind));
}
