/**
 * Per-workload network baselines: which destinations (peer, port, protocol) a workload talks
 * to, since when, and how many bytes it sends to each per active hour (an exponentially
 * weighted mean and variance over closed hours). Everything runs on flow time, never the wall
 * clock, so replaying last week's flows learns and judges exactly as live ingestion did.
 * Pure functions; shared/flows/baseline-store.ts persists them.
 */
import type { EndpointKind } from '../inventory/resolve';
import type { NetworkConfig } from './config';
import { HOUR_MS, type Edge } from './graph';

export interface DestinationProfile {
  peer: string;
  port: number;
  protocol: string;
  kind: EndpointKind;
  firstSeen: number;
  lastSeen: number;
  /** First seen during the learning period; false for destinations accepted after an alert. */
  learned: boolean;
  /** Closed active hours folded into mean and variance. */
  hours: number;
  mean: number;
  variance: number;
  /** The hour still open (hour index) and the bytes sent in it so far. */
  curHour: number;
  curBytes: number;
  /** Hours judged a spike: never folded into the mean, so a sustained attack does not become normal. */
  spikeHours: number[];
  /** Last alert time (flow time) per finding type, for the cooldown. */
  alerts: Record<string, number>;
}

export interface NetworkBaseline {
  schema: 1;
  workload: string;
  firstSeen: number;
  lastSeen: number;
  learningUntil: number;
  internet: { seen: boolean; firstSeen?: number | undefined };
  destinations: Record<string, DestinationProfile>;
  /** Ids of the batches already applied (newest last): a redelivered batch is recognised and skipped. */
  batches: string[];
}

/** An alert the detectors raised, recorded on the baseline for cooldowns and spike exclusion. */
export interface AlertMark {
  destination: string;
  type: string;
  at: number;
  /** For volume findings: the hour judged a spike. */
  spikeHour?: number;
}

export const MAX_BATCH_IDS = 500;
/** About a week of hours: older behavior fades out of the mean. */
const EW_WINDOW_HOURS = 168;

export function destinationKey(peer: string, port: number, protocol: string): string {
  return `${peer}#${port}#${protocol}`;
}

export function emptyBaseline(workload: string, firstSeen: number, cfg: Pick<NetworkConfig, 'learningHours'>): NetworkBaseline {
  return {
    schema: 1,
    workload,
    firstSeen,
    lastSeen: firstSeen,
    learningUntil: firstSeen + cfg.learningHours * HOUR_MS,
    internet: { seen: false },
    destinations: {},
    batches: [],
  };
}

/** Folds one closed hour into the exponentially weighted mean and variance. */
export function foldHour(d: Pick<DestinationProfile, 'hours' | 'mean' | 'variance'>, bytes: number): void {
  d.hours += 1;
  const a = Math.max(1 / d.hours, 1 / EW_WINDOW_HOURS);
  const diff = bytes - d.mean;
  d.mean += a * diff;
  d.variance = (1 - a) * (d.variance + a * diff * diff);
}

/** Bytes already counted for `hour` before this batch (0 when that hour is closed or new). */
export function bytesSoFar(d: DestinationProfile | undefined, hour: number): number {
  return d && d.curHour === hour ? d.curBytes : 0;
}

/** The typical hourly volume to one destination: the largest mean among learned destinations. */
export function typicalHourlyBytes(b: NetworkBaseline | undefined): number {
  if (!b) return 0;
  let max = 0;
  for (const d of Object.values(b.destinations)) if (d.learned && d.hours > 0 && d.mean > max) max = d.mean;
  return max;
}

function closeHour(d: DestinationProfile): void {
  if (d.curHour >= 0 && !d.spikeHours.includes(d.curHour)) foldHour(d, d.curBytes);
}

/**
 * The baseline after one batch of the workload's edges (all with this workload as source).
 * Returns `base` unchanged when the batch was already applied.
 */
export function applyBatch(
  base: NetworkBaseline | undefined,
  workload: string,
  edges: readonly Edge[],
  batchId: string,
  alerts: readonly AlertMark[],
  cfg: Pick<NetworkConfig, 'learningHours' | 'maxDestinations' | 'edgeTtlDays'>,
): NetworkBaseline {
  if (base?.batches.includes(batchId)) return base;
  const firstInBatch = edges.reduce((m, e) => Math.min(m, e.first), Infinity);
  const b: NetworkBaseline = base ? structuredClone(base) : emptyBaseline(workload, firstInBatch, cfg);
  for (const e of edges) {
    const key = destinationKey(e.dst, e.port, e.protocol);
    let d = b.destinations[key];
    if (!d) {
      d = {
        peer: e.dst, port: e.port, protocol: e.protocol, kind: e.dstKind, firstSeen: e.first, lastSeen: e.last,
        learned: e.first < b.learningUntil, hours: 0, mean: 0, variance: 0, curHour: -1, curBytes: 0, spikeHours: [], alerts: {},
      };
      b.destinations[key] = d;
    }
    d.firstSeen = Math.min(d.firstSeen, e.first);
    d.lastSeen = Math.max(d.lastSeen, e.last);
    for (const a of alerts) {
      if (a.destination !== key) continue;
      d.alerts[a.type] = Math.max(d.alerts[a.type] ?? 0, a.at);
      if (a.spikeHour !== undefined && !d.spikeHours.includes(a.spikeHour)) d.spikeHours = [...d.spikeHours, a.spikeHour].slice(-48);
    }
    for (const [hour, bytes] of [...e.hourlySent].sort((x, y) => x[0] - y[0])) {
      if (hour > d.curHour) {
        closeHour(d);
        d.curHour = hour;
        d.curBytes = bytes;
      } else if (hour === d.curHour) {
        d.curBytes += bytes;
      } else if (!d.spikeHours.includes(hour)) {
        foldHour(d, bytes); // late data for a closed hour: a sample of its own
      }
    }
    if (e.dstKind === 'external' && !b.internet.seen) b.internet = { seen: true, firstSeen: e.first };
    b.firstSeen = Math.min(b.firstSeen, e.first);
    b.lastSeen = Math.max(b.lastSeen, e.last);
  }
  // Forget destinations unused for the retention period, then the least recently seen beyond the cap.
  const horizon = b.lastSeen - cfg.edgeTtlDays * 24 * HOUR_MS;
  let entries = Object.entries(b.destinations).filter(([, d]) => d.lastSeen >= horizon);
  if (entries.length > cfg.maxDestinations) {
    entries = entries.sort((x, y) => y[1].lastSeen - x[1].lastSeen || (x[0] < y[0] ? -1 : 1)).slice(0, cfg.maxDestinations);
  }
  b.destinations = Object.fromEntries(entries.sort((x, y) => (x[0] < y[0] ? -1 : 1)));
  b.batches = [...b.batches, batchId].slice(-MAX_BATCH_IDS);
  return b;
}
