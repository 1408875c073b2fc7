/**
 * One scheduled inventory snapshot: read the cluster (namespaces, pods, services, nodes) and
 * store it with the time it was taken, so that flows are resolved against what the cluster
 * was at their time (shared/inventory/resolve.ts). A failed read or write throws: the
 * schedule's retry (or the next run) takes another snapshot, and storing one twice is harmless.
 */
import type { InventorySource } from './from-cluster';
import { inventoryFromCluster } from './from-cluster';
import { putInventorySnapshot, type SnapshotStoreDeps } from './snapshot-store';

export interface SnapshotResult {
  /** The stored snapshot's key (ISO time taken). */
  sk: string;
  namespaces: number;
  pods: number;
  services: number;
  nodes: number;
  /** Gzipped size and the number of items it took. */
  bytes: number;
  chunks: number;
}

export async function takeInventorySnapshot(
  source: InventorySource,
  store: SnapshotStoreDeps,
  opts: { now?: () => Date; ttlDays?: number } = {},
): Promise<SnapshotResult> {
  // The time the reads started: a pod in the snapshot existed at least from then.
  const takenAt = (opts.now ?? (() => new Date()))();
  const inventory = await inventoryFromCluster(source);
  const put = await putInventorySnapshot(store, inventory, takenAt, opts.ttlDays !== undefined ? { ttlDays: opts.ttlDays } : {});
  return {
    sk: put.sk,
    namespaces: inventory.namespaces.length,
    pods: inventory.pods.length,
    services: inventory.services.length,
    nodes: inventory.nodes.length,
    bytes: put.bytes,
    chunks: put.chunks,
  };
}
