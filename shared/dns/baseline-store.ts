/**
 * Workload DNS baselines in DynamoDB beside the network ones: `pk = WORKLOAD#<cluster>#<workload>`,
 * `sk = DNSPROFILE`, the baseline as JSON plus a `version` for optimistic concurrency (two
 * invocations may update one workload at once: the loser reloads and re-applies its batch).
 */
import { ConditionalCheckFailedException, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { batchGetAll } from '../clients/dynamo';
import { describeIssues } from '../errors';
import { workloadPk } from '../flows/baseline-store';
import type { DnsBaseline } from './baseline';

const finite = z.number().finite();
/** Read back field by field: a damaged or foreign item costs only its workload (it learns again). */
const StoredDnsBaseline = z.object({
  schema: z.literal(1),
  workload: z.string().min(1),
  firstSeen: finite,
  lastSeen: finite,
  learningUntil: finite,
  domains: z.record(z.string(), z.object({ firstSeen: finite, lastSeen: finite, learned: z.boolean() })),
  recentNew: z.array(finite),
  alerts: z.record(z.string(), finite),
  batches: z.array(z.string()),
}) satisfies z.ZodType<DnsBaseline>;

export const DNSPROFILE_SK = 'DNSPROFILE';

export interface StoredDnsBaselineItem {
  baseline?: DnsBaseline;
  version: number;
  damaged?: string;
}

export interface DnsStoreDeps {
  client: DynamoDBClient;
  tableName: string;
  cluster: string;
  now?: () => number;
}

export async function loadDnsBaselines(deps: DnsStoreDeps, workloads: readonly string[]): Promise<Map<string, StoredDnsBaselineItem>> {
  const out = new Map<string, StoredDnsBaselineItem>();
  const keys = [...new Set(workloads)].map((w) => ({ pk: { S: workloadPk(deps.cluster, w) }, sk: { S: DNSPROFILE_SK } }));
  for (const item of await batchGetAll(deps.client, deps.tableName, keys, { maxAttempts: 8, what: 'DNS baseline(s)' })) {
    const version = Number(item.version?.N ?? 0);
    const workload = item.workload?.S ?? item.pk?.S?.slice(workloadPk(deps.cluster, '').length) ?? '';
    let raw: unknown;
    try {
      raw = JSON.parse(item.body?.S ?? '');
    } catch {
      out.set(workload, { version, damaged: 'not JSON' });
      continue;
    }
    const r = StoredDnsBaseline.safeParse(raw);
    if (r.success && r.data.workload === workload) out.set(workload, { baseline: r.data, version });
    else out.set(workload, { version, damaged: r.success ? `stored for ${JSON.stringify(r.data.workload)}` : describeIssues(r.error.issues) });
  }
  return out;
}

/** Saves if nobody wrote since `expectedVersion` was read (undefined: it did not exist); 'conflict' otherwise. */
export async function saveDnsBaseline(deps: DnsStoreDeps, baseline: DnsBaseline, expectedVersion: number | undefined, ttlDays: number): Promise<'saved' | 'conflict'> {
  const now = (deps.now ?? Date.now)();
  try {
    await deps.client.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: {
          pk: { S: workloadPk(deps.cluster, baseline.workload) },
          sk: { S: DNSPROFILE_SK },
          workload: { S: baseline.workload },
          version: { N: String((expectedVersion ?? 0) + 1) },
          body: { S: JSON.stringify(baseline) },
          updatedAt: { S: new Date(now).toISOString() },
          ttl: { N: String(Math.floor(now / 1000) + ttlDays * 86400) },
        },
        ...(expectedVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: '#ver = :v', ExpressionAttributeNames: { '#ver': 'version' }, ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } } }),
      }),
    );
    return 'saved';
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return 'conflict';
    throw err;
  }
}
