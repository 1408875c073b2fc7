/**
 * cloneProfile (shared/detect/baseline.ts) replaces structuredClone on the ingest path: the copy
 * must be what structuredClone makes of a profile (plain data, request-chosen keys included)
 * and share nothing with the original. pruneProfile returns maps it keeps whole without
 * copying them, and must give what it gave before.
 */
import fc from 'fast-check';
import { cloneProfile, emptyProfile, pruneProfile, see, setEntry, type PrincipalProfile } from '#shared/detect/baseline';
import { DAY_MS, DEFAULT_DETECTION } from '#shared/detect/config';
import { decodeProfile, encodeProfile } from '#shared/detect/baseline-codec';
import { pruneProfileOracle } from './summary-oracles';

/**
 * The value as nested [kind, entries] lists: keys in order, present-but-undefined kept, and each
 * container's prototype. (toStrictEqual would compare own `constructor` keys as types.)
 */
function structure(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  // By shape, not identity: Jest's sandbox has its own Object.prototype, structuredClone the outer one.
  const proto: unknown = Object.getPrototypeOf(v);
  const kind = Array.isArray(v) ? 'array' : proto !== null && Object.getPrototypeOf(proto) === null ? 'object' : 'other';
  return [kind, Object.keys(v).map((k) => [k, structure((v as Record<string, unknown>)[k])])];
}

/** Every object and array reachable from `v`. */
function containers(v: unknown, out = new Set<object>()): Set<object> {
  if (typeof v === 'object' && v !== null) {
    out.add(v);
    for (const k of Object.keys(v)) containers((v as Record<string, unknown>)[k], out);
  }
  return out;
}

function expectSameAsStructuredClone(p: PrincipalProfile): void {
  const copy = cloneProfile(p);
  expect(structure(copy)).toEqual(structure(structuredClone(p)));
  const originals = containers(p);
  for (const c of containers(copy)) expect(originals.has(c)).toBe(false);
}

const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', '0', '10', ''), fc.string({ maxLength: 12 }));

describe('cloneProfile', () => {
  it('equals structuredClone on profiles learned from request-chosen keys, and shares no object with the original', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom<Array<'behaviors' | 'namespaces' | 'sourceNets' | 'userAgents'>>('behaviors', 'namespaces', 'sourceNets', 'userAgents'), key, fc.nat()), { maxLength: 30 }), fc.array(key, { maxLength: 5 }), (sightings, podNames) => {
        const p = emptyProfile('system:serviceaccount:shop:cart', 'ServiceAccount', 1_700_000_000_000);
        for (const [map, k, t] of sightings) see(p[map], k, 1_700_000_000_000 + t);
        for (const name of podNames) setEntry(p.pods!, name, { ip: '10.0.0.1', first: 1, last: 2 });
        p.rates!.peaks.events.push([19_700, 12]);
        p.connects!.push('id-1');
        expectSameAsStructuredClone(p);
        // As stored and read back (the cache holds decoded profiles).
        expectSameAsStructuredClone(decodeProfile(encodeProfile(p)));
      }),
      { numRuns: 500 },
    );
  });

  it('copies own __proto__ entries as entries, leaving prototypes alone', () => {
    const p = emptyProfile('k', 'User', 0);
    see(p.namespaces, '__proto__', 5);
    const copy = cloneProfile(p);
    expect(Object.hasOwn(copy.namespaces, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(copy.namespaces)).toBe(Object.prototype);
    copy.namespaces.__proto__!.count = 99;
    expect(p.namespaces.__proto__!.count).toBe(1);
  });

  it('equals structuredClone on arbitrary JSON documents, as old stored profiles may hold', () => {
    fc.assert(fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }), (doc) => expectSameAsStructuredClone(doc as unknown as PrincipalProfile)));
  });
});

describe('pruneProfile', () => {
  it('gives what it gave when it copied every map: old entries dropped, maps over their bound cut to the newest', () => {
    const T = 1_700_000_000_000;
    const age = fc.oneof(fc.integer({ min: 0, max: 40 * DAY_MS }), fc.constant(Number.NaN));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<Array<'behaviors' | 'namespaces' | 'sourceNets' | 'userAgents' | 'patterns' | 'authz'>>('behaviors', 'namespaces', 'sourceNets', 'userAgents', 'patterns', 'authz'), key, age), { maxLength: 80 }),
        fc.array(fc.tuple(key, age), { maxLength: 20 }),
        fc.integer({ min: 1, max: 40 }),
        (sightings, stamps, many) => {
          const p = emptyProfile('k', 'ServiceAccount', T - 40 * DAY_MS);
          p.lastSeen = T;
          for (const [map, k, a] of sightings) setEntry(p[map]!, k, { first: T - a, last: T - a, count: 1, days: 1 });
          // Enough keys to pass the bounds now and then.
          for (let i = 0; i < many; i++) setEntry(p.authz!, `a${i}`, { first: T - i, last: T - i, count: 1, days: 1 });
          for (const [k, a] of stamps) {
            setEntry(p.alerts, k, T - a);
            setEntry(p.pods!, k, { ip: '10.0.0.1', first: T - a, last: T - a });
            setEntry((p.sessions ??= {}), k, { net: '10.0.0.0/24', t: T - a });
            setEntry((p.created ??= {}), k, T - a);
          }
          const cfg = { ...DEFAULT_DETECTION, maxBehaviors: 12 };
          // The oracle as before pruneProfile returned the maps it keeps whole as they are: copying every map.
          expect(structure(pruneProfile(cloneProfile(p), cfg))).toEqual(structure(pruneProfileOracle(cloneProfile(p), cfg, () => false)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
