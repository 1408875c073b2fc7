/**
 * The `audit.k8s.io/v1` Event, as EKS writes it to CloudWatch Logs (one JSON object per log
 * event). Only what detection reads is typed; `requestObject` stays opaque and is never copied
 * into anything boundwatch emits.
 */
import { z } from 'zod';
import { RejectReason, type Rejected } from './cloudwatch';
import { fastAuditEvent, fastRfc3339 } from './fast-event';

const StringList = z.array(z.string());

export const AuditUser = z.object({
  username: z.string().min(1),
  uid: z.string().optional(),
  groups: StringList.optional(),
  extra: z.record(z.string(), StringList).optional(),
});
export type AuditUser = z.infer<typeof AuditUser>;

export const ObjectRef = z.object({
  resource: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiGroup: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  subresource: z.string().optional(),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

export const AuditEvent = z.object({
  kind: z.literal('Event').optional(),
  apiVersion: z
    .string()
    .refine((v) => v.startsWith('audit.k8s.io/'), 'must be audit.k8s.io/*')
    .optional(),
  level: z.string().optional(),
  auditID: z.string().min(1),
  stage: z.string().min(1),
  requestURI: z.string().optional(),
  verb: z.string().min(1),
  user: AuditUser,
  impersonatedUser: AuditUser.optional(),
  sourceIPs: StringList.optional(),
  userAgent: z.string().optional(),
  objectRef: ObjectRef.optional(),
  responseStatus: z
    .object({ code: z.number().optional(), reason: z.string().optional(), status: z.string().optional() })
    .optional(),
  requestObject: z.unknown().optional(),
  responseObject: z.unknown().optional(),
  requestReceivedTimestamp: z.string().optional(),
  stageTimestamp: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

/** An accepted audit event with its time resolved to epoch milliseconds. */
export interface ParsedAuditEvent {
  ok: true;
  event: AuditEvent;
  timeMs: number;
}

const TRUNCATED_SUFFIX = '[Truncated...]';

/**
 * Audit timestamps are RFC 3339 with microseconds; hand-written fixtures use
 * "2022-11-29 00:09:04.38" (UTC implied). Returns NaN when unparseable.
 */
export function parseAuditTime(value: string | undefined): number {
  if (!value) return Number.NaN;
  // The form the API server writes, without regular expressions (fast-event.ts).
  const fast = fastRfc3339(value);
  if (fast !== undefined) return fast;
  let v = value.trim();
  if (/^\d{4}-\d{2}-\d{2} \d/.test(v)) v = v.replace(' ', 'T');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) v += 'Z';
  // Date.parse accepts at most millisecond precision on some engines; trim extra digits.
  v = v.replace(/(\.\d{3})\d+/, '$1');
  return Date.parse(v);
}

/** Kubernetes did not exist before mid-2014; nothing after 2100 is a clock, it is an attack. */
export const EARLIEST_EVENT_MS = Date.parse('2014-06-01T00:00:00Z');
export const LATEST_EVENT_MS = Date.parse('2100-01-01T00:00:00Z');
/** How far an event may precede its CloudWatch timestamp: long watches complete after their start. */
export const MAX_EVENT_LAG_MS = 24 * 3_600_000;
/** How far an event may follow its CloudWatch timestamp: clock skew only. */
export const MAX_EVENT_LEAD_MS = 5 * 60_000;

/**
 * Why an event's time cannot be believed, or undefined. Event time drives learning, so one
 * record dated 9999 would age every baseline out and one dated 1970 would end the cluster's
 * learning period at once. The API server writes the timestamps, but records reach us through
 * clients' requests and replays; CloudWatch's own timestamp of the log event (`deliveredAt`,
 * 0 when unknown, as in local files) is the reference when there is one.
 */
export function implausibleTime(timeMs: number, deliveredAt: number): string | undefined {
  if (timeMs < EARLIEST_EVENT_MS || timeMs >= LATEST_EVENT_MS) return `event time ${timeMs} is outside 2014-2100`;
  if (deliveredAt > 0 && (timeMs < deliveredAt - MAX_EVENT_LAG_MS || timeMs > deliveredAt + MAX_EVENT_LEAD_MS)) {
    return `event time ${timeMs} is implausibly far from its CloudWatch timestamp ${deliveredAt}`;
  }
  return undefined;
}

/** Parses one CloudWatch log message (or JSON line) into an audit event, or says why not. */
export function parseAuditMessage(message: string): ParsedAuditEvent | Rejected {
  if (message.endsWith(TRUNCATED_SUFFIX)) {
    return { ok: false, reason: RejectReason.truncated, detail: 'CloudWatch truncated the record at 10,000 characters' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { ok: false, reason: RejectReason.notJson, detail: 'log message is not JSON' };
  }
  return parseAuditValue(raw, true);
}

export function parseAuditObject(raw: unknown): ParsedAuditEvent | Rejected {
  return parseAuditValue(raw, false);
}

/** String(v), except for values String() throws on (JSON such as `{"toString":0}`): a record must be rejected, not crash its payload. */
function printable(v: unknown): string {
  try {
    return String(v);
  } catch {
    return typeof v;
  }
}

/** `fromJson`: `raw` is what JSON.parse returned, which the schema's fast path is made for. */
function parseAuditValue(raw: unknown, fromJson: boolean): ParsedAuditEvent | Rejected {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: RejectReason.notAuditEvent, detail: 'not a JSON object' };
  }
  const obj = raw as Record<string, unknown>;
  if ((obj.kind !== undefined && obj.kind !== 'Event') || (typeof obj.apiVersion === 'string' && !obj.apiVersion.startsWith('audit.k8s.io/'))) {
    return { ok: false, reason: RejectReason.notAuditEvent, detail: `kind ${printable(obj.kind)} / apiVersion ${printable(obj.apiVersion)} is not an audit Event` };
  }
  let event = fromJson ? fastAuditEvent(raw) : undefined;
  if (event === undefined) {
    // zod decides whatever the fast path did not accept, and says what is wrong.
    const parsed = AuditEvent.safeParse(raw);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
      return { ok: false, reason: RejectReason.missingFields, detail: `missing or invalid: ${fields.join(', ')}` };
    }
    event = parsed.data;
  }
  const timeMs = parseAuditTime(event.requestReceivedTimestamp ?? event.stageTimestamp);
  if (Number.isNaN(timeMs)) {
    return { ok: false, reason: RejectReason.missingFields, detail: 'missing or invalid: requestReceivedTimestamp' };
  }
  return { ok: true, event, timeMs };
}
