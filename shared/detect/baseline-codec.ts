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
