/**
 * Physical names derived from cluster names. EKS allows 100 characters; most names we derive
 * allow fewer, so long ones are shortened with a hash that keeps them unique and stable.
 */
import { createHash } from 'node:crypto';
import { PROTECTED_ROLE_TAG } from '#shared/enforce/iam-scope';
import { ENFORCER_GROUP, INVENTORY_GROUP } from '#shared/k8s/rbac';

export function boundedName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9)}-${hash}`;
}

/** EventBridge Scheduler group for a cluster's revert schedules: [0-9a-zA-Z-_.]{1,64}. */
export function scheduleGroupName(cluster: string): string {
  return boundedName(`boundwatch-${cluster}`, 64);
}

/**
 * Kubernetes groups the EKS access entries map boundwatch's roles to; the ClusterRoles bound to
 * them are shared/k8s/rbac.ts (the RBAC manifests the README tells you to apply).
 */
export const EKS_GROUPS = {
  enforcer: ENFORCER_GROUP,
  inventory: INVENTORY_GROUP,
} as const;

/** Tag that puts an IAM role out of reach of credential revocation (an explicit Deny matches it; the planner reads it too). */
export const PROTECTED_TAG = PROTECTED_ROLE_TAG;
