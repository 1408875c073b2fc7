/**
 * Workload network baselines in DynamoDB: `sk = NETPROFILE` items of the per-workload store
 * (workload-items.ts: versioned, read back through the schema below).
 */
import { z } from 'zod';
import { loadWorkloadItems, saveWorkloadItem, workloadPk, type StoredWorkloadItem, type WorkloadItemDeps } from './workload-items';
import type { NetworkBaseline } from './baseline';

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

export type StoredBaseline = StoredWorkloadItem<NetworkBaseline>;
export type BaselineStoreDeps = WorkloadItemDeps;
export { workloadPk };

/** Loads baselines for the given workloads. */
export function loadBaselines(deps: BaselineStoreDeps, workloads: readonly string[]): Promise<Map<string, StoredBaseline>> {
  return loadWorkloadItems(deps, NETPROFILE_SK, StoredNetworkBaseline, workloads, 'baseline(s)');
}

export async function loadBaseline(deps: BaselineStoreDeps, workload: string): Promise<StoredBaseline | undefined> {
  return (await loadBaselines(deps, [workload])).get(workload);
}

/** Saves a baseline unless someone wrote it since `expectedVersion` was read ('conflict'). */
export function saveBaseline(deps: BaselineStoreDeps, baseline: NetworkBaseline, expectedVersion: number | undefined, ttlDays: number): Promise<'saved' | 'conflict'> {
  return saveWorkloadItem(deps, NETPROFILE_SK, baseline, expectedVersion, ttlDays);
}
