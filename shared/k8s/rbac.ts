/**
 * The Kubernetes RBAC boundwatch needs, and nothing more. Lambda roles reach it through EKS
 * access entries: the CDK stack maps the enforce and revert functions' role to the group
 * `boundwatch:enforcer` and the inventory function's role to `boundwatch:inventory`
 * (`kubernetesGroups` of an access entry of type STANDARD, no access policy attached); these
 * bindings give the groups their permissions. `renderRbacYaml()` is what a user applies with
 * `kubectl apply -f`.
 *
 * Secrets: the enforcer may `get` and `delete` secrets but not `list` (or watch) them. Listing
 * returns every secret's data in the namespace or cluster, which would make boundwatch's role
 * the most valuable credential in the account. Revocation does not need it: a ServiceAccount's
 * `secrets` list names its legacy token secrets, each is read by name to confirm it is a
 * `kubernetes.io/service-account-token` secret of that ServiceAccount, then deleted with a uid
 * precondition. What this misses (token secrets created by hand and not listed on the
 * ServiceAccount, Kubernetes ≥ 1.24) is named in the audit events that raised the anomaly, and
 * can be deleted by name the same way.
 */
import { stringify } from 'yaml';

export const ENFORCER_GROUP = 'boundwatch:enforcer';
export const INVENTORY_GROUP = 'boundwatch:inventory';
export const ENFORCER_CLUSTER_ROLE = 'boundwatch-enforcer';
export const INVENTORY_CLUSTER_ROLE = 'boundwatch-inventory';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** What enforcement and revert do, verb by verb (server-side apply is `patch`, plus `create` when the object is new). */
export const ENFORCER_RULES: readonly PolicyRule[] = [
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  // Quarantine with an Admin-tier deny where EKS serves ClusterNetworkPolicy; read for verification.
  { apiGroups: ['networking.k8s.aws'], resources: ['clusternetworkpolicies'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  // Quarantine relabels a pod (patch); revoking a stolen bound token deletes its pod.
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch', 'delete'] },
  // Token revocation evicts the pod the token is bound to, so PodDisruptionBudgets hold.
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: [''], resources: ['namespaces', 'services', 'nodes', 'serviceaccounts'], verbs: ['get', 'list'] },
  // The replica floor reads a pod's live owner (ReplicaSet → Deployment, StatefulSet, DaemonSet).
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: ['get', 'list'] },
  // Named legacy token secrets only: no list, no watch (see above).
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'delete'] },
];

/** Snapshots for the inventory function: read-only, and nothing secret. */
export const INVENTORY_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'nodes'], verbs: ['get', 'list'] },
  // The policies in force, for `netpol audit` against the live cluster.
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list'] },
  { apiGroups: ['networking.k8s.aws'], resources: ['clusternetworkpolicies'], verbs: ['get', 'list'] },
];

const LABELS = { 'app.kubernetes.io/name': 'boundwatch', 'app.kubernetes.io/part-of': 'boundwatch' };

function clusterRole(name: string, component: string, rules: readonly PolicyRule[]) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...LABELS, 'app.kubernetes.io/component': component } },
    rules: rules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
  };
}

function clusterRoleBinding(name: string, component: string, group: string) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...LABELS, 'app.kubernetes.io/component': component } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  };
}

/** The four RBAC objects: a ClusterRole and a ClusterRoleBinding for each group. */
export function rbacManifests(): Record<string, unknown>[] {
  return [
    clusterRole(ENFORCER_CLUSTER_ROLE, 'enforcer', ENFORCER_RULES),
    clusterRoleBinding(ENFORCER_CLUSTER_ROLE, 'enforcer', ENFORCER_GROUP),
    clusterRole(INVENTORY_CLUSTER_ROLE, 'inventory', INVENTORY_RULES),
    clusterRoleBinding(INVENTORY_CLUSTER_ROLE, 'inventory', INVENTORY_GROUP),
  ];
}

/** A multi-document YAML for `kubectl apply -f -`. */
export function renderRbacYaml(): string {
  const header = [
    '# boundwatch RBAC. Map the enforce/revert Lambda role to group boundwatch:enforcer and the',
    '# inventory Lambda role to group boundwatch:inventory with EKS access entries (the CDK stack does).',
    '',
  ].join('\n');
  return header + rbacManifests().map((m) => stringify(m)).join('---\n');
}
