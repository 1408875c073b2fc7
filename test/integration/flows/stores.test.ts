/**
 * Flow graph, baseline and inventory snapshot stores over the real wire (dynalite, and
 * DynamoDB Local where Java is present).
 */
import { DEFAULT_NETWORK_CONFIG } from '#shared/flows/config';
import { loadBaseline, loadBaselines, NETPROFILE_SK, saveBaseline, workloadPk } from '#shared/flows/baseline-store';
import { applyBatch } from '#shared/flows/baseline';
import type { OrientedFlow } from '#shared/flows/direction';
import { FlowGraphBuilder, HOUR_MS, type Edge } from '#shared/flows/graph';
import { readEdgesFrom, writeEdges, type GraphStoreDeps } from '#shared/flows/graph-store';
import { ClusterInventory } from '#shared/inventory/cluster';
import type { PodEndpoint } from '#shared/inventory/resolve';
import { CHUNK_BYTES, loadSnapshot, putInventorySnapshot, snapshotKeysFor, StoredInventory } from '#shared/inventory/snapshot-store';
import { dynamoBackends, freshTable } from '#test/support/dynamo';

const T0 = Date.parse('2024-05-01T00:00:00Z');
const opts = { ttlDays: 30, redeliveryHours: 6 };

const ep = (name: string, ip: string): PodEndpoint => ({
  kind: 'pod', ip, namespace: 'shop', pod: `${name}-1`, workload: { namespace: 'shop', kind: 'Deployment', name }, labels: {}, hostNetwork: false,
});
const frontend = ep('frontend', '10.1.0.2');
const catalog = ep('catalog', '10.1.0.3');

function edgesOf(flows: Array<{ at: number; sent: number; received?: number; to?: PodEndpoint; port?: number }>): Edge[] {
  const b = new FlowGraphBuilder();
  for (const f of flows) {
    const to = f.to ?? catalog;
    const o: OrientedFlow = {
      client: frontend.ip, server: to.ip, port: f.port ?? 3550, protocol: 'TCP', bytesSent: f.sent, bytesReceived: f.received ?? 0,
      packets: 3, start: f.at, end: f.at + 1000, action: 'ACCEPT', inferredBy: 'inventory',
    };
    b.addResolved(o, frontend, to, o.port);
  }
  return b.list();
}

describe.each(dynamoBackends())('flow stores on $name', (backend) => {
  let server: { endpoint: string; stop(): Promise<void> };
  beforeAll(async () => {
    server = await backend.start();
  }, 90_000);
  afterAll(async () => server?.stop());

  async function deps(): Promise<GraphStoreDeps & { counter: { reads: number; writes: number } }> {
    const { client, tableName, counter } = await freshTable(server.endpoint);
    return { client, tableName, cluster: 'prod', counter };
  }

  it('writes one UpdateItem per edge and adds counters across batches', async () => {
    const d = await deps();
    const batch1 = edgesOf([{ at: T0, sent: 100, received: 900 }, { at: T0 + 1000, sent: 50 }, { at: T0, sent: 5, to: frontend, port: 8080 }]);
    const r1 = await writeEdges(d, batch1, 'b1', T0, opts);
    expect(r1).toEqual({ applied: 2, duplicates: 0, corrections: 0 });
    expect(d.counter.writes).toBe(2);
    await writeEdges(d, edgesOf([{ at: T0 + HOUR_MS, sent: 10 }]), 'b2', T0 + HOUR_MS, opts);
    const stored = await readEdgesFrom(d, 'shop/Deployment/frontend');
    expect(stored.find((e) => e.dst === 'shop/Deployment/catalog')).toEqual({
      src: 'shop/Deployment/frontend', dst: 'shop/Deployment/catalog', port: 3550, protocol: 'TCP', srcKind: 'pod', dstKind: 'pod',
      bytes: 1060, bytesSent: 160, packets: 9, records: 3,
      firstSeen: new Date(T0).toISOString(), lastSeen: new Date(T0 + HOUR_MS + 1000).toISOString(),
    });
  });

  it('is idempotent on redelivery of a batch: conditional on the batch id, nothing double-counted', async () => {
    const d = await deps();
    const batch = edgesOf([{ at: T0, sent: 100 }, { at: T0, sent: 7, to: frontend, port: 8080 }]);
    await writeEdges(d, batch, 'same', T0, opts);
    const again = await writeEdges(d, batch, 'same', T0, opts);
    expect(again).toEqual({ applied: 0, duplicates: 2, corrections: 0 });
    const stored = await readEdgesFrom(d, 'shop/Deployment/frontend');
    expect(stored.map((e) => e.bytesSent).sort((a, b) => a - b)).toEqual([7, 100]);
  });

  it('keeps first and last seen right when batches arrive out of order', async () => {
    const d = await deps();
    await writeEdges(d, edgesOf([{ at: T0 + 5 * HOUR_MS, sent: 1 }]), 'late', T0 + 5 * HOUR_MS, opts);
    const r = await writeEdges(d, edgesOf([{ at: T0, sent: 1 }]), 'early', T0 + 6 * HOUR_MS, opts);
    expect(r.corrections).toBe(2);
    const [e] = await readEdgesFrom(d, 'shop/Deployment/frontend');
    expect(e).toMatchObject({ firstSeen: new Date(T0).toISOString(), lastSeen: new Date(T0 + 5 * HOUR_MS + 1000).toISOString(), bytesSent: 2 });
  });

  it('drops redelivery markers older than the horizon, keeping items small', async () => {
    const d = await deps();
    for (let h = 0; h < 20; h++) await writeEdges(d, edgesOf([{ at: T0 + h * HOUR_MS, sent: 1 }]), `h${h}`, T0 + h * HOUR_MS, opts);
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const item = await d.client.send(new GetItemCommand({ TableName: d.tableName, Key: { pk: { S: 'FLOW#prod#shop/Deployment/frontend' }, sk: { S: 'shop/Deployment/catalog#3550#TCP' } } }));
    const markers = Object.keys(item.Item ?? {}).filter((k) => k.startsWith('ab'));
    expect(markers.length).toBeLessThanOrEqual(opts.redeliveryHours + 1);
    expect(markers.length).toBeGreaterThan(0);
    expect(Number(item.Item?.ttl?.N)).toBeGreaterThan(Date.now() / 1000);
  });

  it('saves baselines with optimistic concurrency', async () => {
    const d = await deps();
    const b1 = applyBatch(undefined, 'shop/Deployment/frontend', edgesOf([{ at: T0, sent: 10 }]), 'x', [], DEFAULT_NETWORK_CONFIG);
    expect(await saveBaseline(d, b1, undefined, 90)).toBe('saved');
    expect(await saveBaseline(d, b1, undefined, 90)).toBe('conflict');
    const loaded = await loadBaseline(d, 'shop/Deployment/frontend');
    expect(loaded).toMatchObject({ version: 1, baseline: { workload: 'shop/Deployment/frontend', batches: ['x'] } });
    const b2 = applyBatch(loaded?.baseline, 'shop/Deployment/frontend', edgesOf([{ at: T0 + HOUR_MS, sent: 10 }]), 'y', [], DEFAULT_NETWORK_CONFIG);
    expect(await saveBaseline(d, b2, 1, 90)).toBe('saved');
    expect(await saveBaseline(d, b2, 1, 90)).toBe('conflict');
    expect((await loadBaseline(d, 'shop/Deployment/frontend'))?.version).toBe(2);
  });

  it('reads a damaged baseline as damaged, so its workload learns again and the next save replaces it', async () => {
    const d = await deps();
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const put = (workload: string, body: string) =>
      d.client.send(new PutItemCommand({ TableName: d.tableName, Item: { pk: { S: workloadPk(d.cluster, workload) }, sk: { S: NETPROFILE_SK }, workload: { S: workload }, version: { N: '3' }, body: { S: body } } }));
    await put('shop/Deployment/broken', '{"schema":1,"workload":"shop/Deployment/broken","firstSeen":"yesterday"}');
    await put('shop/Deployment/garbage', '{not json');
    const good = applyBatch(undefined, 'shop/Deployment/fine', edgesOf([{ at: T0, sent: 10 }]), 'g', [], DEFAULT_NETWORK_CONFIG);
    expect(await saveBaseline(d, good, undefined, 90)).toBe('saved');
    const loaded = await loadBaselines(d, ['shop/Deployment/broken', 'shop/Deployment/garbage', 'shop/Deployment/fine']);
    expect(loaded.get('shop/Deployment/broken')).toEqual({ version: 3, damaged: expect.stringContaining('firstSeen') });
    expect(loaded.get('shop/Deployment/garbage')).toEqual({ version: 3, damaged: 'not JSON' });
    expect(loaded.get('shop/Deployment/fine')?.baseline?.batches).toEqual(['g']);
    // The workload starts again from this batch; saving at the damaged item's version replaces it.
    const fresh = applyBatch(undefined, 'shop/Deployment/broken', edgesOf([{ at: T0, sent: 10 }]), 'h', [], DEFAULT_NETWORK_CONFIG);
    expect(await saveBaseline(d, fresh, 3, 90)).toBe('saved');
    expect((await loadBaseline(d, 'shop/Deployment/broken'))?.baseline?.batches).toEqual(['h']);
  });

  it('stores inventory snapshots, picks the ones around the flows and splits large ones over several items', async () => {
    const d = await deps();
    const small = (ip: string) => ({ namespaces: [{ name: 'shop' }], pods: [{ namespace: 'shop', name: 'a', ip, labels: { app: 'a' } }] });
    await putInventorySnapshot(d, small('10.1.0.1'), T0);
    await putInventorySnapshot(d, small('10.1.0.2'), T0 + 2 * HOUR_MS);
    await putInventorySnapshot(d, small('10.1.0.3'), T0 + 4 * HOUR_MS);
    expect(await snapshotKeysFor(d, T0 + HOUR_MS, T0 + 3 * HOUR_MS)).toEqual([new Date(T0).toISOString(), new Date(T0 + 2 * HOUR_MS).toISOString()]);
    expect(await snapshotKeysFor(d, T0 - 10 * HOUR_MS, T0 - 9 * HOUR_MS)).toEqual([new Date(T0).toISOString()]);

    const provider = new StoredInventory(d);
    const tl = await provider.timelineFor(T0 + HOUR_MS, T0 + 5 * HOUR_MS);
    expect(tl.resolve('10.1.0.1', T0 + HOUR_MS).endpoint.kind).toBe('pod');
    expect(tl.resolve('10.1.0.3', T0 + 5 * HOUR_MS).endpoint.kind).toBe('pod');
    expect(tl.resolve('10.1.0.1', T0 + 5 * HOUR_MS).endpoint.kind).toBe('vpc');

    // A large, poorly compressible inventory spans several items and reassembles exactly.
    let seed = 1;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31).toString(36).slice(2);
    const big = ClusterInventory.parse({
      namespaces: [{ name: 'shop' }],
      pods: Array.from({ length: 15000 }, (_, i) => ({ namespace: 'shop', name: `p-${noise()}`, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, labels: { a: noise(), b: noise() } })),
    });
    const put = await putInventorySnapshot(d, big, T0 + 10 * HOUR_MS);
    expect(put.bytes).toBeGreaterThan(CHUNK_BYTES);
    expect(put.chunks).toBeGreaterThan(1);
    const back = await loadSnapshot(d, put.sk);
    expect(back.inventory.pods).toHaveLength(15000);
    expect(back.inventory.pods[14999]).toEqual(big.pods[14999]);
  }, 60_000);
});
