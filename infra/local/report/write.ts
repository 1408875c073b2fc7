/**
 * Writes `report.html` for `replay`, `demo` and `report`: gathers what the pipeline produced
 * and what the flow input shows (observed edges with their pod pairs, advice over them),
 * builds the report model (shared/report/model.ts) and inlines the browser bundle.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BehaviorAnomaly, EnforcementAction } from '#shared/events/schema';
import type { ClusterInventory } from '#shared/inventory/cluster';
import type { NetworkConfig } from '#shared/flows/config';
import { advise, renderPolicyYaml } from '#shared/netpol/advise';
import { observeFlows } from '#shared/netpol/advise/observe';
import { validateNetworkPolicy } from '#shared/netpol/validate';
import type { AnyNetworkPolicy } from '#shared/netpol-api/cluster-types';
import { buildReportModel, policyKey, type ReportModel } from '#shared/report/model';
import { renderReportHtml } from '#shared/report/html';
import { errorMessage } from '#shared/errors';
import { ANNOTATIONS } from '#shared/enforce/types';
import type { NetworkPolicy } from '#shared/netpol-api/types';
import { edgesFromStored } from '#shared/flows/stored-edges';
import type { NamesByAddress } from '#shared/dns/resolver-log';
import { DEFAULT_NETWORK_CONFIG } from '#shared/flows/config';
import { CidrSet, networkOf } from '#shared/inventory/net';
import type { StoredEdge } from '#shared/flows/graph-store';
import { readLines } from '../input/files';
import type { Outputs } from '../outputs';

export const REPORT_FILE = 'report.html';

/** The browser bundle: next to the bundled CLI (dist/), or in dist/ when run from source. */
export function reportClientScript(): string {
  const candidates = [join(__dirname, 'report-client.js'), resolve(__dirname, '..', '..', '..', 'dist', 'report-client.js')];
  for (const c of candidates) if (existsSync(c)) return readFileSync(c, 'utf8');
  throw new Error(`the report's browser bundle is missing (looked for ${candidates.join(', ')}): run npm run bundle`);
}

export interface ReportSources {
  cluster: string;
  inventory?: ClusterInventory | undefined;
  flowFiles: readonly string[];
  network?: Partial<NetworkConfig> | undefined;
  /** Names per address from DNS query logs (`--dns`): external destinations are shown by name. */
  dnsNames?: NamesByAddress | undefined;
  /** Flow-graph edges read from a kept state (`report --state`), instead of flow files. */
  storedEdges?: readonly StoredEdge[] | undefined;
  /** Policies in force on the cluster (`--policies`), besides enforcement's own. */
  clusterPolicies?: readonly AnyNetworkPolicy[] | undefined;
  now?: Date | undefined;
}

async function* linesOf(file: string): AsyncGenerator<string> {
  for await (const { line } of readLines(file)) yield line;
}

/**
 * The inventory as enforcement leaves it: a quarantine relabels its pod (the quarantine label
 * on, every other label off) so that its deny-all policy selects it; the current view must see
 * the pod as it would be, or the quarantine would seem to select nothing.
 */
export function withQuarantineLabels(inventory: ClusterInventory, policies: readonly NetworkPolicy[]): ClusterInventory {
  const relabel = new Map<string, Record<string, string>>();
  for (const p of policies) {
    const pod = p.metadata.annotations?.[ANNOTATIONS.pod];
    const labels = (p.spec as { podSelector?: { matchLabels?: Record<string, string> } }).podSelector?.matchLabels;
    if (pod && labels) relabel.set(`${p.metadata.namespace}/${pod}`, { ...labels });
  }
  if (!relabel.size) return inventory;
  return { ...inventory, pods: inventory.pods.map((pod) => {
    const labels = relabel.get(`${pod.namespace}/${pod.name}`);
    return labels ? { ...pod, labels } : pod;
  }) };
}

/** What a run produced that the page shows: the pipeline's outputs, or the same read from a state. */
export type ReportRun = Pick<Outputs, 'policies'> & { anomalies: ReadonlyArray<{ detail: unknown }>; enforcement: ReadonlyArray<{ detail: unknown }> };

/** The model of one run; advice only when there are flows and an inventory. */
export async function reportModelOf(out: ReportRun, src: ReportSources): Promise<{ model: ReportModel; notes: string[] }> {
  const notes: string[] = [];
  const policyYaml = new Map<string, string>();
  const current: AnyNetworkPolicy[] = [...(src.clusterPolicies ?? [])];
  for (const m of out.policies) {
    const v = validateNetworkPolicy(m, { eks: false });
    if (!v.policy) {
      notes.push(`enforcement policy ${m.metadata.namespace}/${m.metadata.name} left out of the report: ${v.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    current.push(v.policy);
    policyYaml.set(policyKey(v.policy), renderPolicyYaml(m));
  }
  let edges: Awaited<ReturnType<typeof observeFlows>>['edges'] = [];
  let advised: AnyNetworkPolicy[] | undefined;
  if (src.inventory && src.storedEdges) {
    const fromState = edgesFromStored(src.storedEdges, src.inventory);
    edges = fromState.edges;
    if (fromState.unresolved.length) notes.push(`${fromState.unresolved.length} flow end(s) of the state are not in its latest inventory; their edges are left out (${fromState.unresolved.slice(0, 5).join(', ')}${fromState.unresolved.length > 5 ? ', ...' : ''})`);
    for (const s of fromState.skipped) notes.push(`flow edge ${s.edge} left out: ${s.reason}`);
  } else if (src.inventory && src.flowFiles.length) {
    const observed = await observeFlows(src.flowFiles.map((f) => ({ name: f, lines: linesOf(f) })), src.inventory, { ...(src.network ? { network: src.network } : {}) });
    edges = observed.edges;
  }
  if (src.inventory && (src.flowFiles.length || src.storedEdges)) {
    try {
      const advice = advise(src.inventory, edges);
      advised = advice.policies;
      for (const f of advice.files) policyYaml.set(`${f.namespace}/${f.name}`, f.content);
    } catch (err) {
      notes.push(`no advice in the report: ${errorMessage(err)}`);
    }
  } else if (!src.inventory && src.flowFiles.length) notes.push('no cluster inventory: the report shows no connections (pass --cluster)');
  const net = { ...DEFAULT_NETWORK_CONFIG, ...src.network };
  // Names grouped the way the flow graph groups external addresses, so they land on its nodes.
  const vpc = new CidrSet(net.vpcCidrs);
  const externalNames = src.dnsNames?.namesBy((ip) => (vpc.match(ip) ? undefined : `ext:${networkOf(ip, net.externalPrefixV4, net.externalPrefixV6)}`));
  const model = buildReportModel({
    cluster: src.cluster,
    generatedAt: src.now ?? new Date(),
    anomalies: out.anomalies.map((e) => e.detail as BehaviorAnomaly),
    actions: out.enforcement.map((e) => e.detail as EnforcementAction),
    ...(src.inventory ? { inventory: withQuarantineLabels(src.inventory, out.policies) } : {}),
    edges,
    currentPolicies: current,
    ...(advised ? { advisedPolicies: advised } : {}),
    policyYaml,
    ...(externalNames ? { externalNames } : {}),
  });
  return { model, notes };
}

/** Writes `<outDir>/report.html`; returns its path. */
export async function writeReport(outDir: string, out: ReportRun, src: ReportSources): Promise<{ path: string; notes: string[] }> {
  const { model, notes } = await reportModelOf(out, src);
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, REPORT_FILE);
  writeFileSync(path, renderReportHtml(model, { script: reportClientScript() }));
  return { path, notes };
}
