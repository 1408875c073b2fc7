/**
 * map-summary.ts remembers what pruning and the write digests derive from a profile map (key
 * count, oldest sighting, day sums) until the map is written again. Whatever the order of
 * writes and questions, the remembered answers must be the ones a full scan gives, and the
 * functions built on them (keepsAll, statsSummary, shapeOf, materialDigest, pruneProfile) must
 * answer as they did when they scanned every map each time (./summary-oracles.ts). The summary
 * itself must never travel with the data.
 */
import fc from 'fast-check';
import { cloneProfile, emptyProfile, entryKey, pruneProfile, see, setEntry, type PrincipalProfile, type SeenStats } from '#shared/detect/baseline';
import { materialDigest } from '#shared/detect/baseline-codec';
import { DAY_MS, DEFAULT_DETECTION, HOUR_MS, type DetectionConfig } from '#shared/detect/config';
import { keepsAll, statsSummary, touched } from '#shared/detect/map-summary';
import { shapeOf } from '#shared/detect/profile-cache';
import { keepsAllOracle, materialDigestOracle, pruneProfileOracle, shapeOfOracle } from './summary-oracles';

const T = Date.parse('2024-03-11T10:00:00Z');
const LONG = 'x'.repeat(300);

/** A small pool, so that keys meet again; request-chosen keys include the hostile ones. */
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', '0', 'a', 'b', LONG, `${LONG}y`, '\u540d'.repeat(100), '\ud800') },
  { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
);

/** Fewer keys, for one map: the same entry is seen again, written over and deleted often. */
const fewKeys = fc.constantFrom('__proto__', 'constructor', 'toString', 'a', LONG, `${LONG}y`);

/** How far the clock moves: mostly forward (within the day or across days), sometimes back. */
const step = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 * DAY_MS }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 * HOUR_MS }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, HOUR_MS, DAY_MS) },
  { weight: 1, arbitrary: fc.integer({ min: -3 * DAY_MS, max: 0 }) },
);

/** A sighting's time: the clock after `step`, or (rarely) NaN, which a damaged entry may hold. */
const sighting = fc.oneof({ weight: 12, arbitrary: step }, { weight: 1, arbitrary: fc.constant(Number.NaN) });

/**
 * A horizon: some time before (or just after) the clock, exactly an entry's last sighting, or
 * at the oldest one (where keeping all turns to dropping some, as that entry moves on).
 */
const horizon = fc.oneof(
  { weight: 1, arbitrary: fc.integer({ min: -DAY_MS, max: 40 * DAY_MS }).map((back) => ({ back })) },
  { weight: 1, arbitrary: fc.nat().map((entry) => ({ entry })) },
  { weight: 2, arbitrary: fc.constantFrom(-1, 0, 1).map((oldest) => ({ oldest })) },
);

/** The time `h` stands for in `map` at `clock`. */
function horizonAt(h: { back: number } | { entry: number } | { oldest: number }, map: Record<string, SeenStats>, clock: number): number {
  const lasts = Object.keys(map).map((k) => map[k]!.last);
  if ('back' in h) return clock - h.back;
  if (lasts.length === 0) return clock;
  return 'entry' in h ? lasts[h.entry % lasts.length]! : Math.min(...lasts) + h.oldest;
}

const max = fc.oneof(fc.nat({ max: 14 }), fc.constant(Infinity));

/** The stats an own or inherited key of `map` reads as (for...in: what the scans before counted). */
function scanned(map: Record<string, SeenStats>): SeenStats[] {
  const out: SeenStats[] = [];
  for (const k in map) out.push(map[k]!);
  return out;
}

/** statsSummary by a full scan. */
function summaryByScan(map: Record<string, SeenStats>, cap: number): { keys: number; days: number; cappedDays: number } {
  const all = scanned(map);
  return { keys: all.length, days: all.reduce((n, s) => n + s.days, 0), cappedDays: all.reduce((n, s) => n + Math.min(s.days, cap), 0) };
}

/** keepsAll by a full scan over the own keys: false as soon as any key is not the map's own. */
function keepsAllByScan(map: Record<string, SeenStats>, horizon: number, max: number): boolean {
  const own = Object.keys(map);
  return scanned(map).length === own.length && own.length <= max && own.every((k) => map[k]!.last >= horizon);
}

type MapOp =
  | { op: 'see'; key: string; step: number }
  | { op: 'set'; key: string; age: number; days: number }
  | { op: 'delete'; key: string }
  | { op: 'advance'; entry: number }
  | { op: 'inherit'; key: string }
  | { op: 'keepsAll'; horizon: { back: number } | { entry: number } | { oldest: number }; max: number }
  | { op: 'summary'; cap: number | undefined };

const mapKey = fc.oneof({ weight: 6, arbitrary: fewKeys }, { weight: 1, arbitrary: key });
const mapOp: fc.Arbitrary<MapOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('see' as const), key: mapKey, step: sighting }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), key: mapKey, age: fc.integer({ min: -DAY_MS, max: 40 * DAY_MS }), days: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: mapKey }) },
  // An entry's last sighting moves on with no call to `touched`, as the contract allows (pods do so).
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), entry: fc.nat() }) },
  // A key read through the prototype, as a plain `map.__proto__ = …` write would leave one.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('inherit' as const), key: mapKey }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('keepsAll' as const), horizon, max }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('summary' as const), cap: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }) }) },
);

/** Every map of a profile that can carry a summary. */
function profileMaps(p: PrincipalProfile): object[] {
  const maps: Array<object | undefined> = [p.behaviors, p.namespaces, p.sourceNets, p.userAgents, p.patterns, p.authz, p.alerts, p.pods, p.sessions, p.created];
  return maps.filter((m) => m !== undefined);
}

const summaryKeys = (o: object): symbol[] => Object.getOwnPropertySymbols(o);

/** The summary is invisible to JSON, key listings, spreads, structuredClone and cloneProfile. */
function expectNoSummaryTravels(p: PrincipalProfile): void {
  for (const m of profileMaps(p)) {
    for (const s of summaryKeys(m)) expect(Object.getOwnPropertyDescriptor(m, s)!.enumerable).toBe(false);
    expect(Object.keys(m)).toEqual(Reflect.ownKeys(m).filter((k) => typeof k === 'string'));
    expect(summaryKeys({ ...m })).toEqual([]);
  }
  const copy = cloneProfile(p);
  const cloned = structuredClone(p);
  for (const m of [...profileMaps(copy), ...profileMaps(cloned)]) expect(summaryKeys(m)).toEqual([]);
  expect(JSON.stringify(p)).toBe(JSON.stringify(copy));
  expect(copy).toEqual(p);
}

describe('map summaries', () => {
  it('answer keepsAll and statsSummary as a full scan does, whatever the order of writes and questions', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(mapOp, { maxLength: 60, size: 'max' }), (bare, ops) => {
        const map: Record<string, SeenStats> = bare ? (Object.create(null) as Record<string, SeenStats>) : {};
        let clock = T;
        for (const o of ops) {
          switch (o.op) {
            case 'see':
              if (Number.isNaN(o.step)) see(map, o.key, Number.NaN);
              else see(map, o.key, (clock += o.step));
              break;
            case 'set':
              setEntry(map, o.key, { first: clock - o.age, last: clock - o.age, count: 1, days: o.days });
              break;
            case 'delete':
              delete map[entryKey(o.key)];
              touched(map);
              break;
            case 'advance': {
              const own = Object.keys(map);
              const s = own.length > 0 ? map[own[o.entry % own.length]!]! : undefined;
              if (s && s.last < clock) s.last = clock;
              break;
            }
            case 'inherit':
              Object.setPrototypeOf(map, { [entryKey(o.key)]: { first: clock, last: clock, count: 1, days: 2 } });
              touched(map);
              break;
            case 'keepsAll': {
              const h = horizonAt(o.horizon, map, clock);
              const kept = keepsAll(map, (s) => s.last, h, o.max);
              expect(kept).toBe(keepsAllOracle(map, (s) => s.last, h, o.max));
              expect(kept).toBe(keepsAllByScan(map, h, o.max));
              break;
            }
            case 'summary': {
              const { keys, days, cappedDays } = statsSummary(map, o.cap);
              const scan = summaryByScan(map, o.cap ?? 0);
              if (o.cap === undefined) expect({ keys, days }).toEqual({ keys: scan.keys, days: scan.days });
              else expect({ keys, days, cappedDays }).toEqual(scan);
              // Without inherited keys, the keys counted are exactly the own ones.
              if (scanned(map).length === Object.keys(map).length) expect(keys).toBe(Object.keys(map).length);
              break;
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  const STATS = ['behaviors', 'namespaces', 'sourceNets', 'userAgents', 'patterns', 'authz'] as const;
  type StatsMap = (typeof STATS)[number];

  type ProfileOp =
    | { op: 'see'; map: StatsMap; key: string; step: number }
    | { op: 'delete'; map: StatsMap; key: string }
    | { op: 'drop'; map: 'patterns' | 'authz' }
    | { op: 'alert'; key: string; age: number }
    | { op: 'peak'; value: number }
    | { op: 'prune' }
    | { op: 'reread' };

  const profileOp: fc.Arbitrary<ProfileOp> = fc.oneof(
    { weight: 10, arbitrary: fc.record({ op: fc.constant('see' as const), map: fc.constantFrom(...STATS), key, step: sighting }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), map: fc.constantFrom(...STATS), key }) },
    // Profiles stored by earlier versions lack these maps.
    { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), map: fc.constantFrom('patterns' as const, 'authz' as const) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('alert' as const), key, age: fc.integer({ min: 0, max: 10 * DAY_MS }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('peak' as const), value: fc.nat({ max: 500 }) }) },
    { weight: 2, arbitrary: fc.constant({ op: 'prune' as const }) },
    // The cache reads a profile back (a new object, summarised afresh).
    { weight: 1, arbitrary: fc.constant({ op: 'reread' as const }) },
  );

  const detection = fc.record({ establishDays: fc.integer({ min: 1, max: 4 }), decayDays: fc.integer({ min: 1, max: 6 }), maxBehaviors: fc.integer({ min: 1, max: 8 }) }).map((c) => ({ ...DEFAULT_DETECTION, ...c }));

  it('give shapeOf and materialDigest as the scans did, after every step of learning, pruning and reading back', () => {
    fc.assert(
      fc.property(detection, fc.integer({ min: 1, max: 4 }), fc.array(profileOp, { maxLength: 60, size: 'max' }), (cfg, otherDays, ops) => {
        // Two establishDays, as two configurations would ask with different caps.
        const other: DetectionConfig = { ...cfg, establishDays: otherDays };
        let p = emptyProfile('system:serviceaccount:shop:cart', 'ServiceAccount', T);
        let clock = T;
        for (const o of ops) {
          switch (o.op) {
            case 'see':
              if (Number.isNaN(o.step)) see((p[o.map] ??= {}), o.key, Number.NaN);
              else see((p[o.map] ??= {}), o.key, (clock += o.step));
              p.lastSeen = Math.max(p.lastSeen, clock);
              break;
            case 'delete': {
              const m = p[o.map];
              if (m) {
                delete m[entryKey(o.key)];
                touched(m);
              }
              break;
            }
            case 'drop':
              delete p[o.map];
              break;
            case 'alert':
              setEntry(p.alerts, o.key, clock - o.age);
              break;
            case 'peak':
              p.rates!.peaks.events.push([Math.floor(clock / DAY_MS), o.value]);
              break;
            case 'prune':
              expect(pruneProfile(p, cfg)).toBe(p);
              break;
            case 'reread':
              p = cloneProfile(p);
              break;
          }
          expect(shapeOf(p, cfg)).toEqual(shapeOfOracle(p, cfg));
          expect(materialDigest(p)).toEqual(materialDigestOracle(p));
          expect(shapeOf(p, other)).toEqual(shapeOfOracle(p, other));
        }
      }),
      { numRuns: 200 },
    );
  });

  type PruneOp =
    | { op: 'see'; map: StatsMap; key: string; step: number }
    | { op: 'alert' | 'pod' | 'session' | 'created'; key: string; age: number }
    | { op: 'uncreate'; key: string }
    | { op: 'digest' }
    | { op: 'prune'; ahead: number };

  const age = fc.integer({ min: -HOUR_MS, max: 10 * DAY_MS });
  const pruneOp: fc.Arbitrary<PruneOp> = fc.oneof(
    { weight: 8, arbitrary: fc.record({ op: fc.constant('see' as const), map: fc.constantFrom(...STATS), key, step }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('alert' as const, 'pod' as const, 'session' as const, 'created' as const), key, age }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('uncreate' as const), key }) },
    { weight: 2, arbitrary: fc.constant({ op: 'digest' as const }) },
    // lastSeen moves on (or not) before pruning, so entries age out of a map already summarised.
    { weight: 3, arbitrary: fc.record({ op: fc.constant('prune' as const), ahead: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 8 * DAY_MS })) }) },
  );

  it('prune profiles in place to what pruning gave when it built a new profile, and never leak into copies', () => {
    fc.assert(
      fc.property(detection, fc.array(pruneOp, { maxLength: 60, size: 'max' }), (cfg, ops) => {
        const p = emptyProfile('system:serviceaccount:shop:cart', 'ServiceAccount', T);
        let clock = T;
        for (const o of ops) {
          switch (o.op) {
            case 'see':
              see((p[o.map] ??= {}), o.key, (clock += o.step));
              p.lastSeen = Math.max(p.lastSeen, clock);
              break;
            case 'alert':
              setEntry(p.alerts, o.key, clock - o.age);
              break;
            case 'pod':
              setEntry((p.pods ??= {}), o.key, { ip: '10.0.0.1', first: clock - o.age, last: clock - o.age });
              break;
            case 'session':
              setEntry((p.sessions ??= {}), o.key, { net: '10.0.0.0/24', t: clock - o.age });
              break;
            case 'created':
              setEntry((p.created ??= {}), o.key, clock - o.age);
              break;
            case 'uncreate':
              if (p.created) {
                delete p.created[entryKey(o.key)];
                touched(p.created);
              }
              break;
            case 'digest':
              shapeOf(p, cfg);
              materialDigest(p);
              break;
            case 'prune': {
              p.lastSeen += o.ahead;
              clock = Math.max(clock, p.lastSeen);
              const before = JSON.parse(JSON.stringify(pruneProfileOracle(p, cfg)));
              expect(pruneProfile(p, cfg)).toBe(p);
              expect(JSON.parse(JSON.stringify(p))).toEqual(before);
              break;
            }
          }
          // After whatever may have summarised a map (or written to a summarised one).
          if (o.op === 'digest' || o.op === 'prune' || o.op === 'uncreate') expectNoSummaryTravels(p);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a map whole exactly when the scan did, for any horizon, bound or damaged time', () => {
    // Out of what validated profiles and configurations hold, but the scan's answer all the same.
    const time = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(Number.NaN, Infinity, -Infinity, undefined));
    const bound = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(Number.NaN, Infinity, -Infinity));
    const query = fc.tuple(bound, fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constantFrom(Infinity, Number.NaN)));
    fc.assert(
      fc.property(fc.array(time, { maxLength: 4 }), fc.array(query, { minLength: 1, maxLength: 3 }), (times, queries) => {
        const map: Record<string, { last: number }> = {};
        times.forEach((t, i) => setEntry(map, `k${i}`, { last: t as number }));
        for (const [h, most] of queries) expect([h, most, keepsAll(map, (s) => s.last, h, most)]).toEqual([h, most, keepsAllOracle(map, (s) => s.last, h, most)]);
      }),
      { numRuns: 1000 },
    );
  });

  it('is kept on the maps it summarised, where the leak checks above can see it', () => {
    const p = emptyProfile('k', 'User', T);
    see(p.behaviors, '__proto__', T);
    see(p.behaviors, 'get pods', T);
    setEntry(p.alerts, 'x', T);
    pruneProfile(p, DEFAULT_DETECTION);
    shapeOf(p, DEFAULT_DETECTION);
    expect(summaryKeys(p.behaviors)).toHaveLength(1);
    expect(summaryKeys(p.alerts)).toHaveLength(1);
    expectNoSummaryTravels(p);
    expect(JSON.parse(JSON.stringify(p.behaviors))).toEqual(JSON.parse(JSON.stringify(cloneProfile(p).behaviors)));
  });

  it('answers for a frozen map, which it cannot remember, by scanning', () => {
    const m: Record<string, SeenStats> = {};
    see(m, 'a', T);
    see(m, 'b', T + DAY_MS);
    see(m, 'b', T + 2 * DAY_MS);
    Object.freeze(m);
    expect(statsSummary(m, 1)).toMatchObject({ keys: 2, days: 3, cappedDays: 2 });
    expect(keepsAll(m, (s) => s.last, T, 2)).toBe(true);
    expect(keepsAll(m, (s) => s.last, T + 1, 2)).toBe(false);
    expect(summaryKeys(m)).toEqual([]);
  });
});
