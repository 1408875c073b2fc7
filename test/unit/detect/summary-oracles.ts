/**
 * What pruning and the write digests computed before their answers were remembered per map
 * (shared/detect/map-summary.ts, commit 114db18): the same code as then, scanning every map
 * each time (the digests in the numeric form they have since). Tests hold the remembered answers to these.
 */
import { MAX_CREATED, MAX_SESSIONS, RATE_METRICS, type PrincipalProfile, type SeenStats } from '#shared/detect/baseline';
import { DAY_MS, HOUR_MS, type DetectionConfig } from '#shared/detect/config';

const STATS_MAPS = ['behaviors', 'namespaces', 'sourceNets', 'userAgents', 'patterns', 'authz'] as const;
const MAX_PODS = 256;

export type KeepsAll = <T>(map: Record<string, T>, time: (v: T) => number, horizon: number, max: number) => boolean;

/** Whether pruning would keep every entry: none older than `horizon`, at most `max`, all own keys. */
export const keepsAllOracle: KeepsAll = (map, time, horizon, max) => {
  let n = 0;
  for (const k in map) {
    if (!Object.hasOwn(map, k)) return false;
    if (++n > max || !(time(map[k]!) >= horizon)) return false;
  }
  return true;
};

/**
 * pruneProfile as it was (shared/detect/baseline.ts at 114db18^), returning a new profile. With
 * `keepsAll` never true it copies every map, as before it returned the maps it keeps whole as
 * they are.
 */
export function pruneProfileOracle(p: PrincipalProfile, cfg: DetectionConfig, keepsAll: KeepsAll = keepsAllOracle): PrincipalProfile {
  const prune = (map: Record<string, SeenStats>, now: number, max: number): Record<string, SeenStats> => {
    const horizon = now - cfg.decayDays * DAY_MS;
    if (keepsAll(map, (s) => s.last, horizon, max)) return map;
    const kept = Object.entries(map).filter(([, s]) => s.last >= horizon);
    if (kept.length > max) kept.sort((a, b) => b[1].last - a[1].last || (a[0] < b[0] ? -1 : 1));
    return Object.fromEntries(kept.slice(0, max));
  };
  const newest = <T>(map: Record<string, T>, time: (v: T) => number, horizon: number, max: number): Record<string, T> => {
    if (keepsAll(map, time, horizon, max)) return map;
    const kept = Object.entries(map).filter(([, v]) => time(v) >= horizon);
    if (kept.length > max) kept.sort((a, b) => time(b[1]) - time(a[1]));
    return Object.fromEntries(kept.slice(0, max));
  };
  const now = p.lastSeen;
  const cooldownHorizon = now - 7 * DAY_MS;
  // Then pods had their own copy of `newest`'s lines.
  const pods = p.pods && newest(p.pods, (a) => a.last, now - cfg.podAddressRetentionHours * HOUR_MS, MAX_PODS);
  return {
    ...p,
    behaviors: prune(p.behaviors, now, cfg.maxBehaviors),
    namespaces: prune(p.namespaces, now, 256),
    sourceNets: prune(p.sourceNets, now, 128),
    userAgents: prune(p.userAgents, now, 64),
    alerts: keepsAll(p.alerts, (t) => t, cooldownHorizon, Infinity) ? p.alerts : Object.fromEntries(Object.entries(p.alerts).filter(([, t]) => t >= cooldownHorizon)),
    batches: [],
    ...(pods ? { pods } : {}),
    ...(p.patterns ? { patterns: prune(p.patterns, now, 128) } : {}),
    ...(p.authz ? { authz: prune(p.authz, now, 32) } : {}),
    ...(p.sessions ? { sessions: newest(p.sessions, (s) => s.t, now - DAY_MS, MAX_SESSIONS) } : {}),
    ...(p.created ? { created: newest(p.created, (t) => t, now - 7 * DAY_MS, MAX_CREATED) } : {}),
  };
}

/** The keys of a stats map and their days, each counted as `count` says: the scan both digests ran. */
function scanStats(map: Record<string, SeenStats>, count: (days: number) => number): [number, number] {
  let n = 0;
  let days = 0;
  for (const k in map) {
    n += 1;
    days += count(map[k]!.days);
  }
  return [n, days];
}

/** shapeOf (profile-cache.ts) by full scans. */
export function shapeOfOracle(p: PrincipalProfile, cfg: DetectionConfig): number[] {
  const parts: number[] = [p.firstSeen, Object.keys(p.alerts).length];
  for (const map of [p.behaviors, p.namespaces, p.sourceNets, p.userAgents, p.patterns, p.authz]) parts.push(...(map ? scanStats(map, (d) => Math.min(d, cfg.establishDays)) : [-1, -1]));
  return parts;
}

/** materialDigest (baseline-codec.ts) by full scans: keys and days per map, then each metric's peaks ended by -1. */
export function materialDigestOracle(p: PrincipalProfile): number[] {
  const parts: number[] = [p.firstSeen];
  for (const map of STATS_MAPS.map((m) => p[m])) parts.push(...(map ? scanStats(map, (d) => d) : [-1, -1]));
  if (p.rates) for (const m of RATE_METRICS) parts.push(...(p.rates.peaks[m] ?? []).flat(), -1);
  return parts;
}
