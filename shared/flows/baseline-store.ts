/**
 * Workload network baselines in DynamoDB: `pk = WORKLOAD#<cluster>#<workload>`, `sk = NETPROFILE`,
 * the baseline as JSON plus a `version` for optimistic concurrency (two Lambda invocations may
 * update one workload at once: the loser reloads and re-applies its batch).
 */
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { KeyPrefix } from '../store/table';
import type { NetworkBaseline } from './baseline';
import { batchGetAll } from '../clients/dynamo';

export const NETPROFILE_SK = 'NETPROFILE';

export interface StoredBaseline {
  baseline: NetworkBaseline;
  version: number;
}

export interface BaselineStoreDeps {
  client: DynamoDBClient;
  tableName: string;
  cluster: string;
  now?: () => number;
}

export function workloadPk(cluster: string, workload: string): string {
  return `${KeyPrefix.workload}#${cluster}#${workload}`;
}

/** Loads baselines for the given workloads (BatchGetItem, retrying unprocessed keys). */
export async function loadBaselines(deps: BaselineStoreDeps, workloads: readonly string[]): Promise<Map<string, StoredBaseline>> {
  const out = new Map<string, StoredBaseline>();
  const keys = [...new Set(workloads)].map((w) => ({ pk: { S: workloadPk(deps.cluster, w) }, sk: { S: NETPROFILE_SK } }));
  for (const item of await batchGetAll(deps.client, deps.tableName, keys, { maxAttempts: 8, what: 'baseline(s)' })) {
    const body = item.body?.S;
    if (!body) continue;
    const baseline = JSON.parse(body) as NetworkBaseline;
    out.set(baseline.workload, { baseline, version: Number(item.version?.N ?? 0) });
  }
  return out;
}

export async function loadBaseline(deps: BaselineStoreDeps, workload: string): Promise<StoredBaseline | undefined> {
  return (await loadBaselines(deps, [workload])).get(workload);
}

/**
 * Saves a baseline if nobody else wrote it since `expectedVersion` was read (undefined: it did
 * not exist). Returns 'conflict' instead of throwing when someone did.
 */
export async function saveBaseline(
  deps: BaselineStoreDeps,
  baseline: NetworkBaseline,
  expectedVersion: number | undefined,
  ttlDays: number,
): Promise<'saved' | 'conflict'> {
  const now = (deps.now ?? Date.now)();
  try {
    await deps.client.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: {
          pk: { S: workloadPk(deps.cluster, baseline.workload) },
          sk: { S: NETPROFILE_SK },
          workload: { S: baseline.workload },
          version: { N: String((expectedVersion ?? 0) + 1) },
          body: { S: JSON.stringify(baseline) },
          updatedAt: { S: new Date(now).toISOString() },
          ttl: { N: String(Math.floor(now / 1000) + ttlDays * 86400) },
        },
        ...(expectedVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#ver = :v',
              ExpressionAttributeNames: { '#ver': 'version' },
              ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } },
            }),
      }),
    );
    return 'saved';
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return 'conflict';
    throw err;
  }
}
