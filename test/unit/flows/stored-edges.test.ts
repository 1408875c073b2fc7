import { edgesFromStored } from '#shared/flows/stored-edges';
import type { StoredEdge } from '#shared/flows/graph-store';
import { ClusterInventory } from '#shared/inventory/cluster';

const inventory = ClusterInventory.parse({
  namespaces: [{ name: 'shop' }],
  pods: [
    { namespace: 'shop', name: 'web-2', ip: '10.0.0.12', labels: { app: 'web', 'pod-template-hash': '5d9f' }, owner: { kind: 'ReplicaSet', name: 'web-5d9f' } },
    { namespace: 'shop', name: 'web-1', ip: '10.0.0.11', labels: { app: 'web', 'pod-template-hash': '5d9f' }, owner: { kind: 'ReplicaSet', name: 'web-5d9f' } },
    { namespace: 'shop', name: 'db-0', ip: '10.0.0.20', labels: { app: 'db' }, owner: { kind: 'StatefulSet', name: 'db' } },
  ],
  nodes: [{ name: 'node-a', ip: '10.0.1.1' }],
});

const stored = (src: string, dst: string, over: Partial<StoredEdge> = {}): StoredEdge => ({
  src, dst, port: 5432, protocol: 'TCP', srcKind: 'pod', dstKind: 'pod', bytes: 100, bytesSent: 60, packets: 4, records: 2,
  firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-02T00:00:00.000Z', ...over,
});

describe('edges read back from the flow graph', () => {
  it('stands each workload in by its first pod, keeping counters and times', () => {
    const r = edgesFromStored([stored('shop/Deployment/web', 'shop/StatefulSet/db')], inventory);
    expect(r.skipped).toEqual([]);
    expect(r.unresolved).toEqual([]);
    const [e] = r.edges;
    expect([...e!.pairs!.values()]).toEqual([{ src: 'shop/web-1', dst: 'shop/db-0', records: 2, bytes: 100 }]);
    expect(e).toMatchObject({ bytes: 100, bytesSent: 60, records: 2, first: Date.parse('2026-11-01T00:00:00.000Z'), srcEndpoint: { kind: 'pod', pod: 'web-1' } });
  });

  it('resolves nodes and external networks, and leaves out ends the inventory no longer has', () => {
    const r = edgesFromStored(
      [
        stored('node:node-a', 'shop/Deployment/web', { srcKind: 'node', port: 8080 }),
        stored('shop/Deployment/web', 'ext:203.0.113.0/24', { dstKind: 'external', port: 443 }),
        stored('shop/Deployment/gone', 'shop/StatefulSet/db'),
        stored('node:node-z', 'shop/StatefulSet/db', { srcKind: 'node' }),
      ],
      inventory,
    );
    expect(r.edges.map((e) => [...e.pairs!.keys()][0])).toEqual(['10.0.1.1>shop/web-1', 'shop/web-1>203.0.113.0']);
    expect(r.unresolved).toEqual(['node:node-z', 'shop/Deployment/gone']);
  });

  it('skips edges of a protocol or kind it does not know instead of guessing', () => {
    const r = edgesFromStored([stored('shop/Deployment/web', 'shop/StatefulSet/db', { protocol: 'ICMP' }), stored('shop/Deployment/web', 'x', { dstKind: 'mystery' })], inventory);
    expect(r.edges).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toEqual(['unknown protocol "ICMP"', 'unknown endpoint kind']);
  });
});
