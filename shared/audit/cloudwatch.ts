/**
 * Decoding of CloudWatch Logs subscription payloads (shared/audit/README.md#the-subscription-payload):
 * Lambda receives `{"awslogs":{"data":"<base64(gzip(JSON))>"}}`; the JSON holds
 * `messageType`, `logGroup`, `logStream` and `logEvents[]`. Nothing here throws on bad input:
 * every problem becomes a `Rejected` with a stable reason that summaries count.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { describeIssues } from '../errors';

export const RejectReason = {
  invalidBase64: 'invalid-base64',
  badGzip: 'bad-gzip',
  tooLarge: 'too-large',
  implausibleTime: 'implausible-time',
  notJson: 'not-json',
  notSubscriptionPayload: 'not-subscription-payload',
  truncated: 'truncated',
  notAuditEvent: 'not-audit-event',
  missingFields: 'missing-fields',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export interface Rejected {
  ok: false;
  reason: RejectReason;
  detail: string;
}

export const CloudWatchLogEvent = z.object({
  id: z.string(),
  timestamp: z.number(),
  message: z.string(),
});
export type CloudWatchLogEvent = z.infer<typeof CloudWatchLogEvent>;

export const CloudWatchLogsData = z.object({
  messageType: z.enum(['DATA_MESSAGE', 'CONTROL_MESSAGE']),
  owner: z.string().optional(),
  logGroup: z.string(),
  logStream: z.string(),
  subscriptionFilters: z.array(z.string()).optional(),
  policyLevel: z.string().optional(),
  logEvents: z.array(CloudWatchLogEvent),
});
export type CloudWatchLogsData = z.infer<typeof CloudWatchLogsData>;

export type Decoded = { ok: true; data: CloudWatchLogsData } | Rejected;

/**
 * Largest decompressed payload accepted. CloudWatch Logs batches at most about 1 MB of log
 * events per delivery; anything far beyond that is not a real payload but a decompression
 * bomb, and inflating it would take the function's memory before JSON.parse could fail.
 */
export const MAX_DECODED_BYTES = 16 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function reject(reason: RejectReason, detail: string): Rejected {
  return { ok: false, reason, detail };
}

/**
 * Decodes `awslogs.data` (base64 of gzip of JSON). The base64 is checked only when it does not
 * inflate, to name the reason: Buffer's decoder skips whitespace and foreign characters, and a
 * copy and scan of every payload up front cost as much as gunzip.
 */
export function decodeAwslogsData(data: string): Decoded {
  let json: string;
  try {
    json = gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_DECODED_BYTES }).toString('utf8');
  } catch (err) {
    const compact = data.replace(/\s+/g, '');
    if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
      return reject(RejectReason.invalidBase64, 'awslogs.data is not valid base64');
    }
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return reject(RejectReason.tooLarge, `awslogs.data inflates beyond ${MAX_DECODED_BYTES} bytes`);
    }
    return reject(RejectReason.badGzip, `awslogs.data is not gzip: ${(err as Error).message}`);
  }
  return parseLogsData(json);
}

/** Parses the decoded subscription JSON (as found in files of decoded payloads). */
export function parseLogsData(json: unknown): Decoded {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch {
      return reject(RejectReason.notJson, 'subscription payload is not JSON');
    }
  }
  const parsed = CloudWatchLogsData.safeParse(raw);
  if (!parsed.success) {
    return reject(RejectReason.notSubscriptionPayload, `not a CloudWatch Logs subscription payload (${describeIssues(parsed.error.issues, 1)})`);
  }
  return { ok: true, data: parsed.data };
}

/** Accepts the Lambda event shape `{awslogs:{data}}`. */
export function decodeSubscriptionEvent(event: unknown): Decoded {
  const data = (event as { awslogs?: { data?: unknown } } | null)?.awslogs?.data;
  if (typeof data !== 'string') {
    return reject(RejectReason.notSubscriptionPayload, 'event has no awslogs.data string');
  }
  return decodeAwslogsData(data);
}

/**
 * Encodes a payload the way CloudWatch Logs delivers it (used by the local runtime and tests).
 * `level`: gzip compression level; replay passes 1, three times faster than the default and
 * the same to a decoder.
 */
export function encodeAwslogsData(data: CloudWatchLogsData, opts: { level?: number } = {}): { awslogs: { data: string } } {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(data)), opts.level === undefined ? {} : { level: opts.level }).toString('base64') } };
}

/** EKS writes audit records to `kube-apiserver-audit-<hex>` streams; other streams share the group. */
export function isAuditStream(logStream: string): boolean {
  return logStream.startsWith('kube-apiserver-audit');
}
