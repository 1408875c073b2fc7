/** Admin rights bound to a namespace's `default` service account (GuardDuty AdminAccessToDefaultServiceAccount). */
import { bindingOf } from '../../audit/request-object';
import { NONE, type AuditDetector } from '../types';
import { ruleDraft, wrote } from './rule';

const BINDINGS = new Set(['rolebindings', 'clusterrolebindings']);
const ADMIN = new Set(['cluster-admin', 'admin']);

export const adminToDefaultServiceAccount: AuditDetector = {
  id: 'admin-to-default-service-account',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref?.resource || !BINDINGS.has(ref.resource) || ref.subresource || !wrote(f)) return NONE;
    const { roleRef, subjects } = bindingOf(f.event);
    if (!roleRef || !ADMIN.has(roleRef.name)) return NONE;
    const sa = subjects.find((s) => s.kind === 'ServiceAccount' && s.name === 'default');
    if (!sa) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'AdminAccessToDefaultServiceAccount',
        title: `${roleRef.name} granted to a default service account`,
        description: `${f.principal.key} bound ${roleRef.name} to the default service account of ${sa.namespace ?? ref.namespace ?? 'a namespace'}: every pod there that does not name a service account gets admin.`,
        mitre: ['T1098.006'],
        score: 75,
        pattern: false,
      }),
    ];
  },
};
