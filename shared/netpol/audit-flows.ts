/**
 * `netpol audit`: a policy set measured against observed flows, per namespace (the first step
 * of a lockdown, and the shadow mode before enforcing):
 * - what would break: observed connections the policies deny, with the simulator's reason;
 * - blast radius: workload-to-workload paths the policies allow that no flow ever used, and
 *   rules that no observed connection needed;
 * - where policy decides nothing: pods isolated in neither direction;
 * - what an Admin-tier ClusterNetworkPolicy Deny cuts: observed connections no namespace
 *   policy could restore, with the rule that cuts them (`adminCuts`).
 */
import type { ClusterInventory } from '#shared/inventory/cluster';
import type { Edge } from '#shared/flows/graph';
import { createEvaluator } from './evaluate';
import { allRules, checkObserved, policyPorts, unobservedAllowed, type UnobservedPath } from './advise/verify';
import type { ClusterRuleRef } from './evaluate';
import type { AnyNetworkPolicy } from '#shared/netpol-api/cluster-types';

export interface DeniedFlow {
  from: string;
  to: string;
  port: number;
  protocol: string;
  /** Records and bytes of the denied connections. */
  records: number;
  bytes: number;
  deniedPairs: number;
  pairs: number;
  reason: string;
  example?: { src: string; dst: string };
  /** Set when an Admin-tier Deny decided it: `ClusterNetworkPolicy name egress[i] "rule name"`. */
  adminDeny?: string;
}

export interface NamespaceAudit {
  namespace: string;
  pods: number;
  /** Pods (host network excluded) isolated for ingress / egress by some policy. */
  ingressIsolated: number;
  egressIsolated: number;
  policies: number;
  /** Observed connections into or out of the namespace that the policies deny. */
  denied: DeniedFlow[];
  /** Rules of the namespace's policies that no observed connection used. */
  unusedRules: string[];
  /** Allowed, never-observed paths into the namespace's workloads (port undefined: any port). */
  unusedPaths: UnobservedPath[];
}

export interface FlowAudit {
  namespaces: NamespaceAudit[];
  totals: { observedPairs: number; allowedPairs: number; deniedPairs: number; deniedEdges: number; unusedRules: number; unusedPaths: number };
  /** Observed ends the simulator could not place. */
  errors: Array<{ src: string; dst: string; error: string }>;
  portsTruncated: boolean;
  /** Observed connections an Admin-tier Deny cuts, whatever the namespaces allow. */
  adminCuts: DeniedFlow[];
  /** Accept rules of ClusterNetworkPolicies (cluster-scoped: no namespace row) that no observed connection used. */
  clusterUnusedRules: string[];
}

const describeAdminRule = (r: ClusterRuleRef): string => `${r.policy} ${r.direction}[${r.rule}]${r.ruleName ? ` "${r.ruleName}"` : ''}`;

const nsOfKey = (key: string): string | undefined => (key.includes('/') && !key.includes(':') ? key.split('/')[0] : undefined);

/** `namesOf`: DNS names per external address, so domain-name peers match what their names resolved to. */
export function auditFlows(inventory: ClusterInventory, policies: readonly AnyNetworkPolicy[], edges: readonly Edge[], namesOf?: (ip: string) => readonly string[]): FlowAudit {
  const evaluator = createEvaluator(inventory, policies);
  const check = checkObserved(evaluator, edges, namesOf);
  const { ports, truncated } = policyPorts(policies);
  // Ports that were observed count too: a path may be allowed by a rule without ports.
  const observedPorts = edges.map((e) => ({ port: e.port, protocol: e.protocol }));
  const probePorts = [...new Map([...ports, ...observedPorts].map((p) => [`${p.protocol}/${p.port}`, p])).values()];
  const unused = unobservedAllowed(evaluator, inventory, edges, probePorts, { anyPort: true });

  const namespaced = policies.flatMap((p) => (p.kind === 'ClusterNetworkPolicy' ? [] : [p]));
  const namespaces = new Set<string>([...inventory.namespaces.map((n) => n.name), ...namespaced.map((p) => p.metadata.namespace)]);
  const byNs = new Map<string, NamespaceAudit>();
  const model = evaluator.model;
  for (const ns of [...namespaces].sort()) {
    const pods = model.pods.filter((p) => p.namespace === ns && !p.hostNetwork);
    byNs.set(ns, {
      namespace: ns,
      pods: pods.length,
      ingressIsolated: pods.filter((p) => (model.ingressPolicies[p.index]?.length ?? 0) > 0).length,
      egressIsolated: pods.filter((p) => (model.egressPolicies[p.index]?.length ?? 0) > 0).length,
      policies: namespaced.filter((p) => p.metadata.namespace === ns).length,
      denied: [],
      unusedRules: [],
      unusedPaths: [],
    });
  }
  const adminCuts: DeniedFlow[] = [];
  for (const c of check.edges) {
    if (c.deniedPairs === 0) continue;
    const d: DeniedFlow = {
      from: c.edge.src, to: c.edge.dst, port: c.edge.port, protocol: c.edge.protocol, records: c.deniedRecords, bytes: c.deniedBytes,
      deniedPairs: c.deniedPairs, pairs: c.pairs, reason: c.reason ?? '', ...(c.example ? { example: c.example } : {}),
      ...(c.adminDeny ? { adminDeny: describeAdminRule(c.adminDeny) } : {}),
    };
    if (d.adminDeny) adminCuts.push(d);
    // What breaks matters to both ends' owners.
    for (const ns of new Set([nsOfKey(c.edge.src), nsOfKey(c.edge.dst)])) if (ns) byNs.get(ns)?.denied.push(d);
  }
  const clusterUnusedRules: string[] = [];
  for (const r of allRules(policies)) {
    if (check.ruleHits.has(r.id)) continue;
    if (r.namespace === '') clusterUnusedRules.push(r.id);
    else byNs.get(r.namespace)?.unusedRules.push(r.id);
  }
  for (const u of unused) {
    const ns = nsOfKey(u.to);
    if (ns) byNs.get(ns)?.unusedPaths.push(u);
  }
  const list = [...byNs.values()];
  return {
    namespaces: list,
    totals: {
      observedPairs: check.pairs,
      allowedPairs: check.allowedPairs,
      deniedPairs: check.deniedPairs,
      deniedEdges: check.edges.filter((c) => c.deniedPairs > 0).length,
      unusedRules: list.reduce((n, x) => n + x.unusedRules.length, clusterUnusedRules.length),
      unusedPaths: unused.length,
    },
    errors: check.errors,
    portsTruncated: truncated,
    adminCuts,
    clusterUnusedRules,
  };
}
