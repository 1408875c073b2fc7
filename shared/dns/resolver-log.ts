/**
 * Route 53 Resolver query logs (one JSON object per query, as the resolver writes them to
 * CloudWatch Logs, S3 or Firehose; fields as AWS documents them: `query_timestamp`,
 * `query_name`, `query_type`, `rcode`, `srcaddr`, `answers[{Rdata, Type, Class}]`, ...), read
 * for what boundwatch needs from them: which names an address answered for, so that an
 * external destination in the flow graph can be shown by name.
 *
 * Where the names come from matters on EKS: pods ask CoreDNS, and CoreDNS forwards to the VPC
 * resolver, so `srcaddr` is usually a CoreDNS pod, not the workload that asked. The answers are
 * still the truth about which names map to which addresses; per-workload attribution needs pods
 * that use the VPC resolver directly (hostNetwork, `dnsPolicy: Default`).
 *
 * Every field is client- or internet-controlled (a query name is whatever a pod asked for):
 * names are bounded and checked as DNS names, counts are bounded, and a bad record is counted,
 * never thrown.
 */
import { z } from 'zod';
import { canonicalAddress } from '../inventory/net';

export const DnsRejectReason = {
  notJson: 'not-json',
  notQueryLog: 'not-query-log',
  badTime: 'bad-time',
  badName: 'bad-name',
} as const;
export type DnsRejectReason = (typeof DnsRejectReason)[keyof typeof DnsRejectReason];

/** At most this many answers of one query are read (a resolver answer is rarely longer). */
export const MAX_ANSWERS = 32;
/** DNS names are at most 253 characters in text form. */
const MAX_NAME = 253;
const NAME = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

const QueryLogRecord = z.object({
  query_timestamp: z.string().max(64),
  query_name: z.string().max(MAX_NAME + 1),
  query_type: z.string().max(16),
  rcode: z.string().max(32).optional(),
  srcaddr: z.string().max(64).optional(),
  answers: z.array(z.object({ Rdata: z.string().max(1024), Type: z.string().max(16) }).loose()).optional(),
}).loose();

export interface DnsAnswer {
  time: number;
  /** The name asked for, lower case, without the trailing dot. */
  name: string;
  /** Addresses the answer gave (A and AAAA), canonical. */
  addresses: string[];
  /** Names the answer passed through (CNAME targets), lower case. */
  aliases: string[];
  source?: string;
}

export type ParsedQuery = { ok: true; answer: DnsAnswer } | { ok: false; reason: DnsRejectReason; detail: string };

/** `Example.COM.` → `example.com`; undefined for anything that is not a DNS name. */
export function normalizeName(raw: string): string | undefined {
  const name = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  return NAME.test(name) ? name.toLowerCase() : undefined;
}

export function parseQueryLogLine(line: string): ParsedQuery {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, reason: DnsRejectReason.notJson, detail: 'not JSON' };
  }
  const r = QueryLogRecord.safeParse(raw);
  if (!r.success) return { ok: false, reason: DnsRejectReason.notQueryLog, detail: 'not a Resolver query log record' };
  const time = Date.parse(r.data.query_timestamp);
  if (!Number.isFinite(time)) return { ok: false, reason: DnsRejectReason.badTime, detail: 'query_timestamp is not a time' };
  const name = normalizeName(r.data.query_name);
  if (!name) return { ok: false, reason: DnsRejectReason.badName, detail: 'query_name is not a DNS name' };
  const addresses: string[] = [];
  const aliases: string[] = [];
  for (const a of (r.data.answers ?? []).slice(0, MAX_ANSWERS)) {
    if (a.Type === 'A' || a.Type === 'AAAA') {
      const ip = canonicalAddress(a.Rdata);
      if (ip && !addresses.includes(ip)) addresses.push(ip);
    } else if (a.Type === 'CNAME') {
      const alias = normalizeName(a.Rdata);
      if (alias && !aliases.includes(alias)) aliases.push(alias);
    }
  }
  const source = r.data.srcaddr ? canonicalAddress(r.data.srcaddr) : undefined;
  return { ok: true, answer: { time, name, addresses, aliases, ...(source ? { source } : {}) } };
}

/** Names seen per address, with how often, so the most asked-for name can be shown first. */
export class NamesByAddress {
  private readonly byAddress = new Map<string, Map<string, number>>();
  /** Per address, at most this many names are kept (a CDN address answers for many). */
  constructor(private readonly maxNamesPerAddress = 8) {}

  add(answer: DnsAnswer): void {
    for (const ip of answer.addresses) {
      let names = this.byAddress.get(ip);
      if (!names) this.byAddress.set(ip, (names = new Map<string, number>()));
      if (names.has(answer.name) || names.size < this.maxNamesPerAddress) names.set(answer.name, (names.get(answer.name) ?? 0) + 1);
    }
  }

  /** Names for one address, most asked-for first. */
  namesOf(ip: string): string[] {
    return [...(this.byAddress.get(ip) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  }

  /** Names per group of addresses (e.g. the external networks of the flow graph), most asked-for first. */
  namesBy(groupOf: (ip: string) => string | undefined, maxPerGroup = 5): Map<string, string[]> {
    const counts = new Map<string, Map<string, number>>();
    for (const [ip, names] of this.byAddress) {
      const group = groupOf(ip);
      if (!group) continue;
      let g = counts.get(group);
      if (!g) counts.set(group, (g = new Map<string, number>()));
      for (const [n, c] of names) g.set(n, (g.get(n) ?? 0) + c);
    }
    const out = new Map<string, string[]>();
    for (const [group, names] of counts) {
      out.set(group, [...names].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxPerGroup).map(([n]) => n));
    }
    return out;
  }

  get size(): number {
    return this.byAddress.size;
  }
}
