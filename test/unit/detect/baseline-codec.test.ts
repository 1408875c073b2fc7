import { decodeProfile, encodeProfile, encodeWithinBudget, materialDigest, ProfileTooLargeError, readStoredProfile, UnreadableProfileError } from '#shared/detect/baseline-codec';
import { emptyProfile, MAX_ENTRY_KEY_BYTES, ownEntry, see, setEntry } from '#shared/detect/baseline';
import { boundedUtf8 } from '#shared/text';

const T0 = Date.parse('2024-03-11T00:00:00Z');

describe('stored profiles', () => {
  it('round-trip through the compact form, which is smaller', () => {
    const p = emptyProfile('system:serviceaccount:shop:checkout', 'ServiceAccount', T0);
    for (let i = 0; i < 50; i++) see(p.behaviors, `get configmaps ns-${i}`, T0 + i * 1000);
    see(p.patterns!, 'PrivilegedContainer|ns|img', T0);
    const doc = encodeProfile(p);
    expect(decodeProfile(doc)).toEqual(p);
    expect(doc.length).toBeLessThan(JSON.stringify(p).length * 0.75);
  });

  it('still load in the first format', () => {
    const p = emptyProfile('k', 'User', T0);
    see(p.behaviors, 'get pods shop', T0);
    expect(decodeProfile(JSON.stringify(p))).toEqual(p);
  });

  it('are read through their schema: a damaged document is refused with the reason, not cast', () => {
    const p = emptyProfile('k', 'User', T0);
    see(p.behaviors, 'get pods shop', T0);
    const good = JSON.parse(encodeProfile(p)) as Record<string, unknown>;
    const cases: Array<[string, RegExp]> = [
      ['{"v":2', /^not JSON$/],
      ['null', /^\(root\): /],
      [JSON.stringify({ ...good, v: 3 }), /^v: /],
      [JSON.stringify({ ...good, type: 'Martian' }), /^type: /],
      [JSON.stringify({ ...good, behaviors: { 'get pods shop': [T0, T0, 1] } }), /^behaviors: /],
      [JSON.stringify({ ...good, behaviors: { 'get pods shop': { first: T0, last: T0, count: 1, days: 1 } } }), /^behaviors: /],
      [JSON.stringify({ ...good, v: 1 }), /^behaviors: /],
      [JSON.stringify({ ...good, alerts: { x: 'soon' } }), /^alerts: /],
      [JSON.stringify({ ...good, firstSeen: undefined }), /^firstSeen: /],
    ];
    for (const [doc, reason] of cases) {
      const read = readStoredProfile(doc);
      expect(read).toEqual({ damaged: expect.stringMatching(reason) });
      expect(() => decodeProfile(doc)).toThrow(UnreadableProfileError);
    }
  });

  it('keep request-derived keys such as __proto__ as own entries when read back', () => {
    const p = emptyProfile('k', 'User', T0);
    see(p.namespaces, '__proto__', T0);
    const read = readStoredProfile(encodeProfile(p));
    if (!('profile' in read)) throw new Error(read.damaged);
    expect(Object.hasOwn(read.profile.namespaces, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(read.profile.namespaces)).toBe(Object.prototype);
    expect(ownEntry(read.profile.namespaces, '__proto__')).toEqual({ first: T0, last: T0, count: 1, days: 1 });
  });
});

describe('material digest', () => {
  it('changes with new keys, new days and peaks, not with counts', () => {
    const p = emptyProfile('kubelets', 'Node', T0);
    see(p.behaviors, 'get nodes -', T0);
    const d0 = materialDigest(p);
    see(p.behaviors, 'get nodes -', T0 + 1000);
    expect(materialDigest(p)).toEqual(d0);
    see(p.behaviors, 'get nodes -', T0 + 86_400_000);
    const d1 = materialDigest(p);
    expect(d1).not.toEqual(d0);
    see(p.behaviors, 'list pods *', T0 + 86_400_000);
    expect(materialDigest(p)).not.toEqual(d1);
    const d2 = materialDigest(p);
    p.rates!.peaks.deletes.push([20000, 4]);
    expect(materialDigest(p)).not.toEqual(d2);
  });
});

describe('byte bounds (#14)', () => {
  it('boundedUtf8 measures UTF-8 bytes, keeps short values, and keeps long ones distinct and stable', () => {
    expect(boundedUtf8('shop', 256)).toBe('shop');
    const euro = '\u20ac'.repeat(100); // 300 bytes, 100 UTF-16 units
    const b = boundedUtf8(euro, 256);
    expect(Buffer.byteLength(b)).toBeLessThanOrEqual(256);
    expect(b).toBe(boundedUtf8(euro, 256));
    expect(b).not.toBe(boundedUtf8(`${euro}x`, 256));
    expect(b).not.toContain('\ufffd');
    expect(Buffer.byteLength(boundedUtf8('\u{1f600}'.repeat(100), 50))).toBeLessThanOrEqual(50);
  });

  it('map keys longer than 256 bytes are stored bounded, and read back under the same key', () => {
    const map: Record<string, number> = {};
    const long = 'n'.repeat(1000);
    setEntry(map, long, 1);
    expect(Object.keys(map).map((k) => Buffer.byteLength(k))).toEqual([MAX_ENTRY_KEY_BYTES]);
    expect(ownEntry(map, long)).toBe(1);
    expect(ownEntry(map, `${long}x`)).toBeUndefined();
  });

  it('encodeWithinBudget leaves a fitting profile alone and trims the oldest entries of one that does not', () => {
    const p = emptyProfile('k', 'User', 0);
    expect(encodeWithinBudget(p, 10_000)).toEqual({ doc: encodeProfile(p), trimmed: false });
    for (let i = 0; i < 400; i++) see(p.userAgents, `agent-${i}-${'x'.repeat(100)}`, i * 1000);
    const { doc, trimmed } = encodeWithinBudget(p, 20_000);
    expect(trimmed).toBe(true);
    expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(20_000);
    const kept = Object.keys(decodeProfile(doc).userAgents);
    expect(kept.length).toBeGreaterThan(50);
    expect(kept).toContain(`agent-399-${'x'.repeat(100)}`);
    expect(kept).not.toContain(`agent-0-${'x'.repeat(100)}`);
    expect(() => encodeWithinBudget(emptyProfile('k'.repeat(30_000), 'User', 0), 20_000)).toThrow(ProfileTooLargeError);
  });
});
