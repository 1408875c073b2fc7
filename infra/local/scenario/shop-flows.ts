/**
 * A realistic microservice shop on EKS and days of its network flows, seeded and deterministic:
 * the fixture for flow ingestion, network UBA, `netpol advise` and `netpol audit`, and the
 * network part of the demo.
 *
 * - namespace `shop`: ten services (frontend, checkout, cart, redis-cart, catalog, currency,
 *   payment, shipping, email, recommendation), pods labelled as real charts label them
 *   (app.kubernetes.io/name or app, plus pod-template-hash / controller-revision-hash);
 *   payment and shipping serve gRPC on 50051, above the Linux ephemeral range start, so the
 *   lower port is not the service port; currency declares no container port (only its Service
 *   says 7000); email's Service maps 5000 to 8080;
 * - `kube-system`: CoreDNS (`k8s-app: kube-dns`) serving every pod on UDP and TCP 53, and the
 *   VPC resolver upstream;
 * - `monitoring`: Prometheus scraping metrics ports and a host-network node-exporter DaemonSet
 *   on every node's IP;
 * - `backoffice`: an internal admin API and the report worker that is its only client;
 * - outside: an ALB in the VPC sending to the frontend, kubelet probes from each pod's node, an
 *   external payment API and an SMTP relay.
 * Flows are rendered as VPC Flow Logs v2 records (one record per direction), as a custom format
 * with tcp-flags, pkt-* and flow-direction (captured at both interfaces, as VPC-wide flow
 * logs do) and as JSON lines (request and reply lines). The canonical network anomaly is
 * optional: `recommendation` suddenly sending gigabytes to `admin-api`, which it never used.
 */
import type { ClusterInventory, InventoryPod } from '#shared/inventory/cluster';
import type { InventorySnapshot } from '#shared/inventory/resolve';
import { workloadKey, workloadOf } from '#shared/inventory/workload';
import { seededRandom } from './random';

export interface ShopOptions {
  seed?: number;
  /** First day, midnight UTC. */
  start?: string;
  days?: number;
  /** Multiplies every connection rate (the benchmark uses large values). */
  scale?: number;
  /** Add the canonical anomaly; `at` defaults to 14:00 on the last day. */
  anomaly?: boolean | { at?: string; bytesPerConnection?: number; connections?: number };
  /** Roll out `catalog` one day in (new ReplicaSet, new IPs; its old IP is reused by `email`). */
  rollout?: boolean;
  /** Sprinkle NODATA / SKIPDATA / ICMP / REJECT records into the text formats (default true). */
  noise?: boolean;
}

export type Proto = 'TCP' | 'UDP';

export interface ShopConnection {
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  /** The address the client dialled: a Service ClusterIP for in-cluster calls by name. */
  dialled: string;
  dialledPort: number;
  protocol: Proto;
  bytesOut: number;
  bytesIn: number;
  packetsOut: number;
  packetsIn: number;
  start: number;
  end: number;
  /** Edge label, e.g. `shop/frontend -> shop/catalog`. */
  label: string;
  anomalous: boolean;
}

export interface ExpectedEdge {
  src: string;
  dst: string;
  port: number;
  protocol: Proto;
}

export interface ShopScenario {
  start: number;
  end: number;
  inventory: ClusterInventory;
  snapshots: InventorySnapshot[];
  connections: ShopConnection[];
  /** The workload-level edges the benign app uses (peer keys as in the flow graph). */
  expectedEdges: ExpectedEdge[];
  anomaly?: { src: string; dst: string; port: number; start: number; end: number; bytes: number };
  vpcCidr: string;
  noise: boolean;
  seed: number;
}

export const SHOP_VPC_CIDR = '10.20.0.0/16';
export const SHOP_ACCOUNT = '123456789012';
export const SHOP_CUSTOM_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes',
  'start', 'end', 'action', 'log-status', 'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr',
  'pkt-dstaddr', 'flow-direction',
] as const;

interface PortSpec {
  name: string;
  port: number;
  protocol: Proto;
}

interface WorkloadSpec {
  ns: string;
  name: string;
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  labels: Record<string, string>;
  replicas: number;
  ports: PortSpec[];
  declarePorts?: boolean;
  hostNetwork?: boolean;
  /** Service: name, ClusterIP, port → target. */
  service?: { ip: string; ports: Array<{ name: string; port: number; targetPort: number | string; protocol: Proto }> };
  hash: string;
}

const NODES = [
  { name: 'ip-10-20-1-10.ec2.internal', ip: '10.20.1.10', eni: 'eni-0a1b2c3d4e5f60001', subnet: 'subnet-0aa1', instance: 'i-0f1e2d3c4b5a60001' },
  { name: 'ip-10-20-2-10.ec2.internal', ip: '10.20.2.10', eni: 'eni-0a1b2c3d4e5f60002', subnet: 'subnet-0aa2', instance: 'i-0f1e2d3c4b5a60002' },
  { name: 'ip-10-20-3-10.ec2.internal', ip: '10.20.3.10', eni: 'eni-0a1b2c3d4e5f60003', subnet: 'subnet-0aa3', instance: 'i-0f1e2d3c4b5a60003' },
];
const ALB_IPS = ['10.20.100.10', '10.20.101.10'];
const ALB_ENI = 'eni-0a1b2c3d4e5f600a1';
const VPC_RESOLVER = '10.20.0.2';
export const PAYMENT_API = ['203.0.113.10', '203.0.113.11'];
export const SMTP_RELAY = '198.51.100.25';
const SCANNER = '45.155.205.233';

const shopLabels = (name: string): Record<string, string> => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'shop' });
const http = (port: number, name = 'http'): PortSpec => ({ name, port, protocol: 'TCP' });
const metrics: PortSpec = { name: 'metrics', port: 9090, protocol: 'TCP' };

const WORKLOADS: WorkloadSpec[] = [
  { ns: 'shop', name: 'frontend', kind: 'Deployment', labels: shopLabels('frontend'), replicas: 2, ports: [http(8080), metrics], hash: '7c9f6d5b8',
    service: { ip: '172.20.10.1', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] } },
  { ns: 'shop', name: 'checkout', kind: 'Deployment', labels: shopLabels('checkout'), replicas: 1, ports: [http(5050, 'grpc'), metrics], hash: '6d9f7c8b5',
    service: { ip: '172.20.10.2', ports: [{ name: 'grpc', port: 5050, targetPort: 5050, protocol: 'TCP' }] } },
  { ns: 'shop', name: 'cart', kind: 'Deployment', labels: shopLabels('cart'), replicas: 2, ports: [http(7070, 'grpc')], hash: '5b8c9d7f6',
    service: { ip: '172.20.10.3', ports: [{ name: 'grpc', port: 7070, targetPort: 7070, protocol: 'TCP' }] } },
  { ns: 'shop', name: 'redis-cart', kind: 'StatefulSet', labels: { app: 'redis-cart', tier: 'cache' }, replicas: 1, ports: [http(6379, 'redis')], hash: 'redis-cart-5d8f7b9c6d',
    service: { ip: '172.20.10.4', ports: [{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }] } },
  { ns: 'shop', name: 'catalog', kind: 'Deployment', labels: shopLabels('catalog'), replicas: 2, ports: [http(3550, 'grpc')], hash: '8f7b6c5d9',
    service: { ip: '172.20.10.5', ports: [{ name: 'grpc', port: 3550, targetPort: 3550, protocol: 'TCP' }] } },
  { ns: 'shop', name: 'currency', kind: 'Deployment', labels: shopLabels('currency'), replicas: 1, ports: [http(7000, 'grpc')], declarePorts: false, hash: '4c6d8f9b7',
    service: { ip: '172.20.10.6', ports: [{ name: 'grpc', port: 7000, targetPort: 7000, protocol: 'TCP' }] } },
  { ns: 'shop', name: 'payment', kind: 'Deployment', labels: shopLabels('payment'), replicas: 1, ports: [http(50051, 'grpc')], hash: '9d7f5b6c8',
    service: { ip: '172.20.10.7', ports: [{ name: 'grpc', port: 50051, targetPort: 50051, protocol: 'TCP' }] } },
  { ns: 'shop', name: 'shipping', kind: 'Deployment', labels: shopLabels('shipping'), replicas: 1, ports: [http(50051, 'grpc')], hash: '6b8d9c7f5',
    service: { ip: '172.20.10.8', ports: [{ name: 'grpc', port: 50051, targetPort: 50051, protocol: 'TCP' }] } },
  { ns: 'shop', name: 'email', kind: 'Deployment', labels: shopLabels('email'), replicas: 1, ports: [http(8080)], hash: '7f5c6d8b9',
    service: { ip: '172.20.10.9', ports: [{ name: 'http', port: 5000, targetPort: 8080, protocol: 'TCP' }] } },
  { ns: 'shop', name: 'recommendation', kind: 'Deployment', labels: shopLabels('recommendation'), replicas: 1, ports: [http(8080)], hash: '5c7d9f6b8',
    service: { ip: '172.20.10.10', ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }] } },
  { ns: 'backoffice', name: 'admin-api', kind: 'Deployment', labels: { 'app.kubernetes.io/name': 'admin-api', 'app.kubernetes.io/component': 'api' }, replicas: 1,
    ports: [http(8443, 'https')], hash: '8b6c7d5f9', service: { ip: '172.20.20.1', ports: [{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] } },
  { ns: 'backoffice', name: 'report-worker', kind: 'Deployment', labels: { 'app.kubernetes.io/name': 'report-worker' }, replicas: 1, ports: [], hash: '9c8d7b6f5' },
  { ns: 'monitoring', name: 'prometheus', kind: 'StatefulSet', labels: { 'app.kubernetes.io/name': 'prometheus' }, replicas: 1, ports: [http(9090, 'web')], hash: 'prometheus-6f8d9c7b5',
    service: { ip: '172.20.30.1', ports: [{ name: 'web', port: 9090, targetPort: 9090, protocol: 'TCP' }] } },
  { ns: 'monitoring', name: 'node-exporter', kind: 'DaemonSet', labels: { 'app.kubernetes.io/name': 'node-exporter' }, replicas: 3, ports: [http(9100, 'metrics')],
    hostNetwork: true, hash: 'node-exporter-7d9b8c6f5' },
  { ns: 'kube-system', name: 'coredns', kind: 'Deployment', labels: { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' }, replicas: 2,
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }], hash: '5d8b7c9f6',
    service: { ip: '172.20.0.10', ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' }] } },
];

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function podSuffix(r: () => number): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_CHARS[Math.floor(r() * SUFFIX_CHARS.length)];
  return s;
}

interface BuiltPod {
  spec: WorkloadSpec;
  pod: InventoryPod;
  node: (typeof NODES)[number];
}

function buildPods(r: () => number, catalogGeneration: 0 | 1): BuiltPod[] {
  const out: BuiltPod[] = [];
  const nextHost = [20, 20, 20];
  WORKLOADS.forEach((w, wi) => {
    for (let i = 0; i < w.replicas; i++) {
      const nodeIndex = w.kind === 'DaemonSet' ? i : (wi + i) % NODES.length;
      const node = NODES[nodeIndex] as (typeof NODES)[number];
      const labels: Record<string, string> = { ...w.labels };
      let name: string;
      let owner: { kind: string; name: string };
      const hash = w.name === 'catalog' && catalogGeneration === 1 ? '6c5d9f8b7' : w.hash;
      if (w.kind === 'Deployment') {
        labels['pod-template-hash'] = hash;
        name = `${w.name}-${hash}-${podSuffix(r)}`;
        owner = { kind: 'ReplicaSet', name: `${w.name}-${hash}` };
      } else if (w.kind === 'StatefulSet') {
        labels['controller-revision-hash'] = w.hash;
        labels['statefulset.kubernetes.io/pod-name'] = `${w.name}-${i}`;
        name = `${w.name}-${i}`;
        owner = { kind: 'StatefulSet', name: w.name };
      } else {
        labels['controller-revision-hash'] = w.hash.split('-').pop() as string;
        labels['pod-template-generation'] = '1';
        name = `${w.name}-${podSuffix(r)}`;
        owner = { kind: 'DaemonSet', name: w.name };
      }
      let ip: string;
      if (w.hostNetwork) ip = node.ip;
      else {
        const host = nextHost[nodeIndex] as number;
        nextHost[nodeIndex] = host + 1;
        ip = `10.20.${nodeIndex + 1}.${host}`;
      }
      out.push({
        spec: w,
        node,
        pod: {
          namespace: w.ns,
          name,
          ip,
          labels,
          serviceAccount: w.name,
          owner,
          hostNetwork: w.hostNetwork ?? false,
          nodeName: node.name,
          hostIP: node.ip,
          ports: w.declarePorts === false ? [] : w.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
        },
      });
    }
  });
  if (catalogGeneration === 1) {
    // The rollout: new catalog pods get fresh addresses, and email moves onto an old catalog IP.
    const catalog = out.filter((p) => p.spec.name === 'catalog');
    const email = out.find((p) => p.spec.name === 'email') as BuiltPod;
    const oldIp = catalog[0]?.pod.ip as string;
    catalog.forEach((c, i) => (c.pod.ip = `10.20.${(i % 3) + 1}.${90 + i}`));
    email.pod.ip = oldIp;
    email.pod.name = `email-${email.spec.hash}-${podSuffix(r)}`;
  }
  return out;
}

function inventoryOf(pods: BuiltPod[]): ClusterInventory {
  const namespaces = ['backoffice', 'default', 'kube-system', 'monitoring', 'shop'].map((name) => ({
    name,
    labels: { 'kubernetes.io/metadata.name': name, ...(name === 'shop' ? { team: 'shop' } : {}) },
  }));
  const services = WORKLOADS.filter((w) => w.service).map((w) => ({
    namespace: w.ns,
    name: w.name === 'coredns' ? 'kube-dns' : w.name,
    type: 'ClusterIP',
    clusterIP: w.service?.ip,
    selector: w.name === 'redis-cart' ? { app: 'redis-cart' } : w.labels,
    ports: (w.service?.ports ?? []).map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
  }));
  return {
    namespaces,
    pods: pods.map((p) => p.pod),
    services,
    nodes: NODES.map((n) => ({ name: n.name, ip: n.ip, labels: { 'kubernetes.io/hostname': n.name, 'topology.kubernetes.io/zone': `us-east-1${'abc'[NODES.indexOf(n)]}` } })),
  };
}

interface CallSpec {
  from: string;
  to: string | { ips: string[]; peer: string };
  port: number;
  protocol: Proto;
  perHour: number;
  req: number;
  resp: number;
  /** Dial through the Service ClusterIP (and its port) rather than a pod. */
  viaService?: boolean;
}

const CALLS: CallSpec[] = [
  { from: 'shop/frontend', to: 'shop/catalog', port: 3550, protocol: 'TCP', perHour: 40, req: 900, resp: 24_000, viaService: true },
  { from: 'shop/frontend', to: 'shop/currency', port: 7000, protocol: 'TCP', perHour: 30, req: 400, resp: 1_200, viaService: true },
  { from: 'shop/frontend', to: 'shop/cart', port: 7070, protocol: 'TCP', perHour: 20, req: 600, resp: 2_000, viaService: true },
  { from: 'shop/frontend', to: 'shop/recommendation', port: 8080, protocol: 'TCP', perHour: 15, req: 700, resp: 3_000, viaService: true },
  { from: 'shop/frontend', to: 'shop/shipping', port: 50051, protocol: 'TCP', perHour: 6, req: 500, resp: 900, viaService: true },
  { from: 'shop/frontend', to: 'shop/checkout', port: 5050, protocol: 'TCP', perHour: 5, req: 2_500, resp: 1_500, viaService: true },
  { from: 'shop/checkout', to: 'shop/cart', port: 7070, protocol: 'TCP', perHour: 5, req: 600, resp: 2_000 },
  { from: 'shop/checkout', to: 'shop/catalog', port: 3550, protocol: 'TCP', perHour: 5, req: 900, resp: 8_000 },
  { from: 'shop/checkout', to: 'shop/currency', port: 7000, protocol: 'TCP', perHour: 5, req: 400, resp: 1_200 },
  { from: 'shop/checkout', to: 'shop/shipping', port: 50051, protocol: 'TCP', perHour: 5, req: 500, resp: 900 },
  { from: 'shop/checkout', to: 'shop/payment', port: 50051, protocol: 'TCP', perHour: 5, req: 1_200, resp: 600 },
  { from: 'shop/checkout', to: 'shop/email', port: 8080, protocol: 'TCP', perHour: 5, req: 3_000, resp: 300, viaService: true },
  { from: 'shop/cart', to: 'shop/redis-cart', port: 6379, protocol: 'TCP', perHour: 25, req: 300, resp: 1_500 },
  { from: 'shop/recommendation', to: 'shop/catalog', port: 3550, protocol: 'TCP', perHour: 15, req: 900, resp: 20_000 },
  { from: 'shop/payment', to: { ips: PAYMENT_API, peer: 'ext:203.0.113.0/24' }, port: 443, protocol: 'TCP', perHour: 5, req: 4_000, resp: 6_000 },
  { from: 'shop/email', to: { ips: [SMTP_RELAY], peer: 'ext:198.51.100.0/24' }, port: 587, protocol: 'TCP', perHour: 5, req: 9_000, resp: 1_000 },
  { from: 'backoffice/report-worker', to: 'backoffice/admin-api', port: 8443, protocol: 'TCP', perHour: 3, req: 2_000, resp: 150_000 },
  { from: 'backoffice/report-worker', to: 'shop/catalog', port: 3550, protocol: 'TCP', perHour: 2, req: 900, resp: 200_000 },
  { from: 'monitoring/prometheus', to: 'shop/frontend', port: 9090, protocol: 'TCP', perHour: 6, req: 300, resp: 30_000 },
  { from: 'monitoring/prometheus', to: 'shop/checkout', port: 9090, protocol: 'TCP', perHour: 6, req: 300, resp: 30_000 },
  { from: 'monitoring/prometheus', to: 'monitoring/node-exporter', port: 9100, protocol: 'TCP', perHour: 6, req: 300, resp: 60_000 },
  { from: 'kube-system/coredns', to: { ips: [VPC_RESOLVER], peer: `vpc:${VPC_RESOLVER}` }, port: 53, protocol: 'UDP', perHour: 20, req: 80, resp: 200 },
];

/** Every pod that resolves names asks CoreDNS; a few answers are too large for UDP and retry over TCP. */
const DNS_CLIENTS = ['shop/frontend', 'shop/checkout', 'shop/cart', 'shop/recommendation', 'shop/payment', 'shop/email', 'backoffice/report-worker', 'monitoring/prometheus'];

function poisson(r: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(r)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k += 1;
    p *= r();
  } while (p > l);
  return k - 1;
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Busier in the afternoon, quiet at night. */
function diurnal(hourOfDay: number): number {
  return 0.6 + 0.4 * Math.cos((2 * Math.PI * (hourOfDay - 14)) / 24);
}

/** Builds the scenario; the same options always give the same result. */
export function shopScenario(opts: ShopOptions = {}): ShopScenario {
  const seed = opts.seed ?? 5;
  const r = seededRandom(seed);
  const start = Date.parse(opts.start ?? '2025-03-03T00:00:00.000Z');
  const days = opts.days ?? 3;
  const end = start + days * DAY;
  const scale = opts.scale ?? 1;
  const gen0 = buildPods(seededRandom(seed + 1), 0);
  const snapshots: InventorySnapshot[] = [{ takenAt: start, inventory: inventoryOf(gen0) }];
  const rolloutAt = start + DAY;
  const gen1 = opts.rollout ? buildPods(seededRandom(seed + 1), 1) : undefined;
  if (gen1) snapshots.push({ takenAt: rolloutAt, inventory: inventoryOf(gen1) });
  const podsAt = (t: number): BuiltPod[] => (gen1 && t >= rolloutAt ? gen1 : gen0);
  const byWorkload = (pods: BuiltPod[], key: string) => pods.filter((p) => `${p.spec.ns}/${p.spec.name}` === key);
  const wkey = (p: BuiltPod) => workloadKey(workloadOf(p.pod));

  const connections: ShopConnection[] = [];
  const expected = new Map<string, ExpectedEdge>();
  const expect = (e: ExpectedEdge) => expected.set(`${e.src}>${e.dst}#${e.port}#${e.protocol}`, e);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const size = (mean: number) => Math.max(60, Math.round(mean * Math.exp(0.35 * gaussian(r))));
  const ephemeral = () => 32768 + Math.floor(r() * (60999 - 32768));

  const connect = (
    client: string,
    server: string,
    serverPort: number,
    protocol: Proto,
    req: number,
    resp: number,
    t: number,
    label: string,
    dialled = server,
    dialledPort = serverPort,
    anomalous = false,
  ) => {
    const bytesOut = size(req);
    const bytesIn = size(resp);
    const startMs = t + Math.floor(r() * (HOUR - 60_000));
    const duration = protocol === 'UDP' ? 1000 : 1000 + Math.floor(r() * 20_000);
    connections.push({
      client, clientPort: ephemeral(), server, serverPort, dialled, dialledPort, protocol, bytesOut, bytesIn,
      packetsOut: 2 + Math.ceil(bytesOut / 1400), packetsIn: 2 + Math.ceil(bytesIn / 1400),
      start: Math.floor(startMs / 1000) * 1000, end: Math.floor((startMs + duration) / 1000) * 1000, label, anomalous,
    });
  };

  for (let t = start; t < end; t += HOUR) {
    const pods = podsAt(t);
    const factor = diurnal(new Date(t).getUTCHours()) * scale;
    for (const call of CALLS) {
      const clients = byWorkload(pods, call.from);
      const n = poisson(r, call.perHour * factor);
      for (let i = 0; i < n; i++) {
        const c = pick(clients);
        if (typeof call.to === 'string') {
          const targets = byWorkload(pods, call.to);
          const s = pick(targets);
          const spec = s.spec;
          const svcPort = spec.service?.ports.find((p) => p.targetPort === call.port || spec.ports.some((q) => q.name === p.targetPort && q.port === call.port));
          const viaSvc = call.viaService && spec.service && svcPort;
          const dstIp = s.pod.ip;
          connect(c.pod.ip, dstIp, call.port, call.protocol, call.req, call.resp, t, `${call.from} -> ${call.to}`,
            viaSvc ? spec.service?.ip : dstIp, viaSvc ? svcPort.port : call.port);
          expect({ src: wkey(c), dst: wkey(s), port: call.port, protocol: call.protocol });
        } else {
          connect(c.pod.ip, pick(call.to.ips), call.port, call.protocol, call.req, call.resp, t, `${call.from} -> ${call.to.peer}`);
          expect({ src: wkey(c), dst: call.to.peer, port: call.port, protocol: call.protocol });
        }
      }
    }
    // DNS through the kube-dns Service.
    const dns = byWorkload(pods, 'kube-system/coredns');
    for (const from of DNS_CLIENTS) {
      for (const c of byWorkload(pods, from)) {
        const n = poisson(r, 8 * factor);
        for (let i = 0; i < n; i++) {
          const s = pick(dns);
          const tcp = r() < 0.05;
          connect(c.pod.ip, s.pod.ip, 53, tcp ? 'TCP' : 'UDP', 80, tcp ? 1_800 : 200, t, `${from} -> kube-system/coredns`, '172.20.0.10', 53);
          expect({ src: wkey(c), dst: wkey(s), port: 53, protocol: tcp ? 'TCP' : 'UDP' });
        }
      }
    }
    // Load balancer → frontend, and kubelet probes from each frontend pod's own node.
    for (const fe of byWorkload(pods, 'shop/frontend')) {
      for (let i = poisson(r, 30 * factor); i > 0; i--) {
        const alb = pick(ALB_IPS);
        connect(alb, fe.pod.ip, 8080, 'TCP', 1_500, 40_000, t, 'alb -> shop/frontend');
        expect({ src: `vpc:${alb}`, dst: wkey(fe), port: 8080, protocol: 'TCP' });
      }
      for (let i = 0; i < 6; i++) {
        connect(fe.node.ip, fe.pod.ip, 8080, 'TCP', 150, 200, t, 'kubelet -> shop/frontend');
        expect({ src: `node:${fe.node.name}`, dst: wkey(fe), port: 8080, protocol: 'TCP' });
      }
    }
  }

  let anomaly: ShopScenario['anomaly'];
  if (opts.anomaly) {
    const a = typeof opts.anomaly === 'object' ? opts.anomaly : {};
    const at = a.at ? Date.parse(a.at) : start + (days - 1) * DAY + 14 * HOUR;
    const pods = podsAt(at);
    const rec = byWorkload(pods, 'shop/recommendation')[0] as BuiltPod;
    const admin = byWorkload(pods, 'backoffice/admin-api')[0] as BuiltPod;
    const count = a.connections ?? 60;
    const per = a.bytesPerConnection ?? 40_000_000;
    for (let i = 0; i < count; i++) {
      const t0 = at + Math.floor((i * 40 * 60_000) / count);
      connections.push({
        client: rec.pod.ip, clientPort: ephemeral(), server: admin.pod.ip, serverPort: 8443, dialled: admin.pod.ip, dialledPort: 8443,
        protocol: 'TCP', bytesOut: per, bytesIn: 2_000, packetsOut: Math.ceil(per / 1400), packetsIn: 40,
        start: t0, end: t0 + 30_000, label: 'shop/recommendation -> backoffice/admin-api', anomalous: true,
      });
    }
    anomaly = { src: wkey(rec), dst: wkey(admin), port: 8443, start: at, end: at + 40 * 60_000 + 30_000, bytes: count * per };
  }
  connections.sort((x, y) => x.start - y.start || (x.client < y.client ? -1 : x.client > y.client ? 1 : x.clientPort - y.clientPort));
  return {
    start, end, inventory: snapshots[snapshots.length - 1]?.inventory as ClusterInventory, snapshots, connections,
    expectedEdges: [...expected.values()].sort((x, y) => (`${x.src}>${x.dst}#${x.port}#${x.protocol}` < `${y.src}>${y.dst}#${y.port}#${y.protocol}` ? -1 : 1)),
    ...(anomaly ? { anomaly } : {}), vpcCidr: SHOP_VPC_CIDR, noise: opts.noise ?? true, seed,
  };
}

const PROTO_NUMBER: Record<Proto, number> = { TCP: 6, UDP: 17 };

function eniOf(ip: string, inv: ClusterInventory): { eni: string; subnet: string; instance: string } | undefined {
  if (ALB_IPS.includes(ip)) return { eni: ALB_ENI, subnet: 'subnet-0bb1', instance: '-' };
  const pod = inv.pods.find((p) => p.ip === ip);
  const node = NODES.find((n) => n.ip === ip || n.name === pod?.nodeName);
  return node ? { eni: node.eni, subnet: node.subnet, instance: node.instance } : undefined;
}

const sec = (ms: number) => Math.floor(ms / 1000);

/** Noise lines every few hours: NODATA, SKIPDATA, an ICMP echo, a scanner REJECTed at a node. */
function noiseV2(s: ShopScenario): Array<{ t: number; line: string }> {
  const out: Array<{ t: number; line: string }> = [];
  for (let t = s.start; t < s.end; t += 6 * HOUR) {
    const node = NODES[Math.floor((t - s.start) / (6 * HOUR)) % NODES.length] as (typeof NODES)[number];
    out.push({ t, line: `2 ${SHOP_ACCOUNT} ${node.eni} - - - - - - - ${sec(t)} ${sec(t) + 60} - NODATA` });
    out.push({ t: t + 1000, line: `2 ${SHOP_ACCOUNT} ${node.eni} - - - - - - - ${sec(t)} ${sec(t) + 60} - SKIPDATA` });
    out.push({ t: t + 2000, line: `2 ${SHOP_ACCOUNT} ${node.eni} ${VPC_RESOLVER} ${node.ip} 0 0 1 1 84 ${sec(t) + 2} ${sec(t) + 3} ACCEPT OK` });
    out.push({ t: t + 3000, line: `2 ${SHOP_ACCOUNT} ${node.eni} ${SCANNER} ${node.ip} 51234 22 6 1 44 ${sec(t) + 3} ${sec(t) + 4} REJECT OK` });
  }
  return out;
}

/** VPC Flow Logs default (v2) records, one per direction per connection, ordered by time, no header. */
export function toVpcV2(s: ShopScenario): string[] {
  const lines: Array<{ t: number; line: string }> = [];
  const inv = s.inventory;
  for (const c of s.connections) {
    const inv2 = invAt(s, c.start);
    const eni = (eniOf(c.client, inv2) ?? eniOf(c.server, inv2) ?? eniOf(c.client, inv))?.eni ?? 'eni-unknown';
    const p = PROTO_NUMBER[c.protocol];
    lines.push({ t: c.start, line: `2 ${SHOP_ACCOUNT} ${eni} ${c.client} ${c.server} ${c.clientPort} ${c.serverPort} ${p} ${c.packetsOut} ${c.bytesOut} ${sec(c.start)} ${sec(c.end)} ACCEPT OK` });
    lines.push({ t: c.start, line: `2 ${SHOP_ACCOUNT} ${eni} ${c.server} ${c.client} ${c.serverPort} ${c.clientPort} ${p} ${c.packetsIn} ${c.bytesIn} ${sec(c.start)} ${sec(c.end)} ACCEPT OK` });
  }
  if (s.noise) lines.push(...noiseV2(s));
  return lines.sort((a, b) => a.t - b.t).map((l) => l.line);
}

function invAt(s: ShopScenario, t: number): ClusterInventory {
  let inv = s.snapshots[0]?.inventory as ClusterInventory;
  for (const snap of s.snapshots) if (snap.takenAt <= t) inv = snap.inventory;
  return inv;
}

/**
 * A custom format with tcp-flags, pkt-* and flow-direction, as VPC-wide flow logs record it:
 * each direction at the sender's interface (egress) and at the receiver's (ingress). The first
 * line is the header, as in files delivered to S3; `header: false` gives CloudWatch-style lines.
 */
export function toVpcCustom(s: ShopScenario, opts: { header?: boolean } = {}): string[] {
  const lines: Array<{ t: number; line: string }> = [];
  for (const c of s.connections) {
    const inv = invAt(s, c.start);
    const p = PROTO_NUMBER[c.protocol];
    // Short connections: SYN|FIN (3) from the client, SYN-ACK|FIN (19) from the server; UDP has none.
    const flagsOut = c.protocol === 'TCP' ? 3 : 0;
    const flagsIn = c.protocol === 'TCP' ? 19 : 0;
    const dirs = [
      { from: c.client, to: c.server, fp: c.clientPort, tp: c.serverPort, packets: c.packetsOut, bytes: c.bytesOut, flags: flagsOut },
      { from: c.server, to: c.client, fp: c.serverPort, tp: c.clientPort, packets: c.packetsIn, bytes: c.bytesIn, flags: flagsIn },
    ];
    for (const d of dirs) {
      for (const [at, direction] of [[d.from, 'egress'], [d.to, 'ingress']] as const) {
        const eni = eniOf(at, inv);
        if (!eni) continue; // outside the VPC: nobody logs it there
        lines.push({
          t: c.start,
          line: `5 ${SHOP_ACCOUNT} ${eni.eni} ${d.from} ${d.to} ${d.fp} ${d.tp} ${p} ${d.packets} ${d.bytes} ${sec(c.start)} ${sec(c.end)} ACCEPT OK vpc-0c0ffee0 ${eni.subnet} ${eni.instance} ${d.flags} IPv4 ${d.from} ${d.to} ${direction}`,
        });
      }
    }
  }
  if (s.noise) {
    for (let t = s.start; t < s.end; t += 6 * HOUR) {
      const node = NODES[0] as (typeof NODES)[number];
      lines.push({ t, line: `5 ${SHOP_ACCOUNT} ${node.eni} - - - - - - - ${sec(t)} ${sec(t) + 60} - NODATA vpc-0c0ffee0 ${node.subnet} ${node.instance} - - - - -` });
    }
  }
  const body = lines.sort((a, b) => a.t - b.t).map((l) => l.line);
  return opts.header === false ? body : [SHOP_CUSTOM_FIELDS.join(' '), ...body];
}

/**
 * JSON lines (README.md#flow-ingestion): a request line per connection, to the address the client dialled
 * (a Service ClusterIP for calls by name), and a reply line in the opposite direction, as
 * per-direction exporters write them.
 */
export function toJsonLines(s: ShopScenario): string[] {
  const out: string[] = [];
  for (const c of s.connections) {
    const startIso = new Date(c.start).toISOString();
    const endIso = new Date(c.end).toISOString();
    out.push(JSON.stringify({ src: c.client, dst: c.dialled, dstPort: c.dialledPort, protocol: c.protocol, bytes: c.bytesOut, packets: c.packetsOut, start: startIso, end: endIso }));
    out.push(JSON.stringify({ src: c.dialled, dst: c.client, dstPort: c.clientPort, protocol: c.protocol, bytes: c.bytesIn, packets: c.packetsIn, start: startIso, end: endIso }));
  }
  return out;
}
