/**
 * A pod or workload with an untrusted image created in a system namespace (Falco "Pod Created
 * in Kube Namespace", Panther Pod.SystemNamespace): attackers hide there. The platform's own
 * images are trusted; add-ons a principal routinely deploys there are muted once established.
 */
import { isSystemNamespace } from '../../audit/actor';
import { carriesPodSpec, imageRepo, podSpecOf } from '../../audit/request-object';
import { NONE, type AuditDetector } from '../types';
import { isTrustedImage } from './images';
import { CREATE, copyScore, ruleDraft, wrote } from './rule';

export const systemNamespaceImage: AuditDetector = {
  id: 'system-namespace-image',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref?.resource || ref.subresource || !isSystemNamespace(ref.namespace) || !carriesPodSpec(ref.resource) || !wrote(f, CREATE)) return NONE;
    const spec = podSpecOf(f.event);
    if (!spec) return NONE;
    const untrusted = spec.containers.filter((c) => !isTrustedImage(c.image, state.config));
    if (untrusted.length === 0) return NONE;
    const repos = [...new Set(untrusted.map((c) => (c.image ? imageRepo(c.image) : '?')))].sort().join(',');
    return [
      ruleDraft(state, f, {
        type: 'UntrustedImageInSystemNamespace',
        title: `Untrusted image started in ${ref.namespace}`,
        description: `${f.principal.key} created ${ref.resource} ${ref.namespace}/${ref.name ?? '(generated name)'} running ${repos}, an image outside the trusted registries, in a system namespace.`,
        mitre: ['T1610', 'T1036'],
        score: copyScore(f, 55),
        pattern: `${ref.namespace}|${repos}`,
      }),
    ];
  },
};
