/**
 * NetworkPolicy engine benchmark (README.md#performance, issue #4): the full reachability matrix of a
 * synthetic cluster of 2,000 pods in 50 namespaces under 1,000 policies, for one port, on one
 * core (target: under 10 s for the 4 million pairs), how it scales as pods double, and the
 * explaining evaluator measured in the same run for comparison.
 *
 * The cluster generator is seeded, so every run (and the consistency tests that reuse it)
 * sees the same cluster.
 */
import { ClusterInventory, normalizeInventory } from '#shared/inventory/cluster';
import { createEvaluator } from '#shared/netpol/evaluate';
import { CLUSTER_NETWORK_POLICY_API_VERSION, type ClusterNetworkPolicy } from '#shared/netpol-api/cluster-types';
import type { NetworkPolicy } from '#shared/netpol-api/types';
import { parseClusterNetworkPolicy } from '#shared/netpol/validate-cluster';
import { parseNetworkPolicy } from '#shared/netpol/validate';
import { seededRandom } from '#infra/local/scenario/random';
import type { BenchSection } from './types';

export interface SyntheticOptions {
  pods: number;
  namespaces: number;
  policies: number;
  seed: number;
  /** Pods per node (also the host-network agent per node). Default 30. */
  podsPerNode?: number;
  /** ClusterNetworkPolicies to add, Admin and Baseline tiers mixed. Default 0. */
  clusterPolicies?: number;
}

const TIERS = ['web', 'api', 'db', 'cache'];
const TEAMS = ['red', 'blue', 'green', 'gold', 'grey'];
const APPS_PER_NS = 12;

function ipOf(i: number, base: number): string {
  return `10.${base + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`;
}

/**
 * A cluster and policies shaped like real ones: per-namespace default denies, app-to-app
 * allows, cross-namespace selectors (AND and OR forms, In/NotIn/Exists/DoesNotExist), ipBlocks
 * with excepts over pod and external ranges, named ports, port ranges, UDP DNS, allow-alls,
 * policies relying on policyTypes defaulting, and a host-network agent on every node.
 */
export function syntheticCluster(opts: SyntheticOptions): { inventory: ClusterInventory; policies: NetworkPolicy[]; clusterPolicies: ClusterNetworkPolicy[] } {
  const rnd = seededRandom(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const perNode = opts.podsPerNode ?? 30;
  const nsNames = Array.from({ length: opts.namespaces }, (_, i) => `ns-${i}`);
  const namespaces = nsNames.map((name, i) => ({
    name,
    labels: { team: TEAMS[i % TEAMS.length]!, ...(i % 3 === 0 ? {} : { env: i % 3 === 1 ? 'prod' : 'staging' }) },
  }));
  const nodeCount = Math.max(1, Math.ceil(opts.pods / perNode));
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({ name: `node-${i}`, ip: ipOf(i + 1, 200) }));
  const pods: unknown[] = [];
  for (let i = 0; i < opts.pods; i++) {
    const ns = nsNames[i % opts.namespaces]!;
    const app = `app-${Math.floor(rnd() * APPS_PER_NS)}`;
    const node = nodes[Math.floor(i / perNode) % nodeCount]!;
    const labels: Record<string, string> = { app, tier: pick(TIERS) };
    if (chance(0.6)) labels.version = pick(['v1', 'v2']);
    const httpPort = chance(0.5) ? 8080 : 80;
    pods.push({
      namespace: ns,
      name: `${app}-${i}`,
      labels,
      ip: ipOf(i + 1, 1),
      owner: chance(0.95) ? { kind: 'ReplicaSet', name: app } : undefined,
      nodeName: node.name,
      hostIP: node.ip,
      ports: [
        { name: 'http', port: httpPort, protocol: 'TCP' },
        { name: 'metrics', port: 9090, protocol: 'TCP' },
        ...(chance(0.05) ? [{ name: 'dns', port: 53, protocol: 'UDP' }] : []),
      ],
    });
  }
  // One host-network agent per node, as aws-node runs on EKS.
  for (const node of nodes) {
    pods.push({ namespace: 'kube-system', name: `aws-node-${node.name}`, labels: { 'k8s-app': 'aws-node' }, ip: node.ip, hostNetwork: true, nodeName: node.name, hostIP: node.ip, owner: { kind: 'DaemonSet', name: 'aws-node' } });
  }
  const inventory = normalizeInventory(
    ClusterInventory.parse({ namespaces: [...namespaces, { name: 'kube-system' }], pods, nodes }),
  );

  const appSel = () => ({ matchLabels: { app: `app-${Math.floor(rnd() * APPS_PER_NS)}` } });
  const nsByName = () => ({ matchLabels: { 'kubernetes.io/metadata.name': pick(nsNames) } });
  const peer = (): Record<string, unknown> => {
    switch (Math.floor(rnd() * 9)) {
      case 0:
        return { podSelector: appSel() };
      case 1:
        return { namespaceSelector: { matchLabels: { team: pick(TEAMS) } } };
      case 2:
        return { namespaceSelector: nsByName(), podSelector: { matchLabels: { tier: pick(TIERS) } } };
      case 3:
        return { namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['staging'] }] } };
      case 4:
        return { namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'version', operator: pick(['Exists', 'DoesNotExist']) }] } };
      case 5: {
        const octet = 1 + Math.floor(rnd() * 8);
        return { ipBlock: { cidr: `10.${octet}.0.0/16`, except: [`10.${octet}.${Math.floor(rnd() * 8)}.0/24`] } };
      }
      case 6:
        return { ipBlock: { cidr: pick(['0.0.0.0/0', '203.0.113.0/24', '10.200.0.0/16']) } };
      case 7:
        return { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [pick(TIERS), pick(TIERS)] }] } };
      default:
        return { podSelector: {} };
    }
  };
  const ports = (): unknown[] | undefined => {
    switch (Math.floor(rnd() * 7)) {
      case 0:
        return undefined;
      case 1:
        return [{ port: 8080 }];
      case 2:
        return [{ port: 'http' }];
      case 3:
        return [{ port: 8000, endPort: 8100 }, { port: 9090 }];
      case 4:
        return [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];
      case 5:
        return [{ port: 80 }, { port: 'metrics' }];
      default:
        return [{ protocol: 'TCP' }];
    }
  };
  const rules = (dir: 'from' | 'to', max: number) =>
    Array.from({ length: Math.floor(rnd() * (max + 1)) }, () => {
      const r: Record<string, unknown> = {};
      const p = ports();
      if (p) r.ports = p;
      if (!chance(0.1)) r[dir] = Array.from({ length: 1 + Math.floor(rnd() * 2) }, peer);
      return r;
    });

  const policies: NetworkPolicy[] = [];
  for (let i = 0; i < opts.policies; i++) {
    const ns = nsNames[i % opts.namespaces]!;
    const kind = rnd();
    let spec: Record<string, unknown>;
    if (kind < 0.08) spec = { podSelector: {}, policyTypes: pick([['Ingress'], ['Egress'], ['Ingress', 'Egress']]) };
    else if (kind < 0.12) spec = { podSelector: chance(0.5) ? {} : appSel(), ingress: [{}] };
    else if (kind < 0.55) spec = { podSelector: appSel(), policyTypes: ['Ingress'], ingress: rules('from', 2) };
    else if (kind < 0.8) spec = { podSelector: appSel(), policyTypes: ['Egress'], egress: rules('to', 2) };
    // Left to defaulting: egress rules and no policyTypes also isolate ingress.
    else if (kind < 0.9) spec = { podSelector: appSel(), egress: rules('to', 2) };
    else spec = { podSelector: { matchLabels: { tier: pick(TIERS) } }, policyTypes: ['Ingress', 'Egress'], ingress: rules('from', 2), egress: rules('to', 1) };
    policies.push(parseNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `p-${i}`, namespace: ns }, spec }));
  }

  // Cluster-wide tiers: guardrails in Admin (deny, accept, pass) and defaults in Baseline, with
  // every peer and port form, and a few equal priorities.
  const clusterPolicies: ClusterNetworkPolicy[] = [];
  const teamNs = () => ({ matchLabels: { team: pick(TEAMS) } });
  const cnpPeer = (egress: boolean): Record<string, unknown> => {
    switch (Math.floor(rnd() * (egress ? 6 : 3))) {
      case 0:
        return { namespaces: chance(0.3) ? {} : teamNs() };
      case 1:
        return { pods: { namespaceSelector: chance(0.5) ? {} : teamNs(), podSelector: chance(0.5) ? appSel() : { matchLabels: { tier: pick(TIERS) } } } };
      case 2:
        return { pods: { namespaceSelector: nsByName(), podSelector: { matchExpressions: [{ key: 'version', operator: pick(['Exists', 'DoesNotExist']) }] } } };
      case 3:
        return { networks: [`10.${1 + Math.floor(rnd() * 8)}.0.0/16`, pick(['203.0.113.0/24', '10.200.0.0/16'])] };
      case 4:
        return { networks: ['0.0.0.0/0'] };
      default:
        return { domainNames: ['*.amazonaws.com'] };
    }
  };
  const cnpPorts = (): unknown[] | undefined => {
    switch (Math.floor(rnd() * 5)) {
      case 0:
        return undefined;
      case 1:
        return [{ portNumber: { port: 8080 } }];
      case 2:
        return [{ portRange: { start: 8000, end: 8100 } }, { portNumber: { protocol: 'UDP', port: 53 } }];
      case 3:
        return [{ namedPort: 'http' }];
      default:
        return [{ portNumber: { port: 9090 } }, { namedPort: 'metrics' }];
    }
  };
  const cnpRules = (dir: 'from' | 'to') =>
    Array.from({ length: Math.floor(rnd() * 3) }, () => {
      const to = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => cnpPeer(dir === 'to'));
      // domainNames peers are only valid in Accept rules (the CRD's CEL rule).
      const action = to.some((p) => p.domainNames) ? 'Accept' : pick(['Accept', 'Deny', 'Deny', 'Pass']);
      const r: Record<string, unknown> = { action, [dir]: to };
      const p = cnpPorts();
      if (p) r.ports = p;
      return r;
    });
  for (let i = 0; i < (opts.clusterPolicies ?? 0); i++) {
    const subject = chance(0.5) ? { namespaces: chance(0.3) ? {} : teamNs() } : { pods: { namespaceSelector: chance(0.5) ? {} : teamNs(), podSelector: appSel() } };
    clusterPolicies.push(
      parseClusterNetworkPolicy({
        apiVersion: CLUSTER_NETWORK_POLICY_API_VERSION,
        kind: 'ClusterNetworkPolicy',
        metadata: { name: `cnp-${i}` },
        spec: { tier: chance(0.4) ? 'Admin' : 'Baseline', priority: Math.floor(rnd() * 40) * 25, subject, ingress: cnpRules('from'), egress: cnpRules('to') },
      }),
    );
  }
  return { inventory, policies, clusterPolicies };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface MatrixTiming {
  seconds: number;
  compileSeconds: number;
  allowed: number;
  pairs: number;
  /** Resident memory sampled while the model and the matrix are alive. */
  rssMB: number;
}

/** One timed compile + matrix of a cluster for TCP/8080. */
function timeOnce(cluster: ReturnType<typeof syntheticCluster>): { total: number; compile: number; allowed: number; pairs: number; rss: number } {
  const t0 = process.hrtime.bigint();
  const evaluator = createEvaluator(cluster.inventory, [...cluster.policies, ...cluster.clusterPolicies]);
  const t1 = process.hrtime.bigint();
  const matrix = evaluator.matrix(8080, 'TCP');
  const t2 = process.hrtime.bigint();
  const n = matrix.pods.length;
  return { total: Number(t2 - t0) / 1e9, compile: Number(t1 - t0) / 1e9, allowed: matrix.countAllowed(), pairs: n * n, rss: process.memoryUsage().rss };
}

/**
 * Median timings per cluster size. Runs are interleaved across sizes so that a noisy moment
 * on a shared machine hits every size alike instead of skewing one of them.
 */
function timeMatrices(sizes: readonly number[], runs: number, clusterPolicies = 0): Map<number, MatrixTiming> {
  const clusters = sizes.map((pods) => syntheticCluster({ pods, namespaces: 50, policies: 1000, seed: 42, clusterPolicies }));
  const samples = sizes.map(() => [] as Array<ReturnType<typeof timeOnce>>);
  for (let r = 0; r < runs; r++) clusters.forEach((c, i) => samples[i]!.push(timeOnce(c)));
  return new Map(
    sizes.map((pods, i) => {
      const s = samples[i]!;
      const last = s.at(-1)!;
      return [
        pods,
        {
          seconds: median(s.map((x) => x.total)),
          compileSeconds: median(s.map((x) => x.compile)),
          allowed: last.allowed,
          pairs: last.pairs,
          rssMB: Math.max(...s.map((x) => x.rss)) / 2 ** 20,
        },
      ];
    }),
  );
}

/** Probes per second through the explaining evaluator (the path simulate and audit use). */
function timeEvaluator(pods: number, samples: number): number {
  const { inventory, policies } = syntheticCluster({ pods, namespaces: 50, policies: 1000, seed: 42 });
  const evaluator = createEvaluator(inventory, policies);
  const ids = evaluator.model.pods.map((p) => p.id);
  const rnd = seededRandom(7);
  const pairs = Array.from({ length: samples }, () => [ids[Math.floor(rnd() * ids.length)]!, ids[Math.floor(rnd() * ids.length)]!] as const);
  const t0 = process.hrtime.bigint();
  for (const [from, to] of pairs) evaluator.evaluate(from, to, 8080, 'TCP');
  return samples / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export function bench(): Promise<BenchSection> {
  // Warm the JIT on the measured shape first: cold runs are several times slower and noisy.
  timeMatrices([2000], 2);
  const timings = timeMatrices([1000, 2000, 4000], 7);
  const main = timings.get(2000)!;
  const scaling = [...timings].map(([pods, t]) => ({ pods, ...t }));
  // The same cluster with 100 ClusterNetworkPolicies (Admin and Baseline tiers) on top.
  const tiered = timeMatrices([2000], 5, 100).get(2000)!;
  const evalPerSec = timeEvaluator(2000, 200_000);
  const pairsPerSec = main.pairs / main.seconds;
  const peakRssMB = main.rssMB;
  const fmt = (s: number) => `${s.toFixed(3)} s`;
  const rows: Array<[string, string]> = [
    ['cluster', `${main.pairs ** 0.5} pods (incl. host-network agents), 50 namespaces, 1,000 policies, TCP/8080`],
    ['full matrix (compile + matrix)', `${fmt(main.seconds)} for ${main.pairs.toLocaleString('en-US')} pairs (target < 10 s)`],
    ['  of which compiling the model', fmt(main.compileSeconds)],
    ['full matrix with 100 Admin/Baseline ClusterNetworkPolicies added', `${fmt(tiered.seconds)} (${tiered.allowed.toLocaleString('en-US')} pairs allowed; target < 10 s)`],
    ['pairs per second (matrix)', Math.round(pairsPerSec).toLocaleString('en-US')],
    ['pairs per second (explaining evaluator)', `${Math.round(evalPerSec).toLocaleString('en-US')} (matrix is ${(pairsPerSec / evalPerSec).toFixed(0)}x faster)`],
    ['allowed pairs', `${main.allowed.toLocaleString('en-US')} (${((100 * main.allowed) / main.pairs).toFixed(1)}%)`],
    ...scaling.map(
      ({ pods, seconds, pairs }) =>
        [`scaling: ${pods} app pods`, `${fmt(seconds)} (${pairs.toLocaleString('en-US')} pairs, ${Math.round(pairs / seconds).toLocaleString('en-US')} pairs/s)`] as [string, string],
    ),
    ['peak RSS with the 2,000-pod model and matrix alive', `${peakRssMB.toFixed(0)} MB (process-wide maxRSS so far: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`],
  ];
  const results: Record<string, number> = {
    'netpol.matrixSeconds': main.seconds,
    'netpol.compileSeconds': main.compileSeconds,
    'netpol.tieredMatrixSeconds': tiered.seconds,
    'netpol.pairsPerSec': pairsPerSec,
    'netpol.evaluatorPairsPerSec': evalPerSec,
    'netpol.peakRssMB': peakRssMB,
  };
  for (const { pods, seconds } of scaling) results[`netpol.scaling.pods${pods}Seconds`] = seconds;
  return Promise.resolve({ title: 'NetworkPolicy reachability matrix', rows, results });
}
