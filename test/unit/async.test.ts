import { forEachLimit } from '#shared/async';

describe('forEachLimit', () => {
  it('keeps at most `limit` calls in flight and visits every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit([...Array(20).keys()], 3, async (i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, i % 4));
      seen.push(i);
      inFlight -= 1;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('throws the first error only after every call in flight has settled, and starts no new call after it', async () => {
    const settled: number[] = [];
    const started: number[] = [];
    const run = forEachLimit([0, 1, 2, 3, 4, 5], 3, async (i) => {
      started.push(i);
      if (i === 0) throw new Error('first');
      await new Promise((r) => setTimeout(r, 20));
      settled.push(i);
      if (i === 1) throw new Error('second');
    });
    await expect(run).rejects.toThrow('first');
    // 1 and 2 were under way when 0 failed: both finished before the error surfaced.
    expect(settled.sort()).toEqual([1, 2]);
    expect(started).toEqual([0, 1, 2]);
  });
});
