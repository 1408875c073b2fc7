/**
 * The write-behind bookkeeping (shared/detect/profile-cache.ts): what is due when, and what a
 * payload absorbed elsewhere takes out of the cache.
 */
import { emptyProfile } from '#shared/detect/baseline';
import { ProfileCache, pendingFacts } from '#shared/detect/profile-cache';
import { facts } from './harness';

const T = Date.parse('2026-11-10T10:00:00Z');
const profile = (key: string) => emptyProfile(key, 'ServiceAccount', T);
const MIN = 60_000;

describe('ProfileCache', () => {
  it('writes nothing before the interval but urgent entries, then every dirty entry together', () => {
    const c = new ProfileCache({ writeAfterMs: 5 * MIN });
    c.learn('principal', 'a', profile('a'), 0, 'p1', [facts({ at: T })], false, T);
    c.learn('principal', 'b', profile('b'), 0, 'p2', [facts({ at: T + 4 * MIN })], false, T + 4 * MIN);
    expect(c.due(T + 4 * MIN)).toEqual([]);
    c.learn('group', 'g', profile('g'), 0, 'p2', [facts({ at: T + 4 * MIN })], true, T + 4 * MIN);
    expect(c.due(T + 4 * MIN).map((e) => e.profile.key)).toEqual(['g']);
    // The oldest learning is five minutes old: everything dirty goes, the one-minute-old entry too.
    expect(c.due(T + 5 * MIN).map((e) => e.profile.key).sort()).toEqual(['a', 'b', 'g']);
  });

  it('writes everything once the instance holds maxPendingTotal requests, whatever their age', () => {
    const c = new ProfileCache({ writeAfterMs: 5 * MIN, maxPendingTotal: 3 });
    c.learn('principal', 'a', profile('a'), 0, 'p1', [facts({ at: T }), facts({ at: T })], false, T);
    expect(c.due(T)).toEqual([]);
    c.learn('principal', 'b', profile('b'), 0, 'p2', [facts({ at: T })], false, T);
    expect(c.due(T)).toHaveLength(2);
    c.written(c.get('principal', 'a')!, profile('a'), 1, T);
    expect(c.due(T)).toEqual([]);
  });

  it('keeps a stale entry stale: later learning joins its pending requests for the rebuild, its half-learned profile is never taken as learned', () => {
    const c = new ProfileCache({ writeAfterMs: 5 * MIN });
    const f1 = facts({ at: T });
    const f2 = facts({ at: T + 1000 });
    const first = profile('a');
    c.learn('principal', 'a', first, 0, 'p1', [f1], false, T);
    c.markStale('principal', 'a');
    expect(c.staleEntries().map((e) => e.profile.key)).toEqual(['a']);
    c.learn('principal', 'a', profile('a'), 0, 'p2', [f2], false, T + 1000);
    const e = c.get('principal', 'a')!;
    expect(e.profile).toBe(first);
    expect(pendingFacts(e)).toEqual([f1, f2]);
    c.rebased(e, profile('a'), 3, T + 2000);
    expect(c.staleEntries()).toEqual([]);
    expect(c.isStale(e)).toBe(false);
  });

  it('drops the learning of a payload absorbed elsewhere from every entry, and only that payload', () => {
    const c = new ProfileCache({ writeAfterMs: 5 * MIN });
    const f1 = facts({ at: T });
    const f2 = facts({ at: T + 1000 });
    c.learn('principal', 'a', profile('a'), 0, 'p1', [f1], false, T);
    c.learn('principal', 'a', profile('a'), 0, 'p2', [f2], false, T + 1000);
    c.learn('group', 'g', profile('g'), 0, 'p1', [f1], false, T);
    c.learn('principal', 'b', profile('b'), 0, 'p2', [f2], false, T + 1000);
    const affected = c.dropPayloads(new Set(['p1']));
    expect(affected.map((e) => e.profile.key).sort()).toEqual(['a', 'g']);
    expect(pendingFacts(c.get('principal', 'a')!)).toEqual([f2]);
    // Nothing left to write for the group.
    expect(c.get('group', 'g')!.dirtySince).toBeUndefined();
    expect(c.due(T + 10 * MIN).map((e) => e.profile.key).sort()).toEqual(['a', 'b']);
  });

  it('knows a payload absorbed here before it is claimed, and what the absorbed item it read lists', () => {
    const c = new ProfileCache({ writeAfterMs: 5 * MIN });
    expect(c.absorbedHere('item', 'p1')).toBe(false);
    c.absorb('item', 'p1');
    expect(c.absorbedHere('item', 'p1')).toBe(true);
    expect(c.unclaimedPayloads()).toEqual([['item', ['p1']]]);
    c.claimed('item', ['p1'], [], T);
    expect(c.unclaimedPayloads()).toEqual([]);
    expect(c.absorbedHere('item', 'p1')).toBe(true);
    c.noteAbsorbed('other', { ids: new Set(['p9']), full: true }, T);
    expect(c.absorbedHere('other', 'p9')).toBe(true);
    // A full item does not list every payload: only the payload's own record can tell.
    expect(c.absorbedHere('other', 'p8')).toBe('ask');
  });
});
