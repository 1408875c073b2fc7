/**
 * Per-workload items with optimistic concurrency, as the network and DNS baselines keep them:
 * `pk = WORKLOAD#<cluster>#<workload>`, one sort key per kind, the document as JSON in `body`
 * plus a `version` (two invocations may update one workload at once: the loser reloads and
 * re-applies its batch). Read back through a zod schema: a damaged or foreign item costs only its
 * own workload (it starts learning again), never the batch.
 */
import { ConditionalCheckFailedException, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { z } from 'zod';
import { batchGetAll } from '../clients/dynamo';
import { parseStoredJson } from '../store/stored-json';
import { KeyPrefix } from '../store/table';

export interface WorkloadItemDeps {
  client: DynamoDBClient;
  tableName: string;
  cluster: string;
  now?: () => number;
}

export interface StoredWorkloadItem<T> {
  /** Absent when the stored item did not parse: the workload learns again from this batch. */
  baseline?: T;
  version: number;
  /** Why the stored item was unreadable. */
  damaged?: string;
}

export function workloadPk(cluster: string, workload: string): string {
  return `${KeyPrefix.workload}#${cluster}#${workload}`;
}

/** Loads the `sk` items of the given workloads (BatchGetItem, retrying unprocessed keys). */
export async function loadWorkloadItems<T extends { workload: string }>(
  deps: WorkloadItemDeps,
  sk: string,
  schema: z.ZodType<T>,
  workloads: readonly string[],
  what: string,
): Promise<Map<string, StoredWorkloadItem<T>>> {
  const out = new Map<string, StoredWorkloadItem<T>>();
  const keys = [...new Set(workloads)].map((w) => ({ pk: { S: workloadPk(deps.cluster, w) }, sk: { S: sk } }));
  for (const item of await batchGetAll(deps.client, deps.tableName, keys, { maxAttempts: 8, what })) {
    const version = Number(item.version?.N ?? 0);
    const workload = item.workload?.S ?? item.pk?.S?.slice(workloadPk(deps.cluster, '').length) ?? '';
    const parsed = parseStoredJson(schema, item.body?.S);
    if (parsed.success && parsed.data.workload === workload) out.set(workload, { baseline: parsed.data, version });
    else out.set(workload, { version, damaged: parsed.success ? `stored for ${JSON.stringify(parsed.data.workload)}` : parsed.reason });
  }
  return out;
}

/**
 * Saves a workload's `sk` item if nobody else wrote it since `expectedVersion` was read
 * (undefined: it did not exist). Returns 'conflict' instead of throwing when someone did.
 */
export async function saveWorkloadItem(
  deps: WorkloadItemDeps,
  sk: string,
  doc: { workload: string },
  expectedVersion: number | undefined,
  ttlDays: number,
): Promise<'saved' | 'conflict'> {
  const now = (deps.now ?? Date.now)();
  try {
    await deps.client.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: {
          pk: { S: workloadPk(deps.cluster, doc.workload) },
          sk: { S: sk },
          workload: { S: doc.workload },
          version: { N: String((expectedVersion ?? 0) + 1) },
          body: { S: JSON.stringify(doc) },
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
