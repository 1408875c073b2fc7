/**
 * How enforcement answers an attack sequence: as the anomaly of its compromised workload. The
 * response policy (shared/enforce) then decides exactly as it does for anomalies; the sequence
 * only says which pod and principal, and which actions it recommends. A reverse shell in a pod
 * always recommends isolating the pod and revoking its token: whoever holds the shell holds it.
 * A workload planted in the same story by another identity is answered on the planter's
 * credential instead (see planterOf).
 */
import { SCHEMA_VERSION, type ActionKind, type AttackSequence, type BehaviorAnomaly, type PrincipalRef, type SequenceSignal } from '../events/schema';

const SCORE = { LOW: 30, MEDIUM: 50, HIGH: 75, CRITICAL: 95 } as const;

/**
 * GuardDuty's and Falco's names for a shell wired to a network connection: the one list both
 * this module and the response policy (shared/enforce/response-policy.ts) answer.
 */
export const REVERSE_SHELL_TYPES = ['Execution:Runtime/ReverseShell', 'Redirect STDOUT/STDIN to Network Connection in Container'] as const;

export function isReverseShell(s: SequenceSignal): boolean {
  return s.layer === 'runtime' && (REVERSE_SHELL_TYPES as readonly string[]).includes(s.type);
}

/**
 * The identity that planted the compromised workload: an API-layer signal in the story, by
 * someone other than the workload's own service account, that touched the workload's pod or
 * owner. Its credential is the attacker's way in, so the response revokes that session; the
 * pod's token is the planter's creation (and a pod in a protected namespace is never touched).
 */
function planterOf(seq: AttackSequence, workload: AttackSequence['workloads'][number] | undefined, saName: string | undefined): PrincipalRef | undefined {
  if (!workload) return undefined;
  const names = [workload.pod, workload.owner?.name].filter((n): n is string => !!n);
  if (!names.length) return undefined;
  const touches = (object: string) => {
    const parts = object.split('/');
    return parts.length === 3 && parts[0] === workload.namespace && names.includes(parts[2]!);
  };
  const planted = seq.signals.find((s) => s.layer === 'api' && s.principal && s.principal !== saName && s.resources.some(touches));
  return planted ? (seq.actors.find((a) => a.name === planted.principal) ?? planted.actor) : undefined;
}

export function sequenceAsAnomaly(seq: AttackSequence): BehaviorAnomaly {
  // The workload the runtime layer saw is the compromised one; else the first with a pod.
  const runtimePods = seq.signals.filter((s) => s.layer === 'runtime' && s.workload?.pod).map((s) => s.workload!);
  const workload = seq.workloads.find((w) => runtimePods.some((r) => r.namespace === w.namespace && r.pod === w.pod)) ?? seq.workloads.find((w) => w.pod) ?? seq.workloads[0];
  const saName = workload?.serviceAccount ? `system:serviceaccount:${workload.namespace}:${workload.serviceAccount}` : undefined;
  const actor = (seq.signals.some((s) => s.layer === 'runtime') ? planterOf(seq, workload, saName) : undefined) ?? seq.actors.find((a) => a.name === saName) ?? seq.actors[0];
  const principal: PrincipalRef = actor ? { ...actor } : { type: 'ServiceAccount', name: saName ?? 'unknown', ...(workload ? { namespace: workload.namespace } : {}) };
  const actions = new Set<ActionKind>(seq.recommendedActions);
  if (seq.signals.some(isReverseShell)) {
    actions.add('quarantine');
    actions.add('revoke-credentials');
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    id: seq.id,
    cluster: seq.cluster,
    category: seq.signals.some((s) => s.layer === 'api' || s.layer === 'runtime') ? 'api' : 'network',
    severity: seq.severity,
    score: SCORE[seq.severity],
    principal,
    ...(workload ? { workload } : {}),
    findings: seq.signals.slice(0, 20).map((s) => ({
      type: s.type.slice(0, 100),
      title: s.title,
      description: `${s.layer} signal from ${s.source} at ${s.time}`,
      mitre: s.techniques,
      evidence: { count: 1, sourceIPs: s.endpoints, userAgents: [], baseline: s.baseline },
    })),
    window: seq.window,
    recommendedActions: [...actions],
  };
}
