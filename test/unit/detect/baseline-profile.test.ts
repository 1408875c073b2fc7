import { emptyProfile, emptyRates, established, foldWindow, hourOfWeek, pruneProfile, see, usualPeak, type SeenStats } from '#shared/detect/baseline';
import { DAY_MS, DEFAULT_DETECTION, HOUR_MS } from '#shared/detect/config';

const T0 = Date.parse('2024-03-11T00:00:00Z'); // a Monday
const cfg = DEFAULT_DETECTION;

describe('established', () => {
  it('needs two distinct days or 72 hours since first seen, not many sightings at once', () => {
    const m: Record<string, SeenStats> = {};
    for (let i = 0; i < 1000; i++) see(m, 'k', T0 + 10 * HOUR_MS + i * 1000);
    expect(established(m.k, T0 + 20 * HOUR_MS, cfg)).toBe(false);
    expect(established(m.k, T0 + 83 * HOUR_MS, cfg)).toBe(true);
    see(m, 'k', T0 + DAY_MS + HOUR_MS);
    expect(established(m.k, T0 + DAY_MS + 2 * HOUR_MS, cfg)).toBe(true);
    expect(established(undefined, T0, cfg)).toBe(false);
  });
});

describe('usual peak', () => {
  const day = Math.floor(T0 / DAY_MS);

  it('ignores a single recent burst, keeps a corroborated or aged peak', () => {
    const r = emptyRates();
    r.peaks.secretReads = [[day - 1, 400], [day - 2, 5]];
    expect(usualPeak(r, 'secretReads', T0, cfg)).toBe(5);
    r.peaks.secretReads = [[day - 1, 400], [day - 2, 380]];
    expect(usualPeak(r, 'secretReads', T0, cfg)).toBe(380);
    r.peaks.secretReads = [[day - 7, 400]];
    expect(usualPeak(r, 'secretReads', T0, cfg)).toBe(400);
  });

  it('folds finished windows into daily peaks and forgets old days', () => {
    const r = emptyRates();
    foldWindow(r, T0, { ...r.counts, deletes: 3 }, cfg);
    foldWindow(r, T0 + HOUR_MS, { ...r.counts, deletes: 9 }, cfg);
    foldWindow(r, T0 - 3 * DAY_MS, { ...r.counts, deletes: 4 }, cfg);
    expect(r.peaks.deletes).toEqual([[day - 3, 4], [day, 9]]);
    foldWindow(r, T0 + 20 * DAY_MS, { ...r.counts, deletes: 1 }, cfg);
    expect(r.peaks.deletes).toEqual([[day + 20, 1]]);
  });
});

it('hour of week starts on Monday 00:00 UTC', () => {
  expect(hourOfWeek(T0)).toBe(0);
  expect(hourOfWeek(T0 + 6 * DAY_MS + 23 * HOUR_MS)).toBe(167);
});

it('pruning forgets pod addresses of pods gone for longer than the retention', () => {
  const p = emptyProfile('k', 'ServiceAccount', T0);
  p.lastSeen = T0 + 10 * DAY_MS;
  p.pods = { old: { ip: '10.0.0.1', first: T0, last: T0 }, live: { ip: '10.0.0.2', first: T0, last: p.lastSeen } };
  expect(Object.keys(pruneProfile(p, cfg).pods!)).toEqual(['live']);
});
