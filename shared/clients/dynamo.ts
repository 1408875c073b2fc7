/**
 * DynamoDB client construction, with a request counter so that summaries and the benchmark
 * can report reads and writes per event without guessing.
 */
import {
  BatchGetItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  QueryCommand,
  ResourceInUseException,
  type AttributeValue,
  type QueryCommandInput,
  type BatchGetItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { DownstreamError } from '../errors';
import { createTableInput } from '../store/table';
import { EnvNames, optionalEnv } from '../env';

const READ_OPS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);
const WRITE_OPS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

export interface RequestCounter {
  reads: number;
  writes: number;
  /** Capacity units DynamoDB reports as consumed (what on-demand billing charges). */
  readUnits?: number;
  writeUnits?: number;
}

interface ConsumedCapacity {
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  CapacityUnits?: number;
}

function addConsumed(counter: RequestCounter, kind: 'read' | 'write', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
  for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
    const units = (kind === 'read' ? c.ReadCapacityUnits : c.WriteCapacityUnits) ?? c.CapacityUnits ?? 0;
    if (kind === 'read') counter.readUnits = (counter.readUnits ?? 0) + units;
    else counter.writeUnits = (counter.writeUnits ?? 0) + units;
  }
}

export interface DynamoOptions {
  region?: string | undefined;
  /** A DynamoDB-compatible endpoint (dynalite, DynamoDB Local); AWS when absent. */
  endpoint?: string | undefined;
  counter?: RequestCounter;
  /** Overrides of DYNAMO_TIMEOUTS (tests of a hanging endpoint). */
  timeouts?: { connectionMs?: number; requestMs?: number };
}

/**
 * Client timeouts: without them a DynamoDB request that never answers (a dead connection, a
 * black-holed endpoint) hangs until the Lambda itself times out and the whole payload is lost
 * to a timeout instead of failing and being retried. Each of the SDK's attempts is bounded, so
 * five attempts stay well inside a function's timeout.
 */
export const DYNAMO_TIMEOUTS = { connectionMs: 3_000, requestMs: 5_000 } as const;

export function createDynamoClient(opts: DynamoOptions = {}): DynamoDBClient {
  const client = new DynamoDBClient({
    region: opts.region ?? optionalEnv(EnvNames.awsRegion) ?? 'us-east-1',
    ...(opts.endpoint
      ? { endpoint: opts.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 5,
    requestHandler: {
      connectionTimeout: opts.timeouts?.connectionMs ?? DYNAMO_TIMEOUTS.connectionMs,
      requestTimeout: opts.timeouts?.requestMs ?? DYNAMO_TIMEOUTS.requestMs,
      // Without this the handler only logs a warning when the request timeout passes.
      throwOnRequestTimeout: true,
    },
  });
  const counter = opts.counter;
  if (counter) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? '';
        const kind = READ_OPS.has(name) ? 'read' : WRITE_OPS.has(name) ? 'write' : undefined;
        if (!kind) return next(args);
        if (kind === 'read') counter.reads += 1;
        else counter.writes += 1;
        // Ask for consumed capacity so that summaries and the cost model use billed units.
        const input = args.input as { ReturnConsumedCapacity?: string };
        input.ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        addConsumed(counter, kind, (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity);
        return result;
      },
      { step: 'initialize', name: 'boundwatchRequestCounter' },
    );
  }
  return client;
}

/** Creates the boundwatch table if it does not exist and waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let i = 0; i < 100; i++) {
    const t = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (t.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/** BatchGetItem accepts at most 100 keys per request. */
export const MAX_BATCH_GET_KEYS = 100;

/**
 * Reads every key (strongly consistent), in requests of at most 100 keys, retrying the keys
 * DynamoDB leaves unprocessed with backoff; after `maxAttempts` rounds throws DownstreamError
 * naming what was left (`what`, e.g. "baseline(s)").
 */
export async function batchGetAll(
  ddb: DynamoDBClient,
  tableName: string,
  keys: ReadonlyArray<Record<string, AttributeValue>>,
  opts: { maxAttempts: number; what: string },
): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  for (let i = 0; i < keys.length; i += MAX_BATCH_GET_KEYS) {
    let pending: Array<Record<string, AttributeValue>> = keys.slice(i, i + MAX_BATCH_GET_KEYS);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= opts.maxAttempts) throw new DownstreamError(`BatchGetItem left ${pending.length} ${opts.what} unprocessed after ${attempt} attempts`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      const out: BatchGetItemCommandOutput = await ddb.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }));
      items.push(...(out.Responses?.[tableName] ?? []));
      pending = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}

/** Every item a Query returns, page after page (a filter may leave pages empty, not the last). */
export async function queryAll(client: DynamoDBClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Array<Record<string, AttributeValue>>> {
  const out: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
