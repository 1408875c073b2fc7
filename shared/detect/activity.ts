/**
 * Audit activity that is worth recording but is not a security finding by itself: Falco's INFO
 * "K8s <object> Created/Deleted" rules and the plain fact of an exec. boundwatch does not alert
 * on these; the baseline detectors turn them into findings when they are unusual for the
 * principal. The labels exist for parity checks and for reports.
 */
import { isSystemNamespace } from '../audit/actor';
import type { AuditEvent } from '../audit/event';

const NAMES: Record<string, string> = {
  deployments: 'Deployment',
  services: 'Service',
  configmaps: 'ConfigMap',
  namespaces: 'Namespace',
  serviceaccounts: 'ServiceAccount',
  roles: 'Role',
  clusterroles: 'Role',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'RoleBinding',
  secrets: 'Secret',
};

function ok(e: AuditEvent): boolean {
  const c = e.responseStatus?.code;
  return c !== undefined && ((c >= 200 && c < 300) || c === 101);
}

/** Activity labels of one request, e.g. `DeploymentCreated`, `PodExec`. */
export function activityOf(e: AuditEvent): string[] {
  const ref = e.objectRef;
  if (!ref?.resource || !ok(e)) return [];
  if (ref.resource === 'pods' && (ref.subresource === 'exec' || ref.subresource === 'attach')) return ['PodExec'];
  if (ref.resource === 'pods' && ref.subresource === 'portforward') return ['PortForward'];
  if (ref.subresource) return [];
  const name = NAMES[ref.resource];
  if (!name || (e.verb !== 'create' && e.verb !== 'delete')) return [];
  const nonSystemUser = !e.user.username.startsWith('system:');
  // Falco: namespace deletion and secret changes count only when people make them, outside kube-system.
  if (ref.resource === 'namespaces' && e.verb === 'delete' && !nonSystemUser) return [];
  if (ref.resource === 'secrets' && (!nonSystemUser || isSystemNamespace(ref.namespace))) return [];
  return [`${name}${e.verb === 'create' ? 'Created' : 'Deleted'}`];
}
