/** The replay report's tables: every line fits its column, nothing is cut, and long cells stay cheap to draw. */
import { drawTable, fitCell } from '#infra/local/report';

describe('report tables', () => {
  it('breaks cells at words, and anything longer than the column in pieces, keeping every character', () => {
    const path = 'API call: PATCH /apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/boundwatch-quarantine-checkout-6d9f-abcde?fieldManager=boundwatch';
    const lines = fitCell(`${path}\nsecond line`, 30);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(28);
    expect(lines.join('').replace(/ /g, '')).toBe(`${path}second line`.replace(/ /g, ''));
    expect(lines.at(-1)).toBe('second line');
  });

  it('draws boxed rows whose lines all have the same width', () => {
    const text = drawTable(['action', 'changes'], [10, 20], [['quarantine', 'a\nb c d e f g h i j k l m n o p'], ['notify', '']]);
    const widths = new Set(text.split('\n').map((l) => [...l].length));
    expect(widths).toEqual(new Set([1 + 10 + 1 + 20 + 1]));
    expect(text).toContain('│ quaranti │ a                  │');
  });

  it('draws 200 actions of 40 long lines in well under a second (cli-table3 took seconds for 7)', () => {
    const cell = Array.from({ length: 40 }, (_, i) => `API call: POST /api/v1/namespaces/shop/pods/checkout-${i}-abcdefghijklmnopqrstuvwxyz/eviction → held`).join('\n');
    const started = Date.now();
    const text = drawTable(['action', 'reason / changes'], [14, 60], Array.from({ length: 200 }, () => ['revoke-credentials', cell]));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(text.split('\n').length).toBeGreaterThan(200 * 40);
  });
});
