/**
 * The workload a pod belongs to, guessed from the pod's name alone: the audit log names the pod
 * a bound service-account token was issued to, not its owner. Controllers name pods
 * predictably — Deployment `<name>-<rs hash>-<5>`, DaemonSet/Job `<name>-<5>`, CronJob
 * `<name>-<minutes since epoch>-<5>`, StatefulSet `<name>-<ordinal>` — so replicas of one
 * workload map to one key, which is what a peer group of replicas needs.
 */

/** The 5-character random suffix alphabet of generateName (no vowels, no 0/1/3 lookalikes). */
const RAND5 = /-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
/** ReplicaSet pod-template hashes are 6–10 characters of the same alphabet. */
const RS_HASH = /-[bcdfghjklmnpqrstvwxz2456789]{6,10}$/;
/** CronJob-created Jobs carry the scheduled time in minutes since the epoch. */
const CRON_STAMP = /-\d{8,10}$/;
const ORDINAL = /-\d{1,4}$/;

export function ownerOfPod(podName: string): string {
  if (RAND5.test(podName)) {
    const base = podName.replace(RAND5, '');
    if (CRON_STAMP.test(base)) return base.replace(CRON_STAMP, '');
    if (RS_HASH.test(base)) return base.replace(RS_HASH, '');
    return base;
  }
  if (ORDINAL.test(podName)) return podName.replace(ORDINAL, '');
  return podName;
}

/** Peer-group key for the replicas of one workload. */
export function workloadGroupKey(namespace: string, podName: string): string {
  return `workload:${namespace}/${ownerOfPod(podName)}`;
}
