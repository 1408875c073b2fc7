/**
 * Verification with the NetworkPolicy simulator (shared/netpol). After a quarantine, nothing
 * should reach the pod and the pod should reach nothing; after tightening egress, the
 * anomaly's destinations should be blocked. Two independent checks:
 * - structural: every policy that selects the pod and has rules in a direction is a residual
 *   allowance, whether or not a peer matching it exists right now;
 * - probes: every other pod, every node and sample external addresses, on the ports that
 *   appear in the cluster (container ports, policy ports, DNS, HTTP(S)), through the
 *   explaining evaluator; each allowed path is reported with the rule that allowed it.
 * What NetworkPolicy never blocks is reported as well: traffic from the pod's own node
 * (kubelet probes, and host-network pods there). Every live policy of every kind counts
 * (NetworkPolicy and EKS's ClusterNetworkPolicy); one the simulator cannot read is named as
 * residual uncertainty, never silently left out.
 */
import { normalizeInventory, type ClusterInventory } from '../inventory/cluster';
import { clusterPolicyId, type AnyNetworkPolicy, type ClusterNetworkPolicy } from '../netpol-api/cluster-types';
import { createEvaluator, type Evaluation, type Evaluator, type Verdict } from '../netpol/evaluate';
import { selectorMatches, selectorToString } from '../netpol/selector';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Protocol } from '../netpol-api/types';

/** Sample addresses outside the cluster (TEST-NET ranges) standing for "the internet". */
const EXTERNAL_SAMPLES = ['198.51.100.7', '203.0.113.9'];
const BASE_PORTS: Array<[number, Protocol]> = [
  [53, 'UDP'],
  [53, 'TCP'],
  [80, 'TCP'],
  [443, 'TCP'],
];
const MAX_PORTS = 64;

export interface Path {
  /** `ns/pod`, `node <ip>` or an external address. */
  peer: string;
  port: number;
  protocol: Protocol;
  /** Which rule (or property of NetworkPolicy) let it through. */
  via: string;
}

export interface Reachability {
  inbound: Path[];
  outbound: Path[];
}

export interface IsolationReport extends Reachability {
  /** One line per residual allowance, for the action's `changes`. */
  residual: string[];
  /** Paths NetworkPolicy cannot block by design (own node), reported but not counted as failures. */
  inherent: string[];
}

export const isNetworkPolicy = (p: AnyNetworkPolicy): p is NetworkPolicy => p.kind === undefined || p.kind === 'NetworkPolicy';
const isClusterPolicy = (p: AnyNetworkPolicy): p is ClusterNetworkPolicy => p.kind === 'ClusterNetworkPolicy';

/** How reports name a policy of any kind. */
export function policyRef(p: AnyNetworkPolicy): string {
  return isClusterPolicy(p) ? clusterPolicyId(p) : `${(p.metadata as { namespace?: string }).namespace ?? ''}/${p.metadata.name}`;
}

function candidatePorts(inv: ClusterInventory, policies: readonly AnyNetworkPolicy[]): Array<[number, Protocol]> {
  const seen = new Map<string, [number, Protocol]>();
  const add = (port: number, protocol: Protocol) => {
    if (port >= 1 && port <= 65535) seen.set(`${port}/${protocol}`, [port, protocol]);
  };
  for (const [p, proto] of BASE_PORTS) add(p, proto);
  for (const pod of inv.pods) for (const p of pod.ports) add(p.port, p.protocol);
  const fromRules = (ports: NetworkPolicyPort[] | undefined) => {
    for (const p of ports ?? []) if (typeof p.port === 'number') add(p.port, p.protocol);
  };
  for (const pol of policies.filter(isNetworkPolicy)) {
    for (const r of pol.spec.ingress ?? []) fromRules(r.ports);
    for (const r of pol.spec.egress ?? []) fromRules(r.ports);
  }
  for (const pol of policies.filter(isClusterPolicy)) {
    for (const r of [...(pol.spec.ingress ?? []), ...(pol.spec.egress ?? [])]) for (const p of r.ports ?? []) if (p.portNumber) add(p.portNumber.port, p.portNumber.protocol);
  }
  return [...seen.values()].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])).slice(0, MAX_PORTS);
}

function externalSamples(policies: readonly AnyNetworkPolicy[]): string[] {
  const out = new Set(EXTERNAL_SAMPLES);
  const peers = (list: NetworkPolicyPeer[] | undefined) => {
    for (const p of list ?? []) if (p.ipBlock) out.add(p.ipBlock.cidr.split('/')[0]!);
  };
  for (const pol of policies.filter(isClusterPolicy)) for (const r of pol.spec.egress ?? []) for (const peer of r.to) for (const n of peer.networks ?? []) out.add(n.split('/')[0]!);
  for (const pol of policies.filter(isNetworkPolicy)) {
    for (const r of pol.spec.ingress ?? []) peers(r.from);
    for (const r of pol.spec.egress ?? []) peers(r.to);
  }
  return [...out];
}

function via(v: Verdict): string {
  switch (v.kind) {
    case 'allowed-by-rule':
      return `${v.policy} ${v.direction}[${v.rule}]`;
    case 'own-node':
      return 'own node';
    case 'not-isolated':
      return 'not isolated';
    case 'not-a-pod':
      return 'not a pod';
    default:
      return v.kind;
  }
}

function firstAllowed(ev: Evaluator, from: string | { ip: string }, to: string | { ip: string }, ports: Array<[number, Protocol]>, side: 'ingress' | 'egress'): Path | undefined {
  for (const [port, protocol] of ports) {
    let e: Evaluation;
    try {
      e = ev.evaluate(from, to, port, protocol);
    } catch {
      continue;
    }
    if (e.allowed === true) {
      const peerRef = side === 'ingress' ? from : to;
      const peer = typeof peerRef === 'string' ? peerRef : peerRef.ip;
      return { peer, port, protocol, via: via(side === 'ingress' ? e.ingress : e.egress) };
    }
  }
  return undefined;
}

/** Who can reach `podId` (`ns/name`) and whom it can reach, by probing every pod, node and sample address. */
export function reachability(inventoryIn: ClusterInventory, policies: readonly AnyNetworkPolicy[], podId: string): Reachability {
  const inv = normalizeInventory(inventoryIn);
  const ev = createEvaluator(inv, policies);
  const ports = candidatePorts(inv, policies);
  const target = inv.pods.find((p) => `${p.namespace}/${p.name}` === podId);
  const inbound: Path[] = [];
  const outbound: Path[] = [];
  if (!target) return { inbound, outbound };
  for (const p of inv.pods) {
    const id = `${p.namespace}/${p.name}`;
    if (id === podId || p.ip === target.ip) continue;
    const ref = p.hostNetwork ? { ip: p.ip } : id;
    const inPath = firstAllowed(ev, ref, podId, ports, 'ingress');
    if (inPath) inbound.push({ ...inPath, peer: p.hostNetwork ? `${id} (host network)` : id });
    if (!p.hostNetwork) {
      const outPath = firstAllowed(ev, podId, id, ports, 'egress');
      if (outPath) outbound.push(outPath);
    }
  }
  for (const node of inv.nodes) {
    const inPath = firstAllowed(ev, { ip: node.ip }, podId, ports, 'ingress');
    if (inPath) inbound.push({ ...inPath, peer: `node ${node.ip}` });
    const outPath = firstAllowed(ev, podId, { ip: node.ip }, ports, 'egress');
    if (outPath) outbound.push({ ...outPath, peer: `node ${node.ip}` });
  }
  for (const ip of externalSamples(policies)) {
    if (inv.pods.some((p) => p.ip === ip) || inv.nodes.some((n) => n.ip === ip)) continue;
    const inPath = firstAllowed(ev, { ip }, podId, ports, 'ingress');
    if (inPath) inbound.push(inPath);
    const outPath = firstAllowed(ev, podId, { ip }, ports, 'egress');
    if (outPath) outbound.push(outPath);
  }
  return { inbound, outbound };
}

function describePeers(peers: NetworkPolicyPeer[] | undefined): string {
  if (!peers?.length) return 'any address';
  return peers
    .map((p) => {
      if (p.ipBlock) return `ipBlock ${p.ipBlock.cidr}${p.ipBlock.except?.length ? ` except ${p.ipBlock.except.join(',')}` : ''}`;
      const parts: string[] = [];
      if (p.namespaceSelector) parts.push(`namespaces ${selectorToString(p.namespaceSelector)}`);
      if (p.podSelector) parts.push(`pods ${selectorToString(p.podSelector)}`);
      return parts.join(' ');
    })
    .join('; ');
}

function describePorts(ports: NetworkPolicyPort[] | undefined): string {
  if (!ports?.length) return 'all ports';
  return ports.map((p) => `${p.protocol} ${p.port ?? 'any'}${p.endPort ? `-${p.endPort}` : ''}`).join(', ');
}

/**
 * Rules of NetworkPolicies selecting the pod, per direction, other than the ones in `exclude`.
 * Under an Admin-tier deny (`adminDeny`) only what that tier cannot name remains: ingress rules
 * admitting addresses (ipBlock, or any source), since Admin ingress peers are pods only.
 */
function selectingRules(inv: ClusterInventory, policies: readonly AnyNetworkPolicy[], podId: string, exclude: ReadonlySet<string>, adminDeny: boolean): string[] {
  const pod = inv.pods.find((p) => `${p.namespace}/${p.name}` === podId);
  if (!pod) return [];
  const out: string[] = [];
  for (const pol of policies.filter(isNetworkPolicy)) {
    const id = `${pol.metadata.namespace}/${pol.metadata.name}`;
    if (exclude.has(id) || pol.metadata.namespace !== pod.namespace || !selectorMatches(pol.spec.podSelector, pod.labels)) continue;
    if (pol.spec.policyTypes.includes('Ingress'))
      (pol.spec.ingress ?? []).forEach((r, i) => {
        if (adminDeny && r.from?.length && !r.from.some((p) => p.ipBlock)) return;
        out.push(`policy ${id} ingress[${i}] still selects the pod and allows ${describePeers(r.from)} on ${describePorts(r.ports)}${adminDeny ? ' (addresses outside the cluster: the Admin tier cannot deny ingress by address)' : ''}`);
      });
    if (pol.spec.policyTypes.includes('Egress') && !adminDeny)
      (pol.spec.egress ?? []).forEach((r, i) => out.push(`policy ${id} egress[${i}] still selects the pod and allows ${describePeers(r.to)} on ${describePorts(r.ports)}`));
  }
  return out;
}

function summarize(paths: Path[], direction: 'to' | 'from', max = 3): string[] {
  const byVia = new Map<string, Path[]>();
  for (const p of paths) byVia.set(p.via, [...(byVia.get(p.via) ?? []), p]);
  return [...byVia.entries()].map(([v, ps]) => {
    const shown = ps.slice(0, max).map((p) => `${p.peer} (${p.protocol} ${p.port})`).join(', ');
    const more = ps.length > max ? ` and ${ps.length - max} more` : '';
    return `residual path ${direction} the pod via ${v}: ${shown}${more}`;
  });
}

/** A live policy the simulator could not read (`NetworkPolicy ns/name`), as a line of the outcome. */
export function uncertainty(ref: string): string {
  return `residual uncertainty: ${ref} could not be simulated (the API server accepted it, the simulator cannot read it): what it allows is unknown`;
}

/**
 * The isolation of a quarantined pod: residual allowances (rules of other policies that still
 * select it, paths the probes found) and what NetworkPolicy cannot block (its own node).
 */
export function isolationReport(
  inventoryIn: ClusterInventory,
  policies: readonly AnyNetworkPolicy[],
  podId: string,
  ownPolicy: string,
  opts: { adminDeny?: boolean; unreadable?: readonly string[] } = {},
): IsolationReport {
  const inv = normalizeInventory(inventoryIn);
  const r = reachability(inv, policies, podId);
  const isNode = (p: Path) => p.via === 'own node';
  const inbound = r.inbound.filter((p) => !isNode(p));
  const residual = [
    ...selectingRules(inv, policies, podId, new Set([ownPolicy]), opts.adminDeny === true),
    ...summarize(inbound, 'to'),
    ...summarize(r.outbound, 'from'),
    ...(opts.unreadable ?? []).map(uncertainty),
  ];
  const inherent: string[] = [];
  const pod = inv.pods.find((p) => `${p.namespace}/${p.name}` === podId);
  if (pod) {
    const node = pod.hostIP ?? inv.nodes.find((n) => n.name === pod.nodeName)?.ip;
    const hostPods = inv.pods.filter((p) => p.hostNetwork && p.nodeName !== undefined && p.nodeName === pod.nodeName).map((p) => `${p.namespace}/${p.name}`);
    inherent.push(
      `not blockable by NetworkPolicy: traffic from the pod's own node${node ? ` ${node}` : ''} (kubelet probes${hostPods.length ? `; host-network pods there: ${hostPods.slice(0, 5).join(', ')}${hostPods.length > 5 ? ', ...' : ''}` : ''})`,
    );
  }
  return { inbound, outbound: r.outbound, residual, inherent };
}

/** Replaces one pod's labels in an inventory (the state a relabel would produce). */
export function withPodLabels(inv: ClusterInventory, podId: string, labels: Record<string, string>): ClusterInventory {
  return { ...inv, pods: inv.pods.map((p) => (`${p.namespace}/${p.name}` === podId ? { ...p, labels: { ...labels } } : p)) };
}

/** Replaces or adds a policy (by kind, namespace and name). */
export function withPolicy<P extends AnyNetworkPolicy>(policies: readonly P[], policy: P): P[] {
  const key = (p: AnyNetworkPolicy) => `${p.kind ?? 'NetworkPolicy'}|${policyRef(p)}`;
  return [...policies.filter((p) => key(p) !== key(policy)), policy];
}

export interface DestinationCheck {
  dst: string;
  port: number;
  protocol: Protocol;
  allowed: boolean;
  via: string;
}

/** Whether `podId` can open each connection (egress and the destination's ingress). */
export function checkDestinations(inventoryIn: ClusterInventory, policies: readonly AnyNetworkPolicy[], podId: string, dests: ReadonlyArray<{ dst: string; port: number; protocol: Protocol }>): DestinationCheck[] {
  const ev = createEvaluator(normalizeInventory(inventoryIn), policies);
  return dests.map((d) => {
    try {
      const e = ev.evaluate(podId, { ip: d.dst }, d.port, d.protocol);
      return { ...d, allowed: e.allowed === true, via: e.allowed === true ? via(e.egress) : e.reason };
    } catch (err) {
      return { ...d, allowed: false, via: `not evaluated: ${err instanceof Error ? err.message : String(err)}` };
    }
  });
}

/**
 * Whether `podId` may send to every one of `to` on a port now, by its egress verdict alone
 * (what the destination admits is its own business). Used so that tightening never adds an
 * allowance: a rule is kept only for what is allowed already.
 */
export function egressAllowedNow(inventoryIn: ClusterInventory, policies: readonly AnyNetworkPolicy[], podId: string): { allowed(to: ReadonlyArray<string | { ip: string }>, port: number, protocol: Protocol): boolean; isolated: boolean } {
  const ev = createEvaluator(normalizeInventory(inventoryIn), policies);
  const isolated = ev.isolation(podId).egress.length > 0 || policies.some(isClusterPolicy);
  return {
    isolated,
    allowed(to, port, protocol) {
      if (to.length === 0) return !isolated;
      return to.every((t) => {
        try {
          return ev.evaluate(podId, t, port, protocol).egress.allowed === true;
        } catch {
          return false;
        }
      });
    },
  };
}
