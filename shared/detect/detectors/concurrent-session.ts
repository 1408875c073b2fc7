/**
 * One session key used from two distant networks within minutes: the same IAM access key (or
 * the same bound-token credential id) seen from one public network and, moments later, from
 * another in a different /16 — two parties holding one credential, not one person moving.
 * The cluster's own egress networks and trusted ranges are not "public"; switching between two
 * networks the principal has established (home and the corporate VPN) is not judged.
 */
import ipaddr from 'ipaddr.js';
import { netIsInternal } from '../../audit/network';
import { ownEntry } from '../baseline';
import { MINUTE_MS } from '../config';
import { explain } from '../explain';
import { fromPublicNetwork, isEstablished } from '../judge';
import { NONE, type AuditDetector, type AuditFacts, type JudgeState } from '../types';

const WINDOW_MS = 15 * MINUTE_MS;

/** The credential a request was made with, as a map key (prefixed: attacker-chosen text never names a prototype field). */
export function sessionKey(f: AuditFacts): string | undefined {
  const k = f.features.accessKeyId ?? f.features.credentialId;
  return k ? `k:${k.slice(0, 128)}` : undefined;
}

/** The /16 (IPv4) or /32 (IPv6) a /24 or /64 network key belongs to. */
function wideNet(net: string): string {
  const addr = net.split('/')[0] ?? '';
  if (!ipaddr.isValid(addr)) return net;
  const a = ipaddr.parse(addr);
  if (a.kind() === 'ipv4') {
    const o = (a as ipaddr.IPv4).octets;
    return `${o[0]}.${o[1]}`;
  }
  return (a as ipaddr.IPv6).parts.slice(0, 2).join(':');
}

function outside(net: string, state: JudgeState): boolean {
  return net !== 'unknown' && !netIsInternal(net) && !state.ctx.knowledge?.nodeNets.has(net);
}

export const concurrentSession: AuditDetector = {
  id: 'concurrent-session',
  kind: 'baseline',
  detect(f, state) {
    const key = sessionKey(f);
    if (!key || !fromPublicNetwork(f, state)) return NONE;
    const prev = ownEntry(state.self.sessions, key);
    const net = f.sourceNet.net;
    if (!prev || prev.net === net || f.timeMs - prev.t > WINDOW_MS || f.timeMs < prev.t) return NONE;
    if (!outside(prev.net, state) || wideNet(prev.net) === wideNet(net)) return NONE;
    const t = f.timeMs;
    if (isEstablished(state, 'sourceNets', net, t) && isEstablished(state, 'sourceNets', prev.net, t)) return NONE;
    const minutes = Math.max(1, Math.round((t - prev.t) / MINUTE_MS));
    return [
      {
        type: 'ConcurrentSessionUse',
        title: 'One session used from two distant networks at once',
        description: `${f.principal.key}${f.features.sessionName ? ` (session ${f.features.sessionName})` : ''} used the same credential from ${prev.net} and, ${minutes} minute${minutes === 1 ? '' : 's'} later, from ${net} (${f.features.sourceIP}): two parties hold it.`,
        mitre: ['T1550', 'T1078.004'],
        score: 70,
        subject: key,
        baseline: () => explain(state, f, { networks: true }),
      },
    ];
  },
};
