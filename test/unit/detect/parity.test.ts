/**
 * Parity with published rules (test/unit/detect/parity-map.ts) over the labeled corpus
 * (test/fixtures/labeled-audit-events.jsonl, Apache-2.0, see its NOTICE). Positives must raise
 * the mapped finding, negatives must not; threshold rules are checked per event; Falco rows
 * hold under their `rules_overrides`, translated into detection configuration here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAuditLenient } from '#test/support/lenient-audit';
import { RejectReason } from '#shared/audit/cloudwatch';
import { activityOf } from '#shared/detect/activity';
import { DAY_MS, DEFAULT_TRUSTED_IMAGES, DetectionConfig } from '#shared/detect/config';
import { factsOf, runPrincipal } from '#shared/detect/engine';
import { compileIntel } from '#shared/detect/ip-list';
import { CORPUS_PARITY, FALCO_DEFAULT_ALLOWED_NAMESPACES, FALCO_DEFAULT_ALLOWED_USERS, findingMatches, type ParityEntry } from '#test/unit/detect/parity-map';
import { BASELINE_DETECTORS, SIGNATURE_DETECTORS } from '#shared/detect/registry';
import { isDeniedFromPublic, isSecretDenied, isSecretRead } from '#shared/detect/detectors/rates';
import { emptyProfile, type PrincipalProfile } from '#shared/detect/baseline';
import type { AuditFacts, DetectionContext } from '#shared/detect/types';

interface Row {
  source: string;
  rule: string;
  expect_alert: boolean;
  event: Record<string, unknown>;
  test_name: string;
  rules_overrides?: string[];
}

const rows: Row[] = readFileSync(join(__dirname, '../../fixtures/labeled-audit-events.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Row);

const entryOf = (rule: string): ParityEntry | undefined => CORPUS_PARITY.find((e) => e.rule === rule);

/** What the row's Panther enrichment says, as boundwatch configuration (IP lists, trusted ranges). */
function enrichment(event: Record<string, unknown>): { tor: string[]; trusted: string[] } {
  const e = (event.p_enrichment ?? {}) as Record<string, unknown>;
  const tor = (e.tor_exit_nodes as string[] | undefined) ?? [];
  const trusted: string[] = [];
  const misp = (e['MISP Warning Lists'] as { p_any_ip_addresses?: Array<{ cidr: string; warning_lists: Array<{ id: string }> }> } | undefined)?.p_any_ip_addresses ?? [];
  for (const m of misp) if (m.warning_lists.some((w) => w.id === 'amazon-aws')) trusted.push(m.cidr);
  const asn = (e.ipinfo_asn as { sourceIPs?: Array<{ domain?: string; route?: string; p_match?: string }> } | undefined)?.sourceIPs ?? [];
  for (const a of asn) if (a.domain === 'amazon.com') trusted.push(a.route ?? a.p_match!);
  return { tor, trusted };
}

/** The row's Falco rule-file overrides, as boundwatch configuration. */
function configFor(row: Row): DetectionConfig {
  const o = new Set(row.rules_overrides ?? []);
  const falco = row.source.includes('falcosecurity');
  const { tor, trusted } = enrichment(row.event);
  return DetectionConfig.parse({
    ...(tor.length ? { ipLists: [{ name: 'tor-exits', kind: 'tor', entries: tor }] } : {}),
    ...(trusted.length ? { trustedCidrs: trusted } : {}),
    ...(o.has('trust_nginx_container.yaml') ? { trustedImages: [...DEFAULT_TRUSTED_IMAGES, 'nginx'] } : {}),
    ...(o.has('allow_nginx_container.yaml') ? { allowedImages: ['nginx'] } : {}),
    ...(o.has('allow_only_apache_container.yaml') ? { allowedImages: ['httpd'] } : {}),
    ...(falco
      ? {
          allowedUsers: [...FALCO_DEFAULT_ALLOWED_USERS, ...(o.has('allow_user_some-user.yaml') ? ['some-user'] : [])],
          allowedNamespaces: [...FALCO_DEFAULT_ALLOWED_NAMESPACES, ...(o.has('allow_namespace_foo.yaml') ? ['foo'] : [])],
        }
      : {}),
  });
}

function factsFor(row: Row): AuditFacts {
  const parsed = parseAuditLenient(row.event);
  if (!parsed.ok) throw new Error(`${row.rule} / ${row.test_name}: ${parsed.detail}`);
  return factsOf(parsed);
}

function ctxFor(row: Row, f: AuditFacts, clusterFirstSeen: number): DetectionContext {
  const config = configFor(row);
  return { cluster: 'parity', config, clusterFirstSeen, intel: compileIntel(config) };
}

/** Signature findings of the event on its own: no baseline, a cluster seen for the first time. */
function signatureTypes(row: Row): string[] {
  const f = factsFor(row);
  return runPrincipal([f], undefined, ctxFor(row, f, f.timeMs), SIGNATURE_DETECTORS).findings.map((x) => x.type);
}

/** A principal that worked for 30 days, reading configmaps in an unrelated namespace. */
function matureProfile(f: AuditFacts): PrincipalProfile {
  const t0 = f.timeMs - 30 * DAY_MS;
  const p = emptyProfile(f.principal.key, f.principal.type, t0);
  p.lastSeen = f.timeMs - DAY_MS;
  p.events = 3000;
  p.behaviors['get configmaps routine'] = { first: t0, last: p.lastSeen, count: 3000, days: 29 };
  p.namespaces.routine = { first: t0, last: p.lastSeen, count: 3000, days: 29 };
  return p;
}

function baselineTypes(row: Row): string[] {
  const f = factsFor(row);
  const prior = matureProfile(f);
  return runPrincipal([f], prior, ctxFor(row, f, f.timeMs - 60 * DAY_MS), BASELINE_DETECTORS).findings.map((x) => x.type);
}

const PREDICATES = { secretRead: isSecretRead, secretDenied: isSecretDenied, deniedPublic: (f: AuditFacts) => isDeniedFromPublic(f) };

const matches = (types: string[], mapped: string[]) => types.some((t) => mapped.some((m) => findingMatches(t, m)));

describe('parity map', () => {
  it('maps every rule of the corpus', () => {
    const missing = [...new Set(rows.map((r) => r.rule))].filter((r) => !entryOf(r));
    expect(missing).toEqual([]);
  });

  it('rejects the malformed row cleanly, as ingestion would', () => {
    const bad = rows.filter((r) => r.event.kind !== undefined && r.event.kind !== 'Event');
    expect(bad).toHaveLength(1);
    expect(parseAuditLenient(bad[0]!.event)).toMatchObject({ ok: false, reason: RejectReason.notAuditEvent });
  });
});

const usable = rows.filter((r) => r.event.kind === undefined || r.event.kind === 'Event');

describe.each(usable.map((r) => [`${r.rule} — ${r.test_name}${r.rules_overrides ? ` [${r.rules_overrides.join(', ')}]` : ''}`, r] as const))('%s', (_name, row) => {
  const entry = entryOf(row.rule)!;
  const verdict = row.expect_alert ? 'raises' : 'does not raise';

  if (entry.mode === 'signature') {
    it(`${verdict} ${entry.findings!.join(' | ')} from the event alone`, () => {
      expect(matches(signatureTypes(row), entry.findings!)).toBe(row.expect_alert);
    });
  } else if (entry.mode === 'baseline') {
    it(`${verdict} ${entry.findings!.join(' | ')} for a principal whose baseline never had it`, () => {
      expect(matches(baselineTypes(row), entry.findings!)).toBe(row.expect_alert);
    });
  } else if (entry.mode === 'threshold') {
    it(`${row.expect_alert ? 'counts' : 'does not count'} toward ${entry.burst}`, () => {
      expect(PREDICATES[entry.predicate!](factsFor(row))).toBe(row.expect_alert);
    });
  } else if (entry.mode === 'activity') {
    it(`is recorded as ${entry.activity} activity`, () => {
      expect(activityOf(factsFor(row).event)).toContain(entry.activity);
    });
  } else if (entry.mode === 'none') {
    it('raises no rule finding and records no activity', () => {
      expect(row.expect_alert).toBe(false);
      expect(signatureTypes(row)).toEqual([]);
      if (!row.rules_overrides?.includes('disallow_kactivity.yaml')) expect(activityOf(factsFor(row).event)).toEqual([]);
    });
  } else {
    throw new Error(`${row.rule} is in the corpus but unmapped`);
  }
});
