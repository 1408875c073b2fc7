/**
 * Audit ingestion, one CloudWatch Logs payload at a time: decode, keep audit streams, parse
 * each record (counting every rejection by reason), group by principal, judge each request
 * against the principal's baseline, publish anomalies, then write each changed profile once.
 *
 * Ordering is what makes redelivery safe: anomalies are published before profiles are written,
 * so a failure anywhere makes CloudWatch Logs retry a payload whose anomalies re-derive under
 * the same ids; profiles that were already written carry the payload id and are skipped.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { decodeSubscriptionEvent, isAuditStream, type CloudWatchLogsData, type RejectReason } from '../audit/cloudwatch';
import { parseAuditMessage, type ParsedAuditEvent } from '../audit/event';
import { normalizePrincipal, type Principal } from '../audit/principal';
import { loadProfiles, ProfileConflictError, recordClusterFirstSeen, saveProfile, type StoredProfile } from '../baseline/store';
import type { PrincipalProfile } from '../baseline/profile';
import { buildAnomalies } from '../detect/anomaly';
import { DAY_MS, type DetectionConfig } from '../detect/config';
import { DEFAULT_DETECTORS, factsOf, runPrincipal } from '../detect/engine';
import type { AuditDetector, AuditFacts, DetectionContext } from '../detect/types';
import { stableId } from '../events/ids';
import { publishEvents } from '../events/publish';
import { DetailType, type BehaviorAnomaly } from '../events/schema';
import { DownstreamError } from '../errors';

export interface AuditIngestDeps {
  ddb: DynamoDBClient;
  tableName: string;
  eventBridge: EventBridgeClient;
  busName: string;
  cluster: string;
  detection: DetectionConfig;
  detectors?: AuditDetector[];
  /** Wall clock, for item expiry only; detection runs on event time. */
  now?: () => number;
}

export interface AuditIngestReport {
  payloads: number;
  controlMessages: number;
  /** Log events read from data messages of audit streams. */
  received: number;
  accepted: number;
  /** Rejected records and payloads, by reason (see RejectReason). */
  rejected: Partial<Record<RejectReason, number>>;
  /** Records deliberately not analysed, by reason (other log streams, non-final stages, duplicates). */
  ignored: Record<string, number>;
  principals: number;
  /** Keys of the principals seen in this payload (for distinct counts across payloads). */
  principalKeys: string[];
  /** Principals whose profile already held this payload: a redelivery. */
  redelivered: number;
  anomalies: BehaviorAnomaly[];
}

export function emptyReport(): AuditIngestReport {
  return { payloads: 0, controlMessages: 0, received: 0, accepted: 0, rejected: {}, ignored: {}, principals: 0, principalKeys: [], redelivered: 0, anomalies: [] };
}

function bump<K extends string>(map: Partial<Record<K, number>>, key: K, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

/** Stages that carry a decision: the final one, and the start of long-running requests (exec, watch). */
const ANALYSED_STAGES = new Set(['ResponseComplete', 'ResponseStarted', 'Panic']);

/** Entry point for the Lambda event `{awslogs:{data}}`. Never throws on bad input; throws on downstream failure. */
export async function ingestAuditEvent(deps: AuditIngestDeps, lambdaEvent: unknown): Promise<AuditIngestReport> {
  const decoded = decodeSubscriptionEvent(lambdaEvent);
  if (!decoded.ok) {
    const report = emptyReport();
    report.payloads = 1;
    bump(report.rejected, decoded.reason);
    return report;
  }
  return ingestAuditData(deps, decoded.data);
}

/** Parses the records of one payload; pure. */
export function parsePayload(data: CloudWatchLogsData, report: AuditIngestReport): ParsedAuditEvent[] {
  const seen = new Set<string>();
  const accepted: ParsedAuditEvent[] = [];
  for (const logEvent of data.logEvents) {
    report.received += 1;
    const parsed = parseAuditMessage(logEvent.message);
    if (!parsed.ok) {
      bump(report.rejected, parsed.reason);
      continue;
    }
    if (!ANALYSED_STAGES.has(parsed.event.stage)) {
      bump(report.ignored, `stage-${parsed.event.stage}`);
      continue;
    }
    // Long-running requests log ResponseStarted and ResponseComplete under one auditID.
    if (seen.has(parsed.event.auditID)) {
      bump(report.ignored, 'same-request-later-stage');
      continue;
    }
    seen.add(parsed.event.auditID);
    accepted.push(parsed);
  }
  report.accepted += accepted.length;
  return accepted;
}

export async function ingestAuditData(deps: AuditIngestDeps, data: CloudWatchLogsData): Promise<AuditIngestReport> {
  const report = emptyReport();
  report.payloads = 1;
  if (data.messageType === 'CONTROL_MESSAGE') {
    report.controlMessages = 1;
    return report;
  }
  if (!isAuditStream(data.logStream)) {
    bump(report.ignored, 'not-audit-stream', data.logEvents.length);
    return report;
  }
  const parsed = parsePayload(data, report);
  if (parsed.length === 0) return report;

  const batchId = stableId('payload', data.logGroup, data.logStream, ...data.logEvents.map((e) => e.id));
  const byPrincipal = new Map<string, { principal: Principal; facts: AuditFacts[] }>();
  for (const p of parsed) {
    const principal = normalizePrincipal(p.event.user);
    let entry = byPrincipal.get(principal.key);
    if (!entry) byPrincipal.set(principal.key, (entry = { principal, facts: [] }));
    entry.facts.push(factsOf(p, principal));
  }
  report.principals = byPrincipal.size;
  report.principalKeys = [...byPrincipal.keys()];

  const { profiles, meta } = await loadProfiles(deps.ddb, deps.tableName, deps.cluster, [...byPrincipal.keys()]);
  const batchFirst = Math.min(...parsed.map((p) => p.timeMs));
  const ctx: DetectionContext = {
    cluster: deps.cluster,
    config: deps.detection,
    clusterFirstSeen: Math.min(meta?.firstSeen ?? Infinity, batchFirst),
  };
  const detectors = deps.detectors ?? DEFAULT_DETECTORS;

  const pending: Array<{ key: string; facts: AuditFacts[]; profile: PrincipalProfile; version: number }> = [];
  for (const [key, { principal, facts }] of byPrincipal) {
    const stored = profiles.get(key);
    if (stored?.profile.batches.includes(batchId)) {
      report.redelivered += 1;
      continue;
    }
    const run = runPrincipal(facts, stored?.profile, ctx, detectors);
    run.profile.batches.push(batchId);
    report.anomalies.push(...buildAnomalies(deps.cluster, principal, run.findings, deps.detection.windowMinutes));
    pending.push({ key, facts, profile: run.profile, version: stored?.version ?? 0 });
  }

  if (report.anomalies.length > 0) {
    await publishEvents(
      deps.eventBridge,
      deps.busName,
      report.anomalies.map((a) => ({ detailType: DetailType.anomaly, detail: a, time: a.window.end })),
    );
  }

  const ttl = Math.floor((deps.now?.() ?? Date.now()) / 1000) + Math.ceil((deps.detection.decayDays * DAY_MS) / 1000);
  await mapLimit(pending, 16, (p) => saveWithRetry(deps, ctx, p, batchId, ttl, detectors));
  if (meta === undefined || batchFirst < meta.firstSeen) {
    await recordClusterFirstSeen(deps.ddb, deps.tableName, deps.cluster, batchFirst);
  }
  return report;
}

const MAX_CONFLICTS = 5;

/** Saves a profile; on a concurrent write, reloads it and re-learns this payload's requests on top. */
async function saveWithRetry(
  deps: AuditIngestDeps,
  ctx: DetectionContext,
  p: { key: string; facts: AuditFacts[]; profile: PrincipalProfile; version: number },
  batchId: string,
  ttl: number,
  detectors: AuditDetector[],
): Promise<void> {
  let { profile, version } = p;
  for (let attempt = 1; ; attempt++) {
    try {
      await saveProfile(deps.ddb, deps.tableName, deps.cluster, profile, version, ttl);
      return;
    } catch (err) {
      if (!(err instanceof ProfileConflictError)) throw err;
      if (attempt >= MAX_CONFLICTS) throw new DownstreamError(`profile of ${p.key}: ${attempt} concurrent-write conflicts in a row`);
      const { profiles } = await loadProfiles(deps.ddb, deps.tableName, deps.cluster, [p.key]);
      const fresh: StoredProfile | undefined = profiles.get(p.key);
      if (fresh?.profile.batches.includes(batchId)) return;
      // Findings of the re-run were already published from the first run; only the learning is kept.
      const rerun = runPrincipal(p.facts, fresh?.profile, ctx, detectors);
      rerun.profile.batches.push(batchId);
      profile = rerun.profile;
      version = fresh?.version ?? 0;
    }
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
