/**
 * Anonymous requests. `<Tactic>:SuccessfulAnonymousAccess` (GuardDuty; Falco's "Anonymous
 * Request Allowed"): an unauthenticated request the API server allowed, other than the health
 * and version endpoints every cluster exposes. `AnonymousAccessFromPublicIP` (Panther): any
 * anonymous request from the internet — mostly scanners, so LOW unless it got through.
 */
import { isAnonymous } from '../../audit/actor';
import { fromPublicNetwork } from '../judge';
import { tacticOf, tacticScore } from '../tactics';
import { NONE, type AuditDetector, type FindingDraft } from '../types';
import { explicitlySucceeded, ruleDraft } from './rule';

const PUBLIC_INFO = /^\/(healthz|livez|readyz|version)(\/|$)/;

export const anonymousAccess: AuditDetector = {
  id: 'anonymous-access',
  kind: 'signature',
  detect(f, state) {
    if (!isAnonymous(f.event.user)) return NONE;
    const path = (f.event.requestURI ?? '').split('?')[0] ?? '';
    const publicInfo = !f.event.objectRef?.resource && PUBLIC_INFO.test(path);
    const allowed = explicitlySucceeded(f);
    const out: FindingDraft[] = [];
    if (allowed && !publicInfo) {
      const tactic = tacticOf(f.event);
      out.push(
        ruleDraft(state, f, {
          type: `${tactic}:SuccessfulAnonymousAccess`,
          title: `Anonymous request allowed (${tactic})`,
          description: `An unauthenticated caller${f.features.sourceIP ? ` at ${f.features.sourceIP}` : ''} was allowed ${f.behavior.key}: some binding grants system:anonymous or system:unauthenticated more than the public health endpoints.`,
          mitre: ['T1078.001'],
          score: tacticScore(tactic),
          subject: tactic,
          pattern: false,
        }),
      );
    }
    if (fromPublicNetwork(f, state)) {
      out.push(
        ruleDraft(state, f, {
          type: 'AnonymousAccessFromPublicIP',
          title: 'Anonymous request from the internet',
          description: `An unauthenticated caller at ${f.features.sourceIP} requested ${path || f.behavior.key}${allowed ? ' and was allowed' : ' (denied)'}: the API endpoint is reachable from the internet.`,
          mitre: ['T1595'],
          score: allowed && !publicInfo ? 40 : 15,
          subject: 'internet',
          pattern: false,
        }),
      );
    }
    return out.length ? out : NONE;
  },
};
