import { BehaviorAnomaly } from '#shared/events/schema';
import { applyBatch, destinationKey, foldHour, type NetworkBaseline } from '#shared/flows/baseline';
import { DEFAULT_NETWORK_CONFIG } from '#shared/flows/config';
import { detectNetworkAnomalies, NetworkFinding } from '#shared/flows/detect';
import type { OrientedFlow } from '#shared/flows/direction';
import { edgeEvidence, FlowGraphBuilder, HOUR_MS, type Edge } from '#shared/flows/graph';
import type { Endpoint, PodEndpoint } from '#shared/inventory/resolve';

const T0 = Date.parse('2024-05-01T00:00:00Z');
const cfg = DEFAULT_NETWORK_CONFIG;
const CLUSTER = 'prod-eks';

function podEp(ns: string, name: string, ip: string, sa = name): PodEndpoint {
  return {
    kind: 'pod', ip, namespace: ns, pod: `${name}-6d9f7c8b5-abcde`, workload: { namespace: ns, kind: 'Deployment', name }, serviceAccount: sa,
    labels: { 'app.kubernetes.io/name': name, 'pod-template-hash': '6d9f7c8b5' }, hostNetwork: false,
  };
}
const rec = podEp('shop', 'recommendation', '10.1.0.7');
const catalog = podEp('shop', 'catalog', '10.1.0.21');
const admin = podEp('backoffice', 'admin-api', '10.1.5.9');
const internet: Endpoint = { kind: 'external', ip: '198.51.100.7', network: '198.51.100.0/24' };
const WL = 'shop/Deployment/recommendation';

function flow(dst: Endpoint, port: number, at: number, bytesSent: number, bytesReceived = 100): OrientedFlow & { dstEp: Endpoint } {
  return {
    client: rec.ip, server: dst.ip, clientPort: 40000, port, protocol: 'TCP', bytesSent, bytesReceived, packets: 10, start: at, end: at + 30_000,
    action: 'ACCEPT', inferredBy: 'inventory', dstEp: dst,
  };
}

function edges(...flows: Array<ReturnType<typeof flow>>): Edge[] {
  const b = new FlowGraphBuilder();
  for (const f of flows) b.addResolved(f, rec, f.dstEp, f.port);
  return b.list();
}

/** Hourly traffic to catalog for `hours` hours from T0, applied batch by batch. */
function learned(hours: number, bytes = 20_000): NetworkBaseline {
  let base: NetworkBaseline | undefined;
  for (let h = 0; h < hours; h++) base = applyBatch(base, WL, edges(flow(catalog, 3550, T0 + h * HOUR_MS + 60_000, bytes)), `b${h}`, [], cfg);
  return base as NetworkBaseline;
}

describe('flow graph aggregation', () => {
  it('aggregates per (source, destination, port, protocol) with bytes, packets, first and last', () => {
    const es = edges(flow(catalog, 3550, T0, 1000, 50), flow(catalog, 3550, T0 + 2 * HOUR_MS, 500), flow(admin, 8443, T0, 7));
    expect(es.map((e) => [e.src, e.dst, e.port])).toEqual([
      [WL, 'backoffice/Deployment/admin-api', 8443],
      [WL, 'shop/Deployment/catalog', 3550],
    ]);
    const c = es[1] as Edge;
    expect(c).toMatchObject({ bytes: 1650, bytesSent: 1500, packets: 20, records: 2, first: T0, last: T0 + 2 * HOUR_MS + 30_000, srcKind: 'pod', dstKind: 'pod' });
    expect([...c.hourlySent]).toEqual([
      [Math.floor(T0 / HOUR_MS), 1000],
      [Math.floor(T0 / HOUR_MS) + 2, 500],
    ]);
  });

  it('never turns a REJECTed flow into an edge', () => {
    const b = new FlowGraphBuilder();
    b.addResolved({ ...flow(catalog, 3550, T0, 10), action: 'REJECT' }, rec, catalog, 3550);
    expect(b.list()).toEqual([]);
    expect(b.rejectedFlows).toBe(1);
  });

  it('keeps evidence small: the largest connections, addresses and counts only', () => {
    const b = new FlowGraphBuilder();
    for (let i = 0; i < 20; i++) b.addResolved({ ...flow(catalog, 3550, T0, 100 * (i + 1)), client: `10.1.0.${i}` }, rec, catalog, 3550);
    const ev = edgeEvidence(b.list()[0] as Edge, 3);
    expect(ev).toHaveLength(3);
    expect(ev[0]).toEqual({
      src: '10.1.0.7', dst: '10.1.0.21', dstPort: 3550, protocol: 'TCP', bytes: 900, packets: 10,
      start: new Date(T0).toISOString(), end: new Date(T0 + 30_000).toISOString(), peer: 'shop/Deployment/catalog',
    });
  });
});

describe('network baselines', () => {
  it('learn destinations and an hourly volume per destination, on flow time', () => {
    const b = learned(30);
    const d = b.destinations[destinationKey('shop/Deployment/catalog', 3550, 'TCP')];
    expect(b.learningUntil).toBe(T0 + 60_000 + 24 * HOUR_MS);
    expect(d).toMatchObject({ learned: true, hours: 29, curBytes: 20_000 });
    expect(d?.mean).toBeCloseTo(20_000, 6);
    expect(b.batches).toHaveLength(30);
  });

  it('applying the same batch twice changes nothing', () => {
    const b = learned(3);
    expect(applyBatch(b, WL, edges(flow(catalog, 3550, T0 + 5 * HOUR_MS, 99_999)), 'b2', [], cfg)).toBe(b);
  });

  it('exponentially weighted stats follow the data', () => {
    const d = { hours: 0, mean: 0, variance: 0 };
    for (const x of [10, 20, 30]) foldHour(d, x);
    expect(d.mean).toBeCloseTo(20);
    expect(d.variance).toBeGreaterThan(0);
  });
});

describe('network detectors', () => {
  it('judge nothing during the learning period, however unusual', () => {
    const b = learned(5);
    const det = detectNetworkAnomalies(CLUSTER, WL, edges(flow(admin, 8443, T0 + 6 * HOUR_MS, 3e9), flow(internet, 443, T0 + 6 * HOUR_MS, 10)), b, cfg);
    expect(det.anomalies).toEqual([]);
  });

  it('the same service over its other transport is not a new destination (DNS over TCP when UDP was learned); a new port is', () => {
    const dns: Endpoint = { ...podEp('kube-system', 'coredns', '10.1.9.10'), workload: { namespace: 'kube-system', kind: 'Deployment', name: 'coredns' } };
    const udp = (at: number) => ({ ...flow(dns, 53, at, 200), protocol: 'UDP' as const });
    let base: NetworkBaseline | undefined;
    for (let h = 0; h < 30; h++) base = applyBatch(base, WL, edges(udp(T0 + h * HOUR_MS + 60_000)), `d${h}`, [], cfg);
    const tcp = edges(flow(dns, 53, T0 + 31 * HOUR_MS, 900));
    expect(detectNetworkAnomalies(CLUSTER, WL, tcp, base, cfg).anomalies).toEqual([]);
    const other = edges(flow(dns, 9153, T0 + 31 * HOUR_MS, 900));
    expect(detectNetworkAnomalies(CLUSTER, WL, other, base, cfg).anomalies.flatMap((a) => a.findings.map((f) => f.type))).toEqual([NetworkFinding.newDestination]);
  });

  it('a new internal destination after learning: MEDIUM, stable id, the workload\'s service account, flow evidence and what was normal', () => {
    const b = learned(30);
    const batch = edges(flow(admin, 8443, T0 + 31 * HOUR_MS, 2_000));
    const det = detectNetworkAnomalies(CLUSTER, WL, batch, b, cfg);
    expect(det.anomalies).toHaveLength(1);
    const a = BehaviorAnomaly.parse(det.anomalies[0]);
    expect(a).toMatchObject({
      category: 'network',
      severity: 'MEDIUM',
      principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:recommendation', namespace: 'shop' },
      workload: { namespace: 'shop', pod: rec.pod, serviceAccount: 'recommendation', owner: { kind: 'Deployment', name: 'recommendation' }, labels: { 'app.kubernetes.io/name': 'recommendation' } },
      recommendedActions: ['tighten-egress', 'notify'],
    });
    expect(a.workload?.labels).not.toHaveProperty('pod-template-hash');
    expect(a.findings.map((f) => f.type)).toEqual([NetworkFinding.newDestination]);
    expect(a.findings[0]?.evidence.flows?.[0]).toMatchObject({ src: rec.ip, dst: admin.ip, dstPort: 8443, peer: 'backoffice/Deployment/admin-api' });
    expect(a.findings[0]?.evidence.auditIDs).toBeUndefined();
    expect(a.findings[0]?.evidence.baseline).toContain('shop/Deployment/catalog:3550/TCP');
    // Redelivery re-detects the same anomaly under the same id.
    expect(detectNetworkAnomalies(CLUSTER, WL, batch, b, cfg).anomalies[0]?.id).toBe(a.id);
  });

  it('the canonical anomaly: gigabytes to an admin API never touched is new AND large: HIGH', () => {
    const b = learned(30);
    const burst = Array.from({ length: 40 }, (_, i) => flow(admin, 8443, T0 + 40 * HOUR_MS + i * 60_000, 40_000_000));
    const [a] = detectNetworkAnomalies(CLUSTER, WL, edges(...burst), b, cfg).anomalies;
    expect(a?.severity).toBe('HIGH');
    expect(a?.score).toBe(85); // cross-namespace
    expect(a?.findings.map((f) => f.type).sort()).toEqual([NetworkFinding.volumeSpike, NetworkFinding.newDestination].sort());
    expect(a?.findings.find((f) => f.type === NetworkFinding.volumeSpike)?.description).toMatch(/1\.6 GB/);
  });

  it('first egress to the internet: HIGH; a new network for a workload that already uses the internet: LOW', () => {
    const b = learned(30);
    const [first] = detectNetworkAnomalies(CLUSTER, WL, edges(flow(internet, 443, T0 + 31 * HOUR_MS, 5_000)), b, cfg).anomalies;
    expect(first).toMatchObject({ severity: 'HIGH', findings: [{ type: NetworkFinding.newInternetEgress, mitre: ['T1041', 'T1048'] }] });

    let withInternet: NetworkBaseline | undefined;
    for (let h = 0; h < 30; h++) {
      withInternet = applyBatch(withInternet, WL, edges(flow({ kind: 'external', ip: '203.0.113.9', network: '203.0.113.0/24' }, 443, T0 + h * HOUR_MS, 1000)), `i${h}`, [], cfg);
    }
    const [other] = detectNetworkAnomalies(CLUSTER, WL, edges(flow(internet, 443, T0 + 31 * HOUR_MS, 5_000)), withInternet, cfg).anomalies;
    expect(other).toMatchObject({ severity: 'LOW', findings: [{ type: NetworkFinding.newExternalNetwork }], recommendedActions: ['notify'] });
  });

  it('a volume spike to a known destination, judged against its own hourly rate', () => {
    const b = learned(30, 20_000);
    const quiet = detectNetworkAnomalies(CLUSTER, WL, edges(flow(catalog, 3550, T0 + 31 * HOUR_MS, 40_000)), b, cfg);
    expect(quiet.anomalies).toEqual([]);
    const det = detectNetworkAnomalies(CLUSTER, WL, edges(flow(catalog, 3550, T0 + 31 * HOUR_MS, 50_000_000)), b, cfg);
    expect(det.anomalies).toHaveLength(1);
    expect(det.anomalies[0]).toMatchObject({ severity: 'HIGH', findings: [{ type: NetworkFinding.volumeSpike, mitre: ['T1570'] }] });
    expect(det.anomalies[0]?.findings[0]?.evidence.baseline).toMatch(/Over 29 active hour\(s\).*20\.0 KB per hour/);
    expect(det.alerts).toEqual([{ destination: destinationKey('shop/Deployment/catalog', 3550, 'TCP'), type: NetworkFinding.volumeSpike, at: (Math.floor(T0 / HOUR_MS) + 31) * HOUR_MS, spikeHour: Math.floor(T0 / HOUR_MS) + 31 }]);
  });

  it('bytes already counted in the open hour add up across batches', () => {
    let b = learned(30, 20_000);
    const h = T0 + 31 * HOUR_MS;
    b = applyBatch(b, WL, edges(flow(catalog, 3550, h, 4_000_000)), 'x1', [], cfg);
    const det = detectNetworkAnomalies(CLUSTER, WL, edges(flow(catalog, 3550, h + 60_000, 4_000_000)), b, cfg);
    expect(det.anomalies[0]?.findings[0]?.description).toMatch(/8\.0 MB/);
  });

  it('a recorded alert cools the detector down, and a spike hour stays out of the mean', () => {
    let b = learned(30, 20_000);
    const h = T0 + 31 * HOUR_MS;
    const spike = edges(flow(catalog, 3550, h, 50_000_000));
    const det = detectNetworkAnomalies(CLUSTER, WL, spike, b, cfg);
    b = applyBatch(b, WL, spike, 'spike', det.alerts, cfg);
    const again = detectNetworkAnomalies(CLUSTER, WL, edges(flow(catalog, 3550, h + 2 * HOUR_MS, 50_000_000)), b, cfg);
    expect(again.anomalies).toEqual([]);
    b = applyBatch(b, WL, edges(flow(catalog, 3550, h + 10 * HOUR_MS, 20_000)), 'later', [], cfg);
    expect(b.destinations[destinationKey('shop/Deployment/catalog', 3550, 'TCP')]?.mean).toBeLessThan(100_000);
  });

  it('ignores edges whose source is not a pod', () => {
    const b = new FlowGraphBuilder();
    b.addResolved(flow(admin, 8443, T0 + 40 * HOUR_MS, 1e9), { kind: 'node', ip: '10.20.1.10', node: 'n1' }, admin, 8443);
    expect(detectNetworkAnomalies(CLUSTER, 'node:n1', b.list(), learned(30), cfg).anomalies).toEqual([]);
  });
});
