/**
 * Per-workload DNS detectors: judge one batch of a workload's lookups against its baseline (as
 * it was before the batch) and build `Behavior Anomaly` events with `category: network`.
 * An explicit registry of small pure rules, like shared/detect/registry.ts:
 *
 * - DnsNewDomain: after learning, a registrable domain the workload never looked up.
 * - DnsNewDomainBurst: at least `burstNewDomains` never-seen domains within `burstWindowMinutes`
 *   (generated domains, a scan, a tool pulled in at run time), counted across batches.
 * - DnsTunneling: names that carry data: a label or a name longer than names are, high-entropy
 *   labels left of the registrable domain, or many distinct subdomains of one domain in a batch.
 *   Content, not history: judged during learning too, because a fresh pod that exfiltrates
 *   must not be learned as normal.
 *
 * Names under `trustedSuffixes` (provider-chosen subdomains: AWS endpoints, cluster names) are
 * learned, never judged. Query names are attacker text: evidence holds them escaped and bounded.
 * Ids are stable hashes of (cluster, workload, hour, finding types and keys): a redelivered
 * batch re-detects the same anomaly under the same id.
 */
import { stableId } from '../events/ids';
import { type ActionKind, type BehaviorAnomaly, type Finding, type Severity } from '../events/schema';
import type { PodEndpoint } from '../inventory/resolve';
import { podAnomaly } from '../flows/pod-anomaly';
import { inertLine, utf8Prefix } from '../text';
import { alertKey, type DnsAlertMark, type DnsBaseline, type Lookup } from './baseline';
import type { DnsConfig } from './config';
import { longestLabel, shannonEntropy, subdomainOf, underSuffix } from './names';

export const DnsFinding = {
  newDomain: 'DnsNewDomain',
  newDomainBurst: 'DnsNewDomainBurst',
  tunneling: 'DnsTunneling',
} as const;
export type DnsFinding = (typeof DnsFinding)[keyof typeof DnsFinding];

export interface DnsCandidate {
  type: DnsFinding;
  /** What the cooldown and the id key on (a domain, or the workload for a burst). */
  key: string;
  title: string;
  description: string;
  baseline: string;
  mitre: string[];
  at: number;
  /** Query names that show it, most telling first. */
  names: string[];
  count: number;
}

export interface DnsRuleInput {
  workload: string;
  /** The batch's judged lookups (trusted suffixes removed), in time order. */
  lookups: readonly Lookup[];
  baseline: DnsBaseline | undefined;
  /** Looks names up for other pods (CoreDNS): history says nothing about it. */
  forwarder: boolean;
  cfg: DnsConfig;
}

export interface DnsRule {
  type: DnsFinding;
  detect(input: DnsRuleInput): DnsCandidate[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const HOUR_MS = 3_600_000;

function cooledDown(b: DnsBaseline | undefined, type: string, key: string, at: number, cfg: DnsConfig): boolean {
  const last = b?.alerts[alertKey(type, key)];
  return last === undefined || at - last >= cfg.cooldownHours * HOUR_MS;
}

function knownDomains(b: DnsBaseline): string {
  const ds = Object.keys(b.domains);
  const shown = ds.slice(0, 5).map((d) => inertLine(d));
  return ds.length === 0 ? 'no domains' : `${ds.length} domain(s): ${shown.join(', ')}${ds.length > 5 ? ', ...' : ''}`;
}

/** Lookups of domains neither in the baseline nor earlier in the batch, after learning: first lookup of each. */
function firstSightings(input: DnsRuleInput): Lookup[] {
  const b = input.baseline;
  if (!b || input.forwarder) return [];
  const seen = new Set<string>();
  const out: Lookup[] = [];
  for (const l of input.lookups) {
    if (b.domains[l.domain] || seen.has(l.domain)) continue;
    seen.add(l.domain);
    if (l.time >= b.learningUntil) out.push(l);
  }
  return out;
}

export const newDomainRule: DnsRule = {
  type: DnsFinding.newDomain,
  detect(input) {
    const b = input.baseline;
    const news = firstSightings(input);
    if (!b || news.length === 0) return [];
    const domains = news.map((l) => l.domain);
    return [{
      type: DnsFinding.newDomain,
      key: domains.join(','),
      title: `${input.workload} looked up ${domains.length === 1 ? 'a domain' : `${domains.length} domains`} it never used`,
      description: `${input.workload} looked up ${domains.slice(0, 5).map((d) => inertLine(d)).join(', ')}${domains.length > 5 ? ', ...' : ''} after its learning period.`,
      baseline: `Since ${iso(b.firstSeen)} ${input.workload} looked up ${knownDomains(b)}.`,
      mitre: ['T1071.004', 'T1568'],
      at: news[0]!.time,
      names: news.map((l) => l.name),
      count: news.length,
    }];
  },
};

export const newDomainBurstRule: DnsRule = {
  type: DnsFinding.newDomainBurst,
  detect(input) {
    const b = input.baseline;
    const news = firstSightings(input);
    if (!b || news.length === 0) return [];
    const { burstNewDomains: n, burstWindowMinutes: minutes } = input.cfg;
    const windowMs = minutes * 60_000;
    const times = [...b.recentNew.map((t) => ({ t, l: undefined as Lookup | undefined })), ...news.map((l) => ({ t: l.time, l }))].sort((x, y) => x.t - y.t);
    // The first window that holds n new domains and ends on one of this batch's.
    for (let end = 0, start = 0; end < times.length; end++) {
      while (times[end]!.t - times[start]!.t > windowMs) start++;
      if (end - start + 1 < n || !times[end]!.l) continue;
      const at = times[start]!.t;
      if (!cooledDown(b, DnsFinding.newDomainBurst, input.workload, at, input.cfg)) return [];
      const inWindow = news.filter((l) => l.time >= at && l.time <= times[end]!.t + windowMs);
      return [{
        type: DnsFinding.newDomainBurst,
        key: input.workload,
        title: `${input.workload} looked up many new domains at once`,
        description: `${input.workload} looked up ${inWindow.length} or more domains it never used within ${minutes} minute(s) from ${iso(at)} (generated domains, a scan, or a tool fetched at run time).`,
        baseline: `Since ${iso(b.firstSeen)} ${input.workload} looked up ${knownDomains(b)}; at most ${n - 1} new domain(s) in ${minutes} minute(s) is normal here.`,
        mitre: ['T1568', 'T1071.004'],
        at,
        names: inWindow.map((l) => l.name),
        count: inWindow.length,
      }];
    }
    return [];
  },
};

/** Why one name looks like it carries data, or undefined. */
function tunnelSigns(l: Lookup, cfg: DnsConfig): string | undefined {
  const label = longestLabel(l.name);
  if (label >= cfg.maxLabelLength) return `a ${label}-character label`;
  if (l.name.length >= cfg.maxNameLength) return `a ${l.name.length}-character name`;
  const sub = subdomainOf(l.name, l.domain);
  const chars = sub.replaceAll('.', '').length;
  if (chars >= cfg.minEntropyLength) {
    const h = shannonEntropy(sub);
    if (h >= cfg.entropyBits) return `subdomain entropy ${h.toFixed(2)} bits/char over ${chars} characters`;
  }
  return undefined;
}

export const tunnelingRule: DnsRule = {
  type: DnsFinding.tunneling,
  detect(input) {
    const byDomain = new Map<string, { signs: Map<string, string>; subs: Set<string>; first: number; all: Lookup[] }>();
    for (const l of input.lookups) {
      let g = byDomain.get(l.domain);
      if (!g) byDomain.set(l.domain, (g = { signs: new Map(), subs: new Set(), first: l.time, all: [] }));
      g.all.push(l);
      g.subs.add(subdomainOf(l.name, l.domain));
      const sign = tunnelSigns(l, input.cfg);
      if (sign && !g.signs.has(l.name)) {
        if (g.signs.size === 0) g.first = l.time;
        g.signs.set(l.name, sign);
      }
    }
    const out: DnsCandidate[] = [];
    for (const [domain, g] of [...byDomain].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      const many = g.subs.size >= input.cfg.uniqueSubdomains;
      if (g.signs.size === 0 && !many) continue;
      const at = g.signs.size > 0 ? g.first : g.all[0]!.time;
      if (!cooledDown(input.baseline, DnsFinding.tunneling, domain, at, input.cfg)) continue;
      const reasons = [...new Set(g.signs.values())].slice(0, 3);
      if (many) reasons.push(`${g.subs.size} distinct subdomains`);
      const names = g.signs.size > 0 ? [...g.signs.keys()] : [...new Set(g.all.map((l) => l.name))];
      const b = input.baseline;
      out.push({
        type: DnsFinding.tunneling,
        key: domain,
        title: `${input.workload} sent data-like DNS queries under ${inertLine(domain)}`,
        description: `${input.workload} made ${g.all.length} lookup(s) under ${inertLine(domain)} with ${reasons.join('; ')}: the shape of DNS tunnelling or exfiltration.`,
        baseline: b
          ? `Since ${iso(b.firstSeen)} ${input.workload} looked up ${knownDomains(b)}${b.domains[domain] ? `, ${inertLine(domain)} among them` : `, never ${inertLine(domain)}`}; names the resolver normally sees have labels under ${input.cfg.maxLabelLength} characters and low-entropy hostnames.`
          : `${input.workload} has no DNS history yet; names the resolver normally sees have labels under ${input.cfg.maxLabelLength} characters and low-entropy hostnames.`,
        mitre: ['T1071.004', 'T1048'],
        at,
        names,
        count: g.all.length,
      });
    }
    return out;
  },
};

/** Every DNS rule, in the order their findings are listed. */
export const DNS_RULES: readonly DnsRule[] = [tunnelingRule, newDomainBurstRule, newDomainRule];

export interface DnsDetection {
  anomaly?: BehaviorAnomaly;
  alerts: DnsAlertMark[];
}

/** Drops lookups under trusted suffixes: they are learned, never judged. */
export function judgedLookups(lookups: readonly Lookup[], cfg: Pick<DnsConfig, 'trustedSuffixes'>): Lookup[] {
  return lookups.filter((l) => !cfg.trustedSuffixes.some((s) => underSuffix(l.name, s))).sort((x, y) => x.time - y.time || (x.name < y.name ? -1 : 1));
}

/** Judges one workload's lookups of a batch. `baseline` is the state before the batch (undefined: first sight). */
export function detectDnsAnomalies(
  cluster: string,
  workload: string,
  pod: PodEndpoint,
  lookups: readonly Lookup[],
  baseline: DnsBaseline | undefined,
  cfg: DnsConfig,
  rules: readonly DnsRule[] = DNS_RULES,
): DnsDetection {
  const input: DnsRuleInput = { workload, lookups: judgedLookups(lookups, cfg), baseline, forwarder: cfg.forwarders.includes(workload), cfg };
  if (input.lookups.length === 0) return { alerts: [] };
  const cands = rules.flatMap((r) => r.detect(input));
  if (cands.length === 0) return { alerts: [] };
  const alerts = cands.filter((c) => c.type !== DnsFinding.newDomain).map((c) => ({ key: alertKey(c.type, c.key), at: c.at }));
  return { anomaly: buildAnomaly(cluster, workload, pod, lookups, cands, input.forwarder, cfg), alerts };
}

function severityOf(cands: readonly DnsCandidate[]): { severity: Severity; score: number } {
  const types = new Set(cands.map((c) => c.type));
  if (types.has(DnsFinding.tunneling)) return types.has(DnsFinding.newDomain) || types.has(DnsFinding.newDomainBurst) ? { severity: 'HIGH', score: 85 } : { severity: 'HIGH', score: 75 };
  if (types.has(DnsFinding.newDomainBurst)) return { severity: 'MEDIUM', score: 55 };
  return { severity: 'LOW', score: 25 };
}

function actionsFor(severity: Severity, forwarder: boolean): ActionKind[] {
  if (forwarder || severity === 'LOW' || severity === 'MEDIUM') return ['notify'];
  return ['tighten-egress', 'notify'];
}

/** A query name as evidence: escaped, at most 253 bytes (the longest DNS name). */
function evidenceName(name: string): string {
  return utf8Prefix(inertLine(name), 253);
}

function buildAnomaly(
  cluster: string, workload: string, pod: PodEndpoint, lookups: readonly Lookup[], cands: readonly DnsCandidate[], forwarder: boolean, cfg: DnsConfig,
): BehaviorAnomaly {
  const { severity, score } = severityOf(cands);
  const at = Math.min(...cands.map((c) => c.at));
  const hour = Math.floor(at / HOUR_MS);
  const sourceIPs = [...new Set(lookups.map((l) => l.source))].sort().slice(0, 10);
  const findings: Finding[] = cands.map((c) => ({
    type: c.type,
    title: c.title,
    description: forwarder ? `${c.description} ${workload} resolves for other pods: the asking pod is not known from the query log.` : c.description,
    mitre: c.mitre,
    evidence: { count: c.count, sourceIPs, userAgents: [], baseline: c.baseline, queryNames: c.names.slice(0, cfg.maxEvidenceNames).map(evidenceName) },
  }));
  const times = lookups.map((l) => l.time);
  return podAnomaly(pod, {
    id: stableId('dns', cluster, workload, hour, ...cands.map((c) => `${c.type}:${c.key}`).sort()),
    cluster,
    severity,
    score,
    findings,
    window: { start: Math.min(...times), end: Math.max(...times) },
    recommendedActions: actionsFor(severity, forwarder),
  });
}
