/**
 * The two facts about "who is this and how much do we know yet" that detectors and response
 * gates share, kept in one place:
 *
 * - A platform controller: a service account running in a pod of the cluster (its token is bound
 *   to a pod and it calls from inside the VPC) whose rights come from a ClusterRoleBinding, i.e.
 *   an add-on or operator installed with cluster-wide rights on purpose (GitOps, certificate and
 *   secret controllers, monitoring), or a control-plane identity. What its RBAC grants it is, by
 *   construction, what it was installed to do.
 * - Learning: the cluster is still inside its learning period, or the principal is (its own
 *   baseline is not mature and its peer group gives none).
 *
 * During learning a signature on a platform controller is not a page: it is capped below HIGH,
 * and below MEDIUM when a dedicated (non-admin) ClusterRole granted exactly the request.
 */
import type { AuditFacts, JudgeState } from './types';
import { DEFAULT_PRIVILEGED_CLUSTER_ROLES } from './config';

const CLUSTER_GRANT = /ClusterRoleBinding "([^"]*)" of ClusterRole "([^"]*)"/;
/** Roles that grant everything or most things: a grant through them says nothing about intent. */
const BROAD_ROLES = new Set(['admin', 'edit', ...DEFAULT_PRIVILEGED_CLUSTER_ROLES]);

/** The ClusterRole that allowed the request through a ClusterRoleBinding, if any. */
export function clusterRoleGrant(f: AuditFacts): string | undefined {
  const reason = f.event.annotations?.['authorization.k8s.io/reason'];
  if (!reason || !reason.startsWith('RBAC')) return undefined;
  return CLUSTER_GRANT.exec(reason)?.[2];
}

export function isPlatformController(f: AuditFacts): boolean {
  if (f.principal.type === 'System' || f.group === 'control-plane') return true;
  if (f.principal.type !== 'ServiceAccount' || !f.features.boundPod || !f.sourceNet.internal) return false;
  return clusterRoleGrant(f) !== undefined;
}

/** Whether the request is judged while the cluster or the principal is still learning. */
export function learning(state: JudgeState): boolean {
  return !state.clusterMature || state.baseline === undefined;
}

/**
 * The highest score a signature may give this request: undefined (no cap) unless the caller is a
 * platform controller during learning.
 */
export function learningCap(f: AuditFacts, state: JudgeState): number | undefined {
  if (!learning(state) || !isPlatformController(f)) return undefined;
  const role = clusterRoleGrant(f);
  return role !== undefined && !BROAD_ROLES.has(role) ? 39 : 64;
}
