/**
 * A local EventBridge endpoint: the AWS JSON 1.1 protocol subset boundwatch uses (PutEvents),
 * over real HTTP, so functions publish with the real @aws-sdk/client-eventbridge exactly as
 * on AWS. Entries are validated as EventBridge does, accepted ones become events in the shape
 * a target receives, and go to the in-process LocalBus for routing.
 *
 * Fault injection for tests: failNextEntries (per-entry ErrorCode, which publishEvents must
 * retry) and failNextRequests (HTTP 5xx, which the SDK retries).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '#shared/errors';
import { MAX_ENTRIES_PER_REQUEST, MAX_REQUEST_BYTES, putEventsEntrySize } from '#shared/events/publish';
import { LocalBus, type BusEvent } from './bus';

const JSON_11 = 'application/x-amz-json-1.1';
const PUT_EVENTS = 'AWSEvents.PutEvents';
/** Far above any valid PutEvents body (256 KB of entries plus JSON framing). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface LocalEventBridgeOptions {
  /** The bus events are routed on; a new LocalBus when absent. */
  bus?: LocalBus;
  /** The event bus name entries must address; defaults to the bus's name. */
  busName?: string;
  account?: string;
  region?: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Clock for entries without Time; injectable for reproducible outputs. */
  now?: () => Date;
  /** Event id source; random UUIDs by default, as on AWS. */
  newEventId?: () => string;
}

export interface RequestRecord {
  target: string;
  status: number;
  entries: number;
  failedEntries: number;
}

export interface LocalEventBridge {
  endpoint: string;
  bus: LocalBus;
  busName: string;
  busArn: string;
  /** Every request received, in order: lets tests see chunking and retries on the wire. */
  requests: RequestRecord[];
  /** The next `count` otherwise valid entries fail with `errorCode` (FailedEntryCount > 0). */
  failNextEntries(count: number, errorCode?: string, errorMessage?: string): void;
  /** The next `count` requests fail as a whole with HTTP `status` (500 or 503). */
  failNextRequests(count: number, status?: 500 | 503): void;
  stop(): Promise<void>;
}

/** The subset of PutEventsRequestEntry the endpoint reads, as it arrives in JSON. */
export interface WireEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** ISO 8601 without milliseconds, as EventBridge writes `time` (2024-01-01T00:00:00Z). */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The SDK sends Time as epoch seconds (AWS JSON timestamps); ISO strings are accepted too. */
function parseTime(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === 'string' && value !== '') {
    const d = /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return undefined;
}

/** The event a target receives for an accepted entry. */
export function toTargetEvent(
  entry: { Source: string; DetailType: string; detail: unknown; Resources?: string[]; Time?: Date },
  ctx: { id: string; account: string; region: string; now: Date },
): BusEvent {
  return {
    version: '0',
    id: ctx.id,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ctx.account,
    time: eventTime(entry.Time ?? ctx.now),
    region: ctx.region,
    resources: entry.Resources ?? [],
    detail: entry.detail,
  };
}

export async function startLocalEventBridge(opts: LocalEventBridgeOptions = {}): Promise<LocalEventBridge> {
  const bus = opts.bus ?? new LocalBus();
  const busName = opts.busName ?? bus.name;
  const account = opts.account ?? '000000000000';
  const region = opts.region ?? 'us-east-1';
  const busArn = `arn:aws:events:${region}:${account}:event-bus/${busName}`;
  const now = opts.now ?? (() => new Date());
  const newEventId = opts.newEventId ?? randomUUID;
  const requests: RequestRecord[] = [];
  let entryFaults: { remaining: number; code: string; message: string } = { remaining: 0, code: '', message: '' };
  let requestFaults: { remaining: number; status: 500 | 503 } = { remaining: 0, status: 503 };

  function validateEntry(raw: unknown): { error: EntryResult } | { ok: Parameters<typeof toTargetEvent>[0] } {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as WireEntry;
    const bad = (ErrorCode: string, ErrorMessage: string) => ({ error: { ErrorCode, ErrorMessage } });
    // An entry without EventBusName goes to the account's default bus.
    const target = typeof e.EventBusName === 'string' && e.EventBusName !== '' ? e.EventBusName : 'default';
    if (target !== busName && target !== busArn) return bad('ResourceNotFoundException', `Event bus ${target} does not exist.`);
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      const v = e[field];
      if (typeof v !== 'string' || v === '') {
        return bad('InvalidArgument', `Parameter ${field} is not valid. Reason: ${field} is a required argument.`);
      }
    }
    let detail: unknown;
    try {
      detail = JSON.parse(e.Detail as string);
    } catch {
      return bad('MalformedDetail', 'Detail is malformed.');
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return bad('MalformedDetail', 'Detail is malformed.');
    if (e.Resources !== undefined && (!Array.isArray(e.Resources) || !e.Resources.every((r) => typeof r === 'string'))) {
      return bad('InvalidArgument', 'Parameter Resources is not valid. Reason: Resources must be a list of strings.');
    }
    let time: Date | undefined;
    if (e.Time !== undefined && e.Time !== null) {
      time = parseTime(e.Time);
      if (!time) return bad('InvalidArgument', 'Parameter Time is not valid. Reason: Time must be a timestamp.');
    }
    return {
      ok: {
        Source: e.Source as string,
        DetailType: e.DetailType as string,
        detail,
        ...(e.Resources ? { Resources: [...e.Resources] } : {}),
        ...(time ? { Time: time } : {}),
      },
    };
  }

  function putEvents(body: unknown): { FailedEntryCount: number; Entries: EntryResult[] } {
    const entries = (body as { Entries?: unknown } | null)?.Entries;
    if (!Array.isArray(entries)) {
      throw new RequestError(400, 'ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES_PER_REQUEST) {
      throw new RequestError(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES_PER_REQUEST}`,
      );
    }
    const total = entries.reduce<number>((n, raw) => {
      const e = (typeof raw === 'object' && raw !== null ? raw : {}) as WireEntry;
      return (
        n +
        putEventsEntrySize({
          Source: typeof e.Source === 'string' ? e.Source : undefined,
          DetailType: typeof e.DetailType === 'string' ? e.DetailType : undefined,
          Detail: typeof e.Detail === 'string' ? e.Detail : undefined,
          Resources: Array.isArray(e.Resources) ? e.Resources.filter((r): r is string => typeof r === 'string') : undefined,
          Time: e.Time !== undefined && e.Time !== null ? new Date(0) : undefined,
        })
      );
    }, 0);
    if (total > MAX_REQUEST_BYTES) throw new RequestError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');

    const accepted: BusEvent[] = [];
    const results = entries.map((raw): EntryResult => {
      const checked = validateEntry(raw);
      if ('error' in checked) return checked.error;
      if (entryFaults.remaining > 0) {
        entryFaults.remaining -= 1;
        return { ErrorCode: entryFaults.code, ErrorMessage: entryFaults.message };
      }
      const event = toTargetEvent(checked.ok, { id: newEventId(), account, region, now: now() });
      accepted.push(event);
      return { EventId: event.id };
    });
    // Routed only once the whole request is validated, in entry order.
    for (const event of accepted) bus.put(event);
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new RequestError(413, 'RequestEntityTooLarge', 'Request body is too large.');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  function send(res: ServerResponse, status: number, payload: unknown): void {
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      'Content-Type': JSON_11,
      'Content-Length': Buffer.byteLength(body),
      'x-amzn-RequestId': randomUUID(),
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const record: RequestRecord = { target, status: 200, entries: 0, failedEntries: 0 };
    requests.push(record);
    try {
      const raw = await readBody(req);
      if (requestFaults.remaining > 0) {
        requestFaults.remaining -= 1;
        const status = requestFaults.status;
        throw new RequestError(status, status === 503 ? 'ServiceUnavailable' : 'InternalException', 'Injected fault');
      }
      if (req.method !== 'POST') throw new RequestError(405, 'UnknownOperationException', `${req.method} is not supported`);
      if (!String(req.headers['content-type'] ?? '').startsWith(JSON_11)) {
        throw new RequestError(400, 'SerializationException', `Content-Type must be ${JSON_11}`);
      }
      if (target !== PUT_EVENTS) throw new RequestError(400, 'UnknownOperationException', `Operation ${target || '(none)'} is not supported`);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new RequestError(400, 'SerializationException', 'Request body is not valid JSON');
      }
      const out = putEvents(body);
      record.entries = out.Entries.length;
      record.failedEntries = out.FailedEntryCount;
      send(res, 200, out);
    } catch (err) {
      const e = err instanceof RequestError ? err : new RequestError(500, 'InternalException', errorMessage(err));
      record.status = e.status;
      send(res, e.status, { __type: e.type, message: e.message });
    }
  }

  const server = createServer((req, res) => {
    // handle() answers every error it can; one it cannot (a broken socket) ends the
    // connection, which the SDK sees as a network error and retries.
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    endpoint: `http://${host}:${port}`,
    bus,
    busName,
    busArn,
    requests,
    failNextEntries(count, errorCode = 'InternalFailure', errorMessage = 'Injected entry failure') {
      entryFaults = { remaining: count, code: errorCode, message: errorMessage };
    },
    failNextRequests(count, status = 503) {
      requestFaults = { remaining: count, status };
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; close them so stop() does not wait for their timeout.
        server.closeAllConnections();
      }),
  };
}
