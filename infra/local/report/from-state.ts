/**
 * What `report --state DIR` draws without any input: a state folder kept by `replay --state`
 * holds the flow graph (workload-level edges), the inventory snapshots and every enforcement
 * record; the anomalies themselves are events, not state, so they come from the run's
 * `anomalies.jsonl` in `--out` when it is there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResourceNotFoundException, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '#shared/clients/dynamo';
import { EnforcementAction, BehaviorAnomaly } from '#shared/events/schema';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { loadSnapshot, snapshotKeysFor } from '#shared/inventory/snapshot-store';
import { scanAllEdges, type StoredEdge } from '#shared/flows/graph-store';
import { KeyPrefix } from '#shared/store/table';
import { NetworkPolicySchema } from '#shared/netpol-api/schema';
import type { NetworkPolicy } from '#shared/netpol-api/types';
import { z } from 'zod';
import { InputError } from '#shared/errors';
import { startDynalite } from '../dynamo-server';
import { LOCAL_REGION, LOCAL_TABLE } from '../runtime';

export interface ReportState {
  edges: StoredEdge[];
  inventory?: ClusterInventory | undefined;
  actions: EnforcementAction[];
  /** Policies of actions still in force (applied or planned, not reverted): the current view. */
  policies: NetworkPolicy[];
  anomalies: BehaviorAnomaly[];
  notes: string[];
}

// The part of an action record the report reads; the rest of the record is enforcement's business.
const StoredAction = z.object({
  status: z.string(),
  createdAt: z.string().default(''),
  action: EnforcementAction,
  policies: z.array(NetworkPolicySchema).default([]),
});

async function scanActions(client: ReturnType<typeof createDynamoClient>, cluster: string, notes: string[]): Promise<Array<z.infer<typeof StoredAction>>> {
  const out: Array<z.infer<typeof StoredAction>> = [];
  let unreadable = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: LOCAL_TABLE,
        FilterExpression: 'begins_with(pk, :prefix) AND #c = :cluster',
        ExpressionAttributeNames: { '#c': 'cluster' },
        ExpressionAttributeValues: { ':prefix': { S: `${KeyPrefix.action}#` }, ':cluster': { S: cluster } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      let body: unknown;
      try {
        body = JSON.parse(item.body?.S ?? '');
      } catch {
        unreadable += 1;
        continue;
      }
      const parsed = StoredAction.safeParse(body);
      if (parsed.success) out.push(parsed.data);
      else unreadable += 1;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  if (unreadable) notes.push(`${unreadable} enforcement record(s) in the state could not be read and are not in the report`);
  // In the order they were decided, as a run lists them.
  return out.sort((a, b) => (a.createdAt === b.createdAt ? (a.action.id < b.action.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
}

function readAnomalies(outDir: string, notes: string[]): BehaviorAnomaly[] {
  const file = join(outDir, 'anomalies.jsonl');
  if (!existsSync(file)) {
    notes.push(`no ${file}: the report has no anomalies (they are events, not state: run replay --state with this --out first)`);
    return [];
  }
  const anomalies: BehaviorAnomaly[] = [];
  let bad = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = BehaviorAnomaly.safeParse((JSON.parse(line) as { detail?: unknown }).detail);
      if (parsed.success) anomalies.push(parsed.data);
      else bad += 1;
    } catch {
      bad += 1;
    }
  }
  if (bad) notes.push(`${bad} line(s) of ${file} are not anomaly events and were left out`);
  return anomalies;
}

export async function readReportState(statePath: string, cluster: string, outDir: string): Promise<ReportState> {
  const notes: string[] = [];
  const dynamo = await startDynalite({ path: statePath });
  const client = createDynamoClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION });
  try {
    return await readFrom(client, cluster, outDir, notes);
  } catch (err) {
    if (err instanceof ResourceNotFoundException) throw new InputError(`--state ${statePath}: no boundwatch state there (keep one with replay --state)`);
    throw err;
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

async function readFrom(client: ReturnType<typeof createDynamoClient>, cluster: string, outDir: string, notes: string[]): Promise<ReportState> {
  const deps = { client, tableName: LOCAL_TABLE, cluster };
  const edges = await scanAllEdges(deps);
  const now = Date.now();
  const keys = await snapshotKeysFor(deps, now, now);
  const latest = keys.at(-1);
  const inventory = latest ? (await loadSnapshot(deps, latest)).inventory : undefined;
  if (!inventory) notes.push('the state holds no inventory snapshot: the report shows no connections');
  const records = await scanActions(client, cluster, notes);
  const inForce = records.filter((r) => r.status === 'applied' || r.status === 'partial' || r.status === 'planned');
  return {
    edges,
    inventory,
    actions: records.map((r) => r.action),
    policies: inForce.flatMap((r) => r.policies),
    anomalies: readAnomalies(outDir, notes),
    notes,
  };
}
