/**
 * functions/inventory over real wires: the cluster read from the test Kubernetes API server
 * (real HTTP, @kubernetes/client-node), the snapshot stored in dynalite, then used by the flow
 * pipeline to resolve addresses at the time of each flow.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { makeHandler } from '#functions/inventory/handler';
import { StoredInventory } from '#shared/inventory/snapshot-store';
import { createMetrics } from '#shared/observability/powertools';
import { shopScenario } from '#infra/local/scenario/shop-flows';
import { startKubeFixture, type KubeFixture } from '#test/support/kube-apiserver';
import { dynamoBackends, freshTable } from '#test/support/dynamo';

const scenario = shopScenario({ days: 1 });
const T0 = Date.parse('2025-03-03T00:00:00Z');
const HOUR = 3_600_000;

describe('inventory snapshots from a cluster', () => {
  const backend = dynamoBackends()[0]!;
  let dynamo: { endpoint: string; stop(): Promise<void> };
  let kube: KubeFixture;
  beforeAll(async () => {
    dynamo = await backend.start();
    kube = await startKubeFixture({ seed: scenario.inventory });
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  }, 90_000);
  afterAll(async () => {
    await kube?.stop();
    await dynamo?.stop();
  });

  it('stores what the API server lists, and flows resolve against the snapshot in force at their time', async () => {
    const { client, tableName, counter } = await freshTable(dynamo.endpoint);
    const store = { client, tableName, cluster: 'prod' };
    let now = new Date(T0);
    const handler = makeHandler({ source: kube.client, store, now: () => now }, { logger: new Logger({ serviceName: 'inventory', logLevel: 'SILENT' }), metrics: createMetrics('inventory') });

    const first = await handler({});
    expect(first).toMatchObject({ sk: new Date(T0).toISOString(), pods: scenario.inventory.pods.length, services: scenario.inventory.services.length, nodes: 3, chunks: 1 });
    expect(counter.writes).toBe(1);

    // The catalog pod goes away and a new email pod gets its address.
    const catalog = scenario.inventory.pods.find((p) => p.name.startsWith('catalog-')) as { namespace: string; name: string; ip: string };
    expect(await kube.client.deletePod(catalog.namespace, catalog.name)).toBe('deleted');
    kube.api.put({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'email-7f5c6d8b9-zzzzz', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'email' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'email-7f5c6d8b9', uid: 'u1', controller: true }] },
      spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running', podIP: catalog.ip },
    });
    now = new Date(T0 + 2 * HOUR);
    await handler({});

    const timeline = await new StoredInventory(store).timelineFor(T0, T0 + 3 * HOUR);
    expect(timeline.resolve(catalog.ip, T0 + HOUR).endpoint).toMatchObject({ kind: 'pod', workload: { kind: 'Deployment', name: 'catalog' } });
    expect(timeline.resolve(catalog.ip, T0 + 3 * HOUR).endpoint).toMatchObject({ kind: 'pod', pod: 'email-7f5c6d8b9-zzzzz', workload: { name: 'email' } });
  });

  it('a failing API server fails the invocation (to be retried), storing nothing', async () => {
    const { client, tableName, counter } = await freshTable(dynamo.endpoint);
    const handler = makeHandler({ source: kube.client, store: { client, tableName, cluster: 'prod' } }, { logger: new Logger({ serviceName: 'inventory', logLevel: 'SILENT' }), metrics: createMetrics('inventory') });
    kube.api.failNext(20, { status: 503 });
    await expect(handler({})).rejects.toThrow();
    kube.api.clearFaults();
    expect(counter.writes).toBe(0);
  });
});
