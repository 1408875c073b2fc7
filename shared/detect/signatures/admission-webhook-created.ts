/** An admission webhook registered (Panther AdmissionController.Created): it sees, and may change, every matching request. */
import { NONE, type AuditDetector } from '../types';
import { CREATE, ruleDraft, wrote } from './rule';

const WEBHOOKS = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']);

export const admissionWebhookCreated: AuditDetector = {
  id: 'admission-webhook-created',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref?.resource || !WEBHOOKS.has(ref.resource) || ref.subresource || !wrote(f, CREATE) || f.systemActor) return NONE;
    const mutating = ref.resource.startsWith('mutating');
    return [
      ruleDraft(state, f, {
        type: 'AdmissionWebhookCreated',
        title: `${mutating ? 'Mutating' : 'Validating'} admission webhook ${ref.name ?? ''} created`,
        description: `${f.principal.key} registered ${ref.resource} ${ref.name ?? ''}; the webhook receives${mutating ? ' and may rewrite' : ''} every matching API request, a persistence and interception point.`,
        mitre: mutating ? ['T1546', 'T1557'] : ['T1562'],
        score: mutating ? 60 : 50,
        pattern: ref.resource,
      }),
    ];
  },
};
