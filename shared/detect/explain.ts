/**
 * "What was normal for this principal", in words, for the evidence of every finding. Computed
 * only when a finding is raised, from the profile as it stood before the payload (or from the
 * peer group's, for a new principal judged against its peers).
 */
import type { Behavior } from '../audit/behavior';
import { hourOfWeek, type PrincipalProfile, type RateMetric } from './baseline';
import { DAY_MS } from './config';
import type { AuditFacts, JudgeState } from './types';

function topKeys(map: Record<string, { count: number }> | undefined, n: number, filter?: (k: string) => boolean): string[] {
  if (!map) return [];
  return Object.entries(map)
    .filter(([k]) => !filter || filter(k))
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([k]) => k);
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export function describeBaseline(profile: PrincipalProfile, behavior?: Behavior): string {
  const days = Math.max(1, Math.round((profile.lastSeen - profile.firstSeen) / DAY_MS));
  const top = topKeys(profile.behaviors, 4);
  const nets = topKeys(profile.sourceNets, 2);
  const parts = [
    `Over ${days} day${days === 1 ? '' : 's'} since ${day(profile.firstSeen)}, ${profile.events} requests`,
    top.length ? `mostly ${top.join(', ')}` : 'no requests',
    nets.length ? `from ${nets.join(', ')}` : '',
  ].filter(Boolean);
  let text = parts.join('; ');
  if (behavior) {
    const sameResource = Object.keys(profile.behaviors).filter((k) => k.split(' ')[1] === behavior.resource);
    text += sameResource.length ? `; on ${behavior.resource} only: ${sameResource.slice(0, 3).join(', ')}` : `; never any ${behavior.resource} request`;
  }
  return `${text}.`;
}

export type Focus =
  | { behavior: Behavior }
  | { namespaces: true }
  | { networks: true }
  | { agents: true }
  | { hours: true }
  | { rate: RateMetric; usual: number; windowMinutes: number }
  | { pod: string; address?: string }
  | { authz: true }
  | { rule: true };

const RATE_WORDS: Record<RateMetric, string> = {
  events: 'requests',
  secretReads: 'secret reads',
  deletes: 'deletes',
  denied: 'denied requests',
  deniedPublic: 'denied requests from public addresses',
  secretDenied: 'failed secret reads',
};

function hoursText(p: PrincipalProfile): string {
  const slots = Object.keys(p.hours ?? {}).map(Number).sort((a, b) => a - b);
  if (slots.length === 0) return 'no activity by hour recorded';
  const names = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const daysActive = [...new Set(slots.map((s) => Math.floor(s / 24)))].map((d) => names[d]).join(', ');
  const hours = slots.map((s) => s % 24);
  return `active on ${daysActive}, between ${String(Math.min(...hours)).padStart(2, '0')}:00 and ${String(Math.max(...hours) + 1).padStart(2, '0')}:00 UTC`;
}

function focusText(p: PrincipalProfile, f: AuditFacts, focus: Focus): string {
  if ('behavior' in focus) return describeBaseline(p, focus.behavior);
  const base = describeBaseline(p);
  if ('namespaces' in focus) {
    const ns = topKeys(p.namespaces, 6);
    return `${base} Namespaces touched: ${ns.length ? ns.join(', ') : 'none'}.`;
  }
  if ('networks' in focus) {
    const nets = topKeys(p.sourceNets, 6);
    return `${base} Source networks: ${nets.length ? nets.join(', ') : 'none'}.`;
  }
  if ('agents' in focus) {
    const uas = topKeys(p.userAgents, 5);
    return `${base} Clients (user-agent families): ${uas.length ? uas.join(', ') : 'none'}.`;
  }
  if ('hours' in focus) return `${base} Usually ${hoursText(p)}; this request at hour-of-week ${hourOfWeek(f.timeMs)}.`;
  if ('rate' in focus) return `${base} Usual peak: ${focus.usual} ${RATE_WORDS[focus.rate]} per ${focus.windowMinutes} minutes.`;
  if ('pod' in focus) return `${base} Pod ${focus.pod} used its token from ${focus.address ?? 'its own address'} until now.`;
  if ('authz' in focus) {
    const a = topKeys(p.authz, 3);
    return `${base} Authorized by: ${a.length ? a.join('; ') : 'unknown'}.`;
  }
  return base;
}

/** The evidence text for a finding on `f`, from the right profile. */
export function explain(state: JudgeState, f: AuditFacts, focus: Focus): string {
  const b = state.baseline;
  if (b?.kind === 'self') return focusText(state.prior ?? b.profile, f, focus);
  if (b?.kind === 'group') {
    return `New principal (first seen ${day(state.self.firstSeen)}, still learning), judged against its peer group ${b.groupKey ?? ''}: ${focusText(b.profile, f, focus)}`;
  }
  const prior = state.prior;
  const rule = 'rule' in focus ? 'Rule-based finding, raised without a baseline. ' : '';
  if (prior && prior.events > 0) return `${rule}${focusText(prior, f, focus)}`;
  return `${rule}No baseline yet: the principal was first seen ${day(state.self.firstSeen)} (${state.self.events} earlier requests).`;
}
