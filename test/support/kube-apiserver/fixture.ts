/**
 * One-call setup for tests that need a cluster: a started test API server (optionally
 * seeded), a kubeconfig for it in a fresh temporary folder, and a ClusterClient with fast
 * retries. `stop()` closes the server and removes the folder.
 *
 *   const k = await startKubeFixture({ seed: inventory });
 *   await k.client.listPods({ namespace: 'shop' });
 *   await k.stop();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { z } from 'zod';
import { createClusterClient, type ClusterClient, type ClusterClientOptions } from '#shared/k8s/client';
import { loadKubeConfig } from '#infra/local/kubeconfig';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { KubeApiServer, type KubeApiServerOptions } from './server';

export interface KubeFixture {
  api: KubeApiServer;
  dir: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  client: ClusterClient;
  stop(): Promise<void>;
}

export interface KubeFixtureOptions {
  seed?: z.input<typeof ClusterInventory>;
  server?: KubeApiServerOptions;
  /** Defaults: 4 attempts, 1 ms backoff, 2 s request timeout. */
  client?: ClusterClientOptions;
}

export async function startKubeFixture(opts: KubeFixtureOptions = {}): Promise<KubeFixture> {
  const api = await KubeApiServer.start(opts.server);
  if (opts.seed) api.seed(opts.seed);
  const dir = mkdtempSync(join(tmpdir(), 'boundwatch-kube-'));
  const kubeconfigPath = api.writeKubeconfig(dir);
  const kubeConfig = loadKubeConfig(kubeconfigPath);
  const client = createClusterClient(kubeConfig, {
    requestTimeoutMs: 2_000,
    ...opts.client,
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, ...opts.client?.retry },
  });
  return {
    api,
    dir,
    kubeconfigPath,
    kubeConfig,
    client,
    stop: async () => {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
