/**
 * A service-account credential used from where it should not be: the token bound to a pod used
 * from an address other than the pod's own (its first address; a pod's address does not change), or
 * any service-account token used from the internet when the account never was. Pods are known by
 * UID (the token carries it): a pod re-created under the same name is a new pod, not a moved one.
 */
import { netIsInternal } from '../../audit/network';
import { ownEntry } from '../baseline';
import { explain } from '../explain';
import { establishedKeys, fromPublicNetwork, isEstablished, podKey } from '../judge';
import { NONE, type AuditDetector, type FindingDraft } from '../types';

export const credentialElsewhere: AuditDetector = {
  id: 'credential-elsewhere',
  kind: 'baseline',
  detect(f, state) {
    if (f.principal.type !== 'ServiceAccount') return NONE;
    const ip = f.features.sourceIP;
    if (!ip) return NONE;
    const out: FindingDraft[] = [];
    const isPublic = fromPublicNetwork(f, state);
    const pod = f.features.boundPod;
    const key = podKey(f);
    const known = key ? ownEntry(state.self.pods, key) : undefined;
    if (pod && known && known.ip !== ip && known.alt !== ip) {
      out.push({
        type: 'CredentialFromOtherIP',
        title: `Token of pod ${pod} used from another address`,
        description: `The service-account token bound to pod ${pod} (credential ${f.features.credentialId ?? 'unknown'}) was used from ${ip}${isPublic ? ', a public address,' : ''} while the pod itself uses ${known.ip}: the token was copied out of the pod.`,
        mitre: ['T1528', 'T1550.001'],
        score: isPublic ? 85 : 75,
        subject: `pod:${pod}`,
        baseline: () => explain(state, f, { pod, address: known.ip }),
      });
    }
    if (isPublic) {
      const t = f.timeMs;
      let score: number | undefined;
      if (state.baseline) {
        if (!isEstablished(state, 'sourceNets', f.sourceNet.net, t)) {
          const nets = establishedKeys(state, 'sourceNets', t);
          const anyPublic = [...nets].some((n) => n !== 'unknown' && !netIsInternal(n) && !state.ctx.knowledge?.nodeNets.has(n));
          score = anyPublic ? 40 : 70;
        }
      } else score = pod ? 70 : 45;
      if (score !== undefined) {
        out.push({
          type: 'CredentialFromPublicNetwork',
          title: 'Service-account token used from the internet',
          description: `${f.principal.key} authenticated from ${ip} (${f.sourceNet.net}), a public network it ${state.baseline ? 'never used' : 'is not expected on'}${pod ? `; the token is bound to pod ${pod}` : ''}.`,
          mitre: ['T1550.001', 'T1078.004'],
          score,
          subject: `net:${f.sourceNet.net}`,
          baseline: () => explain(state, f, { networks: true }),
        });
      }
    }
    return out.length ? out : NONE;
  },
};
