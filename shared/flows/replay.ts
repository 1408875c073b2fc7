/**
 * Turning recorded flow input (files of VPC Flow Logs records or JSON lines) into the payloads
 * CloudWatch Logs delivers to ingest-flows, so that `replay --flows` and `demo` run the real
 * handler unchanged. A header line (S3-delivered files) is repeated as the first event of every
 * payload after it, so each payload parses on its own. Lines that are themselves subscription
 * payloads (`{"awslogs":...}` or decoded `{"messageType":...}`) pass through as they are.
 *
 * Event ids are `<source>:<line number>`, so replaying the same file again (with `--state`)
 * yields the same batch ids and is recognised as a redelivery instead of double-counted.
 */
import { decodeSubscriptionEvent, parseLogsData, type CloudWatchLogsData } from '../audit/cloudwatch';
import { isHeaderLine } from './parse';

export interface PayloadOptions {
  /** Names the input (e.g. the file path): part of every event id. */
  source: string;
  logGroup?: string;
  /** CloudWatch Logs caps a subscription payload at 10,000 events and about 1 MB. */
  maxEvents?: number;
  maxBytes?: number;
  /** Event timestamp (delivery time), the same for the whole input; defaults to now. */
  timestamp?: number;
}

export type ReplayItem = { kind: 'payload'; data: CloudWatchLogsData } | { kind: 'rejected'; reason: string; lineNo: number };

function passthrough(line: string): ReplayItem | undefined {
  if (!line.startsWith('{"awslogs"') && !line.startsWith('{"messageType"')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const decoded = typeof value === 'object' && value !== null && 'awslogs' in value ? decodeSubscriptionEvent(value) : parseLogsData(value);
  return decoded.ok ? { kind: 'payload', data: decoded.data } : { kind: 'rejected', reason: decoded.reason, lineNo: 0 };
}

/** Groups lines into subscription payloads (see the module comment). */
export async function* flowPayloadsFromLines(lines: AsyncIterable<string> | Iterable<string>, opts: PayloadOptions): AsyncGenerator<ReplayItem> {
  const maxEvents = opts.maxEvents ?? 10_000;
  const maxBytes = opts.maxBytes ?? 1_000_000;
  const timestamp = opts.timestamp ?? Date.now();
  const logGroup = opts.logGroup ?? 'boundwatch-replay';
  let header: string | undefined;
  let events: CloudWatchLogsData['logEvents'] = [];
  let bytes = 0;
  let lineNo = 0;
  const flush = (): ReplayItem | undefined => {
    if (events.length === 0 || (header !== undefined && events.length === 1 && events[0]?.message === header)) return undefined;
    const data: CloudWatchLogsData = { messageType: 'DATA_MESSAGE', logGroup, logStream: opts.source, logEvents: events };
    events = [];
    bytes = 0;
    return { kind: 'payload', data };
  };
  const start = () => {
    if (events.length === 0 && header !== undefined) {
      events.push({ id: `${opts.source}:header@${lineNo}`, timestamp, message: header });
      bytes += header.length;
    }
  };
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim().length === 0) continue;
    const through = passthrough(line);
    if (through) {
      const done = flush();
      if (done) yield done;
      yield through.kind === 'rejected' ? { ...through, lineNo } : through;
      continue;
    }
    if (isHeaderLine(line)) {
      const done = flush();
      if (done) yield done;
      header = line;
      continue;
    }
    start();
    events.push({ id: `${opts.source}:${lineNo}`, timestamp, message: line });
    bytes += line.length + 26;
    if (events.length >= maxEvents || bytes >= maxBytes) {
      const done = flush();
      if (done) yield done;
    }
  }
  const done = flush();
  if (done) yield done;
}
