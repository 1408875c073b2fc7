import type { z } from 'zod';
import { ClusterInventory, type InventoryPod } from '#shared/inventory/cluster';
import { CidrSet, networkOf } from '#shared/inventory/net';
import { InventoryTimeline, timelineOf } from '#shared/inventory/resolve';
import { parseWorkloadKey, workloadKey, workloadOf, workloadSelector } from '#shared/inventory/workload';

const T0 = Date.parse('2024-05-01T00:00:00Z');
const HOUR = 3_600_000;

function pod(name: string, ip: string, extra: Partial<InventoryPod> = {}): InventoryPod {
  return { namespace: 'shop', name, ip, labels: {}, hostNetwork: false, ports: [], ...extra };
}

const inv = (pods: InventoryPod[], more: Omit<z.input<typeof ClusterInventory>, 'namespaces' | 'pods'> = {}): ClusterInventory =>
  ClusterInventory.parse({ namespaces: [{ name: 'shop' }, { name: 'kube-system' }], pods, ...more });

describe('workload identity', () => {
  it.each([
    ['a ReplicaSet with the pod-template-hash label', { owner: { kind: 'ReplicaSet', name: 'checkout-6d9f7c8b5' }, labels: { 'pod-template-hash': '6d9f7c8b5' } }, 'shop/Deployment/checkout'],
    ['a ReplicaSet without the label (hash suffix)', { owner: { kind: 'ReplicaSet', name: 'cart-5b8c9d7f6' } }, 'shop/Deployment/cart'],
    ['a ReplicaSet that is not a Deployment\'s', { owner: { kind: 'ReplicaSet', name: 'legacy' } }, 'shop/ReplicaSet/legacy'],
    ['a StatefulSet', { owner: { kind: 'StatefulSet', name: 'redis-cart' } }, 'shop/StatefulSet/redis-cart'],
    ['a DaemonSet', { owner: { kind: 'DaemonSet', name: 'node-exporter' } }, 'shop/DaemonSet/node-exporter'],
    ['a CronJob\'s Job', { owner: { kind: 'Job', name: 'nightly-report-28573920' } }, 'shop/CronJob/nightly-report'],
    ['a plain Job', { owner: { kind: 'Job', name: 'migrate' } }, 'shop/Job/migrate'],
    ['no owner, app.kubernetes.io/name', { labels: { 'app.kubernetes.io/name': 'debug', app: 'other' } }, 'shop/App/debug'],
    ['no owner, app', { labels: { app: 'tools' } }, 'shop/App/tools'],
    ['no owner, no label', {}, 'shop/Pod/p'],
  ])('%s', (_case, extra, key) => {
    expect(workloadKey(workloadOf(pod('p', '10.0.0.1', extra as Partial<InventoryPod>)))).toBe(key);
  });

  it('keys round-trip', () => {
    expect(parseWorkloadKey('shop/Deployment/checkout')).toEqual({ namespace: 'shop', kind: 'Deployment', name: 'checkout' });
    expect(parseWorkloadKey('node:ip-1')).toBeUndefined();
  });
});

describe('workload selectors', () => {
  const rs = (name: string, hash: string) => ({ owner: { kind: 'ReplicaSet', name: `${name}-${hash}` } });
  it('prefer app.kubernetes.io/name and never a per-rollout label', () => {
    const pods = [
      pod('checkout-a', '10.0.0.1', { ...rs('checkout', '6d9f7c8b5'), labels: { 'app.kubernetes.io/name': 'checkout', app: 'co', 'pod-template-hash': '6d9f7c8b5' } }),
      pod('checkout-b', '10.0.0.2', { ...rs('checkout', '6d9f7c8b5'), labels: { 'app.kubernetes.io/name': 'checkout', app: 'co', 'pod-template-hash': '6d9f7c8b5' } }),
      pod('cart-a', '10.0.0.3', { ...rs('cart', '5b8c9d7f6'), labels: { 'app.kubernetes.io/name': 'cart', 'pod-template-hash': '5b8c9d7f6' } }),
    ];
    expect(workloadSelector(workloadOf(pods[0] as InventoryPod), pods)).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'checkout' }, alsoSelects: [], basis: 'identity-label' });
  });

  it('then app', () => {
    const pods = [pod('redis-0', '10.0.0.1', { owner: { kind: 'StatefulSet', name: 'redis' }, labels: { app: 'redis', 'controller-revision-hash': 'redis-5d8f', 'statefulset.kubernetes.io/pod-name': 'redis-0' } })];
    expect(workloadSelector(workloadOf(pods[0] as InventoryPod), pods).matchLabels).toEqual({ app: 'redis' });
  });

  it('adds a disambiguating label when two workloads share a name label', () => {
    const pods = [
      pod('api-a', '10.0.0.1', { ...rs('shop-api', '6d9f7c8b5'), labels: { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'api' } }),
      pod('web-a', '10.0.0.2', { ...rs('shop-web', '5b8c9d7f6'), labels: { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'web' } }),
    ];
    expect(workloadSelector(workloadOf(pods[0] as InventoryPod), pods)).toMatchObject({
      matchLabels: { 'app.kubernetes.io/component': 'api', 'app.kubernetes.io/name': 'shop' },
      basis: 'identity-label+disambiguator',
    });
  });

  it('falls back to the stable labels the pods share, and reports any overlap left', () => {
    const pods = [
      pod('a-1', '10.0.0.1', { ...rs('a', '6d9f7c8b5'), labels: { team: 'x', tier: 'web', 'pod-template-hash': '6d9f7c8b5' } }),
      pod('b-1', '10.0.0.2', { ...rs('b', '5b8c9d7f6'), labels: { team: 'x', tier: 'web', 'pod-template-hash': '5b8c9d7f6' } }),
    ];
    expect(workloadSelector(workloadOf(pods[0] as InventoryPod), pods)).toEqual({ matchLabels: { team: 'x', tier: 'web' }, alsoSelects: ['shop/b-1'], basis: 'common-labels' });
  });
});

describe('address resolution', () => {
  const base = inv(
    [
      pod('checkout-1', '10.1.0.5', { owner: { kind: 'ReplicaSet', name: 'checkout-6d9f7c8b5' }, labels: { app: 'checkout', 'pod-template-hash': '6d9f7c8b5' }, serviceAccount: 'checkout', ports: [{ name: 'grpc', port: 5050, protocol: 'TCP' }] }),
      pod('email-1', '10.1.0.6', { labels: { app: 'email' }, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }),
      pod('agent-1', '10.20.1.10', { namespace: 'kube-system', hostNetwork: true, hostIP: '10.20.1.10', nodeName: 'node-1', owner: { kind: 'DaemonSet', name: 'agent' }, ports: [{ name: 'metrics', port: 9100, protocol: 'TCP' }] }),
    ],
    {
      services: [
        { namespace: 'shop', name: 'email', clusterIP: '172.20.0.9', selector: { app: 'email' }, ports: [{ name: 'smtp', port: 5000, targetPort: 'http', protocol: 'TCP' }] },
        { namespace: 'shop', name: 'checkout', clusterIP: '172.20.0.7', selector: { app: 'checkout' }, ports: [{ port: 5050, protocol: 'TCP' }] },
      ],
      nodes: [{ name: 'node-1', ip: '10.20.1.10' }],
    },
  );
  const tl = timelineOf(base, { vpcCidrs: ['10.0.0.0/8'] });

  it('resolves a pod IP to the pod and its workload', () => {
    const r = tl.resolve('10.1.0.5', T0);
    expect(r.endpoint).toMatchObject({ kind: 'pod', pod: 'checkout-1', serviceAccount: 'checkout', workload: { kind: 'Deployment', name: 'checkout' } });
  });

  it('resolves a ClusterIP to a backend pod and maps a named target port', () => {
    const r = tl.resolve('172.20.0.9', T0, 5000, 'TCP');
    expect(r).toMatchObject({ endpoint: { kind: 'pod', pod: 'email-1' }, port: 8080, service: 'shop/email' });
  });

  it('a ClusterIP port without targetPort targets the same port', () => {
    expect(tl.resolve('172.20.0.7', T0, 5050, 'TCP')).toMatchObject({ endpoint: { pod: 'checkout-1' }, port: 5050 });
  });

  it('a node IP is the host-network pod serving the port, else the node', () => {
    expect(tl.resolve('10.20.1.10', T0, 9100, 'TCP').endpoint).toMatchObject({ kind: 'pod', pod: 'agent-1', hostNetwork: true });
    expect(tl.resolve('10.20.1.10', T0, 10250, 'TCP').endpoint).toEqual({ kind: 'node', ip: '10.20.1.10', node: 'node-1' });
    expect(tl.resolve('10.20.1.10', T0).endpoint.kind).toBe('node');
  });

  it('other addresses in the VPC are "vpc", the rest external networks (/24, /48)', () => {
    expect(tl.resolve('10.99.0.1', T0).endpoint).toEqual({ kind: 'vpc', ip: '10.99.0.1', cidr: '10.0.0.0/8' });
    expect(tl.resolve('192.168.1.1', T0).endpoint).toEqual({ kind: 'external', ip: '192.168.1.1', network: '192.168.1.0/24' });
    expect(tl.resolve('2001:db8:1234:a102::5', T0).endpoint).toEqual({ kind: 'external', ip: '2001:db8:1234:a102::5', network: '2001:db8:1234::/48' });
  });

  it('knows which ports an address serves: declared, Service target ports and Service ports', () => {
    expect(tl.listens('10.1.0.5', 5050, 'TCP', T0)).toBe(true);
    expect(tl.listens('10.1.0.5', 5050, 'UDP', T0)).toBe(false);
    expect(tl.listens('10.1.0.6', 8080, 'TCP', T0)).toBe(true);
    expect(tl.listens('172.20.0.9', 5000, 'TCP', T0)).toBe(true);
    expect(tl.listens('10.20.1.10', 9100, 'TCP', T0)).toBe(true);
    expect(tl.listens('10.1.0.5', 40000, 'TCP', T0)).toBe(false);
  });

  it('target ports make a pod a server even when it declares no container port', () => {
    const t = timelineOf(
      inv([pod('currency-1', '10.1.0.8', { labels: { app: 'currency' } })], {
        services: [{ namespace: 'shop', name: 'currency', clusterIP: '172.20.0.6', selector: { app: 'currency' }, ports: [{ port: 7000, targetPort: 7000, protocol: 'TCP' }] }],
      }),
    );
    expect(t.listens('10.1.0.8', 7000, 'TCP', T0)).toBe(true);
  });
});

describe('snapshots over time (pod IPs are reused)', () => {
  const before = inv([pod('catalog-old', '10.1.0.21', { labels: { app: 'catalog' }, owner: { kind: 'ReplicaSet', name: 'catalog-8f7b6c5d9' } })]);
  const after = inv([
    pod('email-new', '10.1.0.21', { labels: { app: 'email' }, owner: { kind: 'ReplicaSet', name: 'email-7f5c6d8b9' } }),
    pod('catalog-new', '10.1.0.90', { labels: { app: 'catalog' }, owner: { kind: 'ReplicaSet', name: 'catalog-6c5d9f8b7' } }),
  ]);
  const tl = new InventoryTimeline([
    { takenAt: T0 + 2 * HOUR, inventory: after },
    { takenAt: T0, inventory: before },
  ]);

  it('resolves the same IP to different workloads at different times', () => {
    expect(tl.resolve('10.1.0.21', T0 + HOUR).endpoint).toMatchObject({ pod: 'catalog-old', workload: { name: 'catalog' } });
    expect(tl.resolve('10.1.0.21', T0 + 3 * HOUR).endpoint).toMatchObject({ pod: 'email-new', workload: { name: 'email' } });
  });

  it('the first snapshot also covers earlier flows, the last one later flows', () => {
    expect(tl.resolve('10.1.0.21', T0 - 5 * HOUR).endpoint).toMatchObject({ pod: 'catalog-old' });
    expect(tl.resolve('10.1.0.90', T0 + 100 * HOUR).endpoint).toMatchObject({ pod: 'catalog-new' });
  });

  it('a pod first seen in the next snapshot is found within the grace period, not beyond', () => {
    expect(tl.resolve('10.1.0.90', T0 + 2 * HOUR - 5 * 60_000).endpoint).toMatchObject({ pod: 'catalog-new' });
    expect(tl.resolve('10.1.0.90', T0 + HOUR).endpoint.kind).toBe('vpc');
  });

  it('merges consecutive snapshots that agree into one interval', () => {
    const same = new InventoryTimeline([0, 1, 2, 3].map((i) => ({ takenAt: T0 + i * HOUR, inventory: before })));
    expect(same.resolve('10.1.0.21', T0 + 2.5 * HOUR).endpoint).toMatchObject({ pod: 'catalog-old' });
  });
});

describe('CIDR helpers', () => {
  it('match the most specific range and aggregate networks', () => {
    const set = new CidrSet(['10.0.0.0/8', '10.20.0.0/16']);
    expect(set.match('10.20.3.4')).toBe('10.20.0.0/16');
    expect(set.match('10.21.3.4')).toBe('10.0.0.0/8');
    expect(set.match('11.0.0.1')).toBeUndefined();
    expect(networkOf('203.0.113.77', 24, 48)).toBe('203.0.113.0/24');
    expect(networkOf('203.0.113.77', 32, 48)).toBe('203.0.113.77/32');
  });
});
