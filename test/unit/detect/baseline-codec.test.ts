import { decodeProfile, encodeProfile, materialDigest } from '#shared/detect/baseline-codec';
import { emptyProfile, see } from '#shared/detect/baseline';

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
});

describe('material digest', () => {
  it('changes with new keys, new days and peaks, not with counts', () => {
    const p = emptyProfile('kubelets', 'Node', T0);
    see(p.behaviors, 'get nodes -', T0);
    const d0 = materialDigest(p);
    see(p.behaviors, 'get nodes -', T0 + 1000);
    expect(materialDigest(p)).toBe(d0);
    see(p.behaviors, 'get nodes -', T0 + 86_400_000);
    const d1 = materialDigest(p);
    expect(d1).not.toBe(d0);
    see(p.behaviors, 'list pods *', T0 + 86_400_000);
    expect(materialDigest(p)).not.toBe(d1);
    const d2 = materialDigest(p);
    p.rates!.peaks.deletes.push([20000, 4]);
    expect(materialDigest(p)).not.toBe(d2);
  });
});
