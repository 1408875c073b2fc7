/**
 * Flow ingestion, one batch at a time (a CloudWatch Logs payload, or a chunk of a file):
 * parse every line (counting skips and rejections by reason) → resolve addresses against the
 * inventory at the flow's time → infer each connection's direction and service port → aggregate
 * into edges → write the flow graph → judge each source workload against its baseline →
 * publish anomalies → save the baselines.
 *
 * Redelivery is safe at every step: graph updates are conditional on the batch id, anomalies
 * are published before baselines are written (a failed publish throws, the payload is retried
 * and the anomalies re-derive under the same ids), and a baseline that already holds the
 * batch id is neither judged nor written again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { gunzipSync } from 'node:zlib';
import { MAX_DECODED_BYTES } from '../audit/cloudwatch';
import type { CloudWatchLogsData } from '../audit/cloudwatch';
import { DownstreamError } from '../errors';
import { stableId } from '../events/ids';
import type { OutgoingEvent } from '../events/publish';
import { dynamoProvenance, publishAnomaliesOnce } from '../events/provenance';
import type { BehaviorAnomaly } from '../events/schema';
import type { InventoryTimeline } from '../inventory/resolve';
import type { InventoryProvider } from '../inventory/snapshot-store';
import { applyBatch } from './baseline';
import { loadBaseline, loadBaselines, saveBaseline } from './baseline-store';
import type { NetworkConfig } from './config';
import { detectNetworkAnomalies } from './detect';
import { orientEach, type InferredBy } from './direction';
import { FlowGraphBuilder, type Edge } from './graph';
import { writeEdges } from './graph-store';
import { FlowLineParser, vpcFlowFormat, type VpcFlowFormat } from './parse';
import { bump, mergeCounts, type FlowProtocol, type FlowRecord } from './types';

export interface FlowIngestDeps {
  dynamo: DynamoDBClient;
  tableName: string;
  cluster: string;
  network: NetworkConfig;
  inventory: InventoryProvider;
  /** Publishes to the bus; throws when an event could not be published (the batch is then retried). */
  publish(events: OutgoingEvent[]): Promise<unknown>;
  /** Wall clock, for item expiry only: detection runs on flow time. */
  now?: () => number;
}

export interface FlowBatch {
  /** Stable id of the batch: the same input must get the same id (see batchIdOf). */
  id: string;
  /** When the batch was produced (ms): buckets the per-edge redelivery markers. */
  time: number;
  lines: readonly string[];
  /** Format of headerless VPC records; the configured format, else the default v2. */
  format?: VpcFlowFormat;
}

export interface FlowIngestReport {
  payloads: number;
  controlMessages: number;
  batches: number;
  lines: number;
  records: number;
  /** NODATA, SKIPDATA, unsupported protocols; flows outside the cluster; mirrored captures. */
  skipped: Record<string, number>;
  /** Malformed payloads and records, by reason. */
  rejected: Record<string, number>;
  /** Records the VPC rejected (action REJECT): parsed and counted, never turned into edges. */
  networkRejected: number;
  /** How each flow's direction was decided. */
  inferredBy: Partial<Record<InferredBy, number>>;
  /** Resolved flow ends by kind (pod, node, vpc, external). */
  peers: Record<string, number>;
  edges: number;
  edgesApplied: number;
  edgesDuplicate: number;
  workloads: number;
  /** Workloads whose baseline already held this batch: a redelivery. */
  redelivered: number;
  baselinesSaved: number;
  /** Stored baselines that did not parse: their workloads started learning again. */
  baselinesDamaged: number;
  anomalies: BehaviorAnomaly[];
}

export function emptyFlowReport(): FlowIngestReport {
  return {
    payloads: 0, controlMessages: 0, batches: 0, lines: 0, records: 0, skipped: {}, rejected: {}, networkRejected: 0,
    inferredBy: {}, peers: {}, edges: 0, edgesApplied: 0, edgesDuplicate: 0, workloads: 0, redelivered: 0, baselinesSaved: 0,
    baselinesDamaged: 0, anomalies: [],
  };
}

/** Adds `b` into `a` (for callers that ingest many batches). */
export function mergeFlowReports(a: FlowIngestReport, b: FlowIngestReport): FlowIngestReport {
  const inferred: Record<string, number> = { ...(a.inferredBy as Record<string, number>) };
  mergeCounts(inferred, b.inferredBy);
  const skipped = { ...a.skipped };
  mergeCounts(skipped, b.skipped);
  const rejected = { ...a.rejected };
  mergeCounts(rejected, b.rejected);
  const peers = { ...a.peers };
  mergeCounts(peers, b.peers);
  return {
    payloads: a.payloads + b.payloads, controlMessages: a.controlMessages + b.controlMessages, batches: a.batches + b.batches,
    lines: a.lines + b.lines, records: a.records + b.records, skipped, rejected, networkRejected: a.networkRejected + b.networkRejected,
    inferredBy: inferred, peers, edges: a.edges + b.edges, edgesApplied: a.edgesApplied + b.edgesApplied,
    edgesDuplicate: a.edgesDuplicate + b.edgesDuplicate, workloads: a.workloads + b.workloads, redelivered: a.redelivered + b.redelivered,
    baselinesSaved: a.baselinesSaved + b.baselinesSaved, baselinesDamaged: a.baselinesDamaged + b.baselinesDamaged,
    anomalies: [...a.anomalies, ...b.anomalies],
  };
}

/** A compact stable batch id (64 bits of SHA-256) from what identifies the input. */
export function batchIdOf(...parts: Array<string | number>): string {
  return stableId('flow-batch', ...parts).replaceAll('-', '').slice(0, 16);
}

function configuredFormat(cfg: NetworkConfig): VpcFlowFormat | undefined {
  return cfg.format ? vpcFlowFormat(cfg.format) : undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a subscription payload with the rejection reasons of shared/audit/cloudwatch.ts, but
 * checks the (up to 10,000) log events by hand: a schema parse per event costs more than
 * parsing the flow record in it. Events that are not `{id, timestamp, message}` are dropped
 * and counted; the rest of the payload is still ingested.
 */
export function decodeFlowPayload(payload: unknown): { ok: true; data: CloudWatchLogsData; badEvents: number } | { ok: false; reason: string } {
  const hasAwslogs = typeof payload === 'object' && payload !== null && 'awslogs' in payload;
  let raw: unknown = payload;
  if (hasAwslogs) {
    const data = (payload as { awslogs?: { data?: unknown } }).awslogs?.data;
    if (typeof data !== 'string') return { ok: false, reason: 'not-subscription-payload' };
    let json: string;
    try {
      // Bounded like audit payloads: a decompression bomb is rejected before it inflates.
      json = gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_DECODED_BYTES }).toString('utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, reason: 'too-large' };
      // Only on failure is it worth telling bad base64 from bad gzip.
      const compact = data.replace(/\s+/g, '');
      return { ok: false, reason: compact.length % 4 !== 0 || !BASE64.test(compact) ? 'invalid-base64' : 'bad-gzip' };
    }
    try {
      raw = JSON.parse(json);
    } catch {
      return { ok: false, reason: 'not-json' };
    }
  }
  const o = raw as Partial<CloudWatchLogsData> | null;
  if (
    typeof o !== 'object' || o === null || (o.messageType !== 'DATA_MESSAGE' && o.messageType !== 'CONTROL_MESSAGE') ||
    typeof o.logGroup !== 'string' || typeof o.logStream !== 'string' || !Array.isArray(o.logEvents)
  ) {
    return { ok: false, reason: 'not-subscription-payload' };
  }
  const events = o.logEvents.filter((e) => typeof e?.id === 'string' && typeof e.timestamp === 'number' && typeof e.message === 'string');
  return { ok: true, data: { ...(o as CloudWatchLogsData), logEvents: events }, badEvents: o.logEvents.length - events.length };
}

/** Lambda entry: `{awslogs:{data}}`, or an already decoded subscription payload. Never throws on bad input. */
export async function ingestFlowPayload(deps: FlowIngestDeps, payload: unknown): Promise<FlowIngestReport> {
  const decoded = decodeFlowPayload(payload);
  if (!decoded.ok) {
    const report = emptyFlowReport();
    report.payloads = 1;
    bump(report.rejected, decoded.reason);
    return report;
  }
  const report = await ingestFlowData(deps, decoded.data);
  if (decoded.badEvents > 0) bump(report.rejected, 'invalid-log-event', decoded.badEvents);
  return report;
}

export async function ingestFlowData(deps: FlowIngestDeps, data: CloudWatchLogsData): Promise<FlowIngestReport> {
  if (data.messageType === 'CONTROL_MESSAGE') {
    const report = emptyFlowReport();
    report.payloads = 1;
    report.controlMessages = 1;
    return report;
  }
  const batch: FlowBatch = {
    id: batchIdOf(data.logGroup, data.logStream, ...data.logEvents.map((e) => e.id)),
    time: data.logEvents.reduce((m, e) => Math.min(m, e.timestamp), Infinity),
    lines: data.logEvents.map((e) => e.message),
  };
  if (!Number.isFinite(batch.time)) batch.time = 0;
  const report = await ingestFlowBatch(deps, batch);
  report.payloads = 1;
  return report;
}

/**
 * With `flow-direction`, a packet flow between two VPC interfaces is logged twice: `egress` at
 * the sender, `ingress` at the receiver. The ingress copy of a flow from inside the VPC goes.
 */
function isMirroredCapture(r: FlowRecord, timeline: InventoryTimeline): boolean {
  if (r.flowDirection !== 'ingress') return false;
  return timeline.resolve(r.src, r.start).endpoint.kind !== 'external';
}

/** Parses a batch's lines, counting into `report`; returns the records and their time span. */
export function parseBatchLines(
  lines: readonly string[],
  format: VpcFlowFormat | undefined,
  report: FlowIngestReport,
): { records: FlowRecord[]; from: number; to: number } {
  const parser = new FlowLineParser(format);
  const records: FlowRecord[] = [];
  let from = Infinity;
  let to = -Infinity;
  for (const line of lines) {
    const r = parser.parse(line);
    if (!r) continue;
    records.push(r);
    if (r.start < from) from = r.start;
    if (r.end > to) to = r.end;
  }
  report.lines += parser.stats.lines;
  report.records += parser.stats.records;
  report.networkRejected += parser.stats.networkRejected;
  mergeCounts(report.skipped, parser.stats.skipped);
  mergeCounts(report.rejected, parser.stats.rejected);
  return { records, from, to };
}

/** Resolves, orients and aggregates parsed records into edges; pure given the timeline. */
export function graphFromRecords(
  input: readonly FlowRecord[],
  timeline: InventoryTimeline,
  cfg: Pick<NetworkConfig, 'dedupeMirroredCaptures'>,
  report: FlowIngestReport = emptyFlowReport(),
  builder: FlowGraphBuilder = new FlowGraphBuilder(),
): FlowGraphBuilder {
  let records = input;
  if (cfg.dedupeMirroredCaptures) {
    const kept = records.filter((r) => !isMirroredCapture(r, timeline));
    if (kept.length !== records.length) bump(report.skipped, 'mirrored-capture', records.length - kept.length);
    records = kept;
  }
  const inferred = report.inferredBy as Record<string, number>;
  const hints = { listens: (ip: string, port: number, proto: FlowProtocol, at: number) => timeline.listens(ip, port, proto, at) };
  orientEach(records, hints, (r, client, _clientPort, server, port, isRequest, by) => {
    const src = timeline.resolve(client, r.start).endpoint;
    const dst = timeline.resolve(server, r.start, port, r.protocol);
    const srcKind = src.kind;
    const dstKind = dst.endpoint.kind;
    // Traffic between two non-cluster addresses (a NAT gateway, RDS, ...) says nothing about workloads.
    if (srcKind !== 'pod' && srcKind !== 'node' && dstKind !== 'pod' && dstKind !== 'node') {
      bump(report.skipped, 'outside-cluster');
      return;
    }
    inferred[by] = (inferred[by] ?? 0) + 1;
    report.peers[srcKind] = (report.peers[srcKind] ?? 0) + 1;
    report.peers[dstKind] = (report.peers[dstKind] ?? 0) + 1;
    builder.addParts(
      client, server, r.protocol, isRequest ? r.bytes : 0, isRequest ? 0 : r.bytes, r.packets, r.start, r.end, r.action,
      src, dst.endpoint, dst.port ?? port, dst.service,
    );
  });
  return builder;
}

const MAX_SAVE_ATTEMPTS = 6;

/** The whole pipeline for one batch. Throws only when DynamoDB or the bus fails (then retry the batch). */
export async function ingestFlowBatch(deps: FlowIngestDeps, batch: FlowBatch): Promise<FlowIngestReport> {
  const report = emptyFlowReport();
  report.batches = 1;
  const cfg = deps.network;
  const { records, from, to } = parseBatchLines(batch.lines, batch.format ?? configuredFormat(cfg), report);
  if (records.length === 0) return report;
  const timeline = await deps.inventory.timelineFor(from, to);
  const edges = graphFromRecords(records, timeline, cfg, report).list();
  report.edges = edges.length;
  if (edges.length === 0) return report;

  const graph = await writeEdges(
    { client: deps.dynamo, tableName: deps.tableName, cluster: deps.cluster, ...(deps.now ? { now: deps.now } : {}) },
    edges,
    batch.id,
    batch.time,
    { ttlDays: cfg.edgeTtlDays, redeliveryHours: cfg.redeliveryHours },
  );
  report.edgesApplied = graph.applied;
  report.edgesDuplicate = graph.duplicates;

  // Baselines and detection, per source workload (pods only: nodes and networks have no baseline).
  const byWorkload = new Map<string, Edge[]>();
  for (const e of edges) {
    if (e.srcKind !== 'pod') continue;
    const list = byWorkload.get(e.src);
    if (list) list.push(e);
    else byWorkload.set(e.src, [e]);
  }
  report.workloads = byWorkload.size;
  const storeDeps = { client: deps.dynamo, tableName: deps.tableName, cluster: deps.cluster, ...(deps.now ? { now: deps.now } : {}) };
  const stored = await loadBaselines(storeDeps, [...byWorkload.keys()]);
  const pending: Array<{ workload: string; edges: Edge[]; alerts: ReturnType<typeof detectNetworkAnomalies>['alerts'] }> = [];
  for (const [workload, wEdges] of [...byWorkload].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const current = stored.get(workload);
    if (current?.damaged) report.baselinesDamaged += 1;
    if (current?.baseline?.batches.includes(batch.id)) {
      report.redelivered += 1;
      continue;
    }
    const detection = detectNetworkAnomalies(deps.cluster, workload, wEdges, current?.baseline, cfg);
    report.anomalies.push(...detection.anomalies);
    pending.push({ workload, edges: wEdges, alerts: detection.alerts });
  }

  if (report.anomalies.length > 0) {
    // Recorded before publishing: enforce acts only on anomalies it finds recorded, and a
    // redelivery publishes only those that did not reach the bus (provenance.ts).
    await publishAnomaliesOnce(dynamoProvenance(deps.dynamo, deps.tableName), (events) => deps.publish(events), report.anomalies, new Date(deps.now?.() ?? Date.now()));
  }

  for (const p of pending) {
    let current = stored.get(p.workload);
    for (let attempt = 1; ; attempt++) {
      const next = applyBatch(current?.baseline, p.workload, p.edges, batch.id, p.alerts, cfg);
      if (next === current?.baseline) break; // a concurrent invocation applied this batch already
      const outcome = await saveBaseline(storeDeps, next, current?.version, cfg.baselineTtlDays);
      if (outcome === 'saved') {
        report.baselinesSaved += 1;
        break;
      }
      if (attempt >= MAX_SAVE_ATTEMPTS) {
        throw new DownstreamError(`baseline of ${p.workload} kept changing under us (${attempt} attempts); the batch will be retried`);
      }
      current = await loadBaseline(storeDeps, p.workload);
    }
  }
  return report;
}
