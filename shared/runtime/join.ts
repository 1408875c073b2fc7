/**
 * Joining a signal to its workload and principal. A pod UID is exact (Falco's `k8s.pod.uid`,
 * GuardDuty's pod workloads, and the `authentication.kubernetes.io/pod-uid` of audit events
 * made with a pod's bound token); without one, the namespace and pod name are looked up in the
 * inventory snapshot in force at the signal's time (pod names are reused after a pod is gone,
 * so the time matters). The pod's service account is the principal its token acts as.
 * A signal that cannot be joined is kept as it is, marked `unjoined`, and reported.
 */
import type { SequenceSignal, WorkloadRef } from '../events/schema';
import type { InventoryPod } from '../inventory/cluster';
import type { InventorySnapshot } from '../inventory/resolve';
import { stableLabels, workloadOf } from '../inventory/workload';
import { serviceAccountPrincipal } from './signal';

export interface PodLookup {
  /** The pod with this UID in any snapshot, the one nearest `at` first. */
  byUid(uid: string, at: number): InventoryPod | undefined;
  /** The pod with this namespace and name in the snapshot in force at `at` (or the next one). */
  byName(namespace: string, name: string, at: number): InventoryPod | undefined;
}

/** Lookups over snapshots; each snapshot is indexed once, on first use. */
export function podLookup(snapshots: readonly InventorySnapshot[]): PodLookup {
  const sorted = [...snapshots].sort((a, b) => a.takenAt - b.takenAt);
  const indexes = new Map<InventorySnapshot, { byName: Map<string, InventoryPod>; byUid: Map<string, InventoryPod> }>();
  const index = (s: InventorySnapshot) => {
    let i = indexes.get(s);
    if (!i) {
      i = { byName: new Map(), byUid: new Map() };
      for (const p of s.inventory.pods) {
        i.byName.set(`${p.namespace}/${p.name}`, p);
        if (p.uid) i.byUid.set(p.uid, p);
      }
      indexes.set(s, i);
    }
    return i;
  };
  /** The snapshot in force at `at`, then the next one (a pod born between two snapshots is in the later). */
  const around = (at: number): InventorySnapshot[] => {
    let current = -1;
    for (let i = 0; i < sorted.length; i++) if ((sorted[i] as InventorySnapshot).takenAt <= at) current = i;
    const picks = current < 0 ? [sorted[0]] : [sorted[current], sorted[current + 1]];
    return picks.filter((s): s is InventorySnapshot => s !== undefined);
  };
  return {
    // UIDs are never reused: any snapshot that has one names the same pod (nearest first).
    byUid: (uid, at) => {
      for (const s of [...sorted].sort((a, b) => Math.abs(a.takenAt - at) - Math.abs(b.takenAt - at))) {
        const p = index(s).byUid.get(uid);
        if (p) return p;
      }
      return undefined;
    },
    byName: (namespace, name, at) => {
      for (const s of around(at)) {
        const p = index(s).byName.get(`${namespace}/${name}`);
        if (p) return p;
      }
      return undefined;
    },
  };
}

function fromPod(pod: InventoryPod, known: WorkloadRef | undefined): WorkloadRef {
  const w = workloadOf(pod);
  return {
    ...known,
    namespace: pod.namespace,
    pod: pod.name,
    ...(pod.uid ? { podUid: pod.uid } : {}),
    ...(pod.serviceAccount ? { serviceAccount: pod.serviceAccount } : {}),
    owner: { kind: w.kind, name: w.name },
    labels: stableLabels(pod.labels),
  };
}

/** The signal joined to its pod, workload and principal, with how it was joined. */
export function joinSignal(signal: SequenceSignal, lookup: PodLookup): SequenceSignal {
  const w = signal.workload;
  if (!w) return signal;
  const at = Date.parse(signal.time);
  let pod: InventoryPod | undefined;
  let join = signal.join;
  if (w.podUid) {
    pod = lookup.byUid(w.podUid, at);
    // A UID joins to audit events of the pod's token even when no snapshot holds the pod.
    if (join === 'unjoined') join = 'pod-uid';
  }
  if (!pod && w.pod) {
    pod = lookup.byName(w.namespace, w.pod, at);
    if (pod && join === 'unjoined') join = 'pod-name';
  }
  if (!pod) return { ...signal, join };
  const workload = fromPod(pod, w);
  const principal = signal.principal ?? (workload.serviceAccount ? serviceAccountPrincipal(workload.namespace, workload.serviceAccount) : undefined);
  return { ...signal, workload, ...(principal ? { principal } : {}), join };
}
