/**
 * A ClusterRoleBinding to a privileged cluster role (Falco "Attach to cluster-admin Role",
 * Panther ClusterRoleBinding.Privileged; GuardDuty's RoleBindingCreated is the anomaly form).
 */
import { bindingOf } from '../../audit/request-object';
import { DEFAULT_PRIVILEGED_CLUSTER_ROLES } from '../config';
import { NONE, type AuditDetector } from '../types';
import { CREATE, ruleDraft, wrote } from './rule';

export const privilegedRoleBinding: AuditDetector = {
  id: 'privileged-role-binding',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'clusterrolebindings' || ref.subresource || !wrote(f, CREATE) || f.systemActor) return NONE;
    const { roleRef, subjects } = bindingOf(f.event);
    const privileged = state.config.privilegedClusterRoles ?? DEFAULT_PRIVILEGED_CLUSTER_ROLES;
    if (!roleRef || !privileged.includes(roleRef.name)) return NONE;
    const to = subjects.map((s) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`).join(', ') || 'no subjects';
    return [
      ruleDraft(state, f, {
        type: 'PrivilegedRoleBinding',
        title: `ClusterRoleBinding to ${roleRef.name}`,
        description: `${f.principal.key} created ClusterRoleBinding ${ref.name ?? ''} granting ${roleRef.name} to ${to}.`,
        mitre: ['T1098.006'],
        score: roleRef.name === 'cluster-admin' ? 70 : 65,
        pattern: roleRef.name,
      }),
    ];
  },
};
