/**
 * Blast-radius rails checked against the live cluster before an action takes a pod out of
 * service (a quarantine cuts its traffic, eviction and deletion remove it):
 *
 * - the criticality list (`rails.critical`): namespaces, workloads or labels never acted on;
 * - pods of a `system-*` priority class (`rails.excludedPriorityClasses`);
 * - pods of excluded owner kinds (`rails.excludedWorkloadKinds`, StatefulSets and DaemonSets
 *   by default: their pods are not interchangeable, or one per node);
 * - the replica floor (`rails.replicaFloor`): the owner's healthy replicas, read live, may not
 *   drop below max(minHealthy, ⌊minHealthyPercent × desired⌋).
 *
 * `workloadFacts` reads what the rails need (the pod, its owner chain ReplicaSet → Deployment
 * and its sibling pods); `railVerdict` is the pure decision. A floor breach is `hold` (queued
 * and re-evaluated: the replacement may be ready later); the others are `skip` (final).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { AppsKind, ClusterClient, WorkloadObject } from '../k8s/client';
import { globMatches, type RailsConfig } from './config';
import { QUARANTINE_LABEL } from './quarantine';
import type { Operation, Target } from './types';

/** The live state of a pod's workload, as the rails read it. */
export interface WorkloadFacts {
  namespace: string;
  pod: string;
  labels: Record<string, string>;
  priorityClassName?: string;
  /** Whether the pod itself counts as healthy now (taking it out lowers the count). */
  podHealthy: boolean;
  /** The top controller: a Deployment (through its ReplicaSet), StatefulSet, DaemonSet, ReplicaSet, Job… */
  owner?: { kind: string; name: string; desired?: number; healthy?: number };
  /** Set when the owner named by the pod could not be read: the floor cannot be checked. */
  unreadable?: string;
}

export type RailVerdict = { outcome: 'pass'; lines: string[] } | { outcome: 'skip' | 'hold'; reason: string; lines: string[] };

/** Operations that take a pod out of service, with the pod they name. */
export function podsTakenOut(ops: readonly Operation[]): Array<{ namespace: string; pod: string }> {
  const out: Array<{ namespace: string; pod: string }> = [];
  for (const op of ops) {
    if (op.op === 'quarantine-pod' || op.op === 'isolate-pod' || op.op === 'evict-pod' || op.op === 'delete-pod') out.push({ namespace: op.namespace, pod: op.pod });
  }
  return out;
}

const APPS: readonly string[] = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'];

/** Ready, running, not terminating and not already quarantined. */
export function podIsHealthy(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (pod.metadata?.labels?.[QUARANTINE_LABEL] !== undefined) return false;
  if (pod.status?.phase !== 'Running') return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function controllerOf(meta: { ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> } | undefined): { kind: string; name: string } | undefined {
  const refs = meta?.ownerReferences ?? [];
  const c = refs.find((r) => r.controller) ?? refs[0];
  return c ? { kind: c.kind, name: c.name } : undefined;
}

/**
 * Reads the pod's workload from the cluster: the owner (a ReplicaSet's own Deployment when it
 * has one), its desired replicas, and how many of its pods are healthy now. Healthy pods are
 * counted from the pods themselves, not the owner's status, which lags behind evictions.
 */
export async function workloadFacts(kube: ClusterClient, namespace: string, podName: string): Promise<WorkloadFacts | undefined> {
  const pod = await kube.getPod(namespace, podName);
  if (!pod) return undefined;
  const facts: WorkloadFacts = {
    namespace,
    pod: podName,
    labels: { ...(pod.metadata?.labels ?? {}) },
    ...(pod.spec?.priorityClassName ? { priorityClassName: pod.spec.priorityClassName } : {}),
    podHealthy: podIsHealthy(pod),
  };
  const ctl = controllerOf(pod.metadata);
  if (!ctl) return facts;
  if (!APPS.includes(ctl.kind)) {
    facts.owner = { kind: ctl.kind, name: ctl.name };
    return facts;
  }
  const direct = await kube.getWorkload(ctl.kind as AppsKind, namespace, ctl.name);
  if (!direct) {
    facts.owner = { kind: ctl.kind, name: ctl.name };
    facts.unreadable = `its owner ${ctl.kind} ${namespace}/${ctl.name} was not found`;
    return facts;
  }
  let top: WorkloadObject = direct;
  // Pods of a Deployment: every ReplicaSet it owns (a rollout spreads them over two).
  let podOwners = new Set([`${ctl.kind}/${ctl.name}`]);
  const up = ctl.kind === 'ReplicaSet' ? controllerOf(direct.metadata) : undefined;
  if (up?.kind === 'Deployment') {
    const dep = await kube.getWorkload('Deployment', namespace, up.name);
    if (!dep) {
      facts.owner = { kind: 'Deployment', name: up.name };
      facts.unreadable = `its owner Deployment ${namespace}/${up.name} was not found`;
      return facts;
    }
    top = dep;
    const sets = await kube.listReplicaSets(namespace);
    podOwners = new Set(sets.filter((rs) => controllerOf(rs.metadata)?.kind === 'Deployment' && controllerOf(rs.metadata)?.name === up.name).map((rs) => `ReplicaSet/${rs.metadata.name}`));
    podOwners.add(`${ctl.kind}/${ctl.name}`);
  }
  const siblings = (await kube.listPods({ namespace })).filter((p) => {
    const c = controllerOf(p.metadata);
    return c !== undefined && podOwners.has(`${c.kind}/${c.name}`);
  });
  facts.owner = { kind: top.kind, name: top.metadata.name ?? ctl.name, desired: top.desired, healthy: siblings.filter(podIsHealthy).length };
  return facts;
}

/** The floor of healthy replicas for a workload with `desired` replicas. */
export function replicaFloor(config: RailsConfig['replicaFloor'], desired: number): number {
  return Math.max(config.minHealthy, Math.floor((desired * config.minHealthyPercent) / 100));
}

function criticalMatch(config: RailsConfig, f: WorkloadFacts): RailsConfig['critical'][number] | undefined {
  const workload = f.owner ? `${f.owner.kind}/${f.owner.name}` : `Pod/${f.pod}`;
  return config.critical.find((e) => {
    if (e.namespace !== undefined && !globMatches(e.namespace, f.namespace)) return false;
    if (e.workload !== undefined && !globMatches(e.workload, workload) && !globMatches(e.workload, workload.split('/')[1])) return false;
    if (e.labels !== undefined && !Object.entries(e.labels).every(([k, v]) => f.labels[k] === v)) return false;
    return true;
  });
}

/** Whether taking this pod out of service is allowed, skipped for good, or held for later. */
export function railVerdict(config: RailsConfig, f: WorkloadFacts): RailVerdict {
  const id = `${f.namespace}/${f.pod}`;
  const workload = f.owner ? `${f.owner.kind} ${f.namespace}/${f.owner.name}` : `bare pod ${id}`;
  const critical = criticalMatch(config, f);
  if (critical) return { outcome: 'skip', reason: `rail critical: ${workload} is on the criticality list (enforcement.rails.critical)${critical.reason ? `: ${critical.reason}` : ''}`, lines: [] };
  const pc = f.priorityClassName;
  if (pc && config.excludedPriorityClasses.some((g) => globMatches(g, pc))) {
    return { outcome: 'skip', reason: `rail priority class: pod ${id} runs with priority class ${pc}, never taken out automatically (enforcement.rails.excludedPriorityClasses)`, lines: [] };
  }
  if (f.owner && (config.excludedWorkloadKinds as readonly string[]).includes(f.owner.kind)) {
    return { outcome: 'skip', reason: `rail workload kind: pod ${id} belongs to ${workload}; ${f.owner.kind} pods are never taken out automatically (enforcement.rails.excludedWorkloadKinds)`, lines: [] };
  }
  if (f.unreadable) return { outcome: 'hold', reason: `rail replica floor: cannot be checked for pod ${id}: ${f.unreadable}`, lines: [] };
  if (!f.owner || f.owner.desired === undefined || f.owner.healthy === undefined) {
    return { outcome: 'pass', lines: [`rail replica floor: not applicable to pod ${id} (${f.owner ? `owned by ${workload}` : 'no controller'})`] };
  }
  const floor = replicaFloor(config.replicaFloor, f.owner.desired);
  const after = f.owner.healthy - (f.podHealthy ? 1 : 0);
  const line = `rail replica floor: ${workload} has ${f.owner.healthy} healthy of ${f.owner.desired} desired (live); taking pod ${id} out leaves ${after}, floor ${floor} (max of minHealthy ${config.replicaFloor.minHealthy} and ${config.replicaFloor.minHealthyPercent}% of ${f.owner.desired}, rounded down)`;
  if (after < floor) return { outcome: 'hold', reason: `${line}: held below the floor`, lines: [line] };
  return { outcome: 'pass', lines: [line] };
}

/**
 * The rails for every pod an action's operations take out. Without cluster access nothing
 * can be checked: that is said, and the action is not held for it (dry-run only: apply needs
 * a cluster to act at all).
 */
export async function checkRails(kube: ClusterClient | undefined, config: RailsConfig, ops: readonly Operation[], target?: Target): Promise<RailVerdict> {
  const pods = podsTakenOut(ops);
  if (pods.length === 0) {
    // Nothing taken out (a policy, a credential): only the criticality list, by namespace and workload.
    if (!target?.namespace || (target.kind !== 'Deployment' && target.kind !== 'Pod')) return { outcome: 'pass', lines: [] };
    const f: WorkloadFacts = { namespace: target.namespace, pod: target.name, labels: {}, podHealthy: false, ...(target.kind === 'Deployment' ? { owner: { kind: 'Deployment', name: target.name } } : {}) };
    const c = criticalMatch(config, f);
    return c ? { outcome: 'skip', reason: `rail critical: ${target.kind} ${target.namespace}/${target.name} is on the criticality list (enforcement.rails.critical)${c.reason ? `: ${c.reason}` : ''}`, lines: [] } : { outcome: 'pass', lines: [] };
  }
  if (!kube) return { outcome: 'pass', lines: ['rails not checked (no cluster access): criticality, priority class, workload kind and replica floor would be checked against the live cluster'] };
  const lines: string[] = [];
  for (const p of pods) {
    const f = await workloadFacts(kube, p.namespace, p.pod);
    // A pod already gone is the planner's business (it records nothing to do).
    if (!f) continue;
    const v = railVerdict(config, f);
    if (v.outcome !== 'pass') return { ...v, lines: [...lines, ...v.lines] };
    lines.push(...v.lines);
  }
  return { outcome: 'pass', lines };
}
