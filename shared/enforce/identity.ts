/**
 * Which pod an anomaly is about, by identity rather than by name. A bound service-account token
 * carries the uid of the pod it was issued to (`authentication.kubernetes.io/pod-uid`, on the
 * anomaly as `workload.podUid`); a pod deleted and recreated by its controller can keep its
 * name (StatefulSets always do) but never its uid. Every action on a pod is planned against
 * that uid and carries it as a precondition of the write, so a late delivery never acts on the
 * innocent replacement.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { BehaviorAnomaly } from '../events/schema';

/** The uid the anomaly's token names for pod `namespace/name`, if it names that pod. */
export function tokenPodUid(anomaly: BehaviorAnomaly, namespace: string | undefined, name: string): string | undefined {
  const w = anomaly.workload;
  return w?.podUid && w.pod === name && w.namespace === namespace ? w.podUid : undefined;
}

/**
 * Why the live pod is not the anomaly's pod (a replacement with the same name), or undefined.
 * A pod that is gone, or an anomaly without a token uid, is left to the planners.
 */
export function replacedPodReason(anomaly: BehaviorAnomaly, namespace: string, name: string, pod: V1Pod | null | undefined): string | undefined {
  const expected = tokenPodUid(anomaly, namespace, name);
  const live = pod?.metadata?.uid;
  if (!expected || !live || live === expected) return undefined;
  return `pod ${namespace}/${name} was replaced since the anomaly (live uid ${live}, the token was bound to uid ${expected}): a replacement with the same name is never acted on`;
}

/** The uid an operation on the pod must find: the token's, else the one read when planning. */
export function expectedPodUid(anomaly: BehaviorAnomaly, namespace: string, name: string, pod: V1Pod | null | undefined): string | undefined {
  return tokenPodUid(anomaly, namespace, name) ?? pod?.metadata?.uid ?? undefined;
}
