/**
 * A cluster inventory and a set of defaulted policies compiled once into indexed sets: which
 * pods each policy selects, which pods each rule's peers match, and which policies isolate
 * each pod per direction. Both the explaining evaluator and the fast matrix read this, so
 * they cannot drift apart on selector, ipBlock or isolation semantics.
 *
 * Modelling choices (shared/netpol/README.md: Isolation, Peers, ipBlock, Simulator notes):
 * - policies select pods of their own namespace only; host-network pods are never selected
 *   and never matched by pod/namespace selectors: their traffic is node traffic;
 * - ipBlock peers match any address in the block (pod IPs included, host-network pods by
 *   their node address) minus that peer's except list;
 * - a rule counts only for the directions in the policy's (defaulted) policyTypes.
 */
import type { ClusterInventory, InventoryPod } from '#shared/inventory/cluster';
import { Bitset } from './bitset';
import { type ParsedCidr, type ParsedIp, cidrContains, parseCidr, parseIp } from './ip';
import { type Labels, selectorKey, selectorMatches, selectorToString } from './selector';
import { type NetworkPolicy, type NetworkPolicyPeer, type NetworkPolicyPort, type PolicyType, type Protocol, policyId } from './types';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface PodEntry {
  index: number;
  /** `ns/name`. */
  id: string;
  namespace: string;
  name: string;
  labels: Labels;
  ip: ParsedIp | undefined;
  hostNetwork: boolean;
  /** Canonical addresses of the node the pod runs on (hostIP, and the node's IP by nodeName). */
  nodeIps: ReadonlySet<string>;
  /** Addresses this pod's traffic has when it is node traffic (host network): its IP and hostIP. */
  hostAddresses: readonly string[];
  ports: ReadonlyArray<{ name?: string | undefined; port: number; protocol: Protocol }>;
  source: InventoryPod;
}

export interface CompiledIpBlock {
  cidr: ParsedCidr;
  except: ParsedCidr[];
}

export interface CompiledPeer {
  index: number;
  peer: NetworkPolicyPeer;
  /** Pods this peer matches (selector peers: non-host pods; ipBlock: pods whose address is in it). */
  pods: Bitset;
  ipBlock?: CompiledIpBlock;
  description: string;
}

export interface CompiledRule {
  direction: PolicyType;
  index: number;
  ports: readonly NetworkPolicyPort[] | undefined;
  /** null when from/to is absent or empty: every peer, external addresses included. */
  peers: CompiledPeer[] | null;
  /** Union of the peers' pods (every pod when peers is null). */
  peerPods: Bitset;
}

export interface CompiledPolicy {
  index: number;
  id: string;
  policy: NetworkPolicy;
  selected: Bitset;
  /** null when the policy does not isolate that direction (not in policyTypes). */
  ingress: CompiledRule[] | null;
  egress: CompiledRule[] | null;
}

export function ipBlockMatches(block: CompiledIpBlock, ip: ParsedIp): boolean {
  return cidrContains(block.cidr, ip) && !block.except.some((e) => cidrContains(e, ip));
}

function describePeer(peer: NetworkPolicyPeer, policyNamespace: string): string {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : '';
    return `ipBlock ${peer.ipBlock.cidr}${except}`;
  }
  const pods = peer.podSelector ? `pods ${selectorToString(peer.podSelector)}` : 'all pods';
  const ns = peer.namespaceSelector ? `namespaces ${selectorToString(peer.namespaceSelector)}` : `namespace ${policyNamespace}`;
  return `${pods} in ${ns}`;
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class CompiledModel {
  readonly pods: PodEntry[] = [];
  readonly podById = new Map<string, number>();
  /** Canonical IP → pods with that IP, non-host pods first. */
  readonly podsByIp = new Map<string, number[]>();
  /** Canonical IP → node name, for node addresses (nodes[].ip and pods' hostIP). */
  readonly nodeByIp = new Map<string, string>();
  readonly policies: CompiledPolicy[] = [];
  /** Per pod: indices of policies that select it and isolate ingress / egress. */
  readonly ingressPolicies: number[][];
  readonly egressPolicies: number[][];
  readonly all: Bitset;
  readonly hostPods: Bitset;
  /** Pods with an IPv4 address, sorted by it, so an ipBlock is a binary search, not a scan. */
  private readonly v4Sorted: { ips: Float64Array; pods: Int32Array };
  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly nonHostPodsByNs = new Map<string, number[]>();
  private readonly cache = new Map<string, Bitset>();

  constructor(
    readonly inventory: ClusterInventory,
    policies: readonly NetworkPolicy[],
  ) {
    for (const ns of inventory.namespaces) {
      this.namespaceLabels.set(ns.name, { ...ns.labels, [NAMESPACE_NAME_LABEL]: ns.name });
    }
    const nodeIpByName = new Map<string, string>();
    for (const node of inventory.nodes) {
      const ip = parseIp(node.ip);
      if (ip) {
        nodeIpByName.set(node.name, ip.text);
        this.nodeByIp.set(ip.text, node.name);
      }
    }
    inventory.pods.forEach((p, index) => {
      const id = `${p.namespace}/${p.name}`;
      const ip = parseIp(p.ip);
      const hostIp = p.hostIP ? parseIp(p.hostIP) : undefined;
      const nodeIps = new Set<string>();
      if (hostIp) nodeIps.add(hostIp.text);
      const byName = p.nodeName ? nodeIpByName.get(p.nodeName) : undefined;
      if (byName) nodeIps.add(byName);
      if (hostIp && p.nodeName && !this.nodeByIp.has(hostIp.text)) this.nodeByIp.set(hostIp.text, p.nodeName);
      const hostAddresses = p.hostNetwork ? [ip?.text, hostIp?.text].filter((a): a is string => !!a) : [];
      this.pods.push({
        index,
        id,
        namespace: p.namespace,
        name: p.name,
        labels: p.labels ?? {},
        ip,
        hostNetwork: p.hostNetwork ?? false,
        nodeIps,
        hostAddresses,
        ports: p.ports ?? [],
        source: p,
      });
      if (!this.podById.has(id)) this.podById.set(id, index);
      if (ip) {
        const list = this.podsByIp.get(ip.text) ?? [];
        if (p.hostNetwork) list.push(index);
        else list.unshift(index);
        this.podsByIp.set(ip.text, list);
      }
      if (!p.hostNetwork) {
        const list = this.nonHostPodsByNs.get(p.namespace) ?? [];
        list.push(index);
        this.nonHostPodsByNs.set(p.namespace, list);
      }
    });
    const v4 = this.pods.filter((p) => p.ip?.family === 4).sort((a, b) => a.ip!.v4 - b.ip!.v4);
    this.v4Sorted = { ips: Float64Array.from(v4, (p) => p.ip!.v4), pods: Int32Array.from(v4, (p) => p.index) };
    const n = this.pods.length;
    this.all = Bitset.full(n);
    this.hostPods = new Bitset(n);
    for (const pod of this.pods) if (pod.hostNetwork) this.hostPods.add(pod.index);
    this.ingressPolicies = Array.from({ length: n }, () => []);
    this.egressPolicies = Array.from({ length: n }, () => []);
    policies.forEach((policy, index) => this.addPolicy(policy, index));
  }

  /** Labels of a namespace; one missing from the inventory still has its name label. */
  labelsOfNamespace(ns: string): Labels {
    return this.namespaceLabels.get(ns) ?? { [NAMESPACE_NAME_LABEL]: ns };
  }

  private namespaces(): string[] {
    return [...new Set([...this.namespaceLabels.keys(), ...this.nonHostPodsByNs.keys()])];
  }

  /** Non-host pods of `namespaces` matching the pod selector (absent: all of them). */
  private podsMatching(namespaces: readonly string[], podSelector: NetworkPolicyPeer['podSelector'], cacheKey: string): Bitset {
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const set = new Bitset(this.pods.length);
    for (const ns of namespaces) {
      for (const i of this.nonHostPodsByNs.get(ns) ?? []) {
        if (!podSelector || selectorMatches(podSelector, this.pods[i]!.labels)) set.add(i);
      }
    }
    this.cache.set(cacheKey, set);
    return set;
  }

  private namespacesMatching(selector: NonNullable<NetworkPolicyPeer['namespaceSelector']>): string[] {
    return this.namespaces().filter((ns) => selectorMatches(selector, this.labelsOfNamespace(ns)));
  }

  private compilePeer(peer: NetworkPolicyPeer, index: number, policyNs: string): CompiledPeer {
    const description = describePeer(peer, policyNs);
    if (peer.ipBlock) {
      const cidr = parseCidr(peer.ipBlock.cidr);
      const pods = new Bitset(this.pods.length);
      // An unparsable block (only possible for unvalidated input) matches nothing.
      if (!cidr) return { index, peer, pods, description };
      const block: CompiledIpBlock = {
        cidr,
        except: (peer.ipBlock.except ?? []).map(parseCidr).filter((c): c is ParsedCidr => !!c),
      };
      if (cidr.family === 4) {
        // The block is the contiguous range [network, network + 2^(32-prefix) - 1].
        const { ips, pods: order } = this.v4Sorted;
        const lo = cidr.network.v4;
        const hi = lo + 2 ** (32 - cidr.prefix) - 1;
        for (let i = lowerBound(ips, lo); i < ips.length && ips[i]! <= hi; i++) {
          const pod = this.pods[order[i]!]!;
          if (ipBlockMatches(block, pod.ip!)) pods.add(pod.index);
        }
      } else {
        for (const pod of this.pods) if (pod.ip && ipBlockMatches(block, pod.ip)) pods.add(pod.index);
      }
      return { index, peer, pods, ipBlock: block, description };
    }
    const podKey = peer.podSelector ? selectorKey(peer.podSelector) : '*';
    if (peer.namespaceSelector) {
      const nsKey = selectorKey(peer.namespaceSelector);
      const pods =
        this.cache.get(`ns:${nsKey}|${podKey}`) ??
        this.podsMatching(this.namespacesMatching(peer.namespaceSelector), peer.podSelector, `ns:${nsKey}|${podKey}`);
      return { index, peer, pods, description };
    }
    return { index, peer, pods: this.podsMatching([policyNs], peer.podSelector, `in:${policyNs}|${podKey}`), description };
  }

  private compileRules(
    direction: PolicyType,
    rules: ReadonlyArray<{ ports?: NetworkPolicyPort[]; from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[] }>,
    policyNs: string,
  ): CompiledRule[] {
    return rules.map((rule, index) => {
      const peerList = (direction === 'Ingress' ? rule.from : rule.to) ?? [];
      if (peerList.length === 0) return { direction, index, ports: rule.ports, peers: null, peerPods: this.all };
      const peers = peerList.map((p, k) => this.compilePeer(p, k, policyNs));
      const peerPods = new Bitset(this.pods.length);
      for (const p of peers) peerPods.orInPlace(p.pods);
      return { direction, index, ports: rule.ports, peers, peerPods };
    });
  }

  private addPolicy(policy: NetworkPolicy, index: number): void {
    const ns = policy.metadata.namespace;
    const selected = this.podsMatching([ns], policy.spec.podSelector, `in:${ns}|${selectorKey(policy.spec.podSelector)}`);
    const types = policy.spec.policyTypes;
    const compiled: CompiledPolicy = {
      index,
      id: policyId(policy),
      policy,
      selected,
      ingress: types.includes('Ingress') ? this.compileRules('Ingress', policy.spec.ingress ?? [], ns) : null,
      egress: types.includes('Egress') ? this.compileRules('Egress', policy.spec.egress ?? [], ns) : null,
    };
    this.policies.push(compiled);
    selected.forEach((pod) => {
      if (compiled.ingress) this.ingressPolicies[pod]!.push(index);
      if (compiled.egress) this.egressPolicies[pod]!.push(index);
    });
  }
}
