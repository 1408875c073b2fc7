/**
 * Who is acting, in the terms detection rules need: is the caller part of the platform (control
 * plane, kube-system controllers, kubelets, EKS-managed identities), is the target a system
 * namespace, and does the caller look like a person. Pure and cheap: called for every request.
 */
import type { AuditUser } from './event';

export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

const SA_PREFIX = 'system:serviceaccount:';

/**
 * Platform identities: `system:*` users (control plane, kubelets), service accounts of the
 * system namespaces (controllers, add-ons) and `eks:*` users. Anonymous and unauthenticated
 * callers are not principals of the platform.
 */
export function isSystemPrincipal(username: string): boolean {
  if (username === 'system:anonymous' || username === 'system:unauthenticated') return false;
  if (username.startsWith('eks:')) return true;
  if (!username.startsWith('system:')) return false;
  if (!username.startsWith(SA_PREFIX)) return true;
  const end = username.indexOf(':', SA_PREFIX.length);
  return SYSTEM_NAMESPACES.has(username.slice(SA_PREFIX.length, end < 0 ? undefined : end));
}

export function isSystemNamespace(namespace: string | undefined): boolean {
  return namespace !== undefined && SYSTEM_NAMESPACES.has(namespace);
}

/**
 * The exclusion the published rules share (Panther's "system principal excluded" cases): a
 * platform identity acting on a system namespace or on cluster-scoped / all-namespace objects.
 * The same identity acting inside an application namespace is not excluded.
 */
export function isSystemActor(username: string, namespace: string | undefined): boolean {
  return isSystemPrincipal(username) && (namespace === undefined || isSystemNamespace(namespace));
}

export function isAnonymous(user: AuditUser): boolean {
  return user.username === 'system:anonymous' || user.username === 'system:unauthenticated' || (user.groups ?? []).includes('system:unauthenticated');
}

const HUMAN_UA_OS = /\((darwin|windows)\//i;

/**
 * People, as opposed to workloads and automation: IAM users and plain users, SSO permission-set
 * roles, roles assumed with an e-mail-like session name, or a client running on a laptop OS.
 * Only people get hour-of-week profiles and the softer scoring of exploratory behavior.
 */
export function isHumanLike(input: { type: string; canonicalArn?: string | undefined; sessionName?: string | undefined; userAgent?: string | undefined }): boolean {
  if (input.type === 'IAMUser' || input.type === 'User') return true;
  if (input.type !== 'IAMRole') return false;
  if (input.canonicalArn && /:role\/(aws-reserved\/sso\.amazonaws\.com\/[^/]*\/?)?AWSReservedSSO_/.test(input.canonicalArn)) return true;
  if (input.sessionName && /@|^[a-z]+\.[a-z]+$/i.test(input.sessionName)) return true;
  return input.userAgent !== undefined && HUMAN_UA_OS.test(input.userAgent);
}
