/**
 * `replay` and `demo` share this pipeline: start the embedded runtime, feed recorded input
 * through the real handlers, wait for every routed event, and collect the outputs.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { BoundwatchConfig } from '#shared/config';
import { DetailType, SEVERITIES, type EnforcementMode } from '#shared/events/schema';
import type { AuditIngestReport } from '#shared/detect/ingest';
import { mergeReports } from '#shared/detect/ingest-report';
import { emptyFlowReport, mergeFlowReports, type FlowIngestReport } from '#shared/flows/ingest';
import { flowPayloadsFromLines } from '#shared/flows/replay';
import { emptyDnsReport, mergeDnsReports, type DnsIngestReport } from '#shared/dns/ingest';
import { readInventoryFile } from './input/netpol';
import { auditPayloadsFromFile } from './input/audit-input';
import { runtimeDeliveriesFromFile } from './input/runtime-input';
import { emptyRuntimeReport, mergeRuntimeReports, type RuntimeIngestReport } from '#shared/runtime/ingest';
import { expandPaths, fileSize, readLines } from './input/files';
import type { Outputs, Summary } from './outputs';
import { startLocalRuntime, type LocalRuntime } from './runtime';
import type { BusEvent } from './bus';

export interface PipelineInput {
  auditFiles: string[];
  flowFiles: string[];
  /** Falco alerts and GuardDuty findings (`--runtime`). */
  runtimeFiles?: string[];
  /** Route 53 Resolver query logs (`--dns`): judged per workload by ingest-dns. */
  dnsFiles?: string[];
  clusterFile?: string | undefined;
}

export interface PipelineOptions {
  config: BoundwatchConfig;
  enforce: EnforcementMode;
  statePath?: string | undefined;
  kubeconfig?: string | undefined;
  /** Show a progress bar on stderr (only drawn on a terminal). */
  progress?: boolean;
  now?: () => Date;
  /** Tests only: the ingest function's write-behind interval (runtime.ts, replayWriteAfterMs). */
  writeAfterMs?: number;
}

export async function runPipeline(input: PipelineInput, opts: PipelineOptions): Promise<Outputs> {
  const started = Date.now();
  const auditFiles = input.auditFiles.length ? expandPaths(input.auditFiles, 'audit') : [];
  const flowFiles = input.flowFiles.length ? expandPaths(input.flowFiles, 'flow') : [];
  const runtimeFiles = input.runtimeFiles?.length ? expandPaths(input.runtimeFiles, 'runtime') : [];
  const dnsFiles = input.dnsFiles?.length ? expandPaths(input.dnsFiles, 'dns') : [];
  // Read before anything starts, so that a bad inventory exits 2 at once.
  const inventory = input.clusterFile ? await readInventoryFile(input.clusterFile) : undefined;
  if (flowFiles.length && !inventory) {
    process.stderr.write('boundwatch: no --cluster inventory: flows resolve to networks only, not to workloads\n');
  }
  const totalBytes = [...auditFiles, ...flowFiles, ...runtimeFiles, ...dnsFiles].reduce((n, f) => n + fileSize(f), 0);
  const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 'replay |{bar}| {percentage}% {value}/{total} bytes {payloads} payloads', stream: process.stderr }, Presets.shades_classic) : undefined;
  const runtime: LocalRuntime = await startLocalRuntime({
    config: opts.config,
    enforce: opts.enforce,
    statePath: opts.statePath,
    kubeconfig: opts.kubeconfig,
    now: opts.now,
    ...(opts.writeAfterMs !== undefined ? { writeAfterMs: opts.writeAfterMs } : {}),
  });
  const reports: AuditIngestReport[] = [];
  let flows = emptyFlowReport();
  let runtimeReport = emptyRuntimeReport();
  let dns = emptyDnsReport();
  try {
    // Actions that expired since the last run (--state) are reverted first, and again at the end.
    await runtime.revertDue();
    // The inventory holds for all recorded flows: stored as a snapshot taken before any of them.
    if (inventory) await runtime.putInventory(inventory, 0);
    let done = 0;
    let payloads = 0;
    const onBytes = (n: number) => bar?.update((done += n), { payloads });
    bar?.start(totalBytes, 0, { payloads: 0 });
    // Runtime signals first, as on AWS, where Falco and GuardDuty report within seconds while
    // audit logs and flow logs arrive minutes later: one delivery at a time, in file order.
    for (const file of runtimeFiles) {
      for await (const d of runtimeDeliveriesFromFile(file, onBytes)) {
        if (d.kind === 'delivery') runtimeReport = mergeRuntimeReports(runtimeReport, await runtime.ingestRuntime(d.event));
        else runtimeReport.ignored['finding-type-not-routed'] = (runtimeReport.ignored['finding-type-not-routed'] ?? 0) + 1;
        payloads += 1;
      }
    }
    for (const file of auditFiles) {
      for await (const payload of auditPayloadsFromFile(file, { cluster: runtime.cluster, onBytes })) {
        reports.push(await runtime.ingestAudit(payload));
        payloads += 1;
      }
    }
    for (const file of flowFiles) {
      flows = mergeFlowReports(flows, await ingestFlowFile(runtime, file, onBytes));
      payloads += 1;
    }
    for (const file of dnsFiles) {
      dns = mergeDnsReports(dns, await ingestDnsFile(runtime, file, onBytes));
      payloads += 1;
    }
    bar?.stop();
    await runtime.drain();
    if ((await runtime.revertDue()) > 0) await runtime.drain();
    for (const r of runtime.routedRuntimeReports) runtimeReport = mergeRuntimeReports(runtimeReport, r);
    return collectOutputs(runtime, reports, flowFiles.length ? flows : undefined, runtimeReport, Date.now() - started, dnsFiles.length ? dns : undefined);
  } finally {
    bar?.stop();
    await runtime.stop();
  }
}

/** One flow file through the ingest-flows handler, as CloudWatch Logs would deliver it. */
async function ingestFlowFile(runtime: LocalRuntime, file: string, onBytes: (n: number) => void): Promise<FlowIngestReport> {
  let report = emptyFlowReport();
  async function* lines(): AsyncGenerator<string> {
    for await (const { line } of readLines(file, onBytes)) yield line;
  }
  for await (const item of flowPayloadsFromLines(lines(), { source: file, timestamp: 0 })) {
    if (item.kind === 'payload') report = mergeFlowReports(report, await runtime.ingestFlows(item.data));
    else report.rejected[item.reason] = (report.rejected[item.reason] ?? 0) + 1;
  }
  return report;
}

/**
 * One query log file through the ingest-dns handler, in CloudWatch Logs payloads; event ids are
 * `<file>:<line>`, so a replay with --state recognises the same file as a redelivery.
 */
async function ingestDnsFile(runtime: LocalRuntime, file: string, onBytes: (n: number) => void): Promise<DnsIngestReport> {
  let report = emptyDnsReport();
  async function* lines(): AsyncGenerator<string> {
    for await (const { line } of readLines(file, onBytes)) yield line;
  }
  for await (const item of flowPayloadsFromLines(lines(), { source: file, timestamp: 0, logGroup: 'boundwatch-replay-dns' })) {
    if (item.kind === 'payload') report = mergeDnsReports(report, await runtime.ingestDns(item.data));
    else report.rejected[item.reason] = (report.rejected[item.reason] ?? 0) + 1;
  }
  return report;
}

/**
 * Each attack sequence once, as last published: a sequence that grew was published again under
 * the same id, and its latest publication holds every signal.
 */
function latestSequences(events: readonly BusEvent[]): BusEvent[] {
  const byId = new Map<string, BusEvent>();
  for (const e of events) byId.set((e.detail as { id: string }).id, e);
  return [...byId.values()].sort((a, b) => ((a.detail as { window: { start: string } }).window.start < (b.detail as { window: { start: string } }).window.start ? -1 : 1));
}

function collectOutputs(runtime: LocalRuntime, reports: AuditIngestReport[], flows: FlowIngestReport | undefined, rt: RuntimeIngestReport, wallTimeMs: number, dns?: DnsIngestReport): Outputs {
  const merged = mergeReports(reports);
  const anomalies = runtime.bus.events.filter((e) => e['detail-type'] === DetailType.anomaly);
  const enforcement = runtime.bus.events.filter((e) => e['detail-type'] === DetailType.enforcement);
  const published = runtime.bus.events.filter((e) => e['detail-type'] === DetailType.sequence);
  const sequences = latestSequences(published);
  const sequencesBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const e of sequences) {
    const d = e.detail as { severity: string };
    sequencesBySeverity[d.severity] = (sequencesBySeverity[d.severity] ?? 0) + 1;
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const byCategory: Record<string, number> = {};
  for (const e of anomalies) {
    const d = e.detail as { severity: string; category: string };
    bySeverity[d.severity] = (bySeverity[d.severity] ?? 0) + 1;
    byCategory[d.category] = (byCategory[d.category] ?? 0) + 1;
  }
  const byKind: Record<string, number> = {};
  const byOutcome: Record<string, number> = {};
  for (const e of enforcement) {
    const d = e.detail as { action: string; outcome: string };
    byKind[d.action] = (byKind[d.action] ?? 0) + 1;
    byOutcome[d.outcome] = (byOutcome[d.outcome] ?? 0) + 1;
  }
  const summary: Summary = {
    events: {
      read: merged.received,
      accepted: merged.accepted,
      rejected: merged.rejected,
      ignored: merged.ignored,
    },
    ...(flows
      ? {
          flows: {
            lines: flows.lines,
            records: flows.records,
            rejected: flows.rejected,
            skipped: flows.skipped,
            networkRejected: flows.networkRejected,
            edges: flows.edges,
            workloads: flows.workloads,
            anomalies: flows.anomalies.length,
          },
        }
      : {}),
    ...(dns ? { dns: { queries: dns.queries, rejected: dns.rejected, unattributed: dns.unattributed, workloads: dns.workloads, redelivered: dns.redelivered, anomalies: dns.anomalies.length } } : {}),
    runtime: {
      received: rt.received,
      signals: rt.signals,
      rejected: rt.rejected,
      ignored: rt.ignored,
      joined: rt.joined,
      unjoined: rt.unjoined,
      unjoinedSignals: rt.unjoinedSignals,
    },
    sequences: { total: sequences.length, published: published.length, redelivered: rt.redelivered, bySeverity: sequencesBySeverity },
    principals: merged.distinctPrincipals,
    anomalies: { total: anomalies.length, bySeverity, byCategory },
    actions: { total: enforcement.length, byKind, byOutcome },
    dynamodb: { reads: runtime.counter.reads, writes: runtime.counter.writes },
    failedDeliveries: runtime.bus.failedDeliveries.length,
    wallTimeMs,
  };
  return { anomalies, enforcement, sequences, policies: [...runtime.policies], summary };
}
