/**
 * Fast paths for the two things ingestion does to every audit record: checking it against the
 * `AuditEvent` schema and reading its timestamp. Every payload carries tens to thousands of
 * records, and zod allocates and walks its issue bookkeeping for each of them; these do the
 * same checks by hand on the values JSON.parse produces and build the same output (unknown
 * keys dropped, keys in schema order). They only ever say "yes, and here is the value" or
 * "not sure": anything they do not accept goes to zod (event.ts), which decides and writes
 * the rejection message. Property tests (test/unit/audit/fast-event.test.ts) hold them equal to
 * zod and to the regex-and-Date.parse time parser on generated and mutated records.
 */
import type { AuditEvent, AuditUser, ObjectRef } from './event';

type Json = Record<string, unknown>;

/** A JSON object (arrays excluded), as zod's object and record checks see one. */
function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `undefined` when not a string array; else a copy (zod returns a new array). */
function stringList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (typeof s !== 'string') return undefined;
    out[i] = s;
  }
  return out;
}

/** Sentinel for "not accepted by the fast path". */
const NO: unique symbol = Symbol('no');

/**
 * Copies the optional string `key` of `src` into `out` as zod's optional field does: absent
 * stays absent, a present `undefined` stays present. Returns false when the value is not a string.
 */
function optString(src: Json, out: Json, key: string): boolean {
  const v = src[key];
  if (v === undefined) {
    if (key in src) out[key] = undefined;
    return true;
  }
  if (typeof v !== 'string') return false;
  out[key] = v;
  return true;
}

/** `z.record(z.string(), V)` over a JSON object: own keys in order, `__proto__` skipped (as zod does). */
function record<V>(v: unknown, value: (x: unknown) => V | typeof NO): Record<string, V> | typeof NO {
  if (!isObject(v)) return NO;
  const out: Record<string, V> = {};
  for (const k of Object.keys(v)) {
    if (k === '__proto__') continue;
    const x = value(v[k]);
    if (x === NO) return NO;
    out[k] = x;
  }
  return out;
}

const asString = (x: unknown): string | typeof NO => (typeof x === 'string' ? x : NO);
const asStringList = (x: unknown): string[] | typeof NO => stringList(x) ?? NO;

function user(v: unknown): AuditUser | typeof NO {
  if (!isObject(v)) return NO;
  const out: Json = {};
  const username = v.username;
  if (typeof username !== 'string' || username.length < 1) return NO;
  out.username = username;
  if (!optString(v, out, 'uid')) return NO;
  if (v.groups !== undefined) {
    const groups = stringList(v.groups);
    if (!groups) return NO;
    out.groups = groups;
  } else if ('groups' in v) out.groups = undefined;
  if (v.extra !== undefined) {
    const extra = record(v.extra, asStringList);
    if (extra === NO) return NO;
    out.extra = extra;
  } else if ('extra' in v) out.extra = undefined;
  return out as AuditUser;
}

const OBJECT_REF_KEYS = ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const;

function objectRef(v: unknown): ObjectRef | typeof NO {
  if (!isObject(v)) return NO;
  const out: Json = {};
  for (const k of OBJECT_REF_KEYS) if (!optString(v, out, k)) return NO;
  return out;
}

function responseStatus(v: unknown): AuditEvent['responseStatus'] | typeof NO {
  if (!isObject(v)) return NO;
  const out: Json = {};
  const code = v.code;
  if (code === undefined) {
    if ('code' in v) out.code = undefined;
  } else if (typeof code !== 'number' || !Number.isFinite(code)) return NO;
  else out.code = code;
  if (!optString(v, out, 'reason') || !optString(v, out, 'status')) return NO;
  return out;
}

/** Copies an optional field that needs its own check, keeping zod's present-but-undefined rule. */
function optional<V>(src: Json, out: Json, key: string, check: (x: unknown) => V | typeof NO): boolean {
  const v = src[key];
  if (v === undefined) {
    if (key in src) out[key] = undefined;
    return true;
  }
  const x = check(v);
  if (x === NO) return false;
  out[key] = x;
  return true;
}

const requiredString = (src: Json, out: Json, key: string): boolean => {
  const v = src[key];
  if (typeof v !== 'string' || v.length < 1) return false;
  out[key] = v;
  return true;
};

/**
 * What `AuditEvent.safeParse(raw)` returns as data, for a value JSON.parse produced, or
 * undefined when it might not accept it (the caller then asks zod). Fields in schema order.
 */
export function fastAuditEvent(raw: unknown): AuditEvent | undefined {
  if (!isObject(raw)) return undefined;
  const out: Json = {};
  const kind = raw.kind;
  if (kind === undefined) {
    if ('kind' in raw) out.kind = undefined;
  } else if (kind !== 'Event') return undefined;
  else out.kind = kind;
  const apiVersion = raw.apiVersion;
  if (apiVersion === undefined) {
    if ('apiVersion' in raw) out.apiVersion = undefined;
  } else if (typeof apiVersion !== 'string' || !apiVersion.startsWith('audit.k8s.io/')) return undefined;
  else out.apiVersion = apiVersion;
  const ok =
    optString(raw, out, 'level') &&
    requiredString(raw, out, 'auditID') &&
    requiredString(raw, out, 'stage') &&
    optString(raw, out, 'requestURI') &&
    requiredString(raw, out, 'verb');
  if (!ok) return undefined;
  const u = user(raw.user);
  if (u === NO) return undefined;
  out.user = u;
  const ok2 =
    optional(raw, out, 'impersonatedUser', user) &&
    optional(raw, out, 'sourceIPs', asStringList) &&
    optString(raw, out, 'userAgent') &&
    optional(raw, out, 'objectRef', objectRef) &&
    optional(raw, out, 'responseStatus', responseStatus);
  if (!ok2) return undefined;
  // z.unknown(): any value, the same reference.
  if ('requestObject' in raw) out.requestObject = raw.requestObject;
  if ('responseObject' in raw) out.responseObject = raw.responseObject;
  const ok3 =
    optString(raw, out, 'requestReceivedTimestamp') &&
    optString(raw, out, 'stageTimestamp') &&
    optional(raw, out, 'annotations', (x) => record(x, asString));
  return ok3 ? (out as AuditEvent) : undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Epoch milliseconds of an RFC 3339 timestamp in the form the API server writes
 * (`2024-05-01T12:00:00.123456Z`, or with a `+hh:mm`/`-hh:mm` offset; fraction of any length,
 * truncated to milliseconds as parseAuditTime does), or undefined for anything else, including
 * out-of-range fields: those go to the general parser, whose answer stands.
 */
export function fastRfc3339(s: string): number | undefined {
  const n = s.length;
  if (n < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i += 1;
    const start = i;
    while (i < n) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (i - start < 3) ms = ms * 10 + c;
      i += 1;
    }
    const len = i - start;
    if (len === 0) return undefined;
    if (len === 1) ms *= 100;
    else if (len === 2) ms *= 10;
  }
  let offsetMinutes = 0;
  const z = s.charCodeAt(i);
  if (z === 90 && i + 1 === n) {
    // Z
  } else if ((z === 43 || z === 45) && i + 6 === n && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMinutes = (z === 43 ? 1 : -1) * (oh * 60 + om);
  } else return undefined;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + ms;
}
