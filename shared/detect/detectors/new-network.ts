/**
 * An IAM (or mapped) session from a public network the principal never established. People
 * move between networks, so for them this is context (LOW) that corroborates other findings;
 * automation that only ever ran inside the VPC appearing on the internet is a finding of its own.
 */
import { netIsInternal } from '../../audit/network';
import { explain } from '../explain';
import { establishedKeys, fromPublicNetwork, isEstablished } from '../judge';
import { NONE, type AuditDetector } from '../types';


export const newNetwork: AuditDetector = {
  id: 'new-network',
  kind: 'baseline',
  detect(f, state) {
    const type = f.principal.type;
    if (type !== 'IAMRole' && type !== 'IAMUser' && type !== 'User') return NONE;
    if (!state.baseline || !fromPublicNetwork(f, state)) return NONE;
    const t = f.timeMs;
    const net = f.sourceNet.net;
    if (isEstablished(state, 'sourceNets', net, t)) return NONE;
    const nets = establishedKeys(state, 'sourceNets', t);
    const anyPublic = [...nets].some((n) => n !== 'unknown' && !netIsInternal(n) && !state.ctx.knowledge?.nodeNets.has(n));
    const score = f.human ? (anyPublic ? 30 : 35) : anyPublic ? 35 : 50;
    return [
      {
        type: 'NewPublicNetwork',
        title: `Session from a new public network ${net}`,
        description: `${f.principal.key}${f.features.sessionName ? ` (session ${f.features.sessionName})` : ''} called from ${f.features.sourceIP}, in a network it never used${anyPublic ? '' : '; it only ever called from inside the VPC'}.`,
        mitre: ['T1078.004'],
        score,
        subject: `net:${net}`,
        baseline: () => explain(state, f, { networks: true }),
      },
    ];
  },
};
