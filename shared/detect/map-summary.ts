/**
 * What pruning and the write decision derive from a profile's maps (how many keys, the oldest
 * last sighting, the days toward established), remembered per map object until the map is
 * written to again. Ingestion runs both for every principal of every payload; at CloudWatch's
 * delivery sizes a principal brings a request or two per payload while its maps hold hundreds
 * of keys, so scanning them each time cost more than judging the requests.
 *
 * Every write to a profile map goes through `setEntry` or `see` (baseline.ts), which call
 * `touched`. Kept on the map under a non-enumerable symbol (a WeakMap lookup cost as much as
 * the scans it saved), so JSON, copies and comparisons never see it; a map read back from
 * DynamoDB or copied is a new object and is summarised afresh.
 */

interface Summary {
  /** The map's write count when summarised. */
  writes: number;
  keys: number;
  /**
   * Lowest time of any entry then (Infinity for none); entries' times only grow (see `touched`),
   * so it stays a lower bound. NaN when an entry's time is no number (a damaged entry): no
   * horizon keeps such an entry, as comparing its time with one fails.
   */
  oldest: number;
  /** Whether every key was the map's own (a prototype-less `__proto__` entry makes pruning copy). */
  allOwn: boolean;
  /** Sum of `days` over the entries of a stats map, uncapped and capped per entry at `cap`. */
  days: number;
  cap: number;
  cappedDays: number;
}

interface Holder {
  /** Writes recorded by `touched`. */
  writes: number;
  summary: Summary | undefined;
}

const HOLDER = Symbol('boundwatch.mapSummary');
type WithHolder = { [HOLDER]?: Holder };

function holderOf(map: object): Holder {
  let h = (map as WithHolder)[HOLDER];
  if (h === undefined) {
    h = { writes: 0, summary: undefined };
    // A frozen map (none in ingestion) simply goes unremembered.
    if (Object.isExtensible(map)) Object.defineProperty(map, HOLDER, { value: h, enumerable: false, writable: false, configurable: true });
  }
  return h;
}

/**
 * Records a write that can change a summary: a new key, a replaced or deleted value, a day
 * added. An entry whose time only moves forward (a later `last`) needs no call: `oldest` stays a
 * lower bound.
 */
export function touched(map: object): void {
  const h = (map as WithHolder)[HOLDER];
  if (h !== undefined) h.writes += 1;
}

function current(map: object): Summary | undefined {
  const h = (map as WithHolder)[HOLDER];
  const s = h?.summary;
  return s !== undefined && s.writes === h!.writes ? s : undefined;
}

function daysOf(v: unknown): number {
  const d = typeof v === 'object' && v !== null ? (v as { days?: unknown }).days : undefined;
  return typeof d === 'number' ? d : 0;
}

/** `time`: what the map's entries are pruned by; one map is always summarised with the same one. */
function summarise<T>(map: Record<string, T>, time: (v: T) => number, cap: number): Summary {
  let keys = 0;
  let oldest = Infinity;
  let allOwn = true;
  let days = 0;
  let cappedDays = 0;
  for (const k in map) {
    if (!Object.hasOwn(map, k)) allOwn = false;
    keys += 1;
    const v = map[k]!;
    // Compared as `time(v) >= horizon` compares it: a missing time reads as NaN. Once NaN, it stays.
    const t = Number(time(v));
    if (Number.isNaN(t) || t < oldest) oldest = t;
    const d = daysOf(v);
    days += d;
    cappedDays += Math.min(d, cap);
  }
  const h = holderOf(map);
  return (h.summary = { writes: h.writes, keys, oldest, allOwn, days, cap, cappedDays });
}

/**
 * Whether pruning keeps every entry: none older than `horizon` (by `time`), at most `max`, all
 * own keys. Scans only when the map was written to since its last summary, or its remembered
 * oldest entry has fallen behind the horizon.
 */
export function keepsAll<T>(map: Record<string, T>, time: (v: T) => number, horizon: number, max: number): boolean {
  let s = current(map);
  if (s === undefined || (s.keys > 0 && !(s.oldest >= horizon))) s = summarise(map, time, (map as WithHolder)[HOLDER]?.summary?.cap ?? 0);
  // As an entry-by-entry check answers: an empty map is kept whatever the bounds (a NaN horizon,
  // a bound below zero), and a count is too many only when it exceeds `max`.
  return s.keys === 0 || (s.allOwn && !(s.keys > max) && s.oldest >= horizon);
}

const lastSeen = (v: { last: number }): number => v.last;

/**
 * Keys and days (summed uncapped, and capped per entry at `cap`) of a stats map; without `cap`,
 * only the uncapped sum is wanted.
 */
export function statsSummary(map: Record<string, { last: number; days: number }>, cap?: number): { keys: number; days: number; cappedDays: number } {
  const s = current(map);
  if (s !== undefined && (cap === undefined || s.cap === cap)) return s;
  return summarise(map, lastSeen, cap ?? (map as WithHolder)[HOLDER]?.summary?.cap ?? 0);
}
