/**
 * Readable reports of `netpol advise` and `netpol audit` (tables on stdout), and their JSON
 * forms (`--json`). Pure: the command line decides where they go.
 */
import Table from 'cli-table3';
import { formatBytes } from '#shared/flows/detect';
import type { FlowIngestReport } from '#shared/flows/ingest';
import type { FlowAudit } from '../audit-flows';
import type { Advice } from './index';
import type { Observed } from './observe';
import type { UnobservedPath } from './verify';
import { inertText } from '#shared/text';

const MAX_ROWS = 25;

function table(head: string[], rows: string[][], color: boolean, colWidths?: number[]): string {
  const t = new Table({ head, style: color ? {} : { head: [], border: [] }, wordWrap: true, ...(colWidths ? { colWidths } : {}) });
  // Cells name workloads and namespaces from the input: no control characters reach the terminal.
  for (const r of rows) t.push(r.map((c) => inertText(c)));
  return t.toString();
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(', ') : 'none';
}

export function inputSummary(r: FlowIngestReport, observed: Pick<Observed, 'window'>): string[] {
  const window = observed.window ? `${new Date(observed.window.from).toISOString()} .. ${new Date(observed.window.to).toISOString()}` : 'no flows';
  return [
    `flows: ${r.lines} lines, ${r.records} records (${window})`,
    `  skipped: ${counts(r.skipped)}; rejected: ${counts(r.rejected)}; REJECTed by the VPC: ${r.networkRejected}`,
    `  direction inferred by: ${counts(r.inferredBy)}`,
  ];
}

const pathPort = (u: UnobservedPath) => (u.port === undefined ? `any/${u.protocol}` : `${u.port}/${u.protocol}`);

function section(title: string, body: string): string {
  return `\n${title}\n${body}\n`;
}

function truncated<T>(list: readonly T[]): { rows: T[]; more: string } {
  return { rows: list.slice(0, MAX_ROWS), more: list.length > MAX_ROWS ? `(${list.length - MAX_ROWS} more; --json lists all)\n` : '' };
}

export function adviceReport(advice: Advice, observed: Observed, opts: { outDir: string; color?: boolean }): string {
  const color = opts.color ?? false;
  let out = inputSummary(observed.report, observed).join('\n') + '\n';
  const byNs = new Map<string, { policies: number; workloads: number }>();
  for (const p of advice.build.policies) {
    const e = byNs.get(p.namespace) ?? { policies: 0, workloads: 0 };
    e.policies += 1;
    if (p.kind === 'workload') e.workloads += 1;
    byNs.set(p.namespace, e);
  }
  const rule = (r: { peers: string[]; ports: Array<{ port: number; endPort?: number; protocol: string }> }) =>
    `${r.ports.map((x) => `${x.port}${x.endPort ? `-${x.endPort}` : ''}/${x.protocol}`).join(' ')} ${r.peers.join(', ')}`;
  const policyRows = advice.build.policies.map((p) => [
    p.kind === 'cluster-default-deny' ? '(cluster)' : p.namespace,
    p.kind === 'cluster-default-deny' ? `${p.name}\n(Baseline ClusterNetworkPolicy)` : p.kind === 'workload-names' ? `${p.name}\n(ApplicationNetworkPolicy)` : p.name,
    p.kind === 'default-deny' || p.kind === 'cluster-default-deny' ? 'deny all' : p.ingress.map(rule).join('\n') || '-',
    p.kind === 'default-deny' ? 'deny all' : p.kind === 'cluster-default-deny' ? `${p.egress.map(rule).join('\n')}\nthen deny all` : p.egress.map(rule).join('\n') || '-',
  ]);
  out += section(`Policies (${advice.files.length} files in ${opts.outDir})`, table(['namespace', 'policy', 'ingress: ports from', 'egress: ports to'], policyRows, color, [14, 34, 51, 51]));
  const c = advice.check;
  out += section(
    'Verified with the simulator',
    `${c.pairs} observed connection pairs: ${c.allowedPairs} allowed, ${c.deniedPairs} denied${c.loopbackPairs ? `, ${c.loopbackPairs} loopback (undefined)` : ''}${c.errors.length ? `, ${c.errors.length} not placed` : ''}` +
      (advice.verified ? ' — every observed flow is allowed' : ' — NOT every observed flow is allowed; nothing written'),
  );
  const unobserved = truncated(advice.unobserved);
  out += section(
    `Allowed but never observed (${advice.unobserved.length} workload paths${advice.portsTruncated ? ', ports truncated' : ''})`,
    advice.unobserved.length
      ? table(['from', 'to', 'port'], unobserved.rows.map((u) => [u.from, u.to, pathPort(u)]), color) + '\n' + unobserved.more
      : 'none: between workloads the policies allow exactly what was observed',
  );
  const wide = advice.build.blocks.filter((b) => !b.cidr.endsWith('/32') && !b.cidr.endsWith('/128'));
  if (wide.length) {
    out += section('Address blocks wider than the addresses seen', table(['workload', 'direction', 'ipBlock', 'addresses seen'], wide.map((b) => [b.workload, b.direction, b.cidr, b.observed.join(', ') || '-']), color));
  }
  if (advice.build.notes.length) out += section('Notes', advice.build.notes.map((n) => `- ${n.text}`).join('\n'));
  if (advice.warnings.length) out += section('Warnings (netpol validate)', advice.warnings.map((w) => `- ${w.file}: ${w.text}`).join('\n'));
  return out;
}

export function adviceJson(advice: Advice, observed: Observed, outDir: string): Record<string, unknown> {
  return {
    outDir,
    input: { ...observed.report, anomalies: undefined, window: observed.window && { from: new Date(observed.window.from).toISOString(), to: new Date(observed.window.to).toISOString() } },
    files: advice.files.map((f) => f.path),
    verification: {
      verified: advice.verified,
      pairs: advice.check.pairs,
      allowed: advice.check.allowedPairs,
      denied: advice.check.deniedPairs,
      loopback: advice.check.loopbackPairs,
      errors: advice.check.errors,
      deniedEdges: advice.check.edges.filter((e) => e.deniedPairs > 0).map((e) => ({ from: e.edge.src, to: e.edge.dst, port: e.edge.port, protocol: e.edge.protocol, reason: e.reason })),
    },
    unobservedAllowed: advice.unobserved,
    blocks: advice.build.blocks,
    notes: advice.build.notes,
    warnings: advice.warnings,
  };
}

export function auditReport(audit: FlowAudit, observed: Observed, opts: { color?: boolean; policies: number } ): string {
  const color = opts.color ?? false;
  let out = inputSummary(observed.report, observed).join('\n') + '\n';
  const t = audit.totals;
  out += `policies: ${opts.policies}; observed connection pairs: ${t.observedPairs}, allowed ${t.allowedPairs}, denied ${t.deniedPairs}\n`;
  out += section(
    'Per namespace',
    table(
      ['namespace', 'pods', 'isolated in/out', 'policies', 'denied flows', 'unused rules', 'unused paths'],
      audit.namespaces.map((n) => [n.namespace, String(n.pods), `${n.ingressIsolated}/${n.egressIsolated}`, String(n.policies), String(n.denied.length), String(n.unusedRules.length), String(n.unusedPaths.length)]),
      color,
    ),
  );
  const denied = audit.namespaces.flatMap((n) => n.denied.map((d) => ({ ns: n.namespace, d })));
  const uniqueDenied = [...new Map(denied.map((x) => [`${x.d.from}>${x.d.to}#${x.d.port}#${x.d.protocol}`, x])).values()];
  const dt = truncated(uniqueDenied);
  out += section(
    `What would break: observed flows the policies deny (${uniqueDenied.length})`,
    uniqueDenied.length
      ? table(['from', 'to', 'port', 'records', 'bytes', 'why'], dt.rows.map(({ d }) => [d.from, d.to, `${d.port}/${d.protocol}`, String(d.records), formatBytes(d.bytes), d.reason]), color) + '\n' + dt.more
      : 'nothing: every observed flow is allowed',
  );
  if (audit.adminCuts.length) {
    // An Admin Deny is not the namespace owner's to fix: show the guardrail and what it cuts on its own.
    const at = truncated(audit.adminCuts);
    out += section(
      `Cut by an Admin-tier ClusterNetworkPolicy Deny, whatever the namespaces allow (${audit.adminCuts.length})`,
      table(['from', 'to', 'port', 'records', 'bytes', 'rule'], at.rows.map((d) => [d.from, d.to, `${d.port}/${d.protocol}`, String(d.records), formatBytes(d.bytes), d.adminDeny ?? '']), color) + '\n' + at.more,
    );
  }
  const paths = audit.namespaces.flatMap((n) => n.unusedPaths);
  const pt = truncated(paths);
  out += section(
    `Blast radius: allowed paths never used (${paths.length} workload paths${audit.portsTruncated ? ', ports truncated' : ''})`,
    paths.length ? table(['from', 'to', 'port'], pt.rows.map((u) => [u.from, u.to, pathPort(u)]), color) + '\n' + pt.more : 'none',
  );
  const rules = [...audit.clusterUnusedRules, ...audit.namespaces.flatMap((n) => n.unusedRules)];
  const rt = truncated(rules);
  out += section(`Rules no observed flow used (${rules.length})`, rules.length ? rt.rows.map((r) => `- ${r}`).join('\n') + '\n' + rt.more : 'none');
  if (audit.errors.length) out += section('Not placed by the simulator', audit.errors.slice(0, MAX_ROWS).map((e) => `- ${e.src} → ${e.dst}: ${e.error}`).join('\n'));
  return out;
}
