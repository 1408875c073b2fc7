/**
 * An admission webhook that sends the cluster's requests to a URL outside the cluster: webhooks
 * that belong to the cluster name a Service; a `clientConfig.url` to a public address or an
 * outside host name hands every matching request (pods, secrets) to whoever runs it — a
 * persistence and interception point. Judged on every write, creations by server-side apply
 * included, whoever makes it.
 */
import { NONE, type AuditDetector } from '../types';
import { WEBHOOK_RESOURCES, urlReach, webhookUrls } from '../webhooks';
import { ruleDraft, wrote } from './rule';

export const webhookExternalUrl: AuditDetector = {
  id: 'webhook-external-url',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref?.resource || !WEBHOOK_RESOURCES.has(ref.resource) || ref.subresource || !wrote(f)) return NONE;
    const reach = webhookUrls(f.event).map(urlReach);
    const publicUrl = reach.includes('public');
    if (!publicUrl && !reach.includes('private')) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'WebhookToExternalURL',
        title: `Admission webhook ${ref.name ?? ''} sends requests outside the cluster`,
        description: `${f.principal.key} made ${f.event.verb} on ${ref.resource} ${ref.name ?? ''} with a webhook URL to ${publicUrl ? 'a public address or an outside host' : 'a private address outside the cluster'}: the API server will send matching requests there.`,
        mitre: ['T1546', 'T1557'],
        score: publicUrl ? 75 : 50,
        pattern: publicUrl ? false : ref.name ?? '',
      }),
    ];
  },
};
