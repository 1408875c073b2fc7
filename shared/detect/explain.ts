/** Turns a profile into one sentence of "what was normal", for alert evidence. */
import type { Behavior } from '../audit/behavior';
import type { PrincipalProfile } from '../baseline/profile';
import { DAY_MS } from './config';

function topKeys(map: Record<string, { count: number }>, n: number): string[] {
  return Object.entries(map)
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([k]) => k);
}

export function describeBaseline(profile: PrincipalProfile, behavior?: Behavior): string {
  const days = Math.max(1, Math.round((profile.lastSeen - profile.firstSeen) / DAY_MS));
  const since = new Date(profile.firstSeen).toISOString().slice(0, 10);
  const top = topKeys(profile.behaviors, 4);
  const nets = topKeys(profile.sourceNets, 2);
  const parts = [
    `Over ${days} day${days === 1 ? '' : 's'} since ${since}, ${profile.events} requests`,
    top.length ? `mostly ${top.join(', ')}` : 'no requests',
    nets.length ? `from ${nets.join(', ')}` : '',
  ].filter(Boolean);
  let text = parts.join('; ');
  if (behavior) {
    const sameResource = Object.keys(profile.behaviors).filter((k) => k.split(' ')[1] === behavior.resource);
    text += sameResource.length
      ? `; on ${behavior.resource} only: ${sameResource.slice(0, 3).join(', ')}`
      : `; never any ${behavior.resource} request`;
  }
  return `${text}.`;
}
