/**
 * Audit ingestion, one CloudWatch Logs payload at a time: decode, keep audit streams, parse
 * each record (counting every rejection by reason), group by principal, judge each request
 * against the principal's baseline, publish anomalies, then keep what the payload taught.
 *
 * Ordering is what makes redelivery safe: anomalies are published first, so a failure there
 * makes CloudWatch Logs retry a payload whose anomalies re-derive under the same ids; only then
 * is its learning kept, in the instance's profile cache (profile-cache.ts), under the payload's
 * id. Items are written back when they change shape or once per interval, and every payload
 * whose learning an item write carries is claimed first, table-wide and exactly once
 * (baseline-store.ts claimPayloads): a payload another instance claimed first is dropped from
 * the cache. A redelivery arriving after the claim is recognised before detection and skipped.
 * A failure after the claim loses that payload's unwritten learning, never counts it twice.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { decodeSubscriptionEvent, isAuditStream, RejectReason, type CloudWatchLogsData } from '../audit/cloudwatch';
import { implausibleTime, parseAuditMessage, type ParsedAuditEvent } from '../audit/event';
import { normalizePrincipal, type Principal } from '../audit/principal';
import { materialDigest, ProfileTooLargeError } from './baseline-codec';
import {
  absorbedPk,
  claimPayloads,
  hasOwnRecord,
  loadProfiles,
  payloadTag,
  ProfileConflictError,
  recordClusterFirstSeen,
  recordDeadLetters,
  saveProfile,
  type DamagedProfile,
  type StoredProfile,
} from './baseline-store';
import { pendingFacts, ProfileCache, sameDigest, shapeOf, type CacheEntry, type ProfileDigests } from './profile-cache';
import { emptyProfile, established, pruneProfile, type PrincipalProfile } from './baseline';
import { buildAnomalies } from './anomaly';
import { DAY_MS, type DetectionConfig } from './config';
import { DEFAULT_DETECTORS, factsOf, observeGroup, runPrincipal } from './engine';
import { intelFor, type DetectionIntel } from './ip-list';
import type { AuditDetector, AuditFacts, ClusterKnowledge, DetectionContext } from './types';
import { stableId } from '../events/ids';
import { publishEvents } from '../events/publish';
import { dynamoProvenance, publishAnomaliesOnce } from '../events/provenance';
import type { BehaviorAnomaly } from '../events/schema';
import { DownstreamError } from '../errors';
import { forEachLimit } from '../async';

export interface AuditIngestDeps {
  ddb: DynamoDBClient;
  tableName: string;
  eventBridge: EventBridgeClient;
  busName: string;
  cluster: string;
  detection: DetectionConfig;
  detectors?: AuditDetector[];
  /** Compiled IP lists; compiled from `detection` (once per configuration object) when absent. */
  intel?: DetectionIntel;
  /** Wall clock, for item expiry only; detection runs on event time. */
  now?: () => number;
  /**
   * The instance's profile cache (write-behind, profile-cache.ts). Absent: every payload reads
   * the profiles it needs and writes back every one it changed.
   */
  cache?: ProfileCache;
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
  /** Principals of a payload recognised as absorbed already (a redelivery), before detection. */
  redelivered: number;
  /**
   * Payloads this invocation's write found absorbed by another instance first (a redelivery
   * that reached two instances before either wrote): their learning was dropped here.
   */
  duplicatesDropped: number;
  anomalies: BehaviorAnomaly[];
  /** Principals this payload could not be judged or saved for (dead-lettered; the rest proceeded). */
  failedPrincipals: FailedPrincipal[];
  /** Stored profiles that did not read (damaged, foreign): those principals and groups learn again. */
  profilesDamaged: DamagedProfile[];
}

/** A principal given up on in one payload, with what a responder needs to find its events. */
export interface FailedPrincipal {
  key: string;
  reason: 'detection-error' | 'unwritable-profile';
  detail: string;
  auditIDs: string[];
}

export function emptyReport(): AuditIngestReport {
  return { payloads: 0, controlMessages: 0, received: 0, accepted: 0, rejected: {}, ignored: {}, principals: 0, principalKeys: [], redelivered: 0, duplicatesDropped: 0, anomalies: [], failedPrincipals: [], profilesDamaged: [] };
}

function bump<K extends string>(map: Partial<Record<K, number>>, key: K, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

/**
 * Stages that carry a decision: the final one, and the start of streams (exec, attach,
 * port-forward), which are judged when they open (as Falco does). Watches are judged when they
 * complete; their ResponseStarted record would count the same request twice.
 */
const ANALYSED_STAGES = new Set(['ResponseComplete', 'ResponseStarted', 'Panic']);
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

function isConnect(e: ParsedAuditEvent['event']): boolean {
  return e.objectRef?.resource === 'pods' && CONNECT_SUBRESOURCES.has(e.objectRef.subresource ?? '');
}

/** Whether a record's stage is one detection analyses (see ANALYSED_STAGES). */
export function analysedStage(e: ParsedAuditEvent['event']): boolean {
  return ANALYSED_STAGES.has(e.stage) && (e.stage !== 'ResponseStarted' || isConnect(e));
}

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
    if (implausibleTime(parsed.timeMs, logEvent.timestamp) !== undefined) {
      bump(report.rejected, RejectReason.implausibleTime);
      continue;
    }
    if (!analysedStage(parsed.event)) {
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

/** The principals of a payload, each with its requests as facts. */
export function groupByPrincipal(parsed: ParsedAuditEvent[]): Map<string, { principal: Principal; facts: AuditFacts[] }> {
  const byPrincipal = new Map<string, { principal: Principal; facts: AuditFacts[] }>();
  for (const p of parsed) {
    const principal = normalizePrincipal(p.event.user);
    let entry = byPrincipal.get(principal.key);
    if (!entry) byPrincipal.set(principal.key, (entry = { principal, facts: [] }));
    entry.facts.push(factsOf(p, principal));
  }
  return byPrincipal;
}

/** Peer groups whose profiles every payload reads: what the cluster's own nodes and control plane know. */
export const KNOWLEDGE_GROUPS = ['kubelets', 'control-plane'] as const;

/** A payload's requests by peer group, in payload order (requests of no group left out). */
export function factsByGroup(byPrincipal: Map<string, { facts: AuditFacts[] }>): Map<string, AuditFacts[]> {
  const byGroup = new Map<string, AuditFacts[]>();
  for (const { facts } of byPrincipal.values()) {
    for (const f of facts) {
      if (!f.group) continue;
      const list = byGroup.get(f.group);
      if (list) list.push(f);
      else byGroup.set(f.group, [f]);
    }
  }
  return byGroup;
}

/** The peer-group keys a payload needs: its principals' groups and the knowledge groups. */
export function groupKeysOf(byGroup: ReadonlyMap<string, AuditFacts[]>): string[] {
  return [...new Set<string>([...KNOWLEDGE_GROUPS, ...byGroup.keys()])];
}

/** Cluster knowledge from the stored platform groups, as of `t`. */
export function clusterKnowledge(groups: ReadonlyMap<string, PrincipalProfile>, t: number, cfg: DetectionConfig): ClusterKnowledge {
  const kubelets = groups.get('kubelets');
  const nodeNets = new Set<string>();
  if (kubelets) for (const [net, s] of Object.entries(kubelets.sourceNets)) if (established(s, t, cfg)) nodeNets.add(net);
  return { nodeNets, namespaces: groups.get('control-plane')?.namespaces ?? {} };
}

/** A profile handed to detection, with its digests when known. */
export type HandedProfile = StoredProfile & { digests?: ProfileDigests | undefined };

/**
 * What detection starts from. Its profiles are handed over, upgraded (as loadProfiles leaves
 * them), and detection learns into them in place: a deep copy of every touched profile per
 * payload cost more than the rest of detection at CloudWatch's delivery sizes. `digests`, when
 * known, are those of the profile as handed over.
 */
export interface PayloadState {
  profiles: ReadonlyMap<string, HandedProfile>;
  groups: ReadonlyMap<string, HandedProfile>;
  clusterFirstSeen: number;
}

export interface PayloadDetection {
  anomalies: BehaviorAnomaly[];
  /** Always 0 here: redelivery is recognised per payload, before detection. */
  redelivered: number;
  /**
   * `changed`: what other instances judge by changed (write at once, not only after a while);
   * `digests`: the learned profile's, for the next payload's comparison.
   */
  principals: Array<{ key: string; facts: AuditFacts[]; profile: PrincipalProfile; version: number; changed: boolean; digests: ProfileDigests }>;
  /**
   * `changed`: what detection reads from it changed (always true unless `groupMaterial`);
   * `reshaped`: its shape did (profile-cache.ts).
   */
  groups: Array<{ key: string; profile: PrincipalProfile; version: number; changed: boolean; reshaped: boolean; digests: ProfileDigests }>;
  /**
   * Principals whose requests made detection throw: skipped, so they cannot stop the others.
   * Their handed-over profiles may be half-learned and must be discarded.
   */
  failed: FailedPrincipal[];
}

/**
 * The pure core of ingestion: judge and learn one payload's requests against the stored state.
 * Returns the anomalies to publish and the learned profiles (one per principal, one per
 * touched peer group).
 */
export function detectPayload(
  byPrincipal: Map<string, { principal: Principal; facts: AuditFacts[] }>,
  state: PayloadState,
  opts: {
    cluster: string;
    detection: DetectionConfig;
    detectors?: AuditDetector[] | undefined;
    intel?: DetectionIntel;
    batchId: string;
    batchFirst: number;
    /** Whether group writes wait for a material change (materialDigest): without an instance cache only. */
    groupMaterial: boolean;
  },
): PayloadDetection {
  const cfg = opts.detection;
  const storedGroups = new Map<string, PrincipalProfile>();
  for (const [k, g] of state.groups) storedGroups.set(k, g.profile);
  const working = new Map<string, { profile: PrincipalProfile; version: number; before: ProfileDigests | undefined }>();
  const learnGroup = (key: string, type: PrincipalProfile['type'], at: number): PrincipalProfile | undefined => {
    const w = working.get(key);
    if (w) return w.profile;
    const stored = state.groups.get(key);
    // Learned in place: members later in the payload are judged by what earlier ones taught it,
    // as they would be had the payload been cut in two.
    const before = stored ? (stored.digests ?? digestsOf(stored.profile, cfg, opts.groupMaterial)) : undefined;
    const profile = stored ? stored.profile : emptyProfile(key, type, at);
    working.set(key, { profile, version: stored?.version ?? 0, before });
    return profile;
  };
  const ctx: DetectionContext = {
    cluster: opts.cluster,
    config: cfg,
    clusterFirstSeen: state.clusterFirstSeen,
    groups: storedGroups,
    learnGroup,
    knowledge: clusterKnowledge(storedGroups, opts.batchFirst, cfg),
    ...(opts.intel ? { intel: opts.intel } : {}),
  };
  const detectors = opts.detectors ?? DEFAULT_DETECTORS;
  const out: PayloadDetection = { anomalies: [], redelivered: 0, principals: [], groups: [], failed: [] };
  for (const [key, { principal, facts }] of byPrincipal) {
    const stored = state.profiles.get(key);
    const shapeBefore = stored ? (stored.digests?.shape ?? shapeOf(stored.profile, cfg)) : undefined;
    let run: ReturnType<typeof runPrincipal>;
    let anomalies: BehaviorAnomaly[];
    try {
      run = runPrincipal(facts, stored?.profile, ctx, detectors, { learnInPlace: true });
      anomalies = buildAnomalies(opts.cluster, principal, run.findings, cfg.windowMinutes);
    } catch (err) {
      // One principal's requests must not cost everyone else in the payload their detection.
      out.failed.push(failedPrincipal(key, 'detection-error', err, facts));
      continue;
    }
    out.anomalies.push(...anomalies);
    const shape = shapeOf(run.profile, cfg);
    out.principals.push({ key, facts, profile: run.profile, version: stored?.version ?? 0, changed: !sameDigest(shape, shapeBefore), digests: { shape } });
  }
  for (const [key, w] of working) {
    const profile = pruneProfile(w.profile, cfg);
    const digests = digestsOf(profile, cfg, opts.groupMaterial);
    // Groups change slowly: what detection reads from one changes far less often than its counts.
    const changed = !sameDigest(digests.material, w.before?.material);
    const reshaped = !sameDigest(digests.shape, w.before?.shape);
    out.groups.push({ key, profile, version: w.version, changed, reshaped, digests });
  }
  return out;
}

function digestsOf(p: PrincipalProfile, cfg: DetectionConfig, material: boolean): ProfileDigests {
  return { shape: shapeOf(p, cfg), ...(material ? { material: materialDigest(p) } : {}) };
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
  const byPrincipal = groupByPrincipal(parsed);
  report.principals = byPrincipal.size;
  report.principalKeys = [...byPrincipal.keys()];

  const byGroup = factsByGroup(byPrincipal);
  const groupKeys = groupKeysOf(byGroup);
  let batchFirst = Infinity;
  let batchLast = -Infinity;
  for (const p of parsed) {
    if (p.timeMs < batchFirst) batchFirst = p.timeMs;
    if (p.timeMs > batchLast) batchLast = p.timeMs;
  }
  // Without an instance cache, a cache for this payload alone: everything learned is written now.
  const cache = deps.cache ?? new ProfileCache({ writeAfterMs: 0 });
  await repairStale(deps, cache, batchLast);
  const tag = payloadTag(batchId);
  const absorbed = absorbedPk(deps.cluster, data.logGroup, data.logStream, data.logEvents[0]?.timestamp ?? 0);
  const principalKeys = [...byPrincipal.keys()];
  const toRead = principalKeys.filter((k) => !cache.usable('principal', k, batchLast));
  const groupsToRead = groupKeys.filter((k) => !cache.usable('group', k, batchLast));
  const readAbsorbed = !cache.knowsAbsorbed(absorbed) && cache.absorbedHere(absorbed, tag) === false;
  // One read for all that this instance does not hold (none at all for most payloads).
  if (toRead.length > 0 || groupsToRead.length > 0 || readAbsorbed || cache.storedFirstSeen === undefined) {
    const loaded = await loadProfiles(deps.ddb, deps.tableName, deps.cluster, toRead, groupsToRead, readAbsorbed ? [absorbed] : []);
    report.profilesDamaged.push(...loaded.damaged);
    for (const k of toRead) cache.adopt('principal', k, loaded.profiles.get(k), batchLast);
    for (const k of groupsToRead) cache.adopt('group', k, loaded.groups.get(k), batchLast);
    if (readAbsorbed) cache.noteAbsorbed(absorbed, loaded.absorbed.get(absorbed)!, batchLast);
    cache.storedFirstSeen = loaded.meta?.firstSeen ?? null;
  }
  const seen = cache.absorbedHere(absorbed, tag);
  if (seen === true || (seen === 'ask' && (await hasOwnRecord(deps.ddb, deps.tableName, absorbed, tag)))) {
    report.redelivered = byPrincipal.size;
    // Learning a failed write left in the cache (a throttled principal) is written now.
    report.failedPrincipals.push(...(await flushProfiles(deps, cache, batchLast, false, report)));
    return report;
  }
  const profiles = new Map<string, StoredProfile>();
  const groups = new Map<string, StoredProfile>();
  for (const k of principalKeys) {
    const e = cache.get('principal', k);
    if (e) profiles.set(k, e);
  }
  for (const k of groupKeys) {
    const e = cache.get('group', k);
    if (e) groups.set(k, e);
  }
  const storedFirstSeen = cache.storedFirstSeen ?? undefined;
  const clusterFirstSeen = Math.min(storedFirstSeen ?? Infinity, batchFirst);
  const detection = detectPayload(
    byPrincipal,
    { profiles, groups, clusterFirstSeen },
    { cluster: deps.cluster, detection: deps.detection, detectors: deps.detectors, intel: deps.intel ?? intelFor(deps.detection), batchId, batchFirst, groupMaterial: !deps.cache },
  );
  report.anomalies = detection.anomalies;
  report.failedPrincipals = detection.failed;
  // Their profiles were learned into part-way (detection learns in place).
  for (const f of detection.failed) cache.markStale('principal', f.key);

  if (report.anomalies.length > 0) {
    try {
      // Recorded before publishing: enforce acts only on anomalies it finds recorded, and a
      // redelivery publishes only those that did not reach the bus (provenance.ts).
      await publishAnomaliesOnce(
        dynamoProvenance(deps.ddb, deps.tableName),
        (events) => publishEvents(deps.eventBridge, deps.busName, events),
        report.anomalies,
        new Date(deps.now?.() ?? Date.now()),
      );
    } catch (err) {
      // The redelivery must find the profiles as this delivery did: drop what it learned.
      for (const p of detection.principals) cache.markStale('principal', p.key);
      for (const g of detection.groups) cache.markStale('group', g.key);
      throw err;
    }
  }

  // Kept under the payload's id, claimed before any item carrying it is written (flushProfiles).
  cache.absorb(absorbed, tag);
  for (const p of detection.principals) cache.learn('principal', p.key, p.profile, p.version, tag, p.facts, p.changed, batchLast, p.digests);
  for (const g of detection.groups) {
    const members = byGroup.get(g.key) ?? [];
    // Without a cache, a group whose material did not change is not written (its counts refresh
    // with the next change). With one, today's peaks and counts wait for the write-behind: peers
    // judge by earlier days' peaks only.
    if (deps.cache) cache.learn('group', g.key, g.profile, g.version, tag, members, g.reshaped, batchLast, g.digests);
    else if (g.changed) cache.learn('group', g.key, g.profile, g.version, tag, members, true, batchLast, g.digests);
  }
  cache.clusterFirstSeen = Math.min(cache.clusterFirstSeen, clusterFirstSeen);
  report.failedPrincipals.push(...(await flushProfiles(deps, cache, batchLast, false, report)));
  if (report.failedPrincipals.length > 0) {
    await recordDeadLetters(deps.ddb, deps.tableName, deps.cluster, batchId, report.failedPrincipals, deps.now?.() ?? Date.now());
  }
  if (storedFirstSeen === undefined || batchFirst < storedFirstSeen) {
    await recordClusterFirstSeen(deps.ddb, deps.tableName, deps.cluster, batchFirst);
    cache.storedFirstSeen = Math.min(storedFirstSeen ?? Infinity, batchFirst);
  }
  return report;
}

/** Writes everything the instance cache holds unwritten (end of a replay, shutdown). */
export async function flushAll(deps: AuditIngestDeps): Promise<number> {
  if (!deps.cache) return 0;
  const due = deps.cache.due(Infinity, true).length;
  const failed = await flushProfiles(deps, deps.cache, Infinity, true);
  if (failed.length > 0) await recordDeadLetters(deps.ddb, deps.tableName, deps.cluster, 'final-flush', failed, deps.now?.() ?? Date.now());
  return due;
}

/**
 * Writes the cache entries that are due (all dirty ones with `all`, e.g. at the end of a
 * replay), 16 at a time; event time `t` decides what is due. First claims every payload
 * absorbed here and not claimed yet, so that no item ever holds learning of a payload that
 * another instance may also count; payloads claimed elsewhere first are dropped from the cache
 * (counted in `report.duplicatesDropped`). Returns the entries DynamoDB will never accept
 * (dropped from the cache, to be dead-lettered); other errors throw.
 */
export async function flushProfiles(deps: AuditIngestDeps, cache: ProfileCache, t: number, all = false, report?: AuditIngestReport): Promise<FailedPrincipal[]> {
  await repairStale(deps, cache, t);
  if (cache.due(t, all).length === 0) return [];
  const ctx = rebuildContext(deps, cache);
  const detectors = deps.detectors ?? DEFAULT_DETECTORS;
  const nowMs = deps.now?.() ?? Date.now();
  const duplicates = new Set<string>();
  for (const [pk, tags] of cache.unclaimedPayloads()) {
    const out = await claimPayloads(deps.ddb, deps.tableName, pk, tags, nowMs);
    cache.claimed(pk, out.claimed, out.duplicates, t);
    for (const d of out.duplicates) duplicates.add(d);
  }
  if (duplicates.size > 0) {
    if (report) report.duplicatesDropped += duplicates.size;
    // Their learning is someone else's: rebuild each entry from its item and what remains.
    for (const e of cache.dropPayloads(duplicates)) {
      const next = await rebuildEntry(deps, ctx, e, detectors);
      if (next) cache.rebased(e, next.profile, next.version, t);
      else cache.forget(e);
    }
  }
  const due = cache.due(t, all);
  const ttl = Math.floor(nowMs / 1000) + Math.ceil((deps.detection.decayDays * DAY_MS) / 1000);
  const failed: FailedPrincipal[] = [];
  await forEachLimit(due, 16, async (e) => {
    try {
      await saveOptimistic(
        e.kind === 'group' ? `group profile ${e.profile.key}` : `profile of ${e.profile.key}`,
        e,
        async (v) => {
          const version = await saveProfile(deps.ddb, deps.tableName, deps.cluster, v.profile, v.version, ttl, e.kind);
          cache.written(e, v.profile, version, t);
        },
        () => rebuildEntry(deps, ctx, e, detectors),
      );
    } catch (err) {
      // A profile DynamoDB will never accept costs only its principal; anything else (throttling,
      // 5xx, timeouts) fails the payload so CloudWatch delivers it again (its learning stays cached).
      if (!unwritable(err)) throw err;
      failed.push(failedPrincipal(e.kind === 'group' ? `group ${e.profile.key}` : e.profile.key, 'unwritable-profile', err, pendingFacts(e)));
      cache.forget(e);
    }
  });
  cache.trim(t);
  return failed;
}

function rebuildContext(deps: AuditIngestDeps, cache: ProfileCache): DetectionContext {
  return { cluster: deps.cluster, config: deps.detection, clusterFirstSeen: cache.clusterFirstSeen };
}

/**
 * Entries holding learning that was not kept (profile-cache.ts markStale): rebuilt from their
 * items and pending requests, or, with nothing pending, forgotten so that they are read again.
 */
async function repairStale(deps: AuditIngestDeps, cache: ProfileCache, t: number): Promise<void> {
  const stale = cache.staleEntries();
  if (stale.length === 0) return;
  const ctx = rebuildContext(deps, cache);
  for (const e of stale) {
    const next = e.pending.length > 0 ? await rebuildEntry(deps, ctx, e, deps.detectors ?? DEFAULT_DETECTORS) : undefined;
    if (next) cache.rebased(e, next.profile, next.version, t);
    else cache.forget(e);
  }
}

/** Errors no retry can fix: the item itself is refused (too large, key too long, invalid). */
function unwritable(err: unknown): boolean {
  return err instanceof ProfileTooLargeError || (err instanceof Error && err.name === 'ValidationException');
}

function failedPrincipal(key: string, reason: FailedPrincipal['reason'], err: unknown, facts: AuditFacts[]): FailedPrincipal {
  return { key, reason, detail: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : String(err).slice(0, 500), auditIDs: facts.map((f) => f.event.auditID) };
}

const MAX_CONFLICTS = 5;

interface Versioned {
  profile: PrincipalProfile;
  version: number;
}

/**
 * Optimistic concurrency for one profile item: write it unless someone wrote it since it was
 * read; on a conflict, `rebuild` reloads it and re-learns what is pending on top (undefined:
 * nothing to write any more), and the write is tried again.
 */
async function saveOptimistic(
  label: string,
  first: Versioned,
  save: (v: Versioned) => Promise<unknown>,
  rebuild: () => Promise<Versioned | undefined>,
): Promise<void> {
  let current = first;
  for (let attempt = 1; ; attempt++) {
    try {
      await save(current);
      return;
    } catch (err) {
      if (!(err instanceof ProfileConflictError)) throw err;
      if (attempt >= MAX_CONFLICTS) throw new DownstreamError(`${label}: ${attempt} concurrent-write conflicts in a row`);
      const next = await rebuild();
      if (!next) return;
      current = next;
    }
  }
}

/**
 * A cache entry rebuilt from its stored item (read now) and the requests this instance learned
 * since its last write: after a version conflict, or after payloads were dropped from it.
 * Undefined when nothing is stored and nothing is pending.
 */
async function rebuildEntry(deps: AuditIngestDeps, ctx: DetectionContext, e: CacheEntry, detectors: AuditDetector[]): Promise<Versioned | undefined> {
  const key = e.profile.key;
  const facts = pendingFacts(e);
  if (e.kind === 'principal') {
    const { profiles, damaged } = await loadProfiles(deps.ddb, deps.tableName, deps.cluster, [key]);
    const fresh: StoredProfile | undefined = profiles.get(key);
    if (facts.length === 0) return fresh;
    // Findings of the re-run were already published from the first run; only the learning is kept.
    const rerun = runPrincipal(facts, fresh?.profile, ctx, detectors, { learnInPlace: true });
    // A damaged item is replaced at its version by what was learned since.
    return { profile: rerun.profile, version: fresh?.version ?? damaged[0]?.version ?? 0 };
  }
  const { groups, damaged } = await loadProfiles(deps.ddb, deps.tableName, deps.cluster, [], [key]);
  const fresh = groups.get(key);
  if (facts.length === 0) return fresh;
  const next = fresh ? fresh.profile : emptyProfile(key, facts[0]!.principal.type, facts[0]!.timeMs);
  for (const f of facts) observeGroup(next, f);
  return { profile: pruneProfile(next, deps.detection), version: fresh?.version ?? damaged[0]?.version ?? 0 };
}
