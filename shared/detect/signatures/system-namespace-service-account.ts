/** A service account created in kube-system or kube-public by someone other than the platform (Falco). */
import { isSystemPrincipal } from '../../audit/actor';
import { NONE, type AuditDetector } from '../types';
import { CREATE, ruleDraft, wrote } from './rule';

const NAMESPACES = new Set(['kube-system', 'kube-public']);

export const systemNamespaceServiceAccount: AuditDetector = {
  id: 'system-namespace-service-account',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'serviceaccounts' || ref.subresource || !NAMESPACES.has(ref.namespace ?? '') || !wrote(f, CREATE)) return NONE;
    if (isSystemPrincipal(f.event.user.username)) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'ServiceAccountCreatedInSystemNamespace',
        title: `Service account created in ${ref.namespace}`,
        description: `${f.principal.key} created service account ${ref.namespace}/${ref.name ?? ''}; identities in system namespaces usually come with the platform's add-ons.`,
        mitre: ['T1136', 'T1098.006'],
        score: 45,
        pattern: ref.namespace ?? '',
      }),
    ];
  },
};
