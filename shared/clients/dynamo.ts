/**
 * DynamoDB client construction, with a request counter so that summaries and the benchmark
 * can report reads and writes per event without guessing.
 */
import { DynamoDBClient, CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../store/table';

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
}

export interface DynamoOptions {
  region?: string;
  /** A DynamoDB-compatible endpoint (dynalite, DynamoDB Local); AWS when absent. */
  endpoint?: string;
  counter?: RequestCounter;
}

export function createDynamoClient(opts: DynamoOptions = {}): DynamoDBClient {
  const client = new DynamoDBClient({
    region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(opts.endpoint
      ? { endpoint: opts.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 5,
  });
  const counter = opts.counter;
  if (counter) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? '';
        if (READ_OPS.has(name)) counter.reads += 1;
        else if (WRITE_OPS.has(name)) counter.writes += 1;
        return next(args);
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
