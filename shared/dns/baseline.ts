/**
 * Per-workload DNS baselines: which registrable domains a workload looks up, since when, and
 * the first-sighting times of recently new domains (for the burst window across batches).
 * Query time throughout, never the wall clock, so a replay learns and judges as live ingestion
 * did. Pure; shared/dns/baseline-store.ts persists them.
 */
import type { DnsConfig } from './config';

const HOUR_MS = 3_600_000;
export const MAX_BATCH_IDS = 500;

export interface DomainProfile {
  firstSeen: number;
  lastSeen: number;
  /** First seen during the learning period. */
  learned: boolean;
}

export interface DnsBaseline {
  schema: 1;
  workload: string;
  firstSeen: number;
  lastSeen: number;
  learningUntil: number;
  domains: Record<string, DomainProfile>;
  /** When each domain first seen after learning was first looked up, oldest first (bounded). */
  recentNew: number[];
  /** Last alert time (query time) per `type#key`, for the cooldown. */
  alerts: Record<string, number>;
  /** Ids of the batches already applied (newest last): a redelivered batch is skipped. */
  batches: string[];
}

/** One lookup of a workload, after normalization. */
export interface Lookup {
  time: number;
  name: string;
  domain: string;
  /** The pod address that asked. */
  source: string;
}

export interface DnsAlertMark {
  key: string;
  at: number;
}

export function alertKey(type: string, key: string): string {
  return `${type}#${key}`;
}

export function emptyDnsBaseline(workload: string, firstSeen: number, cfg: Pick<DnsConfig, 'learningHours'>): DnsBaseline {
  return { schema: 1, workload, firstSeen, lastSeen: firstSeen, learningUntil: firstSeen + cfg.learningHours * HOUR_MS, domains: {}, recentNew: [], alerts: {}, batches: [] };
}

/** The baseline after one batch of the workload's lookups; `base` itself when the batch was already applied. */
export function applyDnsBatch(
  base: DnsBaseline | undefined,
  workload: string,
  lookups: readonly Lookup[],
  batchId: string,
  alerts: readonly DnsAlertMark[],
  cfg: Pick<DnsConfig, 'learningHours' | 'maxDomains' | 'burstWindowMinutes' | 'burstNewDomains'>,
): DnsBaseline {
  if (base?.batches.includes(batchId)) return base;
  const first = lookups.reduce((m, l) => Math.min(m, l.time), Infinity);
  const b: DnsBaseline = base ? structuredClone(base) : emptyDnsBaseline(workload, first, cfg);
  for (const l of [...lookups].sort((x, y) => x.time - y.time)) {
    const d = b.domains[l.domain];
    if (d) {
      d.firstSeen = Math.min(d.firstSeen, l.time);
      d.lastSeen = Math.max(d.lastSeen, l.time);
    } else {
      const learned = l.time < b.learningUntil;
      b.domains[l.domain] = { firstSeen: l.time, lastSeen: l.time, learned };
      if (!learned) b.recentNew.push(l.time);
    }
    b.firstSeen = Math.min(b.firstSeen, l.time);
    b.lastSeen = Math.max(b.lastSeen, l.time);
  }
  for (const a of alerts) b.alerts[a.key] = Math.max(b.alerts[a.key] ?? 0, a.at);
  // Cooldowns last at most a week (config.ts): older marks can go.
  b.alerts = Object.fromEntries(Object.entries(b.alerts).filter(([, at]) => at >= b.lastSeen - 7 * 24 * HOUR_MS).sort((x, y) => (x[0] < y[0] ? -1 : 1)));
  // Only what a later burst window can still reach is kept.
  const horizon = b.lastSeen - cfg.burstWindowMinutes * 60_000;
  b.recentNew = b.recentNew.filter((t) => t >= horizon).sort((x, y) => x - y).slice(-cfg.burstNewDomains * 4);
  let entries = Object.entries(b.domains);
  if (entries.length > cfg.maxDomains) {
    entries = entries.sort((x, y) => y[1].lastSeen - x[1].lastSeen || (x[0] < y[0] ? -1 : 1)).slice(0, cfg.maxDomains);
  }
  b.domains = Object.fromEntries(entries.sort((x, y) => (x[0] < y[0] ? -1 : 1)));
  b.batches = [...b.batches, batchId].slice(-MAX_BATCH_IDS);
  return b;
}
