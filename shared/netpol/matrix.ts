/**
 * The full pod × pod reachability matrix for one port and protocol, as set operations over the
 * compiled model rather than a rule walk per pair:
 * - egress row of source s: all pods when s is not egress-isolated (or host network), else the
 *   union over its policies' egress rules of (rule peers ∩ destinations whose port matches);
 * - ingress column of destination d: all pods when d is not isolated, else the union of the
 *   matching rules' peers plus host-network pods on d's own node; columns are transposed;
 * - a pair is allowed when both hold. Pairs sharing an address (a pod and itself, or two
 *   host-network pods on one node) are loopback: reported as undefined, never as allowed.
 * With ClusterNetworkPolicies a row (or column) walks the tiers as sets: each Admin rule in
 * evaluation order claims the peers it matches that no earlier rule claimed (Accept, Deny or
 * Pass); peers left unclaimed or passed go to the NetworkPolicy tier if the pod is isolated
 * there, else to the Baseline walk, whose unclaimed peers are allowed by default. Rows are
 * cached per combination of policy lists, which pods share.
 * Tested against the explaining evaluator on random clusters (they share one model).
 */
import { Bitset } from './bitset';
import type { CompiledClusterRule, CompiledModel, CompiledPolicy, CompiledRule, TierLists } from './model';
import { classifyClusterPorts, classifyPorts, resolveNamedPort } from './ports';
import type { Protocol } from '#shared/netpol-api/types';

export interface ReachabilityMatrix {
  port: number;
  protocol: Protocol;
  /** Pod ids (`ns/name`), in inventory order; rows and columns use these indices. */
  pods: string[];
  /** rows[s] holds the destinations s may connect to (loopback pairs excluded). */
  rows: Bitset[];
  /** Pairs [s, d] whose answer is undefined (same address): each pod with itself, at least. */
  undefinedPairs: Array<[number, number]>;
  allowed(s: number, d: number): boolean | 'undefined';
  /** Number of allowed (s, d) pairs. */
  countAllowed(): number;
}

export function computeMatrix(model: CompiledModel, port: number, protocol: Protocol): ReachabilityMatrix {
  const n = model.pods.length;

  // Destinations (non-host pods) whose container port named `name` is this port/protocol.
  const namedCache = new Map<string, Bitset>();
  const podsWithNamedPort = (name: string): Bitset => {
    let set = namedCache.get(name);
    if (!set) {
      set = new Bitset(n);
      for (const pod of model.pods) {
        if (!pod.hostNetwork && resolveNamedPort(name, protocol, pod.ports) === port) set.add(pod.index);
      }
      namedCache.set(name, set);
    }
    return set;
  };
  const portClass = (rule: CompiledRule) => classifyPorts(rule.ports, port, protocol);

  // Egress: per policy, the destinations its rules allow (rules are the same for every source).
  const policyEgress = new Map<number, Bitset>();
  const egressOf = (policy: CompiledPolicy): Bitset => {
    let set = policyEgress.get(policy.index);
    if (set) return set;
    set = new Bitset(n);
    for (const rule of policy.egress ?? []) {
      const { matchesAll, names } = portClass(rule);
      if (matchesAll) set.orInPlace(rule.peerPods);
      else for (const name of names) set.orAnd(rule.peerPods, podsWithNamedPort(name));
    }
    policyEgress.set(policy.index, set);
    return set;
  };

  // Ingress: per policy, the sources its rules allow, for rules whose ports match on every
  // destination; rules with named ports are resolved per destination below.
  const policyIngress = new Map<number, { uniform: Bitset; named: Array<{ rule: CompiledRule; names: string[] }> }>();
  const ingressOf = (policy: CompiledPolicy) => {
    let entry = policyIngress.get(policy.index);
    if (entry) return entry;
    entry = { uniform: new Bitset(n), named: [] };
    for (const rule of policy.ingress ?? []) {
      const { matchesAll, names } = portClass(rule);
      if (matchesAll) entry.uniform.orInPlace(rule.peerPods);
      else if (names.length) entry.named.push({ rule, names });
    }
    policyIngress.set(policy.index, entry);
    return entry;
  };

  const hasTiers = (t: TierLists) => t.Admin.length > 0 || t.Baseline.length > 0;

  /**
   * One tier's walk: each rule, in order, claims the peers it matches that no earlier rule
   * claimed. Returns what was accepted, denied and passed, and what was claimed at all.
   */
  const walkTier = (policyIdx: readonly number[], direction: 'ingress' | 'egress', peersOf: (rule: CompiledClusterRule) => Bitset | undefined) => {
    const claimed = new Bitset(n);
    const accept = new Bitset(n);
    const deny = new Bitset(n);
    const pass = new Bitset(n);
    for (const pi of policyIdx) {
      for (const rule of model.clusterPolicies[pi]![direction]) {
        const m = peersOf(rule);
        if (!m) continue;
        const target = rule.action === 'Accept' ? accept : rule.action === 'Deny' ? deny : pass;
        target.orAndNot(m, claimed);
        claimed.orInPlace(m);
      }
    }
    return { claimed, accept, deny, pass };
  };

  /**
   * A direction through the tiers, as the set of peers allowed: Admin decisions, then the
   * NetworkPolicy tier (`npAllowed`, undefined when not isolated there), then Baseline, then
   * the default.
   */
  const throughTiers = (tiers: TierLists, direction: 'ingress' | 'egress', peersOf: (rule: CompiledClusterRule) => Bitset | undefined, npAllowed: Bitset | undefined): Bitset => {
    const admin = walkTier(tiers.Admin, direction, peersOf);
    const allowed = admin.accept;
    // Not decided by the Admin tier: unclaimed, or passed on.
    const remaining = Bitset.full(n).andNotInPlace(admin.claimed).orInPlace(admin.pass);
    if (npAllowed) return allowed.orAnd(remaining, npAllowed);
    const baseline = walkTier(tiers.Baseline, direction, peersOf);
    return allowed.orAndNot(remaining, baseline.deny);
  };

  // Egress peers of a cluster rule for this port: peers whose port matches (named ports per destination).
  const clusterEgressCache = new Map<CompiledClusterRule, Bitset | undefined>();
  const clusterEgressPeers = (rule: CompiledClusterRule): Bitset | undefined => {
    if (clusterEgressCache.has(rule)) return clusterEgressCache.get(rule);
    const { matchesAll, names } = classifyClusterPorts(rule.ports, port, protocol);
    let set: Bitset | undefined;
    if (matchesAll) set = rule.peerPods;
    else if (names.length) {
      set = new Bitset(n);
      for (const name of names) set.orAnd(rule.peerPods, podsWithNamedPort(name));
    }
    clusterEgressCache.set(rule, set);
    return set;
  };

  // Destinations that accept everything: host-network pods and pods not ingress-isolated.
  const openDst = new Bitset(n);
  const isolatedDst: number[] = [];
  const tieredDst: number[] = [];
  for (const pod of model.pods) {
    if (pod.hostNetwork) openDst.add(pod.index);
    else if (hasTiers(model.clusterIngress[pod.index]!)) tieredDst.push(pod.index);
    else if (model.ingressPolicies[pod.index]!.length === 0) openDst.add(pod.index);
    else isolatedDst.push(pod.index);
  }
  // Host-network pods by the node addresses they speak from (for "from its own node").
  const hostByAddress = new Map<string, number[]>();
  for (const pod of model.pods) {
    for (const a of pod.hostAddresses) {
      const list = hostByAddress.get(a) ?? [];
      list.push(pod.index);
      hostByAddress.set(a, list);
    }
  }

  const ingressRows = Array.from({ length: n }, () => openDst.clone());
  /** Sources the NetworkPolicy tier allows into an isolated destination (own node included). */
  const networkPolicyColumn = (d: number, column: Bitset): Bitset => {
    column.words.fill(0);
    const dst = model.pods[d]!;
    for (const pi of model.ingressPolicies[d]!) {
      const entry = ingressOf(model.policies[pi]!);
      column.orInPlace(entry.uniform);
      for (const { rule, names } of entry.named) {
        if (names.some((name) => resolveNamedPort(name, protocol, dst.ports) === port)) column.orInPlace(rule.peerPods);
      }
    }
    for (const a of dst.nodeIps) for (const h of hostByAddress.get(a) ?? []) column.add(h);
    return column;
  };
  const column = new Bitset(n);
  for (const d of isolatedDst) networkPolicyColumn(d, column).forEach((s) => ingressRows[s]!.add(d));
  for (const d of tieredDst) {
    const dst = model.pods[d]!;
    // Ingress rule ports are matched on the destination, so named ports resolve on d.
    const peersOf = (rule: CompiledClusterRule): Bitset | undefined => {
      const { matchesAll, names } = classifyClusterPorts(rule.ports, port, protocol);
      return matchesAll || names.some((name) => resolveNamedPort(name, protocol, dst.ports) === port) ? rule.peerPods : undefined;
    };
    const np = model.ingressPolicies[d]!.length ? networkPolicyColumn(d, new Bitset(n)) : undefined;
    throughTiers(model.clusterIngress[d]!, 'ingress', peersOf, np).forEach((s) => ingressRows[s]!.add(d));
  }

  // Egress through the tiers, shared by sources with the same policy lists.
  const tieredEgress = new Map<string, Bitset>();
  const rows = new Array<Bitset>(n);
  for (const src of model.pods) {
    const s = src.index;
    const policies = model.egressPolicies[s]!;
    const tiers = model.clusterEgress[s]!;
    let row: Bitset;
    if (!src.hostNetwork && hasTiers(tiers)) {
      const key = `${tiers.Admin.join(',')}|${policies.join(',')}|${tiers.Baseline.join(',')}`;
      let allowed = tieredEgress.get(key);
      if (!allowed) {
        let np: Bitset | undefined;
        if (policies.length) {
          np = new Bitset(n);
          for (const pi of policies) np.orInPlace(egressOf(model.policies[pi]!));
        }
        allowed = throughTiers(tiers, 'egress', clusterEgressPeers, np);
        tieredEgress.set(key, allowed);
      }
      row = allowed.clone().andInPlace(ingressRows[s]!);
    } else if (src.hostNetwork || policies.length === 0) {
      row = ingressRows[s]!;
    } else {
      row = new Bitset(n);
      for (const pi of policies) row.orInPlace(egressOf(model.policies[pi]!));
      row.andInPlace(ingressRows[s]!);
    }
    rows[s] = row;
  }

  // Loopback: the same pod, or distinct pods sharing an address.
  const undefinedPairs: Array<[number, number]> = [];
  const undefinedSet = new Set<number>();
  const byAddress = new Map<string, number[]>();
  for (const pod of model.pods) {
    const key = pod.ip?.text ?? `#${pod.index}`;
    const list = byAddress.get(key) ?? [];
    list.push(pod.index);
    byAddress.set(key, list);
  }
  for (const group of byAddress.values()) {
    for (const s of group) {
      for (const d of group) {
        rows[s]!.delete(d);
        undefinedPairs.push([s, d]);
        undefinedSet.add(s * n + d);
      }
    }
  }

  return {
    port,
    protocol,
    pods: model.pods.map((p) => p.id),
    rows,
    undefinedPairs,
    allowed: (s, d) => (undefinedSet.has(s * n + d) ? 'undefined' : rows[s]!.has(d)),
    countAllowed: () => rows.reduce((sum, r) => sum + r.count(), 0),
  };
}
