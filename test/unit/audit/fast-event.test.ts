/**
 * The fast paths of audit parsing (shared/audit/fast-event.ts) against what they replace: the
 * zod schema decides, and the regex-and-Date.parse time parser (kept here as the oracle) reads
 * times. Records are generated field by field, every field written by an attacker: valid
 * values, wrong types, prototype keys, unknown keys, numbers JSON turns into Infinity.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { AuditEvent, parseAuditMessage, parseAuditObject, parseAuditTime } from '#shared/audit/event';
import { fastAuditEvent, fastRfc3339 } from '#shared/audit/fast-event';
import { auditEvent, iamRoleUser, serviceAccountUser } from '#test/support/audit-factory';

/** parseAuditTime before the fast path: the oracle for every string. */
function legacyAuditTime(value: string | undefined): number {
  if (!value) return Number.NaN;
  let v = value.trim();
  if (/^\d{4}-\d{2}-\d{2} \d/.test(v)) v = v.replace(' ', 'T');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) v += 'Z';
  v = v.replace(/(\.\d{3})\d+/, '$1');
  return Date.parse(v);
}

/**
 * The value as nested [kind, entries] lists: keys in order (zod builds its output in schema
 * order, and so must the fast path), present-but-undefined kept, each container's prototype.
 * (toStrictEqual would compare own `constructor` keys, which records may hold, as types.)
 */
function structure(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  // By shape, not identity: Jest's sandbox has its own Object.prototype, structuredClone the outer one.
  const proto: unknown = Object.getPrototypeOf(v);
  const kind = Array.isArray(v) ? 'array' : proto !== null && Object.getPrototypeOf(proto) === null ? 'object' : 'other';
  return [kind, Object.keys(v).map((k) => [k, structure((v as Record<string, unknown>)[k])])];
}

/** Both parsers on the same JSON text: accept/reject agree, and accepted values are identical. */
function expectAgreement(message: string): void {
  const raw = JSON.parse(message) as Record<string, unknown> | null;
  const fast = fastAuditEvent(raw);
  const zod = AuditEvent.safeParse(JSON.parse(message));
  expect(fast !== undefined).toBe(zod.success);
  if (fast !== undefined && zod.success) {
    expect(structure(fast)).toEqual(structure(zod.data));
    // z.unknown() keeps the very value it was given (no copy of a large body); so does the fast path.
    expect(fast.requestObject).toBe(raw?.requestObject);
  }
  // The whole parse, fast path or not, equals the zod-only path (parseAuditObject), messages included.
  expect(structure(parseAuditMessage(message))).toEqual(structure(parseAuditObject(JSON.parse(message))));
}

const text = fc.oneof(
  fc.constantFrom('', '__proto__', 'constructor', 'toString', 'Event', 'audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'v1', 'ResponseComplete', 'get'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
/** What an attacker puts in a field instead of the expected type (JSON only: that is what arrives). */
const wrong = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant('1e999'), fc.constantFrom(null, true, 0, -1, 1.5, [], {}));
const strings = fc.array(text, { maxLength: 4 });
const stringRecord = fc.dictionary(text, text, { maxKeys: 4 });

/** A field: absent, a value of its type, or anything else. */
function field<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 5, arbitrary: valid }, { weight: 1, arbitrary: wrong });
}

const user = fc.oneof(
  fc.record(
    {
      username: field(text),
      uid: field(text),
      groups: field(fc.oneof(strings, fc.array(fc.oneof(text, wrong), { maxLength: 3 }))),
      extra: field(fc.oneof(fc.dictionary(text, strings, { maxKeys: 4 }), fc.dictionary(text, wrong, { maxKeys: 2 }))),
      unknownKey: field(wrong),
    },
    { requiredKeys: [] },
  ),
  fc.constant(serviceAccountUser('shop', 'cart', { name: 'cart-1', node: 'n1', credentialId: 'JTI=1' })),
  fc.constant(iamRoleUser('admin', 'alice@example.com')),
  wrong,
);

const timestamp = fc.oneof(
  fc.date({ min: new Date('2014-06-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2024-08-24T14:27:07.461683Z', '2022-11-29 00:09:04.38', '2024-01-01T00:00:00+02:00', '2023-02-30T00:00:00Z', 'soon'),
  text,
);

const auditRecord = fc.record(
  {
    kind: field(fc.constantFrom('Event', 'EventList', 'event')),
    apiVersion: field(fc.constantFrom('audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'v1', 'audit.k8s.io')),
    level: field(fc.constantFrom('Metadata', 'Request', 'RequestResponse')),
    auditID: field(fc.oneof(fc.uuid(), text)),
    stage: field(fc.constantFrom('ResponseComplete', 'ResponseStarted', 'RequestReceived', 'Panic', '')),
    requestURI: field(text),
    verb: field(fc.constantFrom('get', 'list', 'create', 'delete', '')),
    user,
    impersonatedUser: field(user),
    sourceIPs: field(fc.oneof(fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 3 }), strings)),
    userAgent: field(text),
    objectRef: field(
      fc.record(
        { resource: field(text), namespace: field(text), name: field(text), uid: field(text), apiGroup: field(text), apiVersion: field(text), resourceVersion: field(text), subresource: field(text), extra: field(wrong) },
        { requiredKeys: [] },
      ),
    ),
    responseStatus: field(fc.record({ code: field(fc.oneof(fc.integer({ min: 100, max: 599 }), fc.double())), reason: field(text), status: field(text), metadata: field(wrong) }, { requiredKeys: [] })),
    requestObject: field(fc.jsonValue({ maxDepth: 3 })),
    responseObject: field(fc.jsonValue({ maxDepth: 2 })),
    requestReceivedTimestamp: field(timestamp),
    stageTimestamp: field(timestamp),
    annotations: field(fc.oneof(stringRecord, fc.dictionary(text, wrong, { maxKeys: 2 }))),
    unknownTop: field(wrong),
  },
  { requiredKeys: [] },
);

/** JSON text of a record; '1e999' strings become a number JSON.parse reads as Infinity. */
const asMessage = (r: unknown) => (JSON.stringify(r) ?? 'null').replace(/"1e999"/g, '1e999');

describe('fastAuditEvent agrees with the zod schema', () => {
  it('on generated records, any field absent, valid or of the wrong type', () => {
    fc.assert(fc.property(auditRecord, (r) => expectAgreement(asMessage(r))), { numRuns: 3000 });
  });

  it('on a valid record with one field, or one nested field, replaced by anything', () => {
    const base = auditEvent({ user: serviceAccountUser('shop', 'cart', { name: 'cart-1' }), responseStatus: { code: 200 }, annotations: { 'authorization.k8s.io/decision': 'allow' } }) as Record<string, unknown>;
    const paths = [...Object.keys(base), 'user.username', 'user.groups', 'user.extra', 'objectRef.resource', 'objectRef.name', 'responseStatus.code', 'annotations.x', 'annotations.__proto__', 'user.extra.__proto__'];
    fc.assert(
      fc.property(fc.constantFrom(...paths), wrong, (path, value) => {
        const r = structuredClone(base);
        const [head, ...rest] = path.split('.');
        if (rest.length === 0) r[head!] = value;
        else {
          let o = (r[head!] ??= {}) as Record<string, unknown>;
          for (const k of rest.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
          Object.defineProperty(o, rest[rest.length - 1]!, { value, enumerable: true, writable: true, configurable: true });
        }
        expectAgreement(asMessage(r));
      }),
      { numRuns: 2000 },
    );
  });

  it('on own __proto__ keys and Infinity, which JSON.parse can produce and assignment cannot', () => {
    for (const message of [
      '{"auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"u","extra":{"__proto__":["x"],"a":["b"]}},"annotations":{"__proto__":"x","k":"v"}}',
      '{"auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"u"},"__proto__":{"kind":"Nope"}}',
      '{"auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"u"},"responseStatus":{"code":1e999}}',
      '{"auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"u"},"annotations":{"__proto__":1}}',
    ]) {
      expectAgreement(message);
    }
  });

  it('on every labelled real-world record in the fixtures', () => {
    const lines = readFileSync('test/fixtures/labeled-audit-events.jsonl', 'utf8').split('\n').filter(Boolean);
    for (const line of lines) expectAgreement(JSON.stringify((JSON.parse(line) as { event: unknown }).event));
    expect(lines.length).toBeGreaterThan(100);
  });
});

/** RFC 3339 date-times as the API server writes them and more: any fraction length, Z or an offset. */
const rfc3339 = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }),
    zone: fc.oneof(fc.constant('Z'), fc.record({ sign: fc.constantFrom('+', '-'), h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }) }).map(({ sign, h, m }) => `${sign}${pad(h)}:${pad(m)}`)),
  })
  .filter(({ year, month, day }) => day <= new Date(Date.UTC(2000, month, 0)).getUTCDate() && (month !== 2 || day < 29 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))))
  .map(({ year, month, day, hour, minute, second, fraction, zone }) => `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction === undefined ? '' : `.${fraction}`}${zone}`);

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A timestamp with one character replaced, inserted or removed. */
const mutatedTimestamp = fc.tuple(rfc3339, fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom(...'0123456789-:T.Z+ tz9')).map(([s, at, how, c]) => {
  const i = at % (s.length + 1);
  if (how === 'insert') return s.slice(0, i) + c + s.slice(i);
  if (how === 'delete') return s.slice(0, i) + s.slice(i + 1);
  return s.slice(0, i) + c + s.slice(i + 1);
});

describe('fastRfc3339', () => {
  it('equals Date.parse on valid RFC 3339 date-times (fraction of any length, Z and offsets)', () => {
    fc.assert(
      fc.property(rfc3339, (s) => {
        // Millisecond precision: the fraction is cut after three digits, never rounded.
        expect(fastRfc3339(s)).toBe(Date.parse(s.replace(/(\.\d{3})\d+/, '$1')));
        // V8 misreads fractions of more than nine digits with leading zeros (".0004000000" as 4 ms).
        if (!/\.\d{10}/.test(s)) expect(fastRfc3339(s)).toBe(Date.parse(s));
        expect(parseAuditTime(s)).toBe(legacyAuditTime(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('for any other string, parseAuditTime answers as before (the fast path declines or agrees)', () => {
    const edge = fc.constantFrom('2023-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T23:59:60Z', '2024-01-01t00:00:00z', '2024-01-01T00:00:00+24:00', '2024-01-01T00:00:00.Z', '2024-01-01T00:00Z', ' 2024-01-01T00:00:00Z', '2024-01-01T00:00:00+0100', '2024-01-01 00:00:00', '+002024-01-01T00:00:00Z', '');
    fc.assert(
      fc.property(fc.oneof(mutatedTimestamp, edge, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })), (s) => {
        const before = legacyAuditTime(s);
        expect(parseAuditTime(s)).toBe(before);
        const fast = fastRfc3339(s);
        if (fast !== undefined) expect(fast).toBe(before);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('records String() cannot print', () => {
  it('are rejected, not thrown on (a kind of {"toString":0} used to crash the whole payload)', () => {
    for (const message of ['{"kind":{"toString":0}}', '{"kind":[{"toString":0}],"apiVersion":{"valueOf":1,"toString":2}}']) {
      expect(parseAuditMessage(message)).toMatchObject({ ok: false, reason: 'not-audit-event' });
    }
  });
});
