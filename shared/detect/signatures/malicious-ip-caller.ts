/**
 * Callers on a configured IP list (GuardDuty's MaliciousIPCaller, MaliciousIPCaller.Custom and
 * TorIPCaller, per tactic). Authenticated callers only: anonymous ones are anonymous-access's.
 */
import { isAnonymous } from '../../audit/actor';
import { tacticOf, tacticScore } from '../tactics';
import { NONE, type AuditDetector, type FindingDraft } from '../types';
import { ruleDraft } from './rule';

const SUFFIX = { tor: 'TorIPCaller', threat: 'MaliciousIPCaller', custom: 'MaliciousIPCaller.Custom' } as const;

export const maliciousIpCaller: AuditDetector = {
  id: 'malicious-ip-caller',
  kind: 'signature',
  detect(f, state) {
    const lists = state.ctx.intel?.ipLists;
    const ip = f.features.sourceIP;
    if (!lists || lists.length === 0 || !ip || isAnonymous(f.event.user)) return NONE;
    let out: FindingDraft[] | undefined;
    for (const list of lists) {
      if (!list.has(ip)) continue;
      const tactic = tacticOf(f.event);
      (out ??= []).push(
        ruleDraft(state, f, {
          type: `${tactic}:${SUFFIX[list.kind]}`,
          title: `Call from ${list.kind === 'tor' ? 'a Tor exit node' : 'a listed address'} (${tactic})`,
          description: `${f.principal.key} called ${f.behavior.key} from ${ip}, which is on the IP list "${list.name}"${f.succeeded ? '' : ' (the request was denied)'}.`,
          mitre: ['T1078', ...(list.kind === 'tor' ? ['T1090.003'] : [])],
          score: tacticScore(tactic) - (f.succeeded ? 0 : 15),
          subject: `${tactic}|${list.name}|${ip}`,
          pattern: false,
        }),
      );
    }
    return out ?? NONE;
  },
};
