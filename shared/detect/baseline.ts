/**
 * A principal's behavior profile: what it normally does, learned from its own audit events.
 * Pure data and pure updates; the store (store.ts) persists it as one DynamoDB item. Peer
 * groups (kubelets, control plane, the replicas of one workload) have profiles of the same
 * shape, learned from all their members.
 * Times are epoch milliseconds of the audit events, never of processing, so replays of old
 * logs learn exactly as live ingestion would.
 */
import type { PrincipalType } from '../events/schema';
import { DAY_MS, HOUR_MS, type DetectionConfig } from './config';
import { boundedUtf8 } from '../text';
import { keepsAll, touched } from './map-summary';

export interface SeenStats {
  first: number;
  last: number;
  count: number;
  /** Distinct UTC days on which it was seen. */
  days: number;
}

/** Request-rate metrics counted per rate window. */
export const RATE_METRICS = ['events', 'secretReads', 'deletes', 'denied', 'deniedPublic', 'secretDenied'] as const;
export type RateMetric = (typeof RATE_METRICS)[number];
export type RateCounts = Record<RateMetric, number>;

export interface RateState {
  /** Start of the current rate window (ms); 0 before the first request. */
  window: number;
  counts: RateCounts;
  /** Per metric, `[day, peak window count]` of recent days (days with a non-zero peak only). */
  peaks: Record<RateMetric, Array<[number, number]>>;
}

export interface PodAddress {
  ip: string;
  first: number;
  last: number;
  /** A second address the pod's token was seen from (already reported). */
  alt?: string;
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
  /**
   * Ids of payloads applied, as profiles of earlier versions kept them; now always empty:
   * redelivery is recognised by absorbed-payload items (baseline-store.ts), which cover CloudWatch's
   * whole retry horizon instead of a principal's last 64 payloads.
   */
  batches: string[];
  /** Request counts per rate window, and the daily peaks they reached. */
  rates?: RateState;
  /** Bound pod → the address its token was first used from (service accounts only). */
  pods?: Record<string, PodAddress>;
  /** Signature subjects this principal produced (privileged image X in namespace Y, ...). */
  patterns?: Record<string, SeenStats>;
  /** Hour-of-week (0 = Monday 00:00 UTC) → requests, for people only. */
  hours?: Record<string, number>;
  /** Authorizer reasons (`RBAC`, `EKS Access Policy: <policy>`) → stats. */
  authz?: Record<string, SeenStats>;
  /** Recent ids of exec/attach/port-forward requests already judged at ResponseStarted. */
  connects?: string[];
  /** Session key (access key id, bound-token credential id) → where and when it was last used. */
  sessions?: Record<string, SessionUse>;
  /** Recently created objects (`resource|namespace|name`) → when: this principal's own to delete. */
  created?: Record<string, number>;
}

export interface SessionUse {
  /** Network key (/24) of the last use. */
  net: string;
  t: number;
}

export const MAX_SESSIONS = 16;
export const MAX_CREATED = 256;

const MAX_CONNECT_IDS = 32;

export function emptyRates(): RateState {
  const zero = () => Object.fromEntries(RATE_METRICS.map((m) => [m, 0])) as RateCounts;
  return { window: 0, counts: zero(), peaks: Object.fromEntries(RATE_METRICS.map((m) => [m, []])) as unknown as RateState['peaks'] };
}

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
    rates: emptyRates(),
    pods: {},
    patterns: {},
    authz: {},
    connects: [],
  };
}

/**
 * A deep copy of a profile, equal to what `structuredClone` makes of it: profiles are plain
 * data (objects, arrays, strings, numbers), and copying them by hand is several times cheaper
 * than the structured-clone algorithm, which ingestion otherwise runs for every principal of
 * every payload. Keys are request-chosen: an own `__proto__` entry is copied as an own entry.
 */
export function cloneProfile(p: PrincipalProfile): PrincipalProfile {
  return clonePlain(p);
}

function clonePlain<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = clonePlain(v[i] as unknown);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  const src = v as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: clonePlain(src[k]), writable: true, enumerable: true, configurable: true });
    else out[k] = clonePlain(src[k]);
  }
  return out as T;
}

/** Fills fields that profiles stored by earlier versions lack (mutates and returns `p`). */
export function upgradeProfile(p: PrincipalProfile): PrincipalProfile {
  p.rates ??= emptyRates();
  for (const m of RATE_METRICS) {
    p.rates.counts[m] ??= 0;
    p.rates.peaks[m] ??= [];
  }
  p.pods ??= {};
  p.patterns ??= {};
  p.authz ??= {};
  p.connects ??= [];
  return p;
}

export function dayOf(t: number): number {
  return Math.floor(t / DAY_MS);
}

/** Hour of week, Monday 00:00 UTC = 0. 1970-01-01 was a Thursday (3 days after a Monday). */
export function hourOfWeek(t: number): number {
  return (Math.floor(t / HOUR_MS) + 72) % 168;
}

/**
 * Reads an entry the map itself holds. Keys come from requests (namespaces, user agents, pod
 * names), so `__proto__`, `constructor` or `toString` must read as absent, never as something
 * inherited from Object.prototype.
 */
export function ownEntry<V>(map: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  if (map === undefined) return undefined;
  const k = entryKey(key);
  // Most lookups in a learned profile miss or hit an own entry: read first, check ownership after.
  const v = map[k];
  return v !== undefined && Object.hasOwn(map, k) ? v : undefined;
}

/**
 * Longest key of a profile map, in UTF-8 bytes. Namespaces, user agents and object names are the
 * client's to choose; a longer one is stored as a prefix and a digest (boundedUtf8), so it still
 * counts as itself without letting one request grow a profile by kilobytes.
 */
export const MAX_ENTRY_KEY_BYTES = 256;

/** The key a map stores `key` under (see MAX_ENTRY_KEY_BYTES). */
export function entryKey(key: string): string {
  return boundedUtf8(key, MAX_ENTRY_KEY_BYTES);
}

/** Writes an own entry: assigning `__proto__` would replace the map's prototype instead. */
export function setEntry<V>(map: Record<string, V>, rawKey: string, value: V): void {
  touched(map);
  const key = entryKey(rawKey);
  if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}

/** Records one sighting in a stats map, counting distinct days. */
export function see(map: Record<string, SeenStats>, key: string, t: number): void {
  const s = ownEntry(map, key);
  if (!s) {
    setEntry(map, key, { first: t, last: t, count: 1, days: 1 });
    return;
  }
  if (dayOf(t) !== dayOf(s.last) && t > s.last) {
    s.days += 1;
    touched(map);
  }
  s.count += 1;
  if (t > s.last) s.last = t;
  if (t < s.first) s.first = t;
}

/**
 * Whether a sighting counts as normal at time `t`: seen on `establishDays` distinct days, or
 * first seen at least `establishHours` ago. This is what keeps a burst during learning (or a
 * burst of a compromised principal) from becoming normal at once.
 */
export function established(s: SeenStats | undefined, t: number, cfg: DetectionConfig): boolean {
  if (!s || typeof s.days !== 'number') return false;
  return s.days >= cfg.establishDays || t - s.first >= cfg.establishHours * HOUR_MS;
}

export function inLearning(profile: PrincipalProfile, t: number, cfg: DetectionConfig): boolean {
  return t < profile.firstSeen + cfg.learningDays * DAY_MS;
}

export function rememberConnect(p: PrincipalProfile, auditID: string): void {
  const list = (p.connects ??= []);
  list.push(auditID);
  if (list.length > MAX_CONNECT_IDS) list.splice(0, list.length - MAX_CONNECT_IDS);
}

/**
 * The usual peak of a rate metric, robust to poisoning: the highest daily peak counts only once
 * it is old enough to be established (or matched by a second day); otherwise the second-highest.
 */
export function usualPeak(rates: RateState | undefined, metric: RateMetric, t: number, cfg: DetectionConfig): number {
  const peaks = rates?.peaks[metric];
  if (!peaks || peaks.length === 0) return 0;
  const today = dayOf(t);
  let aged = 0;
  let top = 0;
  let second = 0;
  for (const [day, peak] of peaks) {
    if (day >= today) continue;
    if ((today - day) * 24 >= cfg.establishHours) aged = Math.max(aged, peak);
    if (peak > top) {
      second = top;
      top = peak;
    } else if (peak > second) second = peak;
  }
  return Math.max(aged, second);
}

/** Folds a finished window's counts into the daily peaks (mutates `into`). */
export function foldWindow(into: RateState, windowStart: number, counts: RateCounts, cfg: DetectionConfig): void {
  const day = dayOf(windowStart);
  const horizon = day - cfg.rateHistoryDays;
  for (const m of RATE_METRICS) {
    const c = counts[m];
    if (!c) continue;
    const list = into.peaks[m];
    const last = list[list.length - 1];
    if (last && last[0] === day) last[1] = Math.max(last[1], c);
    else {
      // Windows of members of a group can arrive out of order; keep the list sorted by day.
      const existing = list.find((e) => e[0] === day);
      if (existing) existing[1] = Math.max(existing[1], c);
      else {
        list.push([day, c]);
        list.sort((a, b) => a[0] - b[0]);
      }
    }
    while (list.length > 0 && list[0]![0] < horizon) list.shift();
  }
}

/**
 * Drops entries not seen for `decayDays` and keeps at most `max` of the most recent. When all
 * are kept the map itself is the result (the usual case needs no copy): callers prune a working
 * profile they own and drop it, so sharing its maps with the pruned one is safe.
 */
export function prune(map: Record<string, SeenStats>, now: number, cfg: DetectionConfig, max: number): Record<string, SeenStats> {
  const horizon = now - cfg.decayDays * DAY_MS;
  if (keepsAll(map, (s) => s.last, horizon, max)) return map;
  const kept = Object.entries(map).filter(([, s]) => s.last >= horizon);
  if (kept.length > max) kept.sort((a, b) => b[1].last - a[1].last || (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(kept.slice(0, max));
}

const MAX_PODS = 256;

/** The `max` newest entries of a map not older than `horizon`. */
function newest<T>(map: Record<string, T>, time: (v: T) => number, horizon: number, max: number): Record<string, T> {
  if (keepsAll(map, time, horizon, max)) return map;
  const kept = Object.entries(map).filter(([, v]) => time(v) >= horizon);
  if (kept.length > max) kept.sort((a, b) => time(b[1]) - time(a[1]));
  return Object.fromEntries(kept.slice(0, max));
}

/**
 * Prunes every map of a profile the caller owns, in place (ingestion prunes each principal it
 * learned into, every payload; a new profile object each time was most of what pruning cost).
 */
export function pruneProfile(p: PrincipalProfile, cfg: DetectionConfig): PrincipalProfile {
  const now = p.lastSeen;
  const cooldownHorizon = now - 7 * DAY_MS;
  const podHorizon = now - cfg.podAddressRetentionHours * HOUR_MS;
  const pods = p.pods;
  if (pods && !keepsAll(pods, (a) => a.last, podHorizon, MAX_PODS)) {
    const kept = Object.entries(pods).filter(([, a]) => a.last >= podHorizon);
    if (kept.length > MAX_PODS) kept.sort((a, b) => b[1].last - a[1].last);
    p.pods = Object.fromEntries(kept.slice(0, MAX_PODS));
  }
  p.behaviors = prune(p.behaviors, now, cfg, cfg.maxBehaviors);
  p.namespaces = prune(p.namespaces, now, cfg, 256);
  p.sourceNets = prune(p.sourceNets, now, cfg, 128);
  p.userAgents = prune(p.userAgents, now, cfg, 64);
  if (!keepsAll(p.alerts, (t) => t, cooldownHorizon, Infinity)) p.alerts = Object.fromEntries(Object.entries(p.alerts).filter(([, t]) => t >= cooldownHorizon));
  if (p.batches?.length !== 0) p.batches = [];
  if (p.patterns) p.patterns = prune(p.patterns, now, cfg, 128);
  if (p.authz) p.authz = prune(p.authz, now, cfg, 32);
  if (p.sessions) p.sessions = newest(p.sessions, (s) => s.t, now - DAY_MS, MAX_SESSIONS);
  if (p.created) p.created = newest(p.created, (t) => t, now - 7 * DAY_MS, MAX_CREATED);
  return p;
}
