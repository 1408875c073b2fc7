/**
 * Network detectors: judge one batch of a workload's outgoing edges against its baseline
 * (as it was before the batch) and build `Behavior Anomaly` events with `category: network`.
 *
 * - NewNetworkDestination: after learning, a peer/port the workload never used.
 * - NewInternetEgress: after learning, the first connection to the internet of a workload
 *   whose egress had stayed inside the VPC; NewExternalNetwork when it did use the internet,
 *   but not this network.
 * - NetworkVolumeSpike: bytes sent in one hour far above that destination's own hourly rate;
 *   for a destination without history (new, or too young), above the workload's typical hourly
 *   volume to any one destination, so "a service suddenly sends gigabytes to an internal admin
 *   API it never touched" reads as both new and large.
 *
 * Ids are stable hashes of (cluster, workload, destination, hour, finding types): a redelivered
 * batch re-detects the same anomaly under the same id.
 */
import { stableId } from '../events/ids';
import { type ActionKind, type BehaviorAnomaly, type Finding, type Severity } from '../events/schema';
import type { PodEndpoint } from '../inventory/resolve';
import { podAnomaly } from './pod-anomaly';
import { bytesSoFar, destinationKey, typicalHourlyBytes, type AlertMark, type NetworkBaseline } from './baseline';
import type { NetworkConfig } from './config';
import { edgeEvidence, HOUR_MS, type Edge } from './graph';

export const NetworkFinding = {
  newDestination: 'NewNetworkDestination',
  newInternetEgress: 'NewInternetEgress',
  newExternalNetwork: 'NewExternalNetwork',
  volumeSpike: 'NetworkVolumeSpike',
} as const;
export type NetworkFinding = (typeof NetworkFinding)[keyof typeof NetworkFinding];

export interface NetworkDetection {
  anomalies: BehaviorAnomaly[];
  /** What to record on the baseline (cooldowns, spike hours). */
  alerts: AlertMark[];
}

export type DetectConfig = Pick<
  NetworkConfig,
  'minHoursForSpike' | 'spikeFactor' | 'spikeSigmas' | 'minSpikeBytes' | 'cooldownHours' | 'maxEvidenceFlows'
>;

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function describeDestinations(b: NetworkBaseline, max = 5): string {
  const ds = Object.values(b.destinations).sort((x, y) => (x.peer + x.port < y.peer + y.port ? -1 : 1));
  const shown = ds.slice(0, max).map((d) => `${d.peer}:${d.port}/${d.protocol}`);
  return ds.length === 0 ? 'no destinations' : `${ds.length} destination(s): ${shown.join(', ')}${ds.length > max ? ', ...' : ''}`;
}

interface Candidate {
  type: NetworkFinding;
  title: string;
  description: string;
  baseline: string;
  mitre: string[];
  at: number;
  spikeHour?: number;
  /** How far above normal, for scoring volume findings. */
  ratio?: number;
}

function cooledDown(b: NetworkBaseline | undefined, key: string, type: string, at: number, cfg: DetectConfig): boolean {
  const last = b?.destinations[key]?.alerts[type];
  return last === undefined || at - last >= cfg.cooldownHours * HOUR_MS;
}

/** The largest hourly volume of the batch on this edge that crosses `threshold`, counting what the hour already had. */
function worstHour(
  e: Edge,
  b: NetworkBaseline | undefined,
  key: string,
  threshold: number,
): { hour: number; bytes: number } | undefined {
  let worst: { hour: number; bytes: number } | undefined;
  for (const [hour, sent] of e.hourlySent) {
    const total = sent + bytesSoFar(b?.destinations[key], hour);
    if (total > threshold && (!worst || total > worst.bytes)) worst = { hour, bytes: total };
  }
  return worst;
}

function candidatesFor(e: Edge, b: NetworkBaseline | undefined, workload: string, cfg: DetectConfig): Candidate[] {
  if (!b || e.first < b.learningUntil) return []; // still learning: everything is normal
  const key = destinationKey(e.dst, e.port, e.protocol);
  const known = b.destinations[key];
  const target = `${e.dst}:${e.port}/${e.protocol}`;
  const out: Candidate[] = [];
  // The same service over its other transport (DNS falling back to TCP for a large answer, QUIC
  // and HTTPS on one port) is the destination the workload already uses, not a new one.
  const otherTransport = e.protocol === 'TCP' ? 'UDP' : e.protocol === 'UDP' ? 'TCP' : undefined;
  const sameService = otherTransport !== undefined && b.destinations[destinationKey(e.dst, e.port, otherTransport)] !== undefined;

  if (!known && !sameService) {
    if (e.dstKind === 'external' && !b.internet.seen) {
      if (cooledDown(b, key, NetworkFinding.newInternetEgress, e.first, cfg)) {
        out.push({
          type: NetworkFinding.newInternetEgress,
          title: `${workload} connected to the internet for the first time`,
          description: `${workload} opened connections to ${target} (${e.records} flow records, ${formatBytes(e.bytesSent)} sent); it had never reached the internet before.`,
          baseline: `Since ${iso(b.firstSeen)} ${workload} kept its egress inside the VPC and cluster (${describeDestinations(b)}); no internet destination.`,
          mitre: ['T1041', 'T1048'],
          at: e.first,
        });
      }
    } else if (e.dstKind === 'external') {
      if (cooledDown(b, key, NetworkFinding.newExternalNetwork, e.first, cfg)) {
        out.push({
          type: NetworkFinding.newExternalNetwork,
          title: `${workload} reached a new external network`,
          description: `${workload} connected to ${target}, an external network it had not used.`,
          baseline: `Since ${iso(b.firstSeen)} ${workload} used ${describeDestinations(b)}.`,
          mitre: ['T1048'],
          at: e.first,
        });
      }
    } else if (cooledDown(b, key, NetworkFinding.newDestination, e.first, cfg)) {
      out.push({
        type: NetworkFinding.newDestination,
        title: `${workload} connected to a destination it never used`,
        description: `${workload} opened connections to ${target} (${e.records} flow records, ${formatBytes(e.bytesSent)} sent) after its learning period.`,
        baseline: `Since ${iso(b.firstSeen)} ${workload} talked only to ${describeDestinations(b)}; never to ${target}.`,
        mitre: ['T1021', 'T1046'],
        at: e.first,
      });
    }
  }

  // Volume: a destination's own rate once it has one, else the workload's typical per-destination rate.
  const ownRate = known && known.hours >= cfg.minHoursForSpike;
  const mean = ownRate ? known.mean : typicalHourlyBytes(b);
  const sd = ownRate ? Math.sqrt(known.variance) : 0;
  const threshold = Math.max(cfg.minSpikeBytes, cfg.spikeFactor * mean, ownRate ? mean + cfg.spikeSigmas * sd : 0);
  const worst = worstHour(e, b, key, threshold);
  if (worst && cooledDown(b, key, NetworkFinding.volumeSpike, worst.hour * HOUR_MS, cfg)) {
    const ratio = mean > 0 ? worst.bytes / mean : Infinity;
    out.push({
      type: NetworkFinding.volumeSpike,
      title: `${workload} sent an unusual volume to ${e.dst}`,
      description: `${workload} sent ${formatBytes(worst.bytes)} to ${target} in the hour from ${iso(worst.hour * HOUR_MS)}${
        Number.isFinite(ratio) ? ` (${ratio.toFixed(0)}x its normal hourly volume)` : ''
      }.`,
      baseline: ownRate
        ? `Over ${known.hours} active hour(s) since ${iso(known.firstSeen)}, ${workload} sent ${formatBytes(known.mean)} per hour to ${target} on average (sd ${formatBytes(sd)}).`
        : `${target} has no volume history; ${workload}'s busiest known destination averages ${formatBytes(mean)} per hour.`,
      mitre: e.dstKind === 'external' ? ['T1048'] : ['T1570'],
      at: worst.hour * HOUR_MS,
      spikeHour: worst.hour,
      ratio,
    });
  }
  return out;
}

function severityOf(cands: readonly Candidate[], e: Edge): { severity: Severity; score: number } {
  const types = new Set(cands.map((c) => c.type));
  const volume = cands.find((c) => c.type === NetworkFinding.volumeSpike);
  const large = volume !== undefined;
  if (types.has(NetworkFinding.newInternetEgress)) return large ? { severity: 'CRITICAL', score: 92 } : { severity: 'HIGH', score: 75 };
  if (types.has(NetworkFinding.newDestination)) {
    const crossNamespace = e.srcEndpoint.kind === 'pod' && e.dstEndpoint.kind === 'pod' && e.srcEndpoint.namespace !== e.dstEndpoint.namespace;
    return large ? { severity: 'HIGH', score: crossNamespace ? 85 : 80 } : { severity: 'MEDIUM', score: crossNamespace ? 60 : 50 };
  }
  if (types.has(NetworkFinding.newExternalNetwork)) return large ? { severity: 'HIGH', score: 70 } : { severity: 'LOW', score: 30 };
  const ratio = volume?.ratio ?? 0;
  if (e.dstKind === 'external' || ratio >= 100) return { severity: 'HIGH', score: 72 };
  return { severity: 'MEDIUM', score: 55 };
}

function actionsFor(severity: Severity): ActionKind[] {
  if (severity === 'LOW') return ['notify'];
  if (severity === 'CRITICAL') return ['tighten-egress', 'quarantine', 'notify'];
  return ['tighten-egress', 'notify'];
}

/** Judges one workload's edges of a batch. `baseline` is the state before the batch (undefined: first sight). */
export function detectNetworkAnomalies(
  cluster: string,
  workload: string,
  edges: readonly Edge[],
  baseline: NetworkBaseline | undefined,
  cfg: DetectConfig,
): NetworkDetection {
  const anomalies: BehaviorAnomaly[] = [];
  const alerts: AlertMark[] = [];
  for (const e of [...edges].sort((x, y) => (x.dst + x.port + x.protocol < y.dst + y.port + y.protocol ? -1 : 1))) {
    if (e.srcEndpoint.kind !== 'pod') continue;
    const cands = candidatesFor(e, baseline, workload, cfg);
    if (cands.length === 0) continue;
    const key = destinationKey(e.dst, e.port, e.protocol);
    for (const c of cands) alerts.push({ destination: key, type: c.type, at: c.at, ...(c.spikeHour !== undefined ? { spikeHour: c.spikeHour } : {}) });
    anomalies.push(buildAnomaly(cluster, workload, e, cands, cfg));
  }
  return { anomalies, alerts };
}

function buildAnomaly(cluster: string, workload: string, e: Edge, cands: readonly Candidate[], cfg: DetectConfig): BehaviorAnomaly {
  const pod = e.srcEndpoint as PodEndpoint;
  const { severity, score } = severityOf(cands, e);
  const types = cands.map((c) => c.type).sort();
  const hour = Math.floor(Math.min(...cands.map((c) => c.at)) / HOUR_MS);
  const flows = edgeEvidence(e, cfg.maxEvidenceFlows);
  const sourceIPs = [...new Set(flows.map((f) => f.src))].sort();
  const findings: Finding[] = cands.map((c) => ({
    type: c.type,
    title: c.title,
    description: c.description,
    mitre: c.mitre,
    evidence: { flows, count: e.records, sourceIPs, userAgents: [], baseline: c.baseline },
  }));
  return podAnomaly(pod, {
    id: stableId('network', cluster, workload, e.dst, e.port, e.protocol, hour, ...types),
    cluster,
    severity,
    score,
    findings,
    window: { start: e.first, end: e.last },
    recommendedActions: actionsFor(severity),
  });
}
