/**
 * A service-account token requested by someone other than the platform (Stratus create-token,
 * Panther ServiceAccount.TokenCreated). Kubelets request tokens for their pods all the time and
 * are exempt.
 */
import { NONE, type AuditDetector } from '../types';
import { CREATE, ruleDraft, wrote } from './rule';

export const tokenRequested: AuditDetector = {
  id: 'token-requested',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'serviceaccounts' || ref.subresource !== 'token' || !wrote(f, CREATE) || f.systemActor) return NONE;
    if (f.principal.type === 'Node' || (f.event.user.groups ?? []).includes('system:nodes')) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'ServiceAccountTokenRequested',
        title: `Token requested for service account ${ref.namespace ?? ''}/${ref.name ?? ''}`,
        description: `${f.principal.key} requested a token for ${ref.namespace ?? ''}/${ref.name ?? ''}: a credential that acts as that service account, usable from anywhere until it expires.`,
        mitre: ['T1528', 'T1098.001'],
        score: 55,
        pattern: ref.namespace ?? '',
      }),
    ];
  },
};
