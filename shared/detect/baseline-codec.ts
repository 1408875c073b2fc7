/**
 * The stored form of a profile: the same JSON document with every SeenStats written as
 * `[first, last, count, days]`, which roughly halves item size (DynamoDB bills writes per KB).
 * `v` is the format's version: 2 is this packed form, 1 the first format (plain objects), which
 * still loads. A document is read through StoredProfileSchema, never cast: a damaged or foreign
 * item must cost only its own principal (it learns again), never the payload.
 */
import { z } from 'zod';
import { PrincipalType } from '../events/schema';
import { parseStoredValue } from '../store/stored-json';
import { statsSummary } from './map-summary';
import { RATE_METRICS, setEntry, type PodAddress, type PrincipalProfile, type SeenStats, type SessionUse } from './baseline';

const STATS_MAPS = ['behaviors', 'namespaces', 'sourceNets', 'userAgents', 'patterns', 'authz'] as const;
type Packed = [number, number, number, number];

const num = z.number();
const map = <T extends z.ZodType>(value: T) => z.record(z.string(), value);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/**
 * The bulk of a profile is its maps (hundreds of entries): their entries are checked by plain
 * predicates inside the schema, which costs a fraction of zod's per-entry parsing and copying
 * (a profile is read on the ingest path; the instance cache reads each item about once a minute).
 */
const mapOf = <T>(entry: (v: unknown) => boolean, what: string) =>
  z.custom<Record<string, T>>((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    for (const k in v) if (!entry((v as Record<string, unknown>)[k])) return false;
    return true;
  }, `expected a map of ${what}`);
const isPacked = (v: unknown): boolean => Array.isArray(v) && v.length === 4 && isNum(v[0]) && isNum(v[1]) && isNum(v[2]) && isNum(v[3]);
const SeenStatsSchema = z.object({ first: num, last: num, count: num, days: num });
const STATS_FIELDS = Object.keys(SeenStatsSchema.shape);
const isStats = (v: unknown): boolean => typeof v === 'object' && v !== null && STATS_FIELDS.every((f) => isNum((v as Record<string, unknown>)[f]));
const statsMaps = <T>(stats: (v: unknown) => boolean, what: string) => ({
  behaviors: mapOf<T>(stats, what),
  namespaces: mapOf<T>(stats, what),
  sourceNets: mapOf<T>(stats, what),
  userAgents: mapOf<T>(stats, what),
  patterns: mapOf<T>(stats, what).optional(),
  authz: mapOf<T>(stats, what).optional(),
});
const numbers = mapOf<number>(isNum, 'numbers');
const PodAddressSchema = z.object({ ip: z.string(), first: num, last: num, alt: z.string().optional() });
const SessionUseSchema = z.object({ net: z.string(), t: num });
const common = {
  key: z.string().min(1),
  type: PrincipalType,
  firstSeen: num,
  lastSeen: num,
  events: num,
  alerts: numbers,
  batches: z.array(z.string()),
  // Profiles of earlier versions lack some metrics: upgradeProfile fills them.
  rates: z.object({ window: num, counts: map(num), peaks: map(z.array(z.tuple([num, num]))) }).optional(),
  pods: map(PodAddressSchema).optional(),
  hours: numbers.optional(),
  connects: z.array(z.string()).optional(),
  sessions: map(SessionUseSchema).optional(),
  created: numbers.optional(),
};
export const StoredProfileSchema = z.discriminatedUnion('v', [
  z.object({ v: z.literal(1), ...common, ...statsMaps<z.infer<typeof SeenStatsSchema>>(isStats, '{first, last, count, days}') }),
  z.object({ v: z.literal(2), ...common, ...statsMaps<Packed>(isPacked, '[first, last, count, days]') }),
]);

// The schema and the types are one concept: a field added to one and not the other fails `tsc`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Keys<T> = keyof T & string;
type V1 = Extract<z.infer<typeof StoredProfileSchema>, { v: 1 }>;
const sameProfileFields: Same<Keys<V1>, Keys<PrincipalProfile>> = true;
const sameStats: Same<z.infer<typeof SeenStatsSchema>, SeenStats> = true;
const samePodFields: Same<Keys<z.infer<typeof PodAddressSchema>>, Keys<PodAddress>> = true;
const sameSession: Same<z.infer<typeof SessionUseSchema>, SessionUse> = true;
void [sameProfileFields, sameStats, samePodFields, sameSession];

export function encodeProfile(p: PrincipalProfile): string {
  const out: Record<string, unknown> = { ...p, v: 2 };
  for (const m of STATS_MAPS) {
    const map = p[m];
    if (!map) continue;
    const packed: Record<string, Packed> = {};
    for (const k in map) {
      const s = map[k]!;
      setEntry(packed, k, [s.first, s.last, s.count, s.days]);
    }
    out[m] = packed;
  }
  return JSON.stringify(out);
}

/** A stored document as a profile, or why it cannot be one. */
export type StoredProfileRead = { profile: PrincipalProfile } | { damaged: string };

/** Reads a stored document through StoredProfileSchema (both formats). */
export function readStoredProfile(doc: string): StoredProfileRead {
  let raw: unknown;
  try {
    raw = JSON.parse(doc);
  } catch {
    return { damaged: 'not JSON' };
  }
  const checked = parseStoredValue(StoredProfileSchema, raw);
  if (!checked.success) return { damaged: checked.reason };
  // The checked value, but as JSON.parse built it: zod's copy of a record drops an own
  // `__proto__` key, which request-derived keys may be (see setEntry).
  const stored = raw as Record<string, unknown> & { v: number };
  if (stored.v === 2) {
    for (const m of STATS_MAPS) {
      const packed = stored[m] as Record<string, Packed> | undefined;
      if (!packed) continue;
      const expanded: Record<string, SeenStats> = {};
      for (const k in packed) {
        const [first, last, count, days] = packed[k]!;
        setEntry(expanded, k, { first, last, count, days });
      }
      stored[m] = expanded;
    }
    stored.v = 1;
  }
  return { profile: stored as unknown as PrincipalProfile };
}

/** Reads a stored document that must be a profile (throws UnreadableProfileError otherwise). */
export function decodeProfile(doc: string): PrincipalProfile {
  const read = readStoredProfile(doc);
  if ('damaged' in read) throw new UnreadableProfileError('(document)', read.damaged);
  return read.profile;
}

/** A stored profile that does not read as one: its principal learns again. */
export class UnreadableProfileError extends Error {
  constructor(readonly principalKey: string, readonly issues: string) {
    super(`stored profile of ${principalKey.slice(0, 200)} is unreadable (${issues}); it learns again from its next requests`);
    this.name = 'UnreadableProfileError';
  }
}

/**
 * What a peer group's profile says that detection uses: which keys exist, on how many days,
 * since when, and the daily peaks. A group item is rewritten only when this changes; counts and
 * last-seen times alone are not worth a write per payload (they refresh with the next change,
 * and at least daily, as days increment).
 */
export function materialDigest(p: PrincipalProfile): readonly number[] {
  const parts: number[] = [p.firstSeen];
  for (const m of STATS_MAPS) {
    const map = p[m];
    if (!map) {
      parts.push(-1, -1);
      continue;
    }
    const s = statsSummary(map);
    parts.push(s.keys, s.days);
  }
  if (p.rates) {
    for (const m of RATE_METRICS) {
      // -1 ends a metric's list (days and peaks are never negative).
      for (const [d, v] of p.rates.peaks[m] ?? []) parts.push(d, v);
      parts.push(-1);
    }
  }
  return parts;
}

/**
 * Most bytes a profile document may take. DynamoDB refuses items over 400 KB (UTF-8 bytes of
 * names and values); the budget leaves room for the key (at most about 1 KB) and the other
 * attributes, so no principal's learning can make its item unwritable.
 */
export const PROFILE_BUDGET_BYTES = 300 * 1024;

/** A profile whose key alone cannot fit the budget: it cannot be saved at all. */
export class ProfileTooLargeError extends Error {
  constructor(readonly principalKey: string, readonly bytes: number) {
    super(`profile of ${principalKey.slice(0, 200)} needs ${bytes} bytes even after trimming`);
    this.name = 'ProfileTooLargeError';
  }
}

type Timed = Record<string, unknown>;
const lastOf = (v: unknown): number =>
  typeof v === 'number' ? v : typeof v === 'object' && v !== null ? Number((v as { last?: number; t?: number }).last ?? (v as { t?: number }).t ?? 0) : 0;

/** The newest half of a map (by last sighting). */
function newerHalf<T>(map: Record<string, T>): Record<string, T> {
  const entries = Object.entries(map).sort((a, b) => lastOf(b[1]) - lastOf(a[1]));
  const out: Record<string, T> = {};
  for (const [k, v] of entries.slice(0, Math.floor(entries.length / 2))) setEntry(out, k, v);
  return out;
}

const TRIMMED_MAPS = [...STATS_MAPS, 'alerts', 'pods', 'sessions', 'created', 'hours'] as const;

/**
 * The stored document of a profile within `maxBytes` UTF-8 bytes: as is when it fits (the usual
 * case), else with the oldest half of every map dropped until it does, which forgets the least
 * recent learning first. Throws ProfileTooLargeError when even empty maps do not fit.
 */
export function encodeWithinBudget(p: PrincipalProfile, maxBytes = PROFILE_BUDGET_BYTES): { doc: string; trimmed: boolean } {
  let doc = encodeProfile(p);
  if (doc.length * 3 <= maxBytes || Buffer.byteLength(doc, 'utf8') <= maxBytes) return { doc, trimmed: false };
  let current: Timed = { ...p };
  for (let round = 0; round < 24; round++) {
    let any = false;
    for (const m of TRIMMED_MAPS) {
      const map = current[m] as Record<string, unknown> | undefined;
      if (map && Object.keys(map).length > 0) {
        current = { ...current, [m]: newerHalf(map) };
        any = true;
      }
    }
    doc = encodeProfile(current as unknown as PrincipalProfile);
    const bytes = Buffer.byteLength(doc, 'utf8');
    if (bytes <= maxBytes) return { doc, trimmed: true };
    if (!any) throw new ProfileTooLargeError(p.key, bytes);
  }
  throw new ProfileTooLargeError(p.key, Buffer.byteLength(doc, 'utf8'));
}
