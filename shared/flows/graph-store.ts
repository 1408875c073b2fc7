/**
 * The flow graph in DynamoDB: one item per edge, `pk = FLOW#<cluster>#<src>`,
 * `sk = <dst>#<port>#<protocol>` (shared/store/table.ts), written with one UpdateItem per edge
 * per batch: ADD for the counters, so concurrent batches never lose increments.
 *
 * Redelivery: CloudWatch Logs → Lambda retries whole payloads (for up to six hours). Each
 * update adds the batch id to a per-edge string set and is conditional on the id not being
 * there yet, so a redelivered batch changes nothing. The sets are bucketed by the batch's hour
 * (`ab<hour>`) and buckets older than the redelivery horizon are removed by the same update,
 * which keeps items small.
 *
 * First/last seen: `firstSeen` is set if absent and `lastSeen` overwritten; the old values come
 * back (UPDATED_OLD) and, only when batches arrived out of order, one conditional update
 * restores the true minimum or maximum.
 */
import {
  ConditionalCheckFailedException,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { KeyPrefix } from '../store/table';
import { HOUR_MS, type Edge } from './graph';
import { forEachLimit } from '../async';

export interface GraphStoreDeps {
  client: DynamoDBClient;
  tableName: string;
  cluster: string;
  /** Wall clock (ms), for item expiry only. */
  now?: () => number;
}

export interface GraphWriteOptions {
  ttlDays: number;
  redeliveryHours: number;
  /** UpdateItem calls in flight. */
  concurrency?: number;
}

export interface GraphWriteResult {
  applied: number;
  /** Edges whose update this batch had already applied (a redelivery). */
  duplicates: number;
  /** Extra conditional updates that repaired first/last seen after out-of-order batches. */
  corrections: number;
}

export interface StoredEdge {
  src: string;
  dst: string;
  port: number;
  protocol: string;
  srcKind: string;
  dstKind: string;
  bytes: number;
  bytesSent: number;
  packets: number;
  records: number;
  firstSeen: string;
  lastSeen: string;
}

export function flowPk(cluster: string, src: string): string {
  return `${KeyPrefix.flow}#${cluster}#${src}`;
}

export function flowSk(dst: string, port: number, protocol: string): string {
  return `${dst}#${port}#${protocol}`;
}

const n = (v: number): AttributeValue => ({ N: String(v) });
const s = (v: string): AttributeValue => ({ S: v });

/** The UpdateItem input for one edge of one batch (exported for tests and the benchmark). */
export function edgeUpdate(deps: GraphStoreDeps, e: Edge, batchId: string, batchHour: number, opts: GraphWriteOptions) {
  const stale: string[] = [];
  for (let h = batchHour - opts.redeliveryHours - 6; h < batchHour - opts.redeliveryHours; h++) stale.push(`ab${h}`);
  const names: Record<string, string> = {
    '#src': 'src', '#dst': 'dst', '#port': 'port', '#proto': 'protocol', '#sk': 'srcKind', '#dk': 'dstKind',
    '#first': 'firstSeen', '#last': 'lastSeen', '#ttl': 'ttl', '#bytes': 'bytes', '#sent': 'bytesSent',
    '#packets': 'packets', '#records': 'records', '#cur': `ab${batchHour}`,
  };
  stale.forEach((a, i) => (names[`#old${i}`] = a));
  const ttl = Math.floor(((deps.now ?? Date.now)() + opts.ttlDays * 24 * HOUR_MS) / 1000);
  return {
    TableName: deps.tableName,
    Key: { pk: s(flowPk(deps.cluster, e.src)), sk: s(flowSk(e.dst, e.port, e.protocol)) },
    UpdateExpression:
      'SET #src = :src, #dst = :dst, #port = :port, #proto = :proto, #sk = :srcKind, #dk = :dstKind, ' +
      '#first = if_not_exists(#first, :first), #last = :last, #ttl = :ttl ' +
      'ADD #bytes :bytes, #sent :sent, #packets :packets, #records :records, #cur :batch ' +
      `REMOVE ${stale.map((_, i) => `#old${i}`).join(', ')}`,
    ConditionExpression: 'NOT contains(#cur, :batchId)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: {
      ':src': s(e.src), ':dst': s(e.dst), ':port': n(e.port), ':proto': s(e.protocol), ':srcKind': s(e.srcKind), ':dstKind': s(e.dstKind),
      ':first': s(new Date(e.first).toISOString()), ':last': s(new Date(e.last).toISOString()), ':ttl': n(ttl),
      ':bytes': n(e.bytes), ':sent': n(e.bytesSent), ':packets': n(e.packets), ':records': n(e.records),
      ':batch': { SS: [batchId] }, ':batchId': s(batchId),
    },
    ReturnValues: 'UPDATED_OLD' as const,
  };
}

async function writeEdge(deps: GraphStoreDeps, e: Edge, batchId: string, batchHour: number, opts: GraphWriteOptions): Promise<'applied' | 'duplicate' | number> {
  let old: Record<string, AttributeValue> | undefined;
  try {
    const out = await deps.client.send(new UpdateItemCommand(edgeUpdate(deps, e, batchId, batchHour, opts)));
    old = out.Attributes;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return 'duplicate';
    throw err;
  }
  const first = new Date(e.first).toISOString();
  const last = new Date(e.last).toISOString();
  const key = { pk: s(flowPk(deps.cluster, e.src)), sk: s(flowSk(e.dst, e.port, e.protocol)) };
  let corrections = 0;
  const oldFirst = old?.firstSeen?.S;
  const oldLast = old?.lastSeen?.S;
  // Conditional min/max: correct whatever other writers did in between.
  const repair = async (attr: string, value: string, cmp: '>' | '<') => {
    try {
      await deps.client.send(
        new UpdateItemCommand({
          TableName: deps.tableName,
          Key: key,
          UpdateExpression: 'SET #a = :v',
          ConditionExpression: `#a ${cmp} :v`,
          ExpressionAttributeNames: { '#a': attr },
          ExpressionAttributeValues: { ':v': s(value) },
        }),
      );
      corrections += 1;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  };
  if (oldFirst !== undefined && first < oldFirst) await repair('firstSeen', first, '>');
  if (oldLast !== undefined && oldLast > last) await repair('lastSeen', oldLast, '<');
  return corrections === 0 ? 'applied' : corrections;
}

/** Writes a batch's edges; idempotent per (edge, batch id). Throws on any DynamoDB failure after the SDK's retries. */
export async function writeEdges(
  deps: GraphStoreDeps,
  edges: readonly Edge[],
  batchId: string,
  batchTime: number,
  opts: GraphWriteOptions,
): Promise<GraphWriteResult> {
  const result: GraphWriteResult = { applied: 0, duplicates: 0, corrections: 0 };
  const batchHour = Math.floor(batchTime / HOUR_MS);
  await forEachLimit(edges, opts.concurrency ?? 16, async (e) => {
    const r = await writeEdge(deps, e, batchId, batchHour, opts);
    if (r === 'duplicate') result.duplicates += 1;
    else {
      result.applied += 1;
      if (typeof r === 'number') result.corrections += r;
    }
  });
  return result;
}

function toStoredEdge(item: Record<string, AttributeValue>): StoredEdge {
  const num = (k: string) => Number(item[k]?.N ?? 0);
  const str = (k: string) => item[k]?.S ?? '';
  return {
    src: str('src'), dst: str('dst'), port: num('port'), protocol: str('protocol'), srcKind: str('srcKind'), dstKind: str('dstKind'),
    bytes: num('bytes'), bytesSent: num('bytesSent'), packets: num('packets'), records: num('records'),
    firstSeen: str('firstSeen'), lastSeen: str('lastSeen'),
  };
}

// Names like `port` and `bytes` are DynamoDB reserved words: always project through placeholders.
const PROJECTED = ['src', 'dst', 'port', 'protocol', 'srcKind', 'dstKind', 'bytes', 'bytesSent', 'packets', 'records', 'firstSeen', 'lastSeen'];

type Page = { Items?: Array<Record<string, AttributeValue>> | undefined; LastEvaluatedKey?: Record<string, AttributeValue> | undefined };

/** Every page of a Query or Scan over edge items, projected through placeholders. */
async function readAllPages(deps: GraphStoreDeps, request: (page: { ExclusiveStartKey?: Record<string, AttributeValue>; ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> }) => Promise<Page>): Promise<StoredEdge[]> {
  const out: StoredEdge[] = [];
  const projection = { ProjectionExpression: PROJECTED.map((_, i) => `#p${i}`).join(', '), ExpressionAttributeNames: Object.fromEntries(PROJECTED.map((a, i) => [`#p${i}`, a])) };
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await request({ ...projection, ...(start ? { ExclusiveStartKey: start } : {}) });
    for (const item of page.Items ?? []) out.push(toStoredEdge(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** The stored edges out of one source peer (a workload key, `node:...`, `vpc:...` or `ext:...`). */
export function readEdgesFrom(deps: GraphStoreDeps, src: string): Promise<StoredEdge[]> {
  return readAllPages(deps, (page) =>
    deps.client.send(new QueryCommand({ TableName: deps.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': s(flowPk(deps.cluster, src)) }, ...page })),
  );
}

/**
 * Every stored edge of the cluster: a full table scan, meant for a kept local state (the
 * report's `--state`), never for a Lambda reading the production table.
 */
export function scanAllEdges(deps: GraphStoreDeps): Promise<StoredEdge[]> {
  return readAllPages(deps, (page) =>
    deps.client.send(
      new ScanCommand({ TableName: deps.tableName, FilterExpression: 'begins_with(pk, :prefix)', ExpressionAttributeValues: { ':prefix': s(`${KeyPrefix.flow}#${deps.cluster}#`) }, ...page }),
    ),
  );
}
