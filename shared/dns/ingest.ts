/**
 * DNS ingestion, one batch at a time (a CloudWatch Logs payload of Resolver query log records):
 * parse every line (bad ones counted by reason) → resolve each query's `srcaddr` to a pod
 * through the inventory at query time → judge each workload's lookups against its DNS baseline
 * → publish anomalies → save the baselines.
 *
 * Redelivery is safe: anomalies are recorded and published once (provenance) before baselines
 * are written, and a baseline that already holds the batch id is neither judged nor written.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudWatchLogsData } from '../audit/cloudwatch';
import { DownstreamError } from '../errors';
import { stableId } from '../events/ids';
import type { OutgoingEvent } from '../events/publish';
import { dynamoProvenance, publishAnomaliesOnce } from '../events/provenance';
import type { BehaviorAnomaly } from '../events/schema';
import { decodeFlowPayload } from '../flows/ingest';
import type { PodEndpoint } from '../inventory/resolve';
import type { InventoryProvider } from '../inventory/snapshot-store';
import { workloadKey } from '../inventory/workload';
import { applyDnsBatch, type DnsAlertMark, type Lookup } from './baseline';
import { loadDnsBaselines, saveDnsBaseline, type StoredDnsBaselineItem } from './baseline-store';
import type { DnsConfig } from './config';
import { detectDnsAnomalies } from './detect';
import { registrableDomain } from './names';
import { parseQueryLogLine } from './resolver-log';

export interface DnsIngestDeps {
  dynamo: DynamoDBClient;
  tableName: string;
  cluster: string;
  dns: DnsConfig;
  inventory: InventoryProvider;
  publish(events: OutgoingEvent[]): Promise<unknown>;
  /** Wall clock, for item expiry and provenance only: detection runs on query time. */
  now?: () => number;
}

export interface DnsIngestReport {
  payloads: number;
  controlMessages: number;
  queries: number;
  /** Malformed payloads and records, by reason. */
  rejected: Record<string, number>;
  /** Queries not attributed to a pod: no source address, or a node, VPC or outside address. */
  unattributed: number;
  workloads: number;
  redelivered: number;
  baselinesSaved: number;
  baselinesDamaged: number;
  anomalies: BehaviorAnomaly[];
}

export function emptyDnsReport(): DnsIngestReport {
  return { payloads: 0, controlMessages: 0, queries: 0, rejected: {}, unattributed: 0, workloads: 0, redelivered: 0, baselinesSaved: 0, baselinesDamaged: 0, anomalies: [] };
}

const bump = (m: Record<string, number>, k: string, n = 1): void => {
  m[k] = (m[k] ?? 0) + n;
};

export function mergeDnsReports(a: DnsIngestReport, b: DnsIngestReport): DnsIngestReport {
  const rejected = { ...a.rejected };
  for (const [k, v] of Object.entries(b.rejected)) bump(rejected, k, v);
  return {
    payloads: a.payloads + b.payloads, controlMessages: a.controlMessages + b.controlMessages, queries: a.queries + b.queries, rejected,
    unattributed: a.unattributed + b.unattributed, workloads: a.workloads + b.workloads, redelivered: a.redelivered + b.redelivered,
    baselinesSaved: a.baselinesSaved + b.baselinesSaved, baselinesDamaged: a.baselinesDamaged + b.baselinesDamaged, anomalies: [...a.anomalies, ...b.anomalies],
  };
}

/** Lambda entry: `{awslogs:{data}}` or a decoded subscription payload (decoded and bounded as flow payloads are). Never throws on bad input. */
export async function ingestDnsPayload(deps: DnsIngestDeps, payload: unknown): Promise<DnsIngestReport> {
  const decoded = decodeFlowPayload(payload);
  if (!decoded.ok) {
    const report = emptyDnsReport();
    report.payloads = 1;
    bump(report.rejected, decoded.reason);
    return report;
  }
  const report = await ingestDnsData(deps, decoded.data);
  if (decoded.badEvents > 0) bump(report.rejected, 'invalid-log-event', decoded.badEvents);
  return report;
}

export async function ingestDnsData(deps: DnsIngestDeps, data: CloudWatchLogsData): Promise<DnsIngestReport> {
  if (data.messageType === 'CONTROL_MESSAGE') return { ...emptyDnsReport(), payloads: 1, controlMessages: 1 };
  const id = stableId('dns-batch', data.logGroup, data.logStream, ...data.logEvents.map((e) => e.id)).replaceAll('-', '').slice(0, 16);
  const report = await ingestDnsBatch(deps, id, data.logEvents.map((e) => e.message));
  report.payloads = 1;
  return report;
}

const MAX_SAVE_ATTEMPTS = 6;

export async function ingestDnsBatch(deps: DnsIngestDeps, batchId: string, lines: readonly string[]): Promise<DnsIngestReport> {
  const report = emptyDnsReport();
  const parsed: Array<{ time: number; name: string; source?: string | undefined }> = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const p = parseQueryLogLine(line);
    if (p.ok) parsed.push(p.answer);
    else bump(report.rejected, p.reason);
  }
  report.queries = parsed.length;
  if (parsed.length === 0) return report;
  const from = parsed.reduce((m, q) => Math.min(m, q.time), Infinity);
  const to = parsed.reduce((m, q) => Math.max(m, q.time), -Infinity);
  const timeline = await deps.inventory.timelineFor(from, to);

  const byWorkload = new Map<string, { pod: PodEndpoint; lookups: Lookup[] }>();
  for (const q of parsed) {
    const endpoint = q.source ? timeline.resolve(q.source, q.time).endpoint : undefined;
    if (endpoint?.kind !== 'pod') {
      report.unattributed += 1;
      continue;
    }
    const key = workloadKey(endpoint.workload);
    let w = byWorkload.get(key);
    if (!w) byWorkload.set(key, (w = { pod: endpoint, lookups: [] }));
    w.lookups.push({ time: q.time, name: q.name, domain: registrableDomain(q.name), source: endpoint.ip });
  }
  report.workloads = byWorkload.size;
  if (byWorkload.size === 0) return report;

  const storeDeps = { client: deps.dynamo, tableName: deps.tableName, cluster: deps.cluster, ...(deps.now ? { now: deps.now } : {}) };
  const stored = await loadDnsBaselines(storeDeps, [...byWorkload.keys()]);
  const pending: Array<{ workload: string; lookups: Lookup[]; alerts: DnsAlertMark[] }> = [];
  for (const [workload, w] of [...byWorkload].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const current = stored.get(workload);
    if (current?.damaged) report.baselinesDamaged += 1;
    if (current?.baseline?.batches.includes(batchId)) {
      report.redelivered += 1;
      continue;
    }
    const d = detectDnsAnomalies(deps.cluster, workload, w.pod, w.lookups, current?.baseline, deps.dns);
    if (d.anomaly) report.anomalies.push(d.anomaly);
    pending.push({ workload, lookups: w.lookups, alerts: d.alerts });
  }
  if (report.anomalies.length > 0) {
    await publishAnomaliesOnce(dynamoProvenance(deps.dynamo, deps.tableName), (events) => deps.publish(events), report.anomalies, new Date(deps.now?.() ?? Date.now()));
  }
  for (const p of pending) {
    let current: StoredDnsBaselineItem | undefined = stored.get(p.workload);
    for (let attempt = 1; ; attempt++) {
      const next = applyDnsBatch(current?.baseline, p.workload, p.lookups, batchId, p.alerts, deps.dns);
      if (next === current?.baseline) break;
      if ((await saveDnsBaseline(storeDeps, next, current?.version, deps.dns.baselineTtlDays)) === 'saved') {
        report.baselinesSaved += 1;
        break;
      }
      if (attempt >= MAX_SAVE_ATTEMPTS) throw new DownstreamError(`DNS baseline of ${p.workload} kept changing under us (${attempt} attempts); the batch will be retried`);
      current = (await loadDnsBaselines(storeDeps, [p.workload])).get(p.workload);
    }
  }
  return report;
}
