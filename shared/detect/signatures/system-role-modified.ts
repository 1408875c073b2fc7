/** A built-in `system:` role changed or removed (Falco System ClusterRole Modified/Deleted, Panther SystemRole.Modified). */
import { NONE, type AuditDetector } from '../types';
import { ruleDraft, wrote } from './rule';

const ROLES = new Set(['roles', 'clusterroles']);
const VERBS = new Set(['create', 'update', 'patch', 'delete']);
/** Roles their own add-ons legitimately edit (Falco's exceptions). */
const EXPECTED = new Set(['system:coredns', 'system:managed-certificate-controller']);

export const systemRoleModified: AuditDetector = {
  id: 'system-role-modified',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    const name = ref?.name ?? '';
    if (!ref?.resource || !ROLES.has(ref.resource) || ref.subresource || !name.startsWith('system:') || EXPECTED.has(name)) return NONE;
    if (!wrote(f, VERBS) || f.systemActor) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'SystemRoleModified',
        title: `Built-in role ${name} ${f.event.verb === 'delete' ? 'deleted' : 'modified'}`,
        description: `${f.principal.key} made ${f.event.verb} on ${ref.resource} ${name}, a role Kubernetes itself maintains.`,
        mitre: ['T1098.006'],
        score: 60,
        pattern: name,
      }),
    ];
  },
};
