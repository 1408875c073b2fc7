/**
 * Instance-local profiles with bounded write-behind: what makes DynamoDB writes independent of
 * how small CloudWatch Logs' deliveries are. A payload of tens of events used to rewrite the
 * whole item of every principal it touched; now an instance keeps the profiles it has read,
 * learns into them payload after payload, and writes an item back only
 *   - at once, when its shape changes (a new behavior, namespace, network, user agent or alert,
 *     or a day that brings a key closer to established): what other instances judge by; or
 *   - once `writeAfterMs` of event time has passed since its first unwritten learning.
 * Clean entries are read again after `writeAfterMs`, so other instances' learning arrives too.
 *
 * Nothing is counted twice: each entry keeps the requests learned since its last write
 * (`pending`); when another instance wrote the item meanwhile (version conflict), the fresh
 * item is read and only those requests are learned into it again. Each payload is absorbed at
 * most once table-wide (payload records, baseline-store.ts), before it enters the cache.
 *
 * What a crash can lose: learning not yet written, at most `writeAfterMs` of event time per
 * item (one minute by default), never an anomaly (anomalies are published before a payload is
 * absorbed). An instance that stops receiving payloads keeps its last unwritten minute until it
 * is reclaimed, so that minute can be lost too.
 *
 * Pure bookkeeping; ingest.ts does the reading and writing.
 */
import type { PrincipalProfile } from './baseline';
import type { DetectionConfig } from './config';
import type { AuditFacts } from './types';

export type EntryKind = 'principal' | 'group';

export interface CacheEntry {
  kind: EntryKind;
  profile: PrincipalProfile;
  /** Version of the stored item this entry builds on (0: none stored yet). */
  version: number;
  /** Requests learned since the last write, re-learned onto a fresher item after a conflict. */
  pending: AuditFacts[];
  /** Event time of the oldest unwritten learning; undefined when the entry is clean. */
  dirtySince?: number | undefined;
  /** Whether the entry must be written with the next flush, whatever its age. */
  urgent: boolean;
  /** Event time the entry was last read or written. */
  syncedAt: number;
}

export interface ProfileCacheOptions {
  /** Longest time (event time, ms) learning may stay unwritten; 0 writes at every payload. */
  writeAfterMs: number;
  /** Entries kept; beyond it, clean entries are dropped after a flush. */
  maxEntries?: number;
  /** Pending requests per entry before it is written whatever its age (memory bound). */
  maxPending?: number;
}

/** One minute: the default write-behind interval of the Lambda function and of replay. */
export const DEFAULT_WRITE_AFTER_MS = 60_000;

export class ProfileCache {
  readonly entries = new Map<string, CacheEntry>();
  readonly writeAfterMs: number;
  readonly maxEntries: number;
  readonly maxPending: number;
  /** Earliest event time of the cluster seen by this instance (for re-learning after a conflict). */
  clusterFirstSeen = Infinity;

  constructor(opts: ProfileCacheOptions) {
    this.writeAfterMs = opts.writeAfterMs;
    this.maxEntries = opts.maxEntries ?? 4000;
    this.maxPending = opts.maxPending ?? 2000;
  }

  static id(kind: EntryKind, key: string): string {
    return `${kind}\u0000${key}`;
  }

  get(kind: EntryKind, key: string): CacheEntry | undefined {
    return this.entries.get(ProfileCache.id(kind, key));
  }

  /** Whether the entry can be used without reading the table: dirty, or read recently. */
  usable(kind: EntryKind, key: string, t: number): boolean {
    const e = this.get(kind, key);
    if (!e) return false;
    return e.dirtySince !== undefined || t - e.syncedAt < this.writeAfterMs;
  }

  /** What the table holds now (or that it holds nothing) for a key the caller read. */
  adopt(kind: EntryKind, key: string, stored: { profile: PrincipalProfile; version: number } | undefined, t: number): void {
    const id = ProfileCache.id(kind, key);
    if (!stored) {
      this.entries.delete(id);
      return;
    }
    this.entries.set(id, { kind, profile: stored.profile, version: stored.version, pending: [], urgent: false, syncedAt: t });
  }

  /** Keeps what a payload learned (after its payload record is written). */
  learn(kind: EntryKind, key: string, profile: PrincipalProfile, baseVersion: number, facts: AuditFacts[], urgent: boolean, t: number): void {
    const id = ProfileCache.id(kind, key);
    const e = this.entries.get(id);
    if (e && e.version === baseVersion) {
      e.profile = profile;
      for (const f of facts) e.pending.push(f);
      e.dirtySince ??= t;
      e.urgent ||= urgent || e.pending.length >= this.maxPending;
      return;
    }
    this.entries.set(id, { kind, profile, version: baseVersion, pending: [...facts], dirtySince: t, urgent, syncedAt: t });
  }

  /** The dirty entries due for writing at event time `t` (all dirty ones when `all`). */
  due(t: number, all = false): CacheEntry[] {
    const out: CacheEntry[] = [];
    for (const e of this.entries.values()) {
      if (e.dirtySince === undefined) continue;
      if (all || e.urgent || t - e.dirtySince >= this.writeAfterMs) out.push(e);
    }
    return out;
  }

  /** After a successful write of `e` as `version` (holding `profile`). */
  written(e: CacheEntry, profile: PrincipalProfile, version: number, t: number): void {
    Object.assign(e, { profile, version, pending: [], dirtySince: undefined, urgent: false, syncedAt: t });
  }

  /** Drops an entry whose learning cannot be written (dead-lettered by the caller). */
  forget(e: CacheEntry): void {
    this.entries.delete(ProfileCache.id(e.kind, e.profile.key));
  }

  /** Drops clean entries when the cache is over its size. */
  trim(): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [id, e] of this.entries) if (e.dirtySince === undefined) this.entries.delete(id);
  }
}

/**
 * What other instances judge by, cheaply: per stats map the number of keys and of days each
 * key counts toward being established (capped there: later days change nothing), the alerts
 * in cooldown and when the profile started. A change here is written at once.
 */
export function shapeOf(p: PrincipalProfile, cfg: DetectionConfig): string {
  const parts: Array<string | number> = [p.firstSeen, Object.keys(p.alerts).length];
  for (const map of [p.behaviors, p.namespaces, p.sourceNets, p.userAgents, p.patterns, p.authz]) {
    if (!map) {
      parts.push('-');
      continue;
    }
    let n = 0;
    let days = 0;
    for (const k in map) {
      n += 1;
      days += Math.min(map[k]!.days, cfg.establishDays);
    }
    parts.push(n, days);
  }
  return parts.join(',');
}
