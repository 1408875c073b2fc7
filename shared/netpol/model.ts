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
 * - a rule counts only for the directions in the policy's (defaulted) policyTypes;
 * - ApplicationNetworkPolicies compile like NetworkPolicies (same tier, additive), their
 *   domain-name peers match no pod, only an external endpoint known by a matching name;
 * - ClusterNetworkPolicies compile to per-pod lists in evaluation order: tier, then priority
 *   (lower first), then name. Upstream leaves equal priorities to the implementation
 *   (network-policy-api apis/v1alpha2, Priority doc comment); ordering by name makes our
 *   answer deterministic, and validation warns about the tie.
 */
import type { ClusterInventory, InventoryPod } from '#shared/inventory/cluster';
import { Bitset } from './bitset';
import { type ParsedCidr, type ParsedIp, cidrContains, parseCidr, parseIp } from './ip';
import { type Labels, selectorKey, selectorMatches, selectorToString } from './selector';
import {
  type AnyNetworkPolicy,
  type ApplicationNetworkPolicy,
  type ApplicationNetworkPolicyPeer,
  type ClusterNetworkPolicy,
  type ClusterNetworkPolicyAction,
  type ClusterNetworkPolicyEgressPeer,
  type ClusterNetworkPolicyPort,
  type ClusterNetworkPolicyTier,
  type NamespacedPod,
  CNP_TIERS,
  applicationPolicyId,
  clusterPolicyId,
} from '#shared/netpol-api/cluster-types';
import { type LabelSelector, type NetworkPolicy, type NetworkPolicyPort, type PolicyType, type Protocol, policyId } from '#shared/netpol-api/types';

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
  peer: ApplicationNetworkPolicyPeer;
  /** Pods this peer matches (selector peers: non-host pods; ipBlock: pods whose address is in it). */
  pods: Bitset;
  ipBlock?: CompiledIpBlock;
  /** ApplicationNetworkPolicy domain-name peer: matches no pod, only a destination known by name. */
  domainNames?: string[];
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
  /** `ns/name` for a NetworkPolicy, `ApplicationNetworkPolicy ns/name` for the other kind. */
  id: string;
  kind: 'NetworkPolicy' | 'ApplicationNetworkPolicy';
  policy: NetworkPolicy | ApplicationNetworkPolicy;
  selected: Bitset;
  /** null when the policy does not isolate that direction (not in policyTypes). */
  ingress: CompiledRule[] | null;
  egress: CompiledRule[] | null;
}

/** One peer of a ClusterNetworkPolicy rule, compiled. */
export interface CompiledClusterPeer {
  index: number;
  /** Pods the peer matches: selected non-host pods, or pods whose address is in `networks` or is a selected node's. */
  pods: Bitset;
  networks: CompiledIpBlock[];
  /** Canonical addresses of the nodes a `nodes` peer selects. */
  nodeIps: ReadonlySet<string>;
  domainNames: string[];
  description: string;
}

export interface CompiledClusterRule {
  direction: PolicyType;
  index: number;
  name?: string;
  action: ClusterNetworkPolicyAction;
  ports: readonly ClusterNetworkPolicyPort[] | undefined;
  peers: CompiledClusterPeer[];
  /** Union of the peers' pods. */
  peerPods: Bitset;
}

export interface CompiledClusterPolicy {
  /** Position in evaluation order (tier, priority, name). */
  index: number;
  /** `ClusterNetworkPolicy name`. */
  id: string;
  name: string;
  tier: ClusterNetworkPolicyTier;
  priority: number;
  policy: ClusterNetworkPolicy;
  subjects: Bitset;
  ingress: CompiledClusterRule[];
  egress: CompiledClusterRule[];
}

/** Per pod and direction, the cluster policies that apply, in evaluation order, by tier. */
export interface TierLists {
  Admin: number[];
  Baseline: number[];
}

export function ipBlockMatches(block: CompiledIpBlock, ip: ParsedIp): boolean {
  return cidrContains(block.cidr, ip) && !block.except.some((e) => cidrContains(e, ip));
}

function describePeer(peer: ApplicationNetworkPolicyPeer, policyNamespace: string): string {
  if (peer.domainNames) return `domains ${peer.domainNames.join(', ')}`;
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
  /** ClusterNetworkPolicies in evaluation order (Admin before Baseline, then priority, then name). */
  readonly clusterPolicies: CompiledClusterPolicy[] = [];
  /** Per pod: cluster policies with ingress / egress rules whose subject includes the pod. */
  readonly clusterIngress: TierLists[];
  readonly clusterEgress: TierLists[];
  readonly all: Bitset;
  readonly hostPods: Bitset;
  /** Pods with an IPv4 address, sorted by it, so an ipBlock is a binary search, not a scan. */
  private readonly v4Sorted: { ips: Float64Array; pods: Int32Array };
  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly nonHostPodsByNs = new Map<string, number[]>();
  private readonly cache = new Map<string, Bitset>();

  constructor(
    readonly inventory: ClusterInventory,
    policies: readonly AnyNetworkPolicy[],
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
    this.clusterIngress = Array.from({ length: n }, () => ({ Admin: [], Baseline: [] }));
    this.clusterEgress = Array.from({ length: n }, () => ({ Admin: [], Baseline: [] }));
    const cluster: ClusterNetworkPolicy[] = [];
    for (const policy of policies) {
      if (policy.kind === 'ClusterNetworkPolicy') cluster.push(policy);
      else this.addPolicy(policy);
    }
    const tierRank = (t: ClusterNetworkPolicyTier) => CNP_TIERS.indexOf(t);
    cluster
      .sort(
        (a, b) =>
          tierRank(a.spec.tier) - tierRank(b.spec.tier) ||
          a.spec.priority - b.spec.priority ||
          (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
      )
      .forEach((policy) => this.addClusterPolicy(policy));
  }

  /** Labels of a namespace; one missing from the inventory still has its name label. */
  labelsOfNamespace(ns: string): Labels {
    return this.namespaceLabels.get(ns) ?? { [NAMESPACE_NAME_LABEL]: ns };
  }

  private namespaces(): string[] {
    return [...new Set([...this.namespaceLabels.keys(), ...this.nonHostPodsByNs.keys()])];
  }

  /** Non-host pods of `namespaces` matching the pod selector (absent: all of them). */
  private podsMatching(namespaces: readonly string[], podSelector: LabelSelector | undefined, cacheKey: string): Bitset {
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

  private namespacesMatching(selector: LabelSelector): string[] {
    return this.namespaces().filter((ns) => selectorMatches(selector, this.labelsOfNamespace(ns)));
  }

  /** Adds to `pods` every pod whose address is in the block (host-network pods included). */
  private addPodsInBlock(block: CompiledIpBlock, pods: Bitset): void {
    const { cidr } = block;
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
  }

  private compilePeer(peer: ApplicationNetworkPolicyPeer, index: number, policyNs: string): CompiledPeer {
    const description = describePeer(peer, policyNs);
    if (peer.domainNames) return { index, peer, pods: new Bitset(this.pods.length), domainNames: peer.domainNames, description };
    if (peer.ipBlock) {
      const cidr = parseCidr(peer.ipBlock.cidr);
      const pods = new Bitset(this.pods.length);
      // An unparsable block (only possible for unvalidated input) matches nothing.
      if (!cidr) return { index, peer, pods, description };
      const block: CompiledIpBlock = {
        cidr,
        except: (peer.ipBlock.except ?? []).map(parseCidr).filter((c): c is ParsedCidr => !!c),
      };
      this.addPodsInBlock(block, pods);
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
    rules: ReadonlyArray<{ ports?: NetworkPolicyPort[]; from?: ApplicationNetworkPolicyPeer[]; to?: ApplicationNetworkPolicyPeer[] }>,
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

  private addPolicy(policy: NetworkPolicy | ApplicationNetworkPolicy): void {
    const index = this.policies.length;
    const ns = policy.metadata.namespace;
    const selected = this.podsMatching([ns], policy.spec.podSelector, `in:${ns}|${selectorKey(policy.spec.podSelector)}`);
    const types = policy.spec.policyTypes;
    const compiled: CompiledPolicy = {
      index,
      id: policy.kind === 'ApplicationNetworkPolicy' ? applicationPolicyId(policy) : policyId(policy),
      kind: policy.kind,
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

  /** Non-host pods of namespaces matching `namespaces`, or matching a NamespacedPod. */
  private podsOfNamespacedSelector(sel: { namespaces?: LabelSelector; pods?: NamespacedPod }): Bitset | undefined {
    if (sel.namespaces) {
      const key = `ns:${selectorKey(sel.namespaces)}|*`;
      return this.podsMatching(this.namespacesMatching(sel.namespaces), undefined, key);
    }
    if (sel.pods) {
      const key = `ns:${selectorKey(sel.pods.namespaceSelector)}|${selectorKey(sel.pods.podSelector)}`;
      return this.podsMatching(this.namespacesMatching(sel.pods.namespaceSelector), sel.pods.podSelector, key);
    }
    return undefined;
  }

  /** Addresses of nodes whose labels match: nodes[].ip and the hostIP of pods scheduled on them. */
  private nodeAddresses(selector: LabelSelector): Set<string> {
    const names = new Set(this.inventory.nodes.filter((n) => selectorMatches(selector, n.labels ?? {})).map((n) => n.name));
    const out = new Set<string>();
    for (const [ip, node] of this.nodeByIp) if (names.has(node)) out.add(ip);
    return out;
  }

  private compileClusterPeer(peer: ClusterNetworkPolicyEgressPeer, index: number): CompiledClusterPeer {
    const n = this.pods.length;
    const selected = this.podsOfNamespacedSelector(peer);
    if (selected) {
      const description = peer.namespaces
        ? `pods in namespaces ${selectorToString(peer.namespaces)}`
        : `pods ${selectorToString(peer.pods!.podSelector)} in namespaces ${selectorToString(peer.pods!.namespaceSelector)}`;
      return { index, pods: selected, networks: [], nodeIps: new Set(), domainNames: [], description };
    }
    const pods = new Bitset(n);
    if (peer.networks) {
      const networks = peer.networks.map(parseCidr).filter((c): c is ParsedCidr => !!c).map((cidr) => ({ cidr, except: [] }));
      for (const block of networks) this.addPodsInBlock(block, pods);
      return { index, pods, networks, nodeIps: new Set(), domainNames: [], description: `networks ${peer.networks.join(', ')}` };
    }
    if (peer.nodes) {
      const nodeIps = this.nodeAddresses(peer.nodes);
      for (const ip of nodeIps) for (const p of this.podsByIp.get(ip) ?? []) pods.add(p);
      return { index, pods, networks: [], nodeIps, domainNames: [], description: `nodes ${selectorToString(peer.nodes)}` };
    }
    if (peer.domainNames) {
      return { index, pods, networks: [], nodeIps: new Set(), domainNames: peer.domainNames, description: `domains ${peer.domainNames.join(', ')}` };
    }
    // A peer with no known field (only possible for unvalidated input) matches nothing.
    return { index, pods, networks: [], nodeIps: new Set(), domainNames: [], description: 'an empty peer' };
  }

  private addClusterPolicy(policy: ClusterNetworkPolicy): void {
    const index = this.clusterPolicies.length;
    const n = this.pods.length;
    const subjects = this.podsOfNamespacedSelector(policy.spec.subject) ?? new Bitset(n);
    const compileRule = (
      direction: PolicyType,
      rule: { name?: string; action: ClusterNetworkPolicyAction; ports?: ClusterNetworkPolicyPort[] },
      peerList: readonly ClusterNetworkPolicyEgressPeer[],
      ri: number,
    ): CompiledClusterRule => {
      const peers = peerList.map((p, k) => this.compileClusterPeer(p, k));
      const peerPods = new Bitset(n);
      for (const p of peers) peerPods.orInPlace(p.pods);
      return { direction, index: ri, ...(rule.name ? { name: rule.name } : {}), action: rule.action, ports: rule.ports, peers, peerPods };
    };
    const compiled: CompiledClusterPolicy = {
      index,
      id: clusterPolicyId(policy),
      name: policy.metadata.name,
      tier: policy.spec.tier,
      priority: policy.spec.priority,
      policy,
      subjects,
      ingress: (policy.spec.ingress ?? []).map((r, i) => compileRule('Ingress', r, r.from, i)),
      egress: (policy.spec.egress ?? []).map((r, i) => compileRule('Egress', r, r.to, i)),
    };
    this.clusterPolicies.push(compiled);
    subjects.forEach((pod) => {
      // Host-network pods are never subjects (upstream ClusterNetworkPolicySubject doc comment).
      if (this.pods[pod]!.hostNetwork) return;
      if (compiled.ingress.length) this.clusterIngress[pod]![compiled.tier].push(index);
      if (compiled.egress.length) this.clusterEgress[pod]![compiled.tier].push(index);
    });
  }
}
