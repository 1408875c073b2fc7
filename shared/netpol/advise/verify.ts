/**
 * Checking policies against observed flows with the NetworkPolicy simulator
 * (shared/netpol/evaluate.ts): which observed connections they deny, which rules no observed
 * connection used, and which workload-to-workload paths they allow that were never observed.
 * Policy advice uses it to prove its output before writing it; `netpol audit` reports it for
 * any policy set.
 */
import type { ClusterInventory } from '#shared/inventory/cluster';
import { workloadKey, workloadOf } from '#shared/inventory/workload';
import type { Edge } from '#shared/flows/graph';
import { errorMessage } from '#shared/errors';
import type { ClusterRuleRef, Evaluator, RuleRef, Verdict } from '../evaluate';
import { type AnyNetworkPolicy, applicationPolicyId, clusterPolicyId } from '#shared/netpol-api/cluster-types';
import type { Protocol } from '#shared/netpol-api/types';

export interface CheckedEdge {
  edge: Edge;
  /** Distinct (source, destination) pairs behind the edge. */
  pairs: number;
  allowedPairs: number;
  deniedPairs: number;
  /** Pod to its own address: NetworkPolicy leaves it undefined. */
  loopbackPairs: number;
  /** Records and bytes of the denied pairs. */
  deniedRecords: number;
  deniedBytes: number;
  /** The simulator's reason for the first denied pair. */
  reason?: string;
  example?: { src: string; dst: string };
  /** The Admin-tier Deny rule that decided the first denied pair, when one did (no namespace policy can undo it). */
  adminDeny?: ClusterRuleRef;
}

export interface FlowCheck {
  edges: CheckedEdge[];
  pairs: number;
  allowedPairs: number;
  deniedPairs: number;
  loopbackPairs: number;
  /** Pairs the simulator could not place (should not happen with a matching inventory). */
  errors: Array<{ src: string; dst: string; error: string }>;
  /** How many observed pairs each rule allowed (`ns/name ingress[i]`). */
  ruleHits: Map<string, number>;
}

export const ruleId = (r: RuleRef | ClusterRuleRef): string => `${r.policy} ${r.direction}[${r.rule}]`;

/** The Admin Deny among a pair's verdicts (egress first, as the packet meets it). */
function adminDenyOf(...verdicts: Verdict[]): ClusterRuleRef | undefined {
  for (const v of verdicts) {
    if (v.kind === 'cluster-rule' && v.tier === 'Admin' && v.action === 'Deny') {
      const { policy, tier, priority, direction, rule, action } = v;
      return { policy, tier, priority, direction, rule, action, ...(v.ruleName ? { ruleName: v.ruleName } : {}) };
    }
  }
  return undefined;
}

/**
 * Evaluates every observed pair of every edge. With `namesOf` (DNS names per address), a pair
 * to an external address is asked once per name the address answered for, and is allowed when
 * one of them is: name-based egress allows the addresses its names resolve to.
 */
export function checkObserved(evaluator: Evaluator, edges: readonly Edge[], namesOf?: (ip: string) => readonly string[]): FlowCheck {
  const out: FlowCheck = { edges: [], pairs: 0, allowedPairs: 0, deniedPairs: 0, loopbackPairs: 0, errors: [], ruleHits: new Map() };
  const hit = (r: RuleRef | ClusterRuleRef) => out.ruleHits.set(ruleId(r), (out.ruleHits.get(ruleId(r)) ?? 0) + 1);
  for (const edge of edges) {
    const c: CheckedEdge = { edge, pairs: 0, allowedPairs: 0, deniedPairs: 0, loopbackPairs: 0, deniedRecords: 0, deniedBytes: 0 };
    const pairs = [...(edge.pairs?.values() ?? [])].sort((a, b) => (a.src + a.dst < b.src + b.dst ? -1 : 1));
    for (const p of pairs) {
      c.pairs += 1;
      let ev;
      try {
        ev = evaluator.evaluate(p.src, p.dst, edge.port, edge.protocol);
        if (namesOf && ev.allowed === false && ev.to.kind === 'external') {
          for (const domain of namesOf(p.dst)) {
            const named = evaluator.evaluate(p.src, { domain, ip: p.dst }, edge.port, edge.protocol);
            if (named.allowed === true) {
              ev = named;
              break;
            }
          }
        }
      } catch (err) {
        out.errors.push({ src: p.src, dst: p.dst, error: errorMessage(err) });
        continue;
      }
      if (ev.allowed === 'undefined') c.loopbackPairs += 1;
      else if (ev.allowed) {
        c.allowedPairs += 1;
        for (const v of [ev.egress, ev.ingress]) {
          if (v.kind === 'cluster-rule') hit(v);
          if (v.kind !== 'allowed-by-rule') continue;
          hit(v);
          for (const also of v.also) hit(also);
        }
      } else {
        c.deniedPairs += 1;
        c.deniedRecords += p.records;
        c.deniedBytes += p.bytes;
        if (!c.reason) {
          c.reason = ev.reason;
          c.example = { src: p.src, dst: p.dst };
        }
        const cut = c.adminDeny ? undefined : adminDenyOf(ev.egress, ev.ingress);
        if (cut) c.adminDeny = cut;
      }
    }
    out.pairs += c.pairs;
    out.allowedPairs += c.allowedPairs;
    out.deniedPairs += c.deniedPairs;
    out.loopbackPairs += c.loopbackPairs;
    out.edges.push(c);
  }
  return out;
}

/**
 * Every rule of a policy set, as the simulator names it: `ns/name ingress[i]`,
 * `ApplicationNetworkPolicy ns/name egress[i]`, `ClusterNetworkPolicy name egress[i]`
 * (namespace '' for the cluster-scoped kind). Only Accept rules of ClusterNetworkPolicies are
 * listed: a Deny or Pass rule that no flow met is not "unused" in the blast-radius sense.
 */
export function allRules(policies: readonly AnyNetworkPolicy[]): Array<{ id: string; namespace: string; policy: string; direction: 'ingress' | 'egress'; index: number }> {
  const out: Array<{ id: string; namespace: string; policy: string; direction: 'ingress' | 'egress'; index: number }> = [];
  for (const p of policies) {
    if (p.kind === 'ClusterNetworkPolicy') {
      const id = clusterPolicyId(p);
      for (const [direction, rules] of [['ingress', p.spec.ingress ?? []], ['egress', p.spec.egress ?? []]] as const) {
        rules.forEach((r, i) => {
          if (r.action === 'Accept') out.push({ id: `${id} ${direction}[${i}]`, namespace: '', policy: id, direction, index: i });
        });
      }
      continue;
    }
    const id = p.kind === 'ApplicationNetworkPolicy' ? applicationPolicyId(p) : `${p.metadata.namespace}/${p.metadata.name}`;
    (p.spec.ingress ?? []).forEach((_, i) => out.push({ id: `${id} ingress[${i}]`, namespace: p.metadata.namespace, policy: id, direction: 'ingress', index: i }));
    (p.spec.egress ?? []).forEach((_, i) => out.push({ id: `${id} egress[${i}]`, namespace: p.metadata.namespace, policy: id, direction: 'egress', index: i }));
  }
  return out;
}

export interface UnobservedPath {
  from: string;
  to: string;
  /** The port, or undefined for "any port" (a rule without ports). */
  port?: number;
  protocol: Protocol;
}

/** The (port, protocol) combinations a policy set names explicitly (ranges expanded, capped). */
export function policyPorts(policies: readonly AnyNetworkPolicy[], maxPorts = 512): { ports: Array<{ port: number; protocol: Protocol }>; truncated: boolean } {
  const set = new Map<string, { port: number; protocol: Protocol }>();
  let truncated = false;
  const ranges = (p: AnyNetworkPolicy): Array<{ protocol: Protocol; first: number; last: number }> => {
    if (p.kind === 'ClusterNetworkPolicy') {
      return [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])].flatMap((r) =>
        (r.ports ?? []).flatMap((x) =>
          x.portNumber ? [{ protocol: x.portNumber.protocol, first: x.portNumber.port, last: x.portNumber.port }]
          : x.portRange ? [{ protocol: x.portRange.protocol, first: x.portRange.start, last: x.portRange.end }] : []),
      );
    }
    return [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])].flatMap((r) =>
      (r.ports ?? []).flatMap((x) => (typeof x.port === 'number' ? [{ protocol: x.protocol, first: x.port, last: x.endPort ?? x.port }] : [])),
    );
  };
  for (const p of policies) {
    for (const port of ranges(p)) {
      for (let n = port.first; n <= port.last; n++) {
        if (set.size >= maxPorts) {
          truncated = true;
          break;
        }
        set.set(`${port.protocol}/${n}`, { port: n, protocol: port.protocol });
      }
    }
  }
  const ports = [...set.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
  return { ports, truncated };
}

/**
 * Workload-to-workload paths the policies allow that no observed flow used: the blast radius.
 * Only pairs that policy decides are counted (the source is egress-isolated or the
 * destination ingress-isolated); host-network pods are left out (no policy selects them).
 * `anyPort` adds one probe on a port no rule names, to catch rules that allow every port.
 */
export function unobservedAllowed(
  evaluator: Evaluator,
  inventory: ClusterInventory,
  edges: readonly Edge[],
  ports: ReadonlyArray<{ port: number; protocol: Protocol }>,
  opts: { anyPort?: boolean } = {},
): UnobservedPath[] {
  const model = evaluator.model;
  const wk = inventory.pods.map((p) => workloadKey(workloadOf(p)));
  const host = inventory.pods.map((p) => p.hostNetwork ?? false);
  const observed = new Set(edges.filter((e) => e.srcKind === 'pod' && e.dstKind === 'pod').map((e) => `${e.src}>${e.dst}#${e.port}#${e.protocol}`));
  const found = new Map<string, UnobservedPath>();
  const probes: Array<{ port: number; protocol: Protocol; any: boolean }> = ports.map((p) => ({ ...p, any: false }));
  if (opts.anyPort) {
    const named = new Set(ports.map((p) => p.port));
    let sentinel = 65535;
    while (named.has(sentinel)) sentinel -= 1;
    for (const protocol of ['TCP', 'UDP'] as const) probes.push({ port: sentinel, protocol, any: true });
  }
  for (const probe of probes) {
    const m = evaluator.matrix(probe.port, probe.protocol);
    for (let s = 0; s < m.rows.length; s++) {
      if (host[s]) continue;
      const egressDecided = (model.egressPolicies[s]?.length ?? 0) > 0;
      m.rows[s]?.forEach((d) => {
        if (host[d]) return;
        if (!egressDecided && (model.ingressPolicies[d]?.length ?? 0) === 0) return;
        const from = wk[s] as string;
        const to = wk[d] as string;
        // The any-port probe uses a port nothing names: allowed there means allowed on every port.
        if (!probe.any && observed.has(`${from}>${to}#${probe.port}#${probe.protocol}`)) return;
        const key = `${from}>${to}#${probe.any ? '*' : probe.port}#${probe.protocol}`;
        if (!found.has(key)) found.set(key, { from, to, ...(probe.any ? {} : { port: probe.port }), protocol: probe.protocol });
      });
    }
  }
  return [...found.values()].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : a.from + a.to > b.from + b.to ? 1 : (a.port ?? 0) - (b.port ?? 0) || a.protocol.localeCompare(b.protocol)));
}
