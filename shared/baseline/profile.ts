/**
 * A principal's behavior profile: what it normally does, learned from its own audit events.
 * Pure data and pure updates; the store (store.ts) persists it as one DynamoDB item.
 * Times are epoch milliseconds of the audit events, never of processing, so replays of old
 * logs learn exactly as live ingestion would.
 */
import type { PrincipalType } from '../events/schema';
import { DAY_MS, type DetectionConfig } from '../detect/config';

export interface SeenStats {
  first: number;
  last: number;
  count: number;
  /** Distinct UTC days on which it was seen. */
  days: number;
}

export interface PrincipalProfile {
  v: 1;
  key: string;
  type: PrincipalType;
  firstSeen: number;
  lastSeen: number;
  events: number;
  /** Behavior key (`verb resource scope`) → stats. */
  behaviors: Record<string, SeenStats>;
  namespaces: Record<string, SeenStats>;
  sourceNets: Record<string, SeenStats>;
  userAgents: Record<string, SeenStats>;
  /** Cooldown bookkeeping: `<findingType>|<subject>` → time of the last alert. */
  alerts: Record<string, number>;
  /** Ids of the most recent payloads applied, so that redelivery is recognised and skipped. */
  batches: string[];
}

export const MAX_BATCH_IDS = 64;

export function emptyProfile(key: string, type: PrincipalType, at: number): PrincipalProfile {
  return {
    v: 1,
    key,
    type,
    firstSeen: at,
    lastSeen: at,
    events: 0,
    behaviors: {},
    namespaces: {},
    sourceNets: {},
    userAgents: {},
    alerts: {},
    batches: [],
  };
}

export function dayOf(t: number): number {
  return Math.floor(t / DAY_MS);
}

/** Records one sighting in a stats map, counting distinct days. */
export function see(map: Record<string, SeenStats>, key: string, t: number): void {
  const s = map[key];
  if (!s) {
    map[key] = { first: t, last: t, count: 1, days: 1 };
    return;
  }
  if (dayOf(t) !== dayOf(s.last) && t > s.last) s.days += 1;
  s.count += 1;
  if (t > s.last) s.last = t;
  if (t < s.first) s.first = t;
}

export function inLearning(profile: PrincipalProfile, t: number, cfg: DetectionConfig): boolean {
  return t < profile.firstSeen + cfg.learningDays * DAY_MS;
}

/** Drops entries not seen for `decayDays` and keeps at most `max` of the most recent. */
export function prune(map: Record<string, SeenStats>, now: number, cfg: DetectionConfig, max: number): Record<string, SeenStats> {
  const horizon = now - cfg.decayDays * DAY_MS;
  const kept = Object.entries(map).filter(([, s]) => s.last >= horizon);
  if (kept.length > max) kept.sort((a, b) => b[1].last - a[1].last || (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(kept.slice(0, max));
}

export function pruneProfile(p: PrincipalProfile, cfg: DetectionConfig): PrincipalProfile {
  const now = p.lastSeen;
  const cooldownHorizon = now - 7 * DAY_MS;
  return {
    ...p,
    behaviors: prune(p.behaviors, now, cfg, cfg.maxBehaviors),
    namespaces: prune(p.namespaces, now, cfg, 256),
    sourceNets: prune(p.sourceNets, now, cfg, 128),
    userAgents: prune(p.userAgents, now, cfg, 64),
    alerts: Object.fromEntries(Object.entries(p.alerts).filter(([, t]) => t >= cooldownHorizon)),
    batches: p.batches.slice(-MAX_BATCH_IDS),
  };
}
