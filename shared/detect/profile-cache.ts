/**
 * Instance-local profiles with bounded write-behind: what makes DynamoDB writes independent of
 * how small CloudWatch Logs' deliveries are. A payload of tens of events used to rewrite the
 * whole item of every principal it touched; now an instance keeps the profiles it has read,
 * learns into them payload after payload, and writes items back
 *   - at once, those whose shape changed (a new behavior, namespace, network, user agent or
 *     alert, or a day that brings a key closer to established): what other instances judge by;
 *   - all others together, once `writeAfterMs` of event time has passed since the oldest
 *     unwritten learning (or the instance holds `maxPendingTotal` unwritten requests): one
 *     write per active item per interval, however many payloads it took.
 * Clean entries are read again after `writeAfterMs`, so other instances' learning arrives too.
 *
 * Nothing is counted twice:
 *   - each payload's learning is kept under its id (`pending`, per entry); before any item is
 *     written, every payload absorbed here is claimed table-wide (baseline-store.ts
 *     claimPayloads, a conditional update per log stream and minute). A payload some other
 *     instance claimed first (a redelivery that reached two instances) is dropped from every
 *     entry, and those entries are rebuilt from the stored item and what remains pending;
 *   - a redelivery that arrives after the claim is recognised before detection, from the
 *     absorbed item of its stream and minute (read once per stream and minute, then known here);
 *   - when another instance wrote an item meanwhile (version conflict), the fresh item is read
 *     and only this instance's pending requests are learned into it again.
 *
 * What a crash can lose: the learning absorbed since the instance last wrote, at most
 * `writeAfterMs` of event time (and `maxPendingTotal` requests) for an instance that keeps
 * receiving payloads; never an anomaly (anomalies are published before a payload is absorbed)
 * and never the claim of a payload whose learning was written (claims go first). A crash
 * between the claims and the item writes loses that learning, and the claims keep redeliveries
 * of it from being counted. An instance that stops receiving payloads keeps its last unwritten
 * interval until it is reclaimed, so that interval can be lost too.
 *
 * Detection learns into the cached profiles in place (ingest.ts detectPayload). When a payload
 * fails after that and before its learning is kept (publishing its anomalies failed), or one
 * principal's detection threw part-way, the touched entries are marked stale: before they are
 * used or written again they are rebuilt from the stored item and their pending requests (or
 * read again, when nothing is pending), so a redelivery is judged and learned exactly as the
 * first delivery was.
 *
 * One payload at a time works a cache (a Lambda instance takes one invocation at a time, Kinesis
 * records go in order, replay is sequential). Pure bookkeeping; ingest.ts does the reading and
 * writing.
 */
import type { AbsorbedIds } from './baseline-store';
import type { PrincipalProfile } from './baseline';
import type { DetectionConfig } from './config';
import type { AuditFacts } from './types';
import { statsSummary } from './map-summary';

export type EntryKind = 'principal' | 'group';

/** shapeOf (and, for groups, materialDigest) of a profile: what decides whether it is written now. */
export interface ProfileDigests {
  shape: readonly number[];
  material?: readonly number[] | undefined;
}

/** Whether two digests are equal (numbers, not strings: formatting them cost more than computing them). */
export function sameDigest(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The requests one payload contributed to an entry. */
export interface PendingChunk {
  /** The payload's tag (baseline-store.ts payloadTag). */
  payload: string;
  facts: AuditFacts[];
}

export interface CacheEntry {
  kind: EntryKind;
  profile: PrincipalProfile;
  /** Version of the stored item this entry builds on (0: none stored yet). */
  version: number;
  /** Requests learned since the last write, by payload: re-learned onto a fresher item after a conflict. */
  pending: PendingChunk[];
  /** Number of requests in `pending`. */
  pendingFacts: number;
  /** Event time of the oldest unwritten learning; undefined when the entry is clean. */
  dirtySince?: number | undefined;
  /** Whether the entry must be written with the next flush, whatever its age. */
  urgent: boolean;
  /** Event time the entry was last read or written. */
  syncedAt: number;
  /** The digests of `profile` as last learned (recomputed when absent). */
  digests?: ProfileDigests | undefined;
}

export interface ProfileCacheOptions {
  /** Longest time (event time, ms) learning may stay unwritten; 0 writes at every payload. */
  writeAfterMs: number;
  /** Entries kept; beyond it, clean entries are dropped after a flush. */
  maxEntries?: number;
  /** Pending requests per entry before it is written whatever its age. */
  maxPending?: number;
  /** Pending requests of the whole instance before everything is written (memory bound: about 2 KB each). */
  maxPendingTotal?: number;
}

/**
 * Five minutes: the default write-behind interval of the Lambda function and of replay. At the
 * realistic delivery setting each active item is written about once per interval; one minute
 * cost about four times the writes (README.md#cost).
 */
export const DEFAULT_WRITE_AFTER_MS = 5 * 60_000;

/** What this instance knows of an absorbed item: what it read, plus what it claimed since. */
interface KnownAbsorbed extends AbsorbedIds {
  readAt: number;
}

export class ProfileCache {
  /** Entries by kind, then key (two maps: a combined string key per lookup cost more than the lookup). */
  private readonly byKind: Record<EntryKind, Map<string, CacheEntry>> = { principal: new Map(), group: new Map() };
  /** Entries holding learning that was not kept (see the module comment): rebuilt before use. */
  private readonly stale = new Set<CacheEntry>();
  readonly writeAfterMs: number;
  readonly maxEntries: number;
  readonly maxPending: number;
  readonly maxPendingTotal: number;
  /** Earliest event time of the cluster seen by this instance (for re-learning after a conflict). */
  clusterFirstSeen = Infinity;
  /** The cluster meta as last read (undefined: not read yet; null: none stored). */
  storedFirstSeen: number | null | undefined;
  /** Payloads found absorbed elsewhere when claiming, whose learning was dropped here. */
  duplicatesDropped = 0;
  private readonly absorbed = new Map<string, KnownAbsorbed>();
  /** Payloads absorbed here and not claimed yet, by absorbed item. */
  private readonly unclaimed = new Map<string, Set<string>>();
  private pendingTotal = 0;

  constructor(opts: ProfileCacheOptions) {
    this.writeAfterMs = opts.writeAfterMs;
    this.maxEntries = opts.maxEntries ?? 4000;
    this.maxPending = opts.maxPending ?? 5000;
    this.maxPendingTotal = opts.maxPendingTotal ?? 40_000;
  }

  get(kind: EntryKind, key: string): CacheEntry | undefined {
    return this.byKind[kind].get(key);
  }

  /** Every entry, principals first. */
  *entries(): IterableIterator<CacheEntry> {
    yield* this.byKind.principal.values();
    yield* this.byKind.group.values();
  }

  get size(): number {
    return this.byKind.principal.size + this.byKind.group.size;
  }

  /** Whether the entry can be used without reading the table: dirty, or read recently. */
  usable(kind: EntryKind, key: string, t: number): boolean {
    const e = this.get(kind, key);
    if (!e) return false;
    return e.dirtySince !== undefined || t - e.syncedAt < this.writeAfterMs;
  }

  /** What the table holds now (or that it holds nothing) for a key the caller read. */
  adopt(kind: EntryKind, key: string, stored: { profile: PrincipalProfile; version: number } | undefined, t: number): void {
    const map = this.byKind[kind];
    const e = map.get(key);
    if (e?.dirtySince !== undefined) return;
    if (e) this.stale.delete(e);
    if (!stored) {
      map.delete(key);
      return;
    }
    map.set(key, { kind, profile: stored.profile, version: stored.version, pending: [], pendingFacts: 0, urgent: false, syncedAt: t });
  }

  /** Keeps what payload `payload` taught an entry (after detection and publishing). */
  learn(kind: EntryKind, key: string, profile: PrincipalProfile, baseVersion: number, payload: string, facts: AuditFacts[], urgent: boolean, t: number, digests?: ProfileDigests): void {
    const map = this.byKind[kind];
    const e = map.get(key);
    const chunk = { payload, facts };
    this.pendingTotal += facts.length;
    if (e && e.version === baseVersion) {
      // A stale entry keeps its profile: the rebuild learns this chunk from `pending` with the rest.
      if (!this.stale.has(e)) {
        e.profile = profile;
        e.digests = digests;
      }
      e.pending.push(chunk);
      e.pendingFacts += facts.length;
      e.dirtySince ??= t;
      e.urgent ||= urgent || e.pendingFacts >= this.maxPending;
      return;
    }
    if (e) {
      this.pendingTotal -= e.pendingFacts;
      this.stale.delete(e);
    }
    map.set(key, { kind, profile, version: baseVersion, pending: [chunk], pendingFacts: facts.length, dirtySince: t, urgent, syncedAt: t, digests });
  }

  /** Entries whose profiles hold learning that was not kept: rebuilt before they are used again. */
  markStale(kind: EntryKind, key: string): void {
    const e = this.get(kind, key);
    if (!e) return;
    e.digests = undefined;
    this.stale.add(e);
  }

  /** The stale entries (see markStale). */
  staleEntries(): CacheEntry[] {
    return [...this.stale];
  }

  isStale(e: CacheEntry): boolean {
    return this.stale.has(e);
  }

  /**
   * The dirty entries due for writing at event time `t`: all of them once the oldest is
   * `writeAfterMs` old (or the instance holds too many pending requests, or `all`), else the
   * urgent ones.
   */
  due(t: number, all = false): CacheEntry[] {
    const dirty: CacheEntry[] = [];
    let tick = all || this.pendingTotal >= this.maxPendingTotal;
    for (const e of this.entries()) {
      if (e.dirtySince === undefined) continue;
      dirty.push(e);
      if (t - e.dirtySince >= this.writeAfterMs) tick = true;
    }
    return tick ? dirty : dirty.filter((e) => e.urgent);
  }

  /** After a successful write of `e` as `version` (holding `profile`). */
  written(e: CacheEntry, profile: PrincipalProfile, version: number, t: number): void {
    this.pendingTotal -= e.pendingFacts;
    const digests = profile === e.profile ? e.digests : undefined;
    Object.assign(e, { profile, version, pending: [], pendingFacts: 0, dirtySince: undefined, urgent: false, syncedAt: t, digests });
  }

  /** After `e` was rebuilt from the stored item and its remaining pending requests. */
  rebased(e: CacheEntry, profile: PrincipalProfile, version: number, t: number): void {
    Object.assign(e, { profile, version, syncedAt: t, digests: undefined });
    this.stale.delete(e);
  }

  /** Drops an entry whose learning cannot be written (dead-lettered by the caller). */
  forget(e: CacheEntry): void {
    this.pendingTotal -= e.pendingFacts;
    this.stale.delete(e);
    const map = this.byKind[e.kind];
    if (map.get(e.profile.key) === e) map.delete(e.profile.key);
  }

  /** Drops clean entries when the cache is over its size, and what it knows of old absorbed items. */
  trim(t: number): void {
    if (this.size > this.maxEntries) {
      for (const map of Object.values(this.byKind)) for (const [key, e] of map) if (e.dirtySince === undefined && !this.stale.has(e)) map.delete(key);
    }
    if (this.absorbed.size > 256) {
      // Older items are read again if a payload of theirs comes back (a redelivery hours later).
      for (const [pk, k] of this.absorbed) if (t - k.readAt > 2 * this.writeAfterMs + 120_000 && !this.unclaimed.has(pk)) this.absorbed.delete(pk);
    }
  }

  /** Whether this instance knows what the absorbed item holds (it read it, or claimed into it). */
  knowsAbsorbed(pk: string): boolean {
    return this.absorbed.has(pk);
  }

  /** What the table's absorbed item held when read. */
  noteAbsorbed(pk: string, stored: AbsorbedIds, t: number): void {
    const known = this.absorbed.get(pk);
    if (known) for (const id of stored.ids) known.ids.add(id);
    this.absorbed.set(pk, { ids: known?.ids ?? new Set(stored.ids), full: stored.full || (known?.full ?? false), readAt: t });
  }

  /**
   * Whether the payload was absorbed, as far as this instance knows: by itself (claimed or not),
   * or by anyone according to the absorbed item it read. `ask`: the item is full and does not
   * list it, so only the payload's own record can tell.
   */
  absorbedHere(pk: string, tag: string): boolean | 'ask' {
    if (this.unclaimed.get(pk)?.has(tag)) return true;
    const known = this.absorbed.get(pk);
    if (known?.ids.has(tag)) return true;
    return known?.full ? 'ask' : false;
  }

  /** A payload whose learning this instance keeps: claimed before any of it is written. */
  absorb(pk: string, tag: string): void {
    let set = this.unclaimed.get(pk);
    if (!set) this.unclaimed.set(pk, (set = new Set()));
    set.add(tag);
  }

  /** Payloads absorbed here and not claimed yet, by absorbed item. */
  unclaimedPayloads(): Array<[string, string[]]> {
    return [...this.unclaimed].map(([pk, tags]) => [pk, [...tags]]);
  }

  /** After claiming: `claimed` are this instance's for good; `duplicates` were someone else's. */
  claimed(pk: string, claimed: readonly string[], duplicates: readonly string[], t: number): void {
    const set = this.unclaimed.get(pk);
    for (const tag of [...claimed, ...duplicates]) set?.delete(tag);
    if (set?.size === 0) this.unclaimed.delete(pk);
    const known = this.absorbed.get(pk) ?? { ids: new Set<string>(), full: false, readAt: t };
    for (const tag of [...claimed, ...duplicates]) known.ids.add(tag);
    this.absorbed.set(pk, known);
    this.duplicatesDropped += duplicates.length;
  }

  /**
   * Removes the learning of payloads someone else absorbed first from every entry; returns the
   * entries that held some (their profiles must be rebuilt before they are used or written).
   */
  dropPayloads(payloads: ReadonlySet<string>): CacheEntry[] {
    const affected: CacheEntry[] = [];
    for (const e of this.entries()) {
      if (!e.pending.some((c) => payloads.has(c.payload))) continue;
      const kept = e.pending.filter((c) => !payloads.has(c.payload));
      const keptFacts = kept.reduce((n, c) => n + c.facts.length, 0);
      this.pendingTotal -= e.pendingFacts - keptFacts;
      e.pending = kept;
      e.pendingFacts = keptFacts;
      if (kept.length === 0) Object.assign(e, { dirtySince: undefined, urgent: false });
      affected.push(e);
    }
    return affected;
  }
}

/** All pending requests of an entry, in the order they were learned. */
export function pendingFacts(e: CacheEntry): AuditFacts[] {
  return e.pending.flatMap((c) => c.facts);
}

/**
 * What other instances judge by, cheaply: per stats map the number of keys and of days each
 * key counts toward being established (capped there: later days change nothing), the alerts
 * in cooldown and when the profile started. A change here is written at once.
 */
export function shapeOf(p: PrincipalProfile, cfg: DetectionConfig): readonly number[] {
  let alerts = 0;
  for (const _ in p.alerts) alerts += 1;
  const parts: number[] = [p.firstSeen, alerts];
  for (const map of [p.behaviors, p.namespaces, p.sourceNets, p.userAgents, p.patterns, p.authz]) {
    if (!map) {
      parts.push(-1, -1);
      continue;
    }
    const s = statsSummary(map, cfg.establishDays);
    parts.push(s.keys, s.cappedDays);
  }
  return parts;
}
