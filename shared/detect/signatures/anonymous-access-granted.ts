/** A binding that grants rights to system:anonymous or system:unauthenticated (GuardDuty AnonymousAccessGranted). */
import { bindingOf } from '../../audit/request-object';
import { NONE, type AuditDetector } from '../types';
import { ruleDraft, wrote } from './rule';

const BINDINGS = new Set(['rolebindings', 'clusterrolebindings']);

export const anonymousAccessGranted: AuditDetector = {
  id: 'anonymous-access-granted',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref?.resource || !BINDINGS.has(ref.resource) || ref.subresource || !wrote(f)) return NONE;
    const { roleRef, subjects } = bindingOf(f.event);
    const who = subjects.find((s) => (s.kind === 'User' && s.name === 'system:anonymous') || (s.kind === 'Group' && (s.name === 'system:unauthenticated' || s.name === 'system:anonymous')));
    if (!who) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'AnonymousAccessGranted',
        title: `Rights granted to ${who.name}`,
        description: `${f.principal.key} bound ${roleRef ? `${roleRef.kind} ${roleRef.name}` : 'a role'} to ${who.kind} ${who.name} (${ref.resource} ${ref.name ?? ''}): anyone who can reach the API gets those rights.`,
        mitre: ['T1098.006'],
        score: 80,
        pattern: false,
      }),
    ];
  },
};
