/**
 * Property-based checks (fast-check) of what attackers write: decoders, the audit parser,
 * detection and learning, and the stored profile, over generated hostile values rather than
 * the handful of cases a person thinks of. Failures print the shrunk counterexample.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeAwslogsData, RejectReason } from '#shared/audit/cloudwatch';
import { parseAuditMessage, parseAuditObject } from '#shared/audit/event';
import { decodeProfile, encodeWithinBudget, PROFILE_BUDGET_BYTES } from '#shared/detect/baseline-codec';
import { MAX_ENTRY_KEY_BYTES, type PrincipalProfile } from '#shared/detect/baseline';
import { DAY_MS, DEFAULT_DETECTION } from '#shared/detect/config';
import { factsOf, runPrincipal } from '#shared/detect/engine';
import { auditEvent, serviceAccountUser } from '#test/support/audit-factory';

const T0 = Date.parse('2024-03-01T08:00:00Z');
const REASONS = new Set<string>(Object.values(RejectReason));
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

/** Strings an attacker would try: prototype keys, paths, controls, bidi, long and multibyte text. */
const hostileString = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '../../x', '', '.', '..', 'a\nSeverity: LOW', '\u202eexe.txt', '\u0000', '\ud800'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 200, maxLength: 1200 }),
  fc.nat({ max: 3000 }).map((n) => '\u540d'.repeat(n)),
);

function prototypeUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_NAMES);
  expect(({} as Record<string, unknown>).count).toBeUndefined();
  expect(({} as Record<string, unknown>).days).toBeUndefined();
}

describe('CloudWatch Logs payload decoding', () => {
  it('never throws on arbitrary awslogs.data: a payload is decoded or rejected with a known reason', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array().map((b) => Buffer.from(b).toString('base64'))), (data) => {
        const r = decodeAwslogsData(data);
        if (!r.ok) expect(REASONS.has(r.reason)).toBe(true);
      }),
    );
  });

  it('never throws on gzip of arbitrary JSON: not a subscription payload is a rejection, not a crash', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = decodeAwslogsData(gzipSync(JSON.stringify(value) ?? 'null').toString('base64'));
        if (!r.ok) expect(REASONS.has(r.reason)).toBe(true);
      }),
    );
  });
});

describe('audit record parsing', () => {
  it('never throws on arbitrary text or values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue().map((v) => JSON.stringify(v) ?? '')), (message) => {
        const r = parseAuditMessage(message);
        if (r.ok) expect(Number.isFinite(r.timeMs)).toBe(true);
        else expect(REASONS.has(r.reason)).toBe(true);
      }),
    );
    fc.assert(fc.property(fc.anything(), (raw) => void parseAuditObject(raw)));
    prototypeUntouched();
  });

  it('never throws when any field of a valid record is replaced by an arbitrary value', () => {
    const fields = Object.keys(auditEvent());
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.jsonValue(), (field, value) => {
        const r = parseAuditObject({ ...auditEvent(), [field]: value });
        if (r.ok) expect(Number.isFinite(r.timeMs)).toBe(true);
      }),
    );
    prototypeUntouched();
  });
});

/** A request with client-written fields taken from the generator. */
const hostileRequest = fc.record({
  minute: fc.nat({ max: 60 * 24 * 12 }),
  userAgent: hostileString,
  namespace: hostileString,
  name: hostileString,
  resource: fc.oneof(fc.constantFrom('secrets', 'pods', 'configmaps', 'pods/exec'), hostileString),
  verb: fc.constantFrom('get', 'list', 'watch', 'create', 'delete', 'patch'),
  forwardedFor: fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), hostileString), { maxLength: 3 }),
  code: fc.constantFrom(200, 201, 403, 404),
});

type HostileRequest = typeof hostileRequest extends fc.Arbitrary<infer R> ? R : never;

function learnAll(batches: HostileRequest[][]): PrincipalProfile | undefined {
  const user = serviceAccountUser('shop', 'checkout', { name: 'checkout-1' });
  let profile: PrincipalProfile | undefined;
  for (const batch of batches) {
    const facts = batch.flatMap((r) => {
      const event = auditEvent({
        user,
        at: new Date(T0 + r.minute * 60_000),
        verb: r.verb,
        userAgent: r.userAgent,
        objectRef: { resource: r.resource, namespace: r.namespace, name: r.name },
        requestURI: `/api/v1/namespaces/${r.namespace}/${r.resource}/${r.name}`,
        sourceIPs: [...r.forwardedFor, '10.0.1.23'],
        responseStatus: { code: r.code },
      });
      const parsed = parseAuditObject(JSON.parse(JSON.stringify(event)));
      return parsed.ok ? [factsOf(parsed)] : [];
    });
    const run = runPrincipal(facts, profile, { cluster: 'k', config: DEFAULT_DETECTION, clusterFirstSeen: T0 - 30 * DAY_MS });
    // What the next payload reads back is what was stored, not the working object.
    profile = decodeProfile(encodeWithinBudget(run.profile).doc);
  }
  return profile;
}

describe('detection and learning over hostile requests', () => {
  it('never throws, never pollutes prototypes, keeps map keys byte-bounded and the stored item within budget, and reads back what it stored', () => {
    fc.assert(
      fc.property(fc.array(fc.array(hostileRequest, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }), (batches) => {
        const profile = learnAll(batches)!;
        prototypeUntouched();
        const { doc } = encodeWithinBudget(profile);
        expect(Buffer.byteLength(doc, 'utf8')).toBeLessThanOrEqual(PROFILE_BUDGET_BYTES);
        expect(encodeWithinBudget(decodeProfile(doc)).doc).toBe(doc);
        for (const map of [profile.namespaces, profile.userAgents, profile.behaviors, profile.sourceNets]) {
          for (const k of Object.keys(map ?? {})) expect(Buffer.byteLength(k, 'utf8')).toBeLessThanOrEqual(MAX_ENTRY_KEY_BYTES);
          expect(Object.getPrototypeOf(map ?? {})).toBe(Object.prototype);
        }
        expect(profile.events).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  it('counts every accepted request exactly once, whatever the strings in it', () => {
    fc.assert(
      fc.property(fc.array(fc.array(hostileRequest, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }), (batches) => {
        expect(learnAll(batches)!.events).toBe(batches.flat().length);
      }),
      { numRuns: 40 },
    );
  });
});
