/**
 * Workload identity: which Deployment, StatefulSet, DaemonSet, CronJob... a pod belongs to,
 * and the minimal stable label selector that picks exactly that workload's pods. Flow graphs,
 * baselines, policy advice and enforcement all key on these, so a rollout (new ReplicaSet,
 * new pod-template-hash, new pod names and IPs) never turns into a new workload.
 */
import type { InventoryPod } from './cluster';

export interface WorkloadId {
  namespace: string;
  /** Deployment, StatefulSet, DaemonSet, CronJob, Job, ReplicaSet, App (labels only) or Pod. */
  kind: string;
  name: string;
}

/**
 * Labels that change with every rollout, revision or replica: selecting on them would pin a
 * policy to one ReplicaSet or one pod (the Inspektor Gadget list, plus Job and StatefulSet ones).
 */
export const UNSTABLE_LABELS: ReadonlySet<string> = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'job-name',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/job-completion-index',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
]);

/** Identity labels in order of preference (issue #5: app.kubernetes.io/name, then app). */
export const IDENTITY_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name'] as const;
/** Labels that tell apart workloads sharing an identity label (e.g. two components of one app). */
export const DISAMBIGUATING_LABELS = ['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'component', 'tier', 'role'] as const;

// ReplicaSet and pod-name suffixes come from k8s.io/apimachinery's SafeEncodeString alphabet.
const RS_HASH_SUFFIX = /-[bcdfghjklmnpqrstvwxz2456789]{5,10}$/;
// CronJob-created Jobs are named <cronjob>-<scheduled time in minutes since the epoch>.
const CRONJOB_JOB_SUFFIX = /-\d{8,}$/;

export function stableLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels ?? {}).sort()) {
    if (!UNSTABLE_LABELS.has(key)) out[key] = (labels as Record<string, string>)[key] as string;
  }
  return out;
}

/**
 * The workload a pod belongs to. A ReplicaSet owner becomes its Deployment (the name minus the
 * pod-template-hash suffix), a CronJob's Job becomes the CronJob; ownerless pods fall back to
 * their identity label, then to the pod itself.
 */
export function workloadOf(pod: Pick<InventoryPod, 'namespace' | 'name' | 'labels' | 'owner'>): WorkloadId {
  const ns = pod.namespace;
  const owner = pod.owner;
  if (owner) {
    if (owner.kind === 'ReplicaSet') {
      const hash = pod.labels?.['pod-template-hash'];
      if (hash && owner.name.endsWith(`-${hash}`)) {
        return { namespace: ns, kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
      }
      if (RS_HASH_SUFFIX.test(owner.name)) return { namespace: ns, kind: 'Deployment', name: owner.name.replace(RS_HASH_SUFFIX, '') };
      return { namespace: ns, kind: 'ReplicaSet', name: owner.name };
    }
    if (owner.kind === 'Job' && CRONJOB_JOB_SUFFIX.test(owner.name)) {
      return { namespace: ns, kind: 'CronJob', name: owner.name.replace(CRONJOB_JOB_SUFFIX, '') };
    }
    return { namespace: ns, kind: owner.kind, name: owner.name };
  }
  for (const key of IDENTITY_LABELS) {
    const value = pod.labels?.[key];
    if (value) return { namespace: ns, kind: 'App', name: value };
  }
  return { namespace: ns, kind: 'Pod', name: pod.name };
}

/** `namespace/Kind/name`: the key of a workload in the flow graph and its baselines. */
export function workloadKey(w: WorkloadId): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}

export function parseWorkloadKey(key: string): WorkloadId | undefined {
  const parts = key.split('/');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) return undefined;
  return { namespace: parts[0] as string, kind: parts[1] as string, name: parts[2] as string };
}

export interface WorkloadSelector {
  matchLabels: Record<string, string>;
  /** Pods in the namespace the selector picks that belong to other workloads (empty = exact). */
  alsoSelects: string[];
  /** How it was chosen: the identity label, a disambiguated identity label, or all common stable labels. */
  basis: 'identity-label' | 'identity-label+disambiguator' | 'common-labels' | 'none';
}

function matches(labels: Record<string, string>, selector: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

function commonLabels(pods: ReadonlyArray<Pick<InventoryPod, 'labels'>>): Record<string, string> {
  const [first, ...rest] = pods;
  const common = stableLabels(first?.labels);
  for (const p of rest) {
    for (const k of Object.keys(common)) if (p.labels?.[k] !== common[k]) delete common[k];
  }
  return common;
}

/**
 * The minimal stable selector for a workload's pods: its identity label (app.kubernetes.io/name,
 * then app, ...) when every pod carries the same value and it selects no other workload's pods
 * in the namespace; else that label plus a disambiguating one; else every stable label the pods
 * share. Never a per-rollout label. `alsoSelects` reports any overlap that could not be avoided.
 */
export function workloadSelector(
  workload: WorkloadId,
  namespacePods: ReadonlyArray<Pick<InventoryPod, 'namespace' | 'name' | 'labels' | 'owner' | 'hostNetwork'>>,
): WorkloadSelector {
  const key = workloadKey(workload);
  const own = namespacePods.filter((p) => p.namespace === workload.namespace && workloadKey(workloadOf(p)) === key);
  const others = namespacePods.filter((p) => p.namespace === workload.namespace && workloadKey(workloadOf(p)) !== key);
  const overlap = (sel: Record<string, string>): string[] =>
    others
      .filter((p) => matches(p.labels ?? {}, sel))
      .map((p) => `${p.namespace}/${p.name}`)
      .sort();
  const common = commonLabels(own);
  if (own.length === 0 || Object.keys(common).length === 0) {
    return { matchLabels: {}, alsoSelects: [], basis: 'none' };
  }
  for (const id of IDENTITY_LABELS) {
    const value = common[id];
    if (value === undefined) continue;
    const sel = { [id]: value };
    if (overlap(sel).length === 0) return { matchLabels: sel, alsoSelects: [], basis: 'identity-label' };
    for (const d of DISAMBIGUATING_LABELS) {
      const dv = common[d];
      if (dv === undefined) continue;
      const sel2 = { [id]: value, [d]: dv };
      if (overlap(sel2).length === 0) return { matchLabels: sortKeys(sel2), alsoSelects: [], basis: 'identity-label+disambiguator' };
    }
    break;
  }
  return { matchLabels: common, alsoSelects: overlap(common), basis: 'common-labels' };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k] as string;
  return out;
}
