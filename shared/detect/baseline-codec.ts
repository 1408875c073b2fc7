/**
 * The stored form of a profile: the same JSON document with every SeenStats written as
 * `[first, last, count, days]`, which roughly halves item size (DynamoDB bills writes per KB).
 * Documents of the first format (plain objects) still load.
 */
import { setEntry, type PrincipalProfile, type SeenStats } from './baseline';

const STATS_MAPS = ['behaviors', 'namespaces', 'sourceNets', 'userAgents', 'patterns', 'authz'] as const;
type Packed = [number, number, number, number];

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

export function decodeProfile(doc: string): PrincipalProfile {
  const raw = JSON.parse(doc) as Record<string, unknown> & { v: number };
  if (raw.v === 2) {
    for (const m of STATS_MAPS) {
      const map = raw[m] as Record<string, Packed> | undefined;
      if (!map) continue;
      const expanded: Record<string, SeenStats> = {};
      for (const k in map) {
        const [first, last, count, days] = map[k]!;
        setEntry(expanded, k, { first, last, count, days });
      }
      raw[m] = expanded;
    }
    raw.v = 1;
  }
  return raw as unknown as PrincipalProfile;
}

/**
 * What a peer group's profile says that detection uses: which keys exist, on how many days,
 * since when, and the daily peaks. A group item is rewritten only when this changes; counts and
 * last-seen times alone are not worth a write per payload (they refresh with the next change,
 * and at least daily, as days increment).
 */
export function materialDigest(p: PrincipalProfile): string {
  const parts: Array<string | number> = [p.firstSeen];
  for (const m of STATS_MAPS) {
    const map = p[m];
    if (!map) {
      parts.push('-');
      continue;
    }
    let days = 0;
    let n = 0;
    for (const k in map) {
      n += 1;
      days += map[k]!.days;
    }
    parts.push(n, days);
  }
  if (p.rates) for (const [m, list] of Object.entries(p.rates.peaks)) for (const [d, v] of list) parts.push(m, d, v);
  return parts.join(',');
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
