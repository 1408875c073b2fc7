/**
 * The pure part of the flow pipeline (parse → resolve → orient → aggregate) over the shop app
 * in every input format: the graph must be exactly the app's call graph, whatever the format.
 */
import { DEFAULT_NETWORK_CONFIG } from '#shared/flows/config';
import { emptyFlowReport, graphFromRecords, parseBatchLines } from '#shared/flows/ingest';
import { InventoryTimeline } from '#shared/inventory/resolve';
import { shopScenario, toJsonLines, toVpcCustom, toVpcV2, type ShopScenario } from '#infra/local/scenario/shop-flows';

const key = (e: { src: string; dst: string; port: number; protocol: string }) => `${e.src}>${e.dst}#${e.port}#${e.protocol}`;

function graphOf(s: ShopScenario, lines: string[]) {
  const report = emptyFlowReport();
  const { records } = parseBatchLines(lines, undefined, report);
  const builder = graphFromRecords(records, new InventoryTimeline(s.snapshots), DEFAULT_NETWORK_CONFIG, report);
  return { edges: builder.list(), report, builder };
}

describe('the shop app generator', () => {
  it('is deterministic: the same seed gives byte-identical output, another seed does not', () => {
    const a = toVpcV2(shopScenario({ days: 1, seed: 7 }));
    const b = toVpcV2(shopScenario({ days: 1, seed: 7 }));
    const c = toVpcV2(shopScenario({ days: 1, seed: 8 }));
    expect(a.join('\n')).toBe(b.join('\n'));
    expect(a.join('\n')).not.toBe(c.join('\n'));
  });

  it('has ten shop services plus DNS, realistic per-rollout labels, a host-network agent and servers above 32767', () => {
    const s = shopScenario({ days: 1 });
    const shopOwners = new Set(s.inventory.pods.filter((p) => p.namespace === 'shop').map((p) => p.owner?.name.replace(/-[a-z0-9]{9}$/, '')));
    expect(shopOwners.size).toBe(10);
    expect(s.inventory.pods.some((p) => p.labels['k8s-app'] === 'kube-dns' && p.namespace === 'kube-system')).toBe(true);
    expect(s.inventory.pods.some((p) => p.labels['pod-template-hash'])).toBe(true);
    expect(s.inventory.pods.some((p) => p.hostNetwork)).toBe(true);
    expect(s.expectedEdges.some((e) => e.port === 50051)).toBe(true);
  });
});

describe.each([
  ['VPC Flow Logs v2 (one record per direction)', toVpcV2],
  ['custom format with tcp-flags and flow-direction (both interfaces)', (s: ShopScenario) => toVpcCustom(s)],
  ['JSON lines (requests to ClusterIPs, reply lines)', toJsonLines],
])('%s', (_name, render) => {
  const s = shopScenario({ days: 2 });
  const lines = render(s);
  const { edges, report } = graphOf(s, lines);

  it('recovers exactly the app\'s call graph: every edge, nothing else', () => {
    expect(edges.map(key)).toEqual(s.expectedEdges.map(key));
  });

  it('never falls back to guessing by the lower port', () => {
    expect(report.inferredBy['lower-port'] ?? 0).toBe(0);
    expect(report.rejected).toEqual({});
  });

  it('counts each connection once: bytes sent equal what clients sent', () => {
    const sent = edges.reduce((n, e) => n + e.bytesSent, 0);
    const expected = s.connections.reduce((n, c) => n + c.bytesOut, 0);
    expect(sent).toBe(expected);
  });
});

describe('noise in the text formats', () => {
  it('is counted by reason, never turned into edges', () => {
    const s = shopScenario({ days: 1 });
    const { report } = graphOf(s, toVpcV2(s));
    expect(report.skipped).toMatchObject({ nodata: 4, skipdata: 4, 'unsupported-protocol': 4 });
    expect(report.networkRejected).toBe(4);
  });
});

describe('a rollout that reuses a pod IP', () => {
  it('attributes flows to the pod that had the address at the time', () => {
    const s = shopScenario({ days: 2, rollout: true });
    expect(s.snapshots).toHaveLength(2);
    const { edges } = graphOf(s, toVpcV2(s));
    expect(edges.map(key)).toEqual(s.expectedEdges.map(key));
    // email moved onto an address catalog had on day one: both still appear as themselves.
    expect(edges.some((e) => e.dst === 'shop/Deployment/email' && e.port === 8080)).toBe(true);
    expect(edges.some((e) => e.dst === 'shop/Deployment/catalog' && e.port === 8080)).toBe(false);
  });
});
