/**
 * Recorded runtime input for `replay --runtime` (README.md#runtime-signals-and-attack-sequences),
 * turned into exactly what the ingest-runtime function receives on AWS:
 * - Falco alerts (Falcosidekick's JSON, one per line) become SQS batches of up to ten messages,
 *   as Falcosidekick's SQS output and the queue's event source mapping deliver them;
 * - GuardDuty findings, as EventBridge events (`GuardDuty Finding`) or bare findings (the API's
 *   `GetFindings` shape, lowerCamel keys), become one EventBridge event each, and only when
 *   the default-bus rule the stack deploys would forward them (the same rule object).
 *
 * Per file (gzip or not): JSON lines of any of these, mixed; or one JSON document, an array of
 * them or `{"findings":[...]}` / `{"Findings":[...]}`. A line that does not parse is passed on
 * in a queue message, so that ingest-runtime counts it as rejected like any bad record.
 */
import { InputError } from '#shared/errors';
import { guardDutyRule, GUARDDUTY_DETAIL_TYPE, GUARDDUTY_SOURCE, isGuardDutyEvent } from '#shared/runtime/guardduty';
import { matchesPattern } from '../event-pattern';
import { readLines, readSmallFile } from './files';

/** SQS gives a Lambda at most ten messages per batch by default. */
const SQS_BATCH = 10;

export type RuntimeDelivery =
  | { kind: 'delivery'; event: unknown }
  /** A finding the default-bus rule would not forward (another product's finding type). */
  | { kind: 'not-routed'; type: string };

const ACCOUNT = '000000000000';

/** A bare GuardDuty finding in the EventBridge envelope GuardDuty puts on the default bus. */
function asFindingEvent(f: Record<string, unknown>): unknown {
  const time = typeof f.updatedAt === 'string' ? f.updatedAt : typeof f.createdAt === 'string' ? f.createdAt : new Date(0).toISOString();
  return {
    version: '0',
    id: `guardduty-${typeof f.id === 'string' ? f.id : ''}`.slice(0, 200),
    'detail-type': GUARDDUTY_DETAIL_TYPE,
    source: GUARDDUTY_SOURCE,
    account: typeof f.accountId === 'string' ? f.accountId : ACCOUNT,
    time,
    region: typeof f.region === 'string' ? f.region : 'us-east-1',
    resources: typeof f.arn === 'string' ? [f.arn] : [],
    detail: f,
  };
}

/** A bare finding: the API's shape (an id, a `Type:Family/Name` type, a numeric severity and a resource). */
function isBareFinding(v: unknown): v is Record<string, unknown> {
  const o = v as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o.id === 'string' && typeof o.type === 'string' && o.type.includes(':') && typeof o.severity === 'number' && typeof o.resource === 'object';
}

function sqsMessage(body: string, file: string, n: number): { messageId: string; eventSource: 'aws:sqs'; body: string } {
  return { messageId: `${file}#${n}`, eventSource: 'aws:sqs', body };
}

/** The deliveries of one file, in file order (Falco lines batched, findings one by one). */
export async function* runtimeDeliveriesFromFile(file: string, onBytes?: (n: number) => void): AsyncGenerator<RuntimeDelivery> {
  const rule = guardDutyRule();
  let batch: ReturnType<typeof sqsMessage>[] = [];
  let n = 0;
  const flush = function* (): Generator<RuntimeDelivery> {
    if (batch.length) yield { kind: 'delivery', event: { Records: batch } };
    batch = [];
  };
  const one = function* (record: unknown, text: string): Generator<RuntimeDelivery> {
    n += 1;
    const event = isBareFinding(record) ? asFindingEvent(record) : record;
    if (isGuardDutyEvent(event)) {
      yield* flush();
      if (matchesPattern(rule.pattern, event)) yield { kind: 'delivery', event };
      else {
        const type = (event as { detail?: { type?: unknown } }).detail?.type;
        yield { kind: 'not-routed', type: typeof type === 'string' ? type : '' };
      }
      return;
    }
    batch.push(sqsMessage(text, file, n));
    if (batch.length >= SQS_BATCH) yield* flush();
  };

  const first = await firstNonBlank(file);
  if (first === '[' || (first === '{' && (await isOneDocument(file)))) {
    let doc: unknown;
    try {
      doc = JSON.parse(readSmallFile(file, 'runtime input'));
    } catch {
      throw new InputError(`${file}: runtime input is neither JSON lines nor one JSON document`);
    }
    const items = Array.isArray(doc) ? doc : ((doc as { findings?: unknown; Findings?: unknown }).findings ?? (doc as { Findings?: unknown }).Findings);
    if (!Array.isArray(items)) throw new InputError(`${file}: a runtime JSON document must be an array or hold "findings"`);
    for (const item of items) yield* one(item, JSON.stringify(item));
    yield* flush();
    return;
  }
  for await (const { line } of readLines(file, onBytes)) {
    const text = line.trim();
    if (!text) continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    yield* one(record, text);
  }
  yield* flush();
}

async function firstNonBlank(file: string): Promise<string | undefined> {
  for await (const { line } of readLines(file)) {
    const t = line.trim();
    if (t) return t[0];
  }
  return undefined;
}

/** A `{` file is one document when its first non-blank line is not a whole JSON value (pretty-printed). */
async function isOneDocument(file: string): Promise<boolean> {
  for await (const { line } of readLines(file)) {
    const t = line.trim();
    if (!t) continue;
    try {
      const v = JSON.parse(t) as { findings?: unknown; Findings?: unknown };
      return Array.isArray(v.findings) || Array.isArray(v.Findings);
    } catch {
      return true;
    }
  }
  return false;
}
