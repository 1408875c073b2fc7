/**
 * Publishing boundwatch events with PutEvents. PutEvents succeeds as a request even when
 * entries fail: each failed entry carries an ErrorCode and FailedEntryCount counts them. So we
 * retry exactly the failed entries (with backoff, bounded) and, when some still fail, throw:
 * an anomaly that never reached the bus must not look published.
 */
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { DownstreamError, ValidationError, errorMessage } from '../errors';
import { EVENT_SOURCE } from './schema';

/** PutEvents limits (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). */
export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;
/** A specified `Time` counts as 14 bytes, whatever its encoding on the wire. */
const TIME_BYTES = 14;

/**
 * Per-entry codes AWS documents as not retryable: resending the same entry cannot succeed.
 * Everything else (InternalFailure, ThrottlingException, codes we don't know) is retried.
 */
export const NON_RETRYABLE_ENTRY_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
  'ResourceNotFoundException',
]);

export interface OutgoingEvent {
  detailType: string;
  detail: object;
  /** When the event happened; EventBridge uses the time of the call when absent. */
  time?: Date | string;
  resources?: string[];
}

export interface PublishOptions {
  /** Rounds of PutEvents per entry, the first included. Default 5. */
  maxAttempts?: number;
  /** Backoff cap before the n-th retry is min(maxDelayMs, baseDelayMs * 2^(n-1)); default 100 ms. */
  baseDelayMs?: number;
  /** Default 5000 ms. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1); injectable so tests can pin delays. */
  random?: () => number;
}

export interface PublishResult {
  published: number;
  /** Rounds used: 1 when every entry went through the first time. */
  attempts: number;
  /** PutEvents calls made, retries included. */
  requests: number;
  /** EventBridge's event id for each input event, by input index. */
  eventIds: string[];
}

export interface FailedEntry {
  index: number;
  detailType: string;
  errorCode: string;
  errorMessage: string;
}

/** Some entries were still rejected after the last attempt (or were not retryable). */
export class PublishEventsError extends DownstreamError {
  constructor(
    message: string,
    readonly failures: FailedEntry[],
    readonly published: number,
  ) {
    super(message);
  }
}

/** The PutEvents entries for boundwatch events on `busName`; validates everything before any send. */
export function toPutEventsEntries(busName: string, events: readonly OutgoingEvent[]): PutEventsRequestEntry[] {
  return events.map((event, index) => {
    if (!event.detailType) throw new ValidationError('missing-detail-type', `Event ${index} has no detail-type`);
    if (typeof event.detail !== 'object' || event.detail === null || Array.isArray(event.detail)) {
      throw new ValidationError('invalid-detail', `Event ${index} (${event.detailType}): detail must be a JSON object`);
    }
    let detail: string;
    try {
      detail = JSON.stringify(event.detail);
    } catch (err) {
      throw new ValidationError('invalid-detail', `Event ${index} (${event.detailType}): detail is not serializable: ${errorMessage(err)}`);
    }
    const entry: PutEventsRequestEntry = {
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: detail,
      EventBusName: busName,
    };
    if (event.time !== undefined) {
      const time = event.time instanceof Date ? event.time : new Date(event.time);
      if (Number.isNaN(time.getTime())) {
        throw new ValidationError('invalid-event-time', `Event ${index} (${event.detailType}): time ${String(event.time)} is not a valid date`);
      }
      entry.Time = time;
    }
    if (event.resources?.length) entry.Resources = [...event.resources];
    const size = putEventsEntrySize(entry);
    if (size > MAX_REQUEST_BYTES) {
      throw new ValidationError(
        'event-too-large',
        `Event ${index} (${event.detailType}) is ${size} bytes; a PutEvents entry may be at most ${MAX_REQUEST_BYTES} bytes`,
      );
    }
    return entry;
  });
}

/** The entry size as EventBridge computes it against the 256 KB request limit. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time !== undefined ? TIME_BYTES : 0;
  size += Buffer.byteLength(entry.Source ?? '', 'utf8');
  size += Buffer.byteLength(entry.DetailType ?? '', 'utf8');
  if (entry.Detail !== undefined) size += Buffer.byteLength(entry.Detail, 'utf8');
  for (const r of entry.Resources ?? []) size += Buffer.byteLength(r, 'utf8');
  return size;
}

/** Splits in order into requests of at most 10 entries and at most 256 KB. */
export function chunkPutEventsEntries<T>(items: readonly T[], entryOf: (item: T) => PutEventsRequestEntry): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = putEventsEntrySize(entryOf(item));
    if (current.length > 0 && (current.length === MAX_ENTRIES_PER_REQUEST || bytes + size > MAX_REQUEST_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

interface Pending {
  index: number;
  entry: PutEventsRequestEntry;
  lastError?: FailedEntry;
}

/**
 * Publishes `events` (source `boundwatch`) to `busName`. Whole-request failures are retried by
 * the SDK (its maxAttempts) and surface here as DownstreamError; entry failures are retried
 * here. Entries that succeeded before a failure stay published, so a caller that retries the
 * batch may publish some events twice: detail ids are stable for exactly that reason.
 */
export async function publishEvents(
  client: EventBridgeClient,
  busName: string,
  events: readonly OutgoingEvent[],
  opts: PublishOptions = {},
): Promise<PublishResult> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
  const baseDelayMs = opts.baseDelayMs ?? 100;
  const maxDelayMs = opts.maxDelayMs ?? 5000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = opts.random ?? Math.random;

  const entries = toPutEventsEntries(busName, events);
  const eventIds: string[] = new Array<string>(entries.length).fill('');
  const notRetryable: FailedEntry[] = [];
  let pending: Pending[] = entries.map((entry, index) => ({ index, entry }));
  let published = 0;
  let requests = 0;
  let attempts = 0;

  while (pending.length > 0 && attempts < maxAttempts) {
    attempts += 1;
    if (attempts > 1) {
      // Full jitter: spreads retries of concurrent publishers instead of synchronising them.
      await sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 2))));
    }
    const retry: Pending[] = [];
    for (const chunk of chunkPutEventsEntries(pending, (p) => p.entry)) {
      requests += 1;
      let results: PutEventsResultEntry[];
      let failedCount: number;
      try {
        const out = await client.send(new PutEventsCommand({ Entries: chunk.map((p) => p.entry) }));
        results = out.Entries ?? [];
        failedCount = out.FailedEntryCount ?? 0;
      } catch (err) {
        throw new DownstreamError(
          `PutEvents to event bus "${busName}" failed after the SDK's retries (${published} of ${entries.length} entries published): ${errorMessage(err)}`,
          { cause: err },
        );
      }
      const reportedFailures = results.filter((r) => r.ErrorCode).length;
      if (results.length !== chunk.length || reportedFailures !== failedCount) {
        throw new DownstreamError(
          `PutEvents to event bus "${busName}" answered ${results.length} entries (${reportedFailures} with an ErrorCode, FailedEntryCount ${failedCount}) for ${chunk.length} sent`,
        );
      }
      chunk.forEach((p, i) => {
        const r = results[i] as PutEventsResultEntry;
        if (!r.ErrorCode) {
          eventIds[p.index] = r.EventId ?? '';
          published += 1;
          return;
        }
        const failure: FailedEntry = {
          index: p.index,
          detailType: p.entry.DetailType ?? '',
          errorCode: r.ErrorCode,
          errorMessage: r.ErrorMessage ?? '',
        };
        if (NON_RETRYABLE_ENTRY_ERRORS.has(r.ErrorCode)) notRetryable.push(failure);
        else retry.push({ ...p, lastError: failure });
      });
    }
    pending = retry;
  }

  const failures = [...notRetryable, ...pending.map((p) => p.lastError as FailedEntry)].sort((a, b) => a.index - b.index);
  if (failures.length > 0) {
    const byCode = new Map<string, number>();
    for (const f of failures) byCode.set(f.errorCode, (byCode.get(f.errorCode) ?? 0) + 1);
    const codes = [...byCode].map(([code, n]) => `${code}: ${n}`).join(', ');
    throw new PublishEventsError(
      `PutEvents to event bus "${busName}": ${failures.length} of ${entries.length} entries not published after ${attempts} attempt(s) (${codes})`,
      failures,
      published,
    );
  }
  return { published, attempts, requests, eventIds };
}
