/**
 * What the ingest-runtime function receives, decoded into signals:
 * - a CloudWatch Logs subscription payload (`{awslogs:{data}}`) of the log group Falcosidekick's
 *   CloudWatch Logs output writes to, one Falco JSON per log event (same decoding as audit logs);
 * - an SQS batch (`{Records:[{eventSource:"aws:sqs", body}]}`) from Falcosidekick's SQS output;
 * - an EventBridge event: a `GuardDuty Finding` from the default bus, or a boundwatch
 *   `Behavior Anomaly` from the boundwatch bus (the other layers' signals).
 * Bad records and payloads are counted by reason, never thrown.
 */
import type { SequenceSignal } from '../events/schema';
import { decodeSubscriptionEvent } from '../audit/cloudwatch';
import { isAnomalyEvent, parseAnomalyEvent } from './anomaly-signal';
import { parseFalcoRecord } from './falco';
import { isGuardDutyEvent, parseGuardDutyEvent } from './guardduty';
import { MAX_RECORD_CHARS, RuntimeRejectReason, type ParsedRecord } from './signal';

export interface DecodedDelivery {
  /** Records read (log events, queue messages, events). */
  received: number;
  signals: SequenceSignal[];
  rejected: Record<string, number>;
  ignored: Record<string, number>;
  /** Which input the delivery was: `cloudwatch-logs`, `sqs`, `guardduty`, `anomaly` or `unknown`. */
  kind: 'cloudwatch-logs' | 'sqs' | 'guardduty' | 'anomaly' | 'unknown';
}

function empty(kind: DecodedDelivery['kind']): DecodedDelivery {
  return { received: 0, signals: [], rejected: {}, ignored: {}, kind };
}

function add(out: DecodedDelivery, r: ParsedRecord): void {
  out.received += 1;
  if (r.ok === true) out.signals.push(...r.signals);
  else if (r.ok === false) out.rejected[r.reason] = (out.rejected[r.reason] ?? 0) + 1;
  else out.ignored[r.reason] = (out.ignored[r.reason] ?? 0) + 1;
}

/** One JSON record of any supported runtime shape (queue bodies, lines of a replayed file). */
export function parseRuntimeRecord(text: string): ParsedRecord {
  if (text.length > MAX_RECORD_CHARS) return { ok: false, reason: RuntimeRejectReason.tooLarge, detail: `record of ${text.length} characters` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: RuntimeRejectReason.notJson, detail: 'record is not JSON' };
  }
  if (isGuardDutyEvent(raw)) return parseGuardDutyEvent(raw);
  if (isAnomalyEvent(raw)) return parseAnomalyEvent(raw);
  return parseFalcoRecord(raw);
}

export interface SqsBatch {
  Records: Array<{ eventSource?: string; messageId?: string; body?: unknown }>;
}

export function isSqsEvent(event: unknown): event is SqsBatch {
  const records = (event as { Records?: Array<{ eventSource?: string }> } | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records[0]?.eventSource === 'aws:sqs';
}

export function decodeRuntimeDelivery(event: unknown): DecodedDelivery {
  if (isGuardDutyEvent(event)) {
    const out = empty('guardduty');
    add(out, parseGuardDutyEvent(event));
    return out;
  }
  if (isAnomalyEvent(event)) {
    const out = empty('anomaly');
    add(out, parseAnomalyEvent(event));
    return out;
  }
  if (isSqsEvent(event)) {
    const out = empty('sqs');
    for (const r of event.Records) {
      add(out, typeof r.body === 'string' ? parseRuntimeRecord(r.body) : { ok: false, reason: RuntimeRejectReason.notFalcoPayload, detail: 'queue message without a body' });
    }
    return out;
  }
  if ((event as { awslogs?: unknown } | null)?.awslogs !== undefined) {
    const out = empty('cloudwatch-logs');
    const decoded = decodeSubscriptionEvent(event);
    if (!decoded.ok) {
      out.rejected[decoded.reason] = 1;
      return out;
    }
    for (const e of decoded.data.logEvents) add(out, parseFalcoRecord(e.message));
    return out;
  }
  const out = empty('unknown');
  out.rejected[RuntimeRejectReason.unknownEvent] = 1;
  return out;
}
