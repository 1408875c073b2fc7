/**
 * Lambda entry for the scheduled inventory snapshot (EventBridge Scheduler, every few minutes):
 * reads the cluster through its EKS access entry and stores the snapshot in the table, where
 * ingest-flows resolves flow addresses against it. Thin: configuration and clients at cold
 * start, shared/inventory/snapshot.ts does the work; a failure throws so the invocation is
 * retried (a snapshot stored twice is the same snapshot).
 */
import { EKSClient } from '@aws-sdk/client-eks';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { Context } from 'aws-lambda';
import { createDynamoClient } from '#shared/clients/dynamo';
import { EnvNames, optionalEnv, requireEnv } from '#shared/env';
import { takeInventorySnapshot, type SnapshotResult } from '#shared/inventory/snapshot';
import type { SnapshotStoreDeps } from '#shared/inventory/snapshot-store';
import { createClusterClient } from '#shared/k8s/client';
import { EksKubeConfigSource } from '#shared/k8s/eks';
import type { InventorySource } from '#shared/inventory/from-cluster';
import { createObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';

const SERVICE = 'inventory';

export interface InventoryDeps {
  source: InventorySource;
  store: SnapshotStoreDeps;
  now?: () => Date;
}

/** The cluster name: CLUSTER_NAME, else the cluster entry of BOUNDWATCH_CONFIG. */
export function clusterNameFromEnv(env: NodeJS.ProcessEnv): string {
  const direct = optionalEnv(EnvNames.clusterName, env);
  if (direct) return direct;
  const raw = requireEnv(EnvNames.config, env);
  const name = (JSON.parse(raw) as { cluster?: { name?: unknown } }).cluster?.name;
  if (typeof name !== 'string' || !name) throw new Error(`Environment variable ${EnvNames.config} has no cluster.name`);
  return name;
}

export function depsFromEnv(env: NodeJS.ProcessEnv): InventoryDeps {
  const cluster = clusterNameFromEnv(env);
  const region = optionalEnv(EnvNames.awsRegion, env);
  const eks = new EKSClient({ ...(region ? { region } : {}) });
  return {
    source: createClusterClient(new EksKubeConfigSource({ clusterName: cluster, region: region ?? 'us-east-1', eks, credentials: defaultProvider() })),
    store: {
      client: createDynamoClient({ endpoint: optionalEnv(EnvNames.dynamoEndpoint, env), ...(region ? { region } : {}) }),
      tableName: requireEnv(EnvNames.tableName, env),
      cluster,
    },
  };
}

export function makeHandler(deps: InventoryDeps, obs: Observability) {
  return async (_event: unknown, context?: Context): Promise<SnapshotResult> => {
    if (context) obs.logger.addContext(context);
    try {
      const result = await takeInventorySnapshot(deps.source, deps.store, deps.now ? { now: deps.now } : {});
      countMetric(obs.metrics, MetricName.inventorySnapshots, 1);
      obs.logger.info('inventory snapshot stored', { ...result });
      return result;
    } catch (err) {
      obs.logger.error('inventory snapshot failed; it will be retried', err as Error);
      throw err;
    } finally {
      obs.metrics.publishStoredMetrics();
    }
  };
}

let instance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: unknown, context: Context): Promise<SnapshotResult> => {
  if (!instance) {
    const deps = depsFromEnv(process.env);
    instance = makeHandler(deps, createObservability(SERVICE, deps.store.cluster));
  }
  return instance(event, context);
};
