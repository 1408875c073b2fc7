/**
 * The data behind `report.html`: what a person looks at after a replay or the demo. Pure:
 * it takes what the pipeline produced (anomalies, enforcement actions, observed flow edges,
 * the inventory, the policies enforcement applied or planned, optional advice) and decides
 * every verdict with the NetworkPolicy simulator, so the page only draws.
 *
 * Three policy views of the same observed edges:
 * - `current`: the policies given (`--policies`) plus those enforcement applied or planned;
 * - `advised`: `current` plus the advised policies (when advice was computed);
 * each edge carries the simulator's verdict and the reason naming the deciding rule.
 * Allowed paths that no flow used are added (dashed on the page) for the advised view.
 */
import type { BehaviorAnomaly, EnforcementAction } from '../events/schema';
import type { Edge } from '../flows/graph';
import type { ClusterInventory } from '../inventory/cluster';
import { parseWorkloadKey, workloadKey, workloadOf } from '../inventory/workload';
import { createEvaluator, type Evaluation, type Evaluator } from '../netpol/evaluate';
import { checkObserved, policyPorts, unobservedAllowed } from '../netpol/advise/verify';
import { type AnyNetworkPolicy, applicationPolicyId, clusterPolicyId } from '../netpol-api/cluster-types';

export type NodeKind = 'workload' | 'node' | 'vpc' | 'external';

export interface ReportNode {
  id: string;
  label: string;
  kind: NodeKind;
  namespace?: string;
  /** Names seen for an external destination (e.g. from DNS), when known. */
  names?: string[];
  /** Anomalies whose workload is this node. */
  anomalies: number;
  /** Policies (`ns/name`) isolating the workload's pods, per view. */
  policies: { current: string[]; advised: string[] };
}

export interface EdgeVerdict {
  allowed: boolean | 'undefined';
  /** The simulator's reason: the deciding policy and rule, or the isolation that denied it. */
  reason: string;
}

export interface ReportEdge {
  id: string;
  source: string;
  target: string;
  port: number;
  protocol: string;
  /** Observed traffic; 0 for an allowed path nobody used. */
  bytes: number;
  records: number;
  observed: boolean;
  current?: EdgeVerdict;
  advised?: EdgeVerdict;
}

export interface ReportFinding {
  type: string;
  title: string;
  description: string;
  mitre: string[];
  /** What was normal for the principal: the sentence that made this unusual. */
  baseline?: string;
  count?: number;
}

export interface ReportAnomaly {
  id: string;
  time: string;
  severity: BehaviorAnomaly['severity'];
  score: number;
  category: string;
  principal: string;
  principalType: string;
  workload?: string;
  findings: ReportFinding[];
}

export interface ReportAction {
  id: string;
  anomalyId: string;
  action: string;
  target: string;
  mode: string;
  outcome: string;
  reason?: string;
  changes: string[];
  expiresAt?: string;
  /** The command that ends the action early (only for actions that changed something). */
  release?: string;
}

export interface AdviceDiffEntry {
  policy: string;
  /** Observed edges (ids) this policy allows by one of its rules. */
  keeps: string[];
  /** Observed edges (ids) that would be denied once this policy is applied. */
  blocks: string[];
}

export interface ReportModel {
  cluster: string;
  generatedAt: string;
  window?: { start: string; end: string };
  totals: {
    anomalies: number;
    bySeverity: Record<string, number>;
    actions: number;
    byOutcome: Record<string, number>;
    workloads: number;
    edges: number;
    deniedCurrent: number;
    deniedAdvised: number;
  };
  nodes: ReportNode[];
  edges: ReportEdge[];
  anomalies: ReportAnomaly[];
  actions: ReportAction[];
  advice: AdviceDiffEntry[];
  /** The policies of each view, by `ns/name` (for the workload panel). */
  policies: Record<string, { view: 'current' | 'advised'; yaml?: string }>;
  /** Edges of allowed-but-unused paths were cut at this many (the page stays fast). */
  unusedTruncated: boolean;
}

export interface ReportInput {
  cluster: string;
  generatedAt: Date;
  anomalies: readonly BehaviorAnomaly[];
  actions: readonly EnforcementAction[];
  inventory?: ClusterInventory;
  edges: readonly Edge[];
  /** Policies in force: given by the user plus those enforcement applied or would apply. */
  /** In force on the cluster: NetworkPolicies and the EKS kinds (tiers, DNS names) alike. */
  currentPolicies: readonly AnyNetworkPolicy[];
  /** Advised policies (netpol advise over the same flows); the advised view is left out without. */
  advisedPolicies?: readonly AnyNetworkPolicy[];
  /** Rendered YAML per policy `ns/name`, shown in the workload panel. */
  policyYaml?: ReadonlyMap<string, string>;
  /** Names seen for external networks (`ext:<cidr>` → names). */
  externalNames?: ReadonlyMap<string, readonly string[]>;
  /** Upper bound of allowed-but-unused edges drawn. Default 2,000. */
  maxUnusedEdges?: number;
}

const SEVERITY_ORDER = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/** How the simulator names a policy in its reasons, so the page can find the rule that decided. */
export const policyKey = (p: AnyNetworkPolicy): string =>
  p.kind === 'ClusterNetworkPolicy' ? clusterPolicyId(p) : p.kind === 'ApplicationNetworkPolicy' ? applicationPolicyId(p) : `${p.metadata.namespace}/${p.metadata.name}`;
export const edgeId = (src: string, dst: string, port: number, protocol: string): string => `${src}>${dst}:${port}/${protocol}`;

function nodeOf(key: string): Pick<ReportNode, 'id' | 'label' | 'kind' | 'namespace'> {
  const w = parseWorkloadKey(key);
  if (w) return { id: key, label: `${w.name}`, kind: 'workload', namespace: w.namespace };
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  if (kind === 'node') return { id: key, label: rest, kind: 'node' };
  if (kind === 'vpc') return { id: key, label: rest, kind: 'vpc' };
  return { id: key, label: rest, kind: 'external' };
}

/** One verdict per edge: denied when any observed pair is denied (with that pair's reason). */
function verdicts(evaluator: Evaluator, edges: readonly Edge[]): Map<string, EdgeVerdict> {
  const out = new Map<string, EdgeVerdict>();
  const check = checkObserved(evaluator, edges);
  for (const c of check.edges) {
    const id = edgeId(c.edge.src, c.edge.dst, c.edge.port, c.edge.protocol);
    if (c.deniedPairs > 0) out.set(id, { allowed: false, reason: c.reason ?? 'denied' });
    else out.set(id, { allowed: c.allowedPairs > 0 ? true : c.loopbackPairs > 0 ? 'undefined' : true, reason: firstReason(evaluator, c.edge) });
  }
  return out;
}

/** The reason of the first pair of an allowed edge (which rule allowed it). */
function firstReason(evaluator: Evaluator, edge: Edge): string {
  const pair = edge.pairs ? [...edge.pairs.values()].sort((a, b) => (a.src + a.dst < b.src + b.dst ? -1 : 1))[0] : undefined;
  if (!pair) return 'no pod pair recorded for this edge';
  let ev: Evaluation;
  try {
    ev = evaluator.evaluate(pair.src, pair.dst, edge.port, edge.protocol);
  } catch (err) {
    return `not simulated: ${err instanceof Error ? err.message : String(err)}`;
  }
  return ev.reason;
}

function isolatingPolicies(evaluator: Evaluator, inventory: ClusterInventory): Map<string, string[]> {
  const byWorkload = new Map<string, Set<string>>();
  for (const pod of inventory.pods) {
    const key = workloadKey(workloadOf(pod));
    let iso: { ingress: string[]; egress: string[] };
    try {
      iso = evaluator.isolation(`${pod.namespace}/${pod.name}`);
    } catch {
      continue;
    }
    const set = byWorkload.get(key) ?? new Set<string>();
    for (const p of [...iso.ingress, ...iso.egress]) set.add(p);
    byWorkload.set(key, set);
  }
  return new Map([...byWorkload].map(([k, v]) => [k, [...v].sort()]));
}

function anomalyOf(a: BehaviorAnomaly): ReportAnomaly {
  const workload = a.workload?.owner ? `${a.workload.namespace}/${a.workload.owner.kind}/${a.workload.owner.name}` : a.workload ? `${a.workload.namespace}/Pod/${a.workload.pod ?? ''}` : undefined;
  return {
    id: a.id,
    time: a.window.start,
    severity: a.severity,
    score: a.score,
    category: a.category,
    principal: a.principal.name,
    principalType: a.principal.type,
    ...(workload ? { workload } : {}),
    findings: a.findings.map((f) => ({
      type: f.type,
      title: f.title,
      description: f.description,
      mitre: [...(f.mitre ?? [])],
      ...(f.evidence?.baseline ? { baseline: f.evidence.baseline } : {}),
      ...(typeof f.evidence?.count === 'number' ? { count: f.evidence.count } : {}),
    })),
  };
}

function actionOf(a: EnforcementAction): ReportAction {
  const t = a.target;
  const target = `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
  return {
    id: a.id,
    anomalyId: a.anomalyId,
    action: a.action,
    target,
    mode: a.mode,
    outcome: a.outcome,
    ...(a.reason ? { reason: a.reason } : {}),
    changes: [...a.changes],
    ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}),
    // Partial actions keep changes in force until they expire: releasable like applied ones.
    ...(a.outcome === 'applied' || a.partial ? { release: `boundwatch release ${a.id}` } : {}),
  };
}

/** Whether a simulator reason names policy `ns/name` (as a whole word, not a prefix of another name). */
function reasonNames(reason: string, key: string): boolean {
  let i = reason.indexOf(key);
  while (i >= 0) {
    const after = reason[i + key.length];
    if (after === undefined || !/[A-Za-z0-9.-]/.test(after)) return true;
    i = reason.indexOf(key, i + 1);
  }
  return false;
}

export function buildReportModel(input: ReportInput): ReportModel {
  const maxUnused = input.maxUnusedEdges ?? 2000;
  const inventory: ClusterInventory = input.inventory ?? { namespaces: [], pods: [], services: [], nodes: [] };
  const current = createEvaluator(inventory, input.currentPolicies);
  const advisedSet = input.advisedPolicies ? [...input.currentPolicies, ...input.advisedPolicies] : undefined;
  const advised = advisedSet ? createEvaluator(inventory, advisedSet) : undefined;

  const currentVerdicts = verdicts(current, input.edges);
  const advisedVerdicts = advised ? verdicts(advised, input.edges) : undefined;

  const edges: ReportEdge[] = input.edges.map((e) => {
    const id = edgeId(e.src, e.dst, e.port, e.protocol);
    const cur = currentVerdicts.get(id);
    const adv = advisedVerdicts?.get(id);
    return {
      id, source: e.src, target: e.dst, port: e.port, protocol: e.protocol, bytes: e.bytes, records: e.records, observed: true,
      ...(cur ? { current: cur } : {}),
      ...(adv ? { advised: adv } : {}),
    };
  });

  let unusedTruncated = false;
  if (advised && advisedSet) {
    const { ports } = policyPorts(advisedSet);
    const unused = unobservedAllowed(advised, inventory, input.edges, ports);
    const seen = new Set(edges.map((e) => e.id));
    for (const u of unused) {
      if (u.port === undefined) continue;
      const id = edgeId(u.from, u.to, u.port, u.protocol ?? 'TCP');
      if (seen.has(id)) continue;
      if (edges.length - input.edges.length >= maxUnused) {
        unusedTruncated = true;
        break;
      }
      seen.add(id);
      edges.push({ id, source: u.from, target: u.to, port: u.port, protocol: u.protocol ?? 'TCP', bytes: 0, records: 0, observed: false, advised: { allowed: true, reason: 'allowed by the advised policies; no flow used it' } });
    }
  }

  const anomalies = [...input.anomalies].sort((a, b) => (a.window.start < b.window.start ? -1 : a.window.start > b.window.start ? 1 : 0)).map(anomalyOf);
  const anomaliesByWorkload = new Map<string, number>();
  for (const a of anomalies) if (a.workload) anomaliesByWorkload.set(a.workload, (anomaliesByWorkload.get(a.workload) ?? 0) + 1);

  const isoCurrent = isolatingPolicies(current, inventory);
  const isoAdvised = advised ? isolatingPolicies(advised, inventory) : new Map<string, string[]>();
  const nodes = new Map<string, ReportNode>();
  const addNode = (key: string) => {
    if (nodes.has(key)) return;
    const base = nodeOf(key);
    const names = input.externalNames?.get(key);
    nodes.set(key, {
      ...base,
      ...(names?.length ? { names: [...names] } : {}),
      anomalies: anomaliesByWorkload.get(key) ?? 0,
      policies: { current: isoCurrent.get(key) ?? [], advised: isoAdvised.get(key) ?? [] },
    });
  };
  for (const pod of inventory.pods) addNode(workloadKey(workloadOf(pod)));
  for (const e of edges) {
    addNode(e.source);
    addNode(e.target);
  }

  // The advice is applied as a set: each policy keeps the observed connections one of its rules
  // allows, and blocks those the whole set denies where it is one of the isolating policies.
  const advice: AdviceDiffEntry[] = [];
  if (input.advisedPolicies && advised) {
    const observed = edges.filter((e) => e.observed);
    for (const p of input.advisedPolicies) {
      const key = policyKey(p);
      const keeps = observed.filter((e) => e.advised?.allowed === true && reasonNames(e.advised.reason, key)).map((e) => e.id);
      const blocks = observed.filter((e) => e.advised?.allowed === false && e.current?.allowed !== false && reasonNames(e.advised.reason, key)).map((e) => e.id);
      advice.push({ policy: key, keeps, blocks });
    }
  }

  const policies: ReportModel['policies'] = {};
  for (const p of input.currentPolicies) policies[policyKey(p)] = { view: 'current', ...(input.policyYaml?.get(policyKey(p)) ? { yaml: input.policyYaml.get(policyKey(p))! } : {}) };
  for (const p of input.advisedPolicies ?? []) policies[policyKey(p)] = { view: 'advised', ...(input.policyYaml?.get(policyKey(p)) ? { yaml: input.policyYaml.get(policyKey(p))! } : {}) };

  const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, anomalies.filter((a) => a.severity === s).length]));
  const actions = input.actions.map(actionOf);
  const byOutcome: Record<string, number> = {};
  for (const a of actions) byOutcome[a.outcome] = (byOutcome[a.outcome] ?? 0) + 1;
  const times = anomalies.map((a) => a.time);
  return {
    cluster: input.cluster,
    generatedAt: input.generatedAt.toISOString(),
    ...(times.length ? { window: { start: times[0]!, end: times[times.length - 1]! } } : {}),
    totals: {
      anomalies: anomalies.length,
      bySeverity,
      actions: actions.length,
      byOutcome,
      workloads: [...nodes.values()].filter((n) => n.kind === 'workload').length,
      edges: input.edges.length,
      deniedCurrent: edges.filter((e) => e.observed && e.current?.allowed === false).length,
      deniedAdvised: edges.filter((e) => e.observed && e.advised?.allowed === false).length,
    },
    nodes: [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    edges,
    anomalies,
    actions,
    advice,
    policies,
    unusedTruncated,
  };
}
