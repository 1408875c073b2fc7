/**
 * Runtime ingestion and sequence building, one delivery at a time: decode the delivery into
 * signals (counting bad records), join each to its workload and principal over the inventory
 * snapshots at its time, store it under its correlation keys, gather the signals tied to it
 * within the window, and publish every attack sequence it belongs to that is new or has grown.
 *
 * Ordering makes redelivery safe: signals are stored (idempotently) before sequences are
 * built, sequences are published before they are recorded as emitted, and a sequence already
 * emitted with as many signals is not published again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoProvenance, type ProvenanceStore } from '../events/provenance';
import type { OutgoingEvent } from '../events/publish';
import { DetailType, type AttackSequence, type SequenceSignal } from '../events/schema';
import type { InventoryProvider } from '../inventory/snapshot-store';
import { guardDutyCluster, isGuardDutyEvent } from './guardduty';
import { decodeRuntimeDelivery, type DecodedDelivery, type SqsBatch } from './delivery';
import { joinSignal, podLookup } from './join';
import { sequenceAsAnomaly } from './respond';
import { buildSequences, correlationKeys, DEFAULT_SEQUENCE_WINDOW_MS } from './sequence';
import { emittedSignalCount, putSignals, recordEmitted, signalsForKey, storiesOf, type SignalStoreDeps } from './store';

export interface RuntimeIngestDeps {
  dynamo: DynamoDBClient;
  tableName: string;
  cluster: string;
  inventory: InventoryProvider;
  publish: (events: OutgoingEvent[]) => Promise<unknown>;
  windowMs?: number;
  /** Where sequences are recorded before publication (enforce acts only on recorded ones); the table by default. */
  provenance?: ProvenanceStore;
}

export interface RuntimeIngestReport {
  deliveries: number;
  /** Records read, by delivery kind. */
  received: Record<string, number>;
  signals: number;
  rejected: Record<string, number>;
  ignored: Record<string, number>;
  /** Signals by how they were tied to a workload (`pod-uid`, `pod-name`, `guardduty`, `anomaly`). */
  joined: Record<string, number>;
  /** Signals that name no workload the inventory knows (kept, and reported here). */
  unjoined: number;
  unjoinedSignals: Array<{ id: string; type: string; time: string; workload?: string }>;
  /** Sequences published by this delivery (new, or grown). */
  sequences: AttackSequence[];
  /** Sequences this delivery re-derived that were already published as they are. */
  redelivered: number;
  /** Stored signal items that no longer parse. */
  invalidStored: number;
}

export function emptyRuntimeReport(): RuntimeIngestReport {
  return { deliveries: 0, received: {}, signals: 0, rejected: {}, ignored: {}, joined: {}, unjoined: 0, unjoinedSignals: [], sequences: [], redelivered: 0, invalidStored: 0 };
}

const MAX_UNJOINED_LISTED = 50;
/** Correlation keys followed per delivery: bounds the cost of one busy principal. */
const MAX_KEYS_FOLLOWED = 64;

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

export function mergeRuntimeReports(a: RuntimeIngestReport, b: RuntimeIngestReport): RuntimeIngestReport {
  const out = structuredClone(a);
  out.deliveries += b.deliveries;
  addCounts(out.received, b.received);
  out.signals += b.signals;
  addCounts(out.rejected, b.rejected);
  addCounts(out.ignored, b.ignored);
  addCounts(out.joined, b.joined);
  out.unjoined += b.unjoined;
  out.unjoinedSignals = [...out.unjoinedSignals, ...b.unjoinedSignals].slice(0, MAX_UNJOINED_LISTED);
  out.sequences = [...out.sequences, ...b.sequences];
  out.redelivered += b.redelivered;
  out.invalidStored += b.invalidStored;
  return out;
}

/** Events for another cluster's pipeline (GuardDuty's default bus carries every cluster). */
function otherCluster(event: unknown, cluster: string): boolean {
  if (isGuardDutyEvent(event)) {
    const named = guardDutyCluster(event);
    return named !== undefined && named !== cluster;
  }
  const detail = (event as { source?: unknown; detail?: { cluster?: unknown } } | null)?.detail;
  return (event as { source?: unknown } | null)?.source === 'boundwatch' && typeof detail?.cluster === 'string' && detail.cluster !== cluster;
}

/**
 * A story already published keeps its id as it grows, even when a signal older than its first
 * one arrives late (which changes the id toSequence derives): of the published stories its
 * signals were told in, the one holding most of them (then the smallest id) carries on.
 */
async function keepPublishedId(store: SignalStoreDeps, q: AttackSequence): Promise<AttackSequence> {
  const prior = [...(await storiesOf(store, q.signals.map((s) => s.id))).entries()];
  if (prior.length === 0) return q;
  prior.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const id = prior[0]![0];
  return id === q.id ? q : { ...q, id };
}

export async function ingestRuntimeDelivery(deps: RuntimeIngestDeps, event: unknown): Promise<RuntimeIngestReport> {
  const report = emptyRuntimeReport();
  report.deliveries = 1;
  if (otherCluster(event, deps.cluster)) {
    report.ignored['other-cluster'] = 1;
    return report;
  }
  const decoded: DecodedDelivery = decodeRuntimeDelivery(event);
  report.received[decoded.kind] = decoded.received;
  report.rejected = decoded.rejected;
  report.ignored = decoded.ignored;
  if (decoded.signals.length === 0) return report;

  const windowMs = deps.windowMs ?? DEFAULT_SEQUENCE_WINDOW_MS;
  const times = decoded.signals.map((s) => Date.parse(s.time));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const needsInventory = decoded.signals.some((s) => s.workload);
  const lookup = podLookup(needsInventory ? (await deps.inventory.timelineFor(first, last)).snapshots : []);
  const joined = decoded.signals.map((s) => joinSignal(s, lookup));
  for (const s of joined) {
    report.joined[s.join] = (report.joined[s.join] ?? 0) + 1;
    if (s.join === 'unjoined') {
      report.unjoined += 1;
      if (report.unjoinedSignals.length < MAX_UNJOINED_LISTED) {
        report.unjoinedSignals.push({ id: s.id, type: s.type, time: s.time, ...(s.workload ? { workload: `${s.workload.namespace}/${s.workload.pod ?? ''}` } : {}) });
      }
    }
  }
  delete report.joined.unjoined;
  report.signals = joined.length;

  const store = { client: deps.dynamo, tableName: deps.tableName, cluster: deps.cluster };
  const keyed = joined.map((signal) => ({ signal, keys: correlationKeys(signal) }));
  await putSignals(store, keyed, windowMs);

  // Everything tied to these signals within the window, following keys from signal to signal.
  const all = new Map<string, SequenceSignal>(joined.map((s) => [s.id, s]));
  const queue = [...new Set(keyed.flatMap((k) => k.keys))];
  const seen = new Set<string>(queue);
  for (let followed = 0; queue.length > 0 && followed < MAX_KEYS_FOLLOWED; followed++) {
    const key = queue.shift() as string;
    const found = await signalsForKey(store, key, first - windowMs, last + windowMs);
    report.invalidStored += found.invalid;
    for (const s of found.signals) {
      if (all.has(s.id)) continue;
      all.set(s.id, s);
      for (const k of correlationKeys(s)) {
        if (!seen.has(k)) {
          seen.add(k);
          queue.push(k);
        }
      }
    }
  }

  const seeds = new Set(joined.map((s) => s.id));
  const built = buildSequences([...all.values()], { cluster: deps.cluster, windowMs }).filter((q) => q.signals.some((s) => seeds.has(s.id)));
  const sequences: AttackSequence[] = [];
  for (const q of built) sequences.push(await keepPublishedId(store, q));
  const fresh: AttackSequence[] = [];
  for (const q of sequences) {
    if ((await emittedSignalCount(store, q.id)) >= q.signals.length) report.redelivered += 1;
    else fresh.push(q);
  }
  if (fresh.length) {
    // Recorded before publishing, as the anomaly enforce will answer (respond.ts): enforce acts
    // only on what an ingest function recorded with this exact content (events/provenance.ts).
    const provenance = deps.provenance ?? dynamoProvenance(deps.dynamo, deps.tableName);
    await provenance.record(fresh.map(sequenceAsAnomaly), new Date());
    await deps.publish(fresh.map((q) => ({ detailType: DetailType.sequence, detail: q, time: q.window.end })));
    for (const q of fresh) await recordEmitted(store, q, windowMs);
  }
  report.sequences = fresh;
  return report;
}

export interface SqsBatchResult {
  report: RuntimeIngestReport;
  /** Messages to redeliver (SQS partial batch response). */
  failedMessageIds: string[];
}

/**
 * A batch from Falcosidekick's queue, as one delivery first (its signals join and tell their
 * story together). When that throws, each message is tried on its own and only those that fail
 * again are returned for redelivery: every write is idempotent, so messages processed twice
 * change nothing, and one message that cannot be processed no longer takes its whole batch
 * back to the queue (and, after the last receive, to the failure queue).
 */
export async function ingestRuntimeSqsBatch(
  deps: RuntimeIngestDeps,
  batch: SqsBatch,
  /** Told of each failure: the batch's (no message id), then each message's. */
  onError: (err: unknown, messageId?: string) => void = () => {},
): Promise<SqsBatchResult> {
  try {
    return { report: await ingestRuntimeDelivery(deps, batch), failedMessageIds: [] };
  } catch (err) {
    onError(err);
  }
  let report = emptyRuntimeReport();
  const failedMessageIds: string[] = [];
  for (const record of batch.Records) {
    try {
      report = mergeRuntimeReports(report, await ingestRuntimeDelivery(deps, { Records: [record] }));
    } catch (err) {
      // A message without an id cannot be named for redelivery: fail the batch as a whole.
      if (!record.messageId) throw err;
      failedMessageIds.push(record.messageId);
      onError(err, record.messageId);
    }
  }
  return { report, failedMessageIds };
}
