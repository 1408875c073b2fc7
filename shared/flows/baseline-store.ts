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
import { z } from 'zod';
import { KeyPrefix } from '../store/table';
import type { NetworkBaseline } from './baseline';
import { batchGetAll } from '../clients/dynamo';
import { describeIssues } from '../errors';

const finite = z.number().finite();
/**
 * The stored baseline as read back: checked field by field, because a damaged or foreign item
 * must cost only its own workload (it starts learning again), never the batch.
 */
const StoredNetworkBaseline = z.object({
  schema: z.literal(1),
  workload: z.string().min(1),
  firstSeen: finite,
  lastSeen: finite,
  learningUntil: finite,
  internet: z.object({ seen: z.boolean(), firstSeen: finite.optional() }),
  destinations: z.record(
    z.string(),
    z.object({
      peer: z.string(), port: z.number().int(), protocol: z.string(), kind: z.enum(['pod', 'node', 'vpc', 'external']),
      firstSeen: finite, lastSeen: finite, learned: z.boolean(), hours: finite, mean: finite, variance: finite,
      curHour: finite, curBytes: finite, spikeHours: z.array(finite), alerts: z.record(z.string(), finite),
    }),
  ),
  batches: z.array(z.string()),
}) satisfies z.ZodType<NetworkBaseline>;

export const NETPROFILE_SK = 'NETPROFILE';

export interface StoredBaseline {
  /** Absent when the stored item did not parse: the workload learns again from this batch. */
  baseline?: NetworkBaseline;
  version: number;
  /** Why the stored item was unreadable. */
  damaged?: string;
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
    const version = Number(item.version?.N ?? 0);
    const workload = item.workload?.S ?? item.pk?.S?.slice(workloadPk(deps.cluster, '').length) ?? '';
    const parsed = parseStored(item.body?.S);
    if (parsed.success && parsed.data.workload === workload) out.set(workload, { baseline: parsed.data, version });
    else out.set(workload, { version, damaged: parsed.success ? `stored for ${JSON.stringify(parsed.data.workload)}` : parsed.reason });
  }
  return out;
}

function parseStored(body: string | undefined): { success: true; data: NetworkBaseline } | { success: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? '');
  } catch {
    return { success: false, reason: 'not JSON' };
  }
  const r = StoredNetworkBaseline.safeParse(raw);
  return r.success ? { success: true, data: r.data } : { success: false, reason: describeIssues(r.error.issues) };
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
