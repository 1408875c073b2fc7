/**
 * Lambda entry for the scheduled inventory snapshot (EventBridge Scheduler, every few minutes):
 * reads the cluster through its EKS access entry and stores the snapshot in the table, where
 * ingest-flows resolves flow addresses against it. Thin: configuration and clients at cold
 * start, shared/inventory/snapshot.ts does the work; a failure throws so the invocation is
 * retried (a snapshot stored twice is the same snapshot).
 */
import type { Context } from 'aws-lambda';
import { functionEnv, lazyHandler } from '#shared/lambda/bootstrap';
import { takeInventorySnapshot, type SnapshotResult } from '#shared/inventory/snapshot';
import type { SnapshotStoreDeps } from '#shared/inventory/snapshot-store';
import type { InventorySource } from '#shared/inventory/from-cluster';
import { createObservability, withObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';

const SERVICE = 'inventory';

export interface InventoryDeps {
  source: InventorySource;
  store: SnapshotStoreDeps;
  now?: () => Date;
}

export function depsFromEnv(env: NodeJS.ProcessEnv): InventoryDeps {
  const fe = functionEnv(env);
  return {
    source: fe.clusterClient(),
    store: { client: fe.dynamo(), tableName: fe.tableName(), cluster: fe.cluster() },
  };
}

export function makeHandler(deps: InventoryDeps, obs: Observability) {
  return (_event: unknown, context?: Context): Promise<SnapshotResult> =>
    withObservability(obs, context, { failureMessage: 'inventory snapshot failed; it will be retried' }, async () => {
      const result = await takeInventorySnapshot(deps.source, deps.store, deps.now ? { now: deps.now } : {});
      countMetric(obs.metrics, MetricName.inventorySnapshots, 1);
      obs.logger.info('inventory snapshot stored', { ...result });
      return result;
    });
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<SnapshotResult>) => {
  const deps = depsFromEnv(process.env);
  return makeHandler(deps, createObservability(SERVICE, deps.store.cluster));
});
