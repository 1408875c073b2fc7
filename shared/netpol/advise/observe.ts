/**
 * Observed connections for policy advice and audit: flow input (JSON lines, VPC Flow Logs
 * text records with or without a header, or lines of CloudWatch Logs subscription payloads)
 * parsed, resolved against the `--cluster` inventory, oriented and aggregated with the same
 * code as ingest-flows, keeping every distinct pair of ends so that the simulator can check
 * each one. Input is processed in chunks: direction inference (pairing, fan-in) works within a
 * chunk, and memory stays flat however long the input.
 */
import type { ClusterInventory } from '#shared/inventory/cluster';
import { timelineOf, type InventoryTimeline } from '#shared/inventory/resolve';
import { DEFAULT_NETWORK_CONFIG, type NetworkConfig } from '#shared/flows/config';
import { FlowGraphBuilder, type Edge } from '#shared/flows/graph';
import { decodeFlowPayload, emptyFlowReport, graphFromRecords, type FlowIngestReport } from '#shared/flows/ingest';
import { FlowLineParser, vpcFlowFormat } from '#shared/flows/parse';
import { bump, mergeCounts, type FlowRecord } from '#shared/flows/types';

export interface ObserveOptions {
  network?: Partial<NetworkConfig>;
  /** Records per chunk of direction inference. */
  chunkRecords?: number;
  /** Called with the number of lines read so far, now and then (progress on stderr). */
  onProgress?: (lines: number) => void;
}

export interface Observed {
  edges: Edge[];
  report: FlowIngestReport;
  timeline: InventoryTimeline;
  /** First and last time of the flows behind the edges (ms); undefined without any. */
  window?: { from: number; to: number };
  /** Rejected-line examples (reason, detail, line number within its input). */
  examples: Array<{ reason: string; detail: string; line: number }>;
}

export interface ObservedInput {
  /** Names the input in messages. */
  name: string;
  lines: AsyncIterable<string> | Iterable<string>;
}

/** Aggregates every input into one graph (pairs tracked) against one inventory. */
export async function observeFlows(inputs: readonly ObservedInput[], inventory: ClusterInventory, opts: ObserveOptions = {}): Promise<Observed> {
  const cfg: NetworkConfig = { ...DEFAULT_NETWORK_CONFIG, ...opts.network };
  const timeline = timelineOf(inventory, { vpcCidrs: cfg.vpcCidrs, externalPrefixV4: cfg.externalPrefixV4, externalPrefixV6: cfg.externalPrefixV6 });
  const builder = new FlowGraphBuilder({ trackPairs: true });
  const report = emptyFlowReport();
  const examples: Observed['examples'] = [];
  const chunkRecords = opts.chunkRecords ?? 50_000;
  let linesRead = 0;
  let chunk: FlowRecord[] = [];
  const flush = () => {
    if (chunk.length === 0) return;
    graphFromRecords(chunk, timeline, cfg, report, builder);
    chunk = [];
  };
  const take = (r: FlowRecord | undefined) => {
    if (!r) return;
    chunk.push(r);
    if (chunk.length >= chunkRecords) flush();
  };
  for (const input of inputs) {
    const parser = new FlowLineParser(cfg.format ? vpcFlowFormat(cfg.format) : undefined);
    for await (const line of input.lines) {
      linesRead += 1;
      if (opts.onProgress && linesRead % 100_000 === 0) opts.onProgress(linesRead);
      if (line.startsWith('{"awslogs"') || line.startsWith('{"messageType"')) {
        // A subscription payload: its events are records of the configured (or default) format.
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          bump(report.rejected, 'not-json');
          continue;
        }
        const decoded = decodeFlowPayload(value);
        if (!decoded.ok) {
          bump(report.rejected, decoded.reason);
          continue;
        }
        if (decoded.data.messageType === 'CONTROL_MESSAGE') continue;
        const inner = new FlowLineParser(cfg.format ? vpcFlowFormat(cfg.format) : undefined);
        for (const e of decoded.data.logEvents) take(inner.parse(e.message));
        mergeStats(report, inner);
        continue;
      }
      take(parser.parse(line));
    }
    flush();
    mergeStats(report, parser);
    for (const ex of parser.examples) if (examples.length < 20) examples.push({ ...ex, detail: `${input.name}: ${ex.detail}` });
  }
  flush();
  const edges = builder.list();
  report.edges = edges.length;
  const from = edges.reduce((m, e) => Math.min(m, e.first), Infinity);
  const to = edges.reduce((m, e) => Math.max(m, e.last), -Infinity);
  return { edges, report, timeline, examples, ...(Number.isFinite(from) ? { window: { from, to } } : {}) };
}

function mergeStats(report: FlowIngestReport, parser: FlowLineParser): void {
  report.lines += parser.stats.lines;
  report.records += parser.stats.records;
  report.networkRejected += parser.stats.networkRejected;
  mergeCounts(report.skipped, parser.stats.skipped);
  mergeCounts(report.rejected, parser.stats.rejected);
}
