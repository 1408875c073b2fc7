/**
 * Workload DNS baselines in DynamoDB beside the network ones: `sk = DNSPROFILE` items of the
 * per-workload store (flows/workload-items.ts: versioned, read back through the schema below).
 */
import { z } from 'zod';
import { loadWorkloadItems, saveWorkloadItem, type StoredWorkloadItem, type WorkloadItemDeps } from '../flows/workload-items';
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

export type StoredDnsBaselineItem = StoredWorkloadItem<DnsBaseline>;
export type DnsStoreDeps = WorkloadItemDeps;

export function loadDnsBaselines(deps: DnsStoreDeps, workloads: readonly string[]): Promise<Map<string, StoredDnsBaselineItem>> {
  return loadWorkloadItems(deps, DNSPROFILE_SK, StoredDnsBaseline, workloads, 'DNS baseline(s)');
}

/** Saves unless someone wrote it since `expectedVersion` was read (undefined: it did not exist): 'conflict'. */
export function saveDnsBaseline(deps: DnsStoreDeps, baseline: DnsBaseline, expectedVersion: number | undefined, ttlDays: number): Promise<'saved' | 'conflict'> {
  return saveWorkloadItem(deps, DNSPROFILE_SK, baseline, expectedVersion, ttlDays);
}
