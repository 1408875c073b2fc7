/**
 * GuardDuty's tactic buckets for its IP-reputation and anonymous-access finding types
 * (`<Tactic>:Kubernetes/MaliciousIPCaller`, ...). AWS does not publish which API falls in
 * which bucket (shared/detect/README.md#tactics); this is our reading of "an API commonly used
 * to" access credentials, evade defenses, discover, tamper with resources or persist.
 */
import type { AuditEvent } from '../audit/event';

export const TACTICS = ['CredentialAccess', 'DefenseEvasion', 'Discovery', 'Impact', 'Persistence'] as const;
export type Tactic = (typeof TACTICS)[number];

const READ = new Set(['get', 'list', 'watch']);
const DEFENSE = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'networkpolicies', 'podsecuritypolicies']);
const PERSIST = new Set([
  'serviceaccounts', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings', 'cronjobs', 'daemonsets', 'deployments',
  'statefulsets', 'replicasets', 'jobs', 'pods', 'certificatesigningrequests', 'customresourcedefinitions', 'namespaces',
]);

export function tacticOf(event: AuditEvent): Tactic {
  const ref = event.objectRef;
  const resource = ref?.resource ?? '';
  const sub = ref?.subresource;
  const verb = event.verb;
  if (resource === 'secrets' && !sub) return READ.has(verb) ? 'CredentialAccess' : verb === 'delete' || verb === 'deletecollection' ? 'Impact' : 'Persistence';
  if (resource === 'serviceaccounts' && sub === 'token') return 'CredentialAccess';
  if (resource === 'pods' && (sub === 'exec' || sub === 'attach')) return 'CredentialAccess';
  if (resource === 'certificatesigningrequests' && verb === 'create') return 'CredentialAccess';
  if (READ.has(verb) || resource === 'selfsubjectaccessreviews' || resource === 'selfsubjectrulesreviews' || !resource) return 'Discovery';
  if (resource === 'events' && (verb === 'delete' || verb === 'deletecollection')) return 'DefenseEvasion';
  if (DEFENSE.has(resource)) return 'DefenseEvasion';
  if (resource === 'configmaps' && ref?.namespace === 'kube-system' && ref.name === 'aws-auth' && verb !== 'delete') return 'Persistence';
  if (verb === 'create' || verb === 'bind' || verb === 'escalate') return PERSIST.has(resource) ? 'Persistence' : 'Impact';
  return 'Impact';
}

/** GuardDuty's default severities per tactic: High for credential access, evasion and impact. */
export function tacticScore(t: Tactic): number {
  return t === 'Discovery' ? 55 : t === 'Persistence' ? 65 : 75;
}
