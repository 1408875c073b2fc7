/**
 * `replay` and `demo` share this pipeline: start the embedded runtime, feed recorded input
 * through the real handlers, wait for every routed event, and collect the outputs.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { BoundwatchConfig } from '#shared/config';
import { DetailType, SEVERITIES, type EnforcementMode } from '#shared/events/schema';
import { emptyReport, type AuditIngestReport } from '#shared/ingest/audit';
import { auditPayloadsFromFile } from './input/audit-input';
import { expandPaths, fileSize } from './input/files';
import type { Outputs, Summary } from './outputs';
import { startLocalRuntime, type LocalRuntime } from './runtime';

export interface PipelineInput {
  auditFiles: string[];
  flowFiles: string[];
  clusterFile?: string;
}

export interface PipelineOptions {
  config: BoundwatchConfig;
  enforce: EnforcementMode;
  statePath?: string;
  kubeconfig?: string;
  /** Show a progress bar on stderr (only drawn on a terminal). */
  progress?: boolean;
  now?: () => Date;
}

function mergeCounts(into: Record<string, number>, from: Partial<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + (v ?? 0);
}

/** Accumulates per-payload reports into one. */
export function mergeReports(reports: Iterable<AuditIngestReport>): AuditIngestReport & { distinctPrincipals: number } {
  const total = emptyReport();
  const principals = new Set<string>();
  for (const r of reports) {
    total.payloads += r.payloads;
    total.controlMessages += r.controlMessages;
    total.received += r.received;
    total.accepted += r.accepted;
    mergeCounts(total.rejected as Record<string, number>, r.rejected);
    mergeCounts(total.ignored, r.ignored);
    total.redelivered += r.redelivered;
    total.anomalies.push(...r.anomalies);
    for (const k of r.principalKeys) principals.add(k);
  }
  return { ...total, distinctPrincipals: principals.size };
}

export async function runPipeline(input: PipelineInput, opts: PipelineOptions): Promise<Outputs> {
  const started = Date.now();
  const auditFiles = expandPaths(input.auditFiles, 'audit');
  const totalBytes = auditFiles.reduce((n, f) => n + fileSize(f), 0);
  const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 'replay |{bar}| {percentage}% {value}/{total} bytes {payloads} payloads', stream: process.stderr }, Presets.shades_classic) : undefined;
  const runtime: LocalRuntime = await startLocalRuntime({
    config: opts.config,
    enforce: opts.enforce,
    statePath: opts.statePath,
    kubeconfig: opts.kubeconfig,
    now: opts.now,
  });
  const reports: AuditIngestReport[] = [];
  try {
    // Actions that expired since the last run (--state) are reverted first, and again at the end.
    await runtime.revertDue();
    bar?.start(totalBytes, 0, { payloads: 0 });
    let done = 0;
    for (const file of auditFiles) {
      for await (const payload of auditPayloadsFromFile(file, { cluster: runtime.cluster, onBytes: (n) => bar?.update((done += n), { payloads: reports.length }) })) {
        reports.push(await runtime.ingestAudit(payload));
      }
    }
    bar?.stop();
    await runtime.drain();
    if ((await runtime.revertDue()) > 0) await runtime.drain();
    return collectOutputs(runtime, reports, Date.now() - started);
  } finally {
    bar?.stop();
    await runtime.stop();
  }
}

function collectOutputs(runtime: LocalRuntime, reports: AuditIngestReport[], wallTimeMs: number): Outputs {
  const merged = mergeReports(reports);
  const anomalies = runtime.bus.events.filter((e) => e['detail-type'] === DetailType.anomaly);
  const enforcement = runtime.bus.events.filter((e) => e['detail-type'] === DetailType.enforcement);
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
      rejected: merged.rejected as Record<string, number>,
      ignored: merged.ignored,
    },
    principals: merged.distinctPrincipals,
    anomalies: { total: anomalies.length, bySeverity, byCategory },
    actions: { total: enforcement.length, byKind, byOutcome },
    dynamodb: { reads: runtime.counter.reads, writes: runtime.counter.writes },
    failedDeliveries: runtime.bus.failedDeliveries.length,
    wallTimeMs,
  };
  return { anomalies, enforcement, policies: [...runtime.policies], summary };
}
