/**
 * Recorded audit input for `replay --audit` (README.md#replaying-your-own-audit-logs), turned into exactly what the
 * ingest Lambda receives: CloudWatch Logs subscription events `{awslogs:{data}}`.
 *
 * Recognised per file (gzip or not): JSON lines of audit Events; a JSON EventList; JSON lines
 * (or one JSON document) of decoded subscription payloads; JSON lines (or one document) of the
 * Lambda event form. A line that does not parse inside a recognised file is passed on as a log
 * message so the handler counts it as rejected; a file whose kind cannot be recognised at all
 * is an InputError.
 */
import { createHash } from 'node:crypto';
import { encodeAwslogsData, type CloudWatchLogsData } from '#shared/audit/cloudwatch';
import { InputError } from '#shared/errors';
import { readLines } from './files';

export type AuditFileKind = 'audit-events' | 'event-list' | 'decoded-payloads' | 'lambda-events';

export interface AuditInputOptions {
  cluster: string;
  /** Events per synthetic payload (CloudWatch batches up to ~1 MB). */
  eventsPerPayload?: number;
  onBytes?: (n: number) => void;
}

export interface LambdaLogsEvent {
  awslogs: { data: string };
}

function kindOfObject(obj: unknown): AuditFileKind | undefined {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  if (o.awslogs !== undefined) return 'lambda-events';
  if (o.messageType !== undefined && Array.isArray(o.logEvents)) return 'decoded-payloads';
  if (o.kind === 'EventList' && Array.isArray(o.items)) return 'event-list';
  if (o.kind === 'Event' || (typeof o.auditID === 'string' && typeof o.verb === 'string')) return 'audit-events';
  return undefined;
}

/** Payloads only travel inside this process: the fastest gzip level, decoded the same. */
const FAST = { level: 1 };

function logEventId(file: string, n: number): string {
  // CloudWatch ids are 56-digit strings; ours are deterministic per file and position so that a
  // second replay of the same file is recognised as redelivery.
  const h = createHash('sha256').update(`${file}\n${n}`).digest();
  return (h.readBigUInt64BE(0).toString() + h.readBigUInt64BE(8).toString()).padStart(56, '0').slice(0, 56);
}

function streamName(file: string): string {
  return `kube-apiserver-audit-${createHash('sha256').update(file).digest('hex').slice(0, 32)}`;
}

/** Yields Lambda subscription events for one input file. */
export async function* auditPayloadsFromFile(file: string, opts: AuditInputOptions): AsyncGenerator<LambdaLogsEvent> {
  const perPayload = opts.eventsPerPayload ?? 500;
  const logGroup = `/aws/eks/${opts.cluster}/cluster`;
  const logStream = streamName(file);
  let kind: AuditFileKind | undefined;
  let buffer: CloudWatchLogsData['logEvents'] = [];
  let n = 0;
  let sawContent = false;
  let wholeDocument: string[] | undefined;

  const flush = (): LambdaLogsEvent | undefined => {
    if (buffer.length === 0) return undefined;
    const payload: CloudWatchLogsData = {
      messageType: 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup,
      logStream,
      subscriptionFilters: ['boundwatch-replay'],
      logEvents: buffer,
    };
    buffer = [];
    return encodeAwslogsData(payload, FAST);
  };

  const handle = function* (obj: unknown, parsedOk: boolean, text: string, lineNo: number): Generator<LambdaLogsEvent> {
    if (kind === 'audit-events') {
      // Unparseable lines are handed on verbatim: the handler counts them as rejected.
      buffer.push({ id: logEventId(file, n++), timestamp: timestampOf(obj), message: text });
      if (buffer.length >= perPayload) yield flush()!;
    } else if (kind === 'lambda-events') {
      if (!parsedOk) throw new InputError(`${file}:${lineNo}: line is not JSON (file holds Lambda subscription events)`);
      yield obj as LambdaLogsEvent;
    } else if (kind === 'decoded-payloads') {
      if (!parsedOk) throw new InputError(`${file}:${lineNo}: line is not JSON (file holds CloudWatch Logs payloads)`);
      yield encodeAwslogsData(obj as CloudWatchLogsData, FAST);
    } else if (kind === 'event-list') {
      for (const item of (obj as { items: unknown[] }).items ?? []) {
        buffer.push({ id: logEventId(file, n++), timestamp: timestampOf(item), message: JSON.stringify(item) });
        if (buffer.length >= perPayload) yield flush()!;
      }
    }
  };

  // The kind is decided by the first recognisable line among the first few; lines before it wait.
  const pending: Array<{ obj: unknown; parsedOk: boolean; text: string; lineNo: number; raw: string }> = [];
  for await (const { line, lineNo } of readLines(file, opts.onBytes)) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    sawContent = true;
    if (wholeDocument) {
      wholeDocument.push(line);
      continue;
    }
    let obj: unknown;
    let parsedOk = true;
    try {
      obj = JSON.parse(trimmed);
    } catch {
      parsedOk = false;
    }
    if (!kind) {
      pending.push({ obj, parsedOk, text: trimmed, lineNo, raw: line });
      kind = parsedOk ? kindOfObject(obj) : undefined;
      if (!kind) {
        if (pending.length >= DETECT_LINES) wholeDocument = pending.map((p) => p.raw);
        continue;
      }
      for (const p of pending) yield* handle(p.obj, p.parsedOk, p.text, p.lineNo);
      pending.length = 0;
      continue;
    }
    yield* handle(obj, parsedOk, trimmed, lineNo);
  }
  if (!sawContent) throw new InputError(`${file}: file is empty`);
  if (!kind) {
    // No line on its own is a recognisable object: perhaps one pretty-printed JSON document.
    yield* fromDocument(file, (wholeDocument ?? pending.map((p) => p.raw)).join('\n'), opts, logGroup, logStream);
    return;
  }
  const last = flush();
  if (last) yield last;
}

/** Lines inspected to recognise a JSON-lines file before trying it as one JSON document. */
const DETECT_LINES = 20;

function timestampOf(obj: unknown): number {
  const t = (obj as { requestReceivedTimestamp?: unknown } | undefined)?.requestReceivedTimestamp;
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function* fromDocument(file: string, text: string, opts: AuditInputOptions, logGroup: string, logStream: string): Generator<LambdaLogsEvent> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError(`${file}: not a recognised audit input (expected JSON lines of audit Events, an EventList, or CloudWatch Logs subscription payloads)`);
  }
  const docs = Array.isArray(doc) ? doc : [doc];
  const kinds = new Set(docs.map(kindOfObject));
  if (kinds.size !== 1 || kinds.has(undefined)) {
    throw new InputError(`${file}: not a recognised audit input (expected JSON lines of audit Events, an EventList, or CloudWatch Logs subscription payloads)`);
  }
  const kind = [...kinds][0];
  if (kind === 'lambda-events') {
    yield* docs as LambdaLogsEvent[];
    return;
  }
  if (kind === 'decoded-payloads') {
    for (const d of docs) yield encodeAwslogsData(d as CloudWatchLogsData, FAST);
    return;
  }
  const items = kind === 'event-list' ? docs.flatMap((d) => (d as { items: unknown[] }).items) : docs;
  const per = opts.eventsPerPayload ?? 500;
  for (let i = 0; i < items.length; i += per) {
    const chunk = items.slice(i, i + per);
    yield encodeAwslogsData(
      {
        messageType: 'DATA_MESSAGE',
        owner: '000000000000',
        logGroup,
        logStream,
        subscriptionFilters: ['boundwatch-replay'],
        logEvents: chunk.map((item, j) => ({ id: logEventId(file, i + j), timestamp: timestampOf(item), message: JSON.stringify(item) })),
      },
      FAST,
    );
  }
}
