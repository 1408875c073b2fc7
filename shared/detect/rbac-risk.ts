/**
 * How much privilege an RBAC write hands out, from its body: a namespaced Role that lets an app
 * renew its leader-election lease is not a cluster-admin binding, though both are "RBAC
 * create". Returns a weight in (0, 1] for the first-use score; without a body (Metadata-level
 * logging) nothing is known and the weight is 1.
 */
import type { AuditEvent } from '../audit/event';
import { bindingOf, body, roleRulesOf } from '../audit/request-object';
import { DEFAULT_PRIVILEGED_CLUSTER_ROLES } from './config';

const POWERFUL_RESOURCES = new Set([
  '*', 'secrets', 'pods/exec', 'pods/attach', 'pods/portforward', 'pods/ephemeralcontainers', 'nodes', 'nodes/proxy', 'serviceaccounts/token',
  'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings', 'mutatingwebhookconfigurations', 'validatingwebhookconfigurations',
  'certificatesigningrequests', 'certificatesigningrequests/approval', 'customresourcedefinitions', 'persistentvolumes',
]);
const POWERFUL_VERBS = new Set(['*', 'escalate', 'bind', 'impersonate']);
const WRITE_VERBS = new Set(['*', 'create', 'update', 'patch', 'delete', 'deletecollection']);
const WRITE_ROLES = new Set(['edit', ...DEFAULT_PRIVILEGED_CLUSTER_ROLES]);

export function rbacWeight(event: AuditEvent, privilegedRoles: readonly string[] = DEFAULT_PRIVILEGED_CLUSTER_ROLES): number {
  const resource = event.objectRef?.resource;
  if (!body(event)) return 1;
  if (resource === 'roles' || resource === 'clusterroles') {
    const rules = roleRulesOf(event);
    if (rules.length === 0) return 1;
    const powerful = rules.some((r) => r.verbs.some((v) => POWERFUL_VERBS.has(v)) || r.resources.some((x) => POWERFUL_RESOURCES.has(x)));
    if (powerful) return 1;
    const writes = rules.some((r) => r.verbs.some((v) => WRITE_VERBS.has(v)));
    return resource === 'clusterroles' ? (writes ? 0.7 : 0.5) : writes ? 0.4 : 0.3;
  }
  if (resource === 'rolebindings' || resource === 'clusterrolebindings') {
    const { roleRef } = bindingOf(event);
    if (!roleRef) return 1;
    if (privilegedRoles.includes(roleRef.name) || WRITE_ROLES.has(roleRef.name)) return 1;
    if (roleRef.kind === 'Role') return 0.4;
    return roleRef.name === 'view' ? 0.5 : 0.7;
  }
  return 1;
}
