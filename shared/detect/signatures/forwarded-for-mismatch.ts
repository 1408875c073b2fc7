/**
 * A request whose X-Forwarded-For header names another client than the connection the API
 * server accepted. Detection always uses the connection's address (the last `sourceIPs`
 * entry); the header is the client's to write, so a disagreement is either a proxy in front
 * of the API server or someone dressing a call up as coming from elsewhere. Claiming an
 * internal address from the internet is the latter, and scores as such. Muted per principal
 * once its forwarding pattern is established (a principal that always comes through a proxy).
 */
import { sourceNetworkCached } from '../../audit/network';
import { NONE, type AuditDetector } from '../types';
import { ruleDraft } from './rule';

export const forwardedForMismatch: AuditDetector = {
  id: 'forwarded-for-mismatch',
  kind: 'signature',
  detect(f, state) {
    const claimed = f.features.forwardedFor;
    const peer = f.features.sourceIP;
    if (!claimed || !peer) return NONE;
    const others = claimed.filter((ip) => ip !== peer);
    if (others.length === 0) return NONE;
    const claimsInternal = others.some((ip) => sourceNetworkCached(ip).internal);
    const spoofing = claimsInternal && !f.sourceNet.internal && f.sourceNet.net !== 'unknown';
    return [
      ruleDraft(state, f, {
        type: spoofing ? 'DefenseEvasion:ForwardedForSpoofing' : 'Discovery:ForwardedForMismatch',
        title: spoofing ? 'Internet caller claims an internal address' : 'X-Forwarded-For disagrees with the connection',
        description: `${f.principal.key} made ${f.behavior.key} from ${peer}, with an X-Forwarded-For header naming ${others.join(', ')}; detection uses ${peer}, the address the API server accepted the connection from.`,
        mitre: spoofing ? ['T1090', 'T1036'] : ['T1090'],
        score: spoofing ? 60 : 25,
        subject: f.sourceNet.net,
        pattern: spoofing ? false : `forwarded|${f.sourceNet.net}`,
      }),
    ];
  },
};
