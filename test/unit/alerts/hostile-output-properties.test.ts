/**
 * Property-based checks (fast-check) of every output a client value reaches: pages, file names
 * and stored keys. Whatever the value, a page has the same lines as one built from plain text,
 * a file name stays inside its folder, and bounded values stay bounded and distinct.
 */
import fc from 'fast-check';
import { formatAlert } from '#shared/alerts/format';
import { boundedUtf8, inertLine, safeSegment } from '#shared/text';
import { anomalyEvent, enforcementEvent } from './factories';

const hostileString = fc.oneof(
  fc.constantFrom('__proto__', '../../x', '.', '..', 'a\nSeverity: LOW', '\r\nAcknowledge: https://evil.example/ack', '\u001b[2J', '\u202eexe.txt', '\u2028', '\ud800'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
);
// Controls other than the newlines we compose ourselves, DEL/C1, line separators, bidi overrides.
const UNSAFE_IN_PAGE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The labels that start lines: what a forged line would add. */
const labels = (message: string) => message.split('\n').map((l) => /^[A-Za-z][A-Za-z ]*:/.exec(l)?.[0] ?? '');

describe('SNS pages built from hostile values', () => {
  const base = anomalyEvent();
  const finding = base.detail.findings[0]!;
  const withValues = (v: { ua: string; ns: string; pod: string; title: string; baseline: string }) =>
    anomalyEvent({
      findings: [{ ...finding, title: v.title, evidence: { ...finding.evidence, userAgents: [v.ua], baseline: v.baseline } }],
      workload: { ...base.detail.workload!, namespace: v.ns, pod: v.pod },
    });
  const values = fc.record({ ua: hostileString, ns: hostileString, pod: hostileString, title: hostileString, baseline: hostileString });

  it('have exactly the lines and labels of a page built from plain values, and no control characters', () => {
    const plain = formatAlert(withValues({ ua: 'ua', ns: 'ns', pod: 'pod', title: 'title', baseline: 'baseline' }));
    fc.assert(
      fc.property(values, (v) => {
        const { message, subject } = formatAlert(withValues(v));
        expect(labels(message)).toEqual(labels(plain.message));
        expect(message).not.toMatch(UNSAFE_IN_PAGE);
        expect(subject).not.toMatch(/[\n\r]/);
        expect(message).not.toMatch(/https?:\/\/evil/);
      }),
      { numRuns: 200 },
    );
  });

  it('escape enforcement reasons and targets the same way', () => {
    const plain = formatAlert(enforcementEvent({ reason: 'plain' }));
    fc.assert(
      fc.property(hostileString, (reason) => {
        const { message } = formatAlert(enforcementEvent({ reason }));
        expect(labels(message)).toEqual(labels(plain.message));
        expect(message).not.toMatch(UNSAFE_IN_PAGE);
      }),
    );
  });
});

describe('file names and bounded values from hostile names', () => {
  it('safeSegment: one path segment, never . or .., and different names never share a file', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        for (const s of [safeSegment(a), safeSegment(b)]) {
          expect(s).toMatch(/^[a-z0-9._-]+$/);
          expect(s).not.toMatch(/^\.{1,2}$/);
          expect(s.length).toBeLessThanOrEqual(200);
        }
        if (a !== b) expect(safeSegment(a)).not.toBe(safeSegment(b));
      }),
      { numRuns: 300 },
    );
  });

  it('boundedUtf8: within its UTF-8 byte bound (what DynamoDB measures), deterministic, distinct for distinct values', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), fc.string({ unit: 'binary', maxLength: 3000 }), fc.integer({ min: 64, max: 2048 }), (a, b, max) => {
        expect(Buffer.byteLength(boundedUtf8(a, max), 'utf8')).toBeLessThanOrEqual(max);
        expect(boundedUtf8(a, max)).toBe(boundedUtf8(a, max));
        if (a !== b) expect(boundedUtf8(a, max)).not.toBe(boundedUtf8(b, max));
      }),
    );
  });

  it('inertLine: one line, and the same text back when nothing needed escaping', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = inertLine(s);
        expect(out).not.toMatch(/[\n\r\u2028\u2029]/);
        if (!UNSAFE_IN_PAGE.test(s) && !/[\n\u200e\u200f\ufeff]/.test(s)) expect(out).toBe(s);
      }),
    );
  });
});
