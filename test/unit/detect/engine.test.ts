import { parseAuditObject, type ParsedAuditEvent } from '#shared/audit/event';
import { buildAnomalies, combinedScore, severityOf } from '#shared/detect/anomaly';
import { DAY_MS, DEFAULT_DETECTION } from '#shared/detect/config';
import { factsOf, runPrincipal } from '#shared/detect/engine';
import type { DetectionContext } from '#shared/detect/types';
import { auditEvent, serviceAccountUser } from '#test/support/audit-factory';

const T0 = Date.parse('2024-03-01T00:00:00Z');
const user = serviceAccountUser('shop', 'checkout', { name: 'checkout-6d9f-abcde' });
const ctx: DetectionContext = { cluster: 'prod-eks', config: DEFAULT_DETECTION, clusterFirstSeen: T0 };

function parsed(at: number, over: Parameters<typeof auditEvent>[0] = {}): ParsedAuditEvent {
  const p = parseAuditObject(auditEvent({ user, at: new Date(at), ...over }));
  if (!p.ok) throw new Error(p.detail);
  return p;
}

const readConfigmap = (at: number) => parsed(at);
const listSecretsEverywhere = (at: number) =>
  parsed(at, { verb: 'list', requestURI: '/api/v1/secrets?limit=500', objectRef: { resource: 'secrets', apiVersion: 'v1' }, sourceIPs: ['203.0.113.9'] });

/** Ten days of routine configmap reads, learned into a profile. */
function learnedProfile() {
  const days = Array.from({ length: 10 }, (_, d) => factsOf(readConfigmap(T0 + d * DAY_MS + 3600_000)));
  const run = runPrincipal(days, undefined, ctx);
  expect(run.findings).toEqual([]);
  return run.profile;
}

describe('first use of a sensitive behavior', () => {
  it('fires after learning, with the baseline in words', () => {
    const profile = learnedProfile();
    const run = runPrincipal([factsOf(listSecretsEverywhere(T0 + 10 * DAY_MS))], profile, ctx);
    expect(run.findings).toHaveLength(1);
    const f = run.findings[0]!;
    expect(f.type).toBe('SecretsAccessed');
    expect(f.mitre).toContain('T1552.007');
    expect(f.baseline).toContain('get configmaps shop');
    expect(f.baseline).toContain('never any secrets request');
  });

  it('stays quiet while the principal is learning', () => {
    const early = [factsOf(readConfigmap(T0)), factsOf(listSecretsEverywhere(T0 + 2 * DAY_MS))];
    expect(runPrincipal(early, undefined, { ...ctx, clusterFirstSeen: T0 - 30 * DAY_MS }).findings).toEqual([]);
  });

  it('stays quiet while the cluster is learning', () => {
    const profile = learnedProfile();
    const young = { ...ctx, clusterFirstSeen: T0 + 8 * DAY_MS };
    expect(runPrincipal([factsOf(listSecretsEverywhere(T0 + 10 * DAY_MS))], profile, young).findings).toEqual([]);
  });

  it('does not fire for a sensitive behavior the principal already had', () => {
    const days = Array.from({ length: 10 }, (_, d) => factsOf(listSecretsEverywhere(T0 + d * DAY_MS)));
    const { profile } = runPrincipal(days, undefined, ctx);
    expect(runPrincipal([factsOf(listSecretsEverywhere(T0 + 11 * DAY_MS))], profile, ctx).findings).toEqual([]);
  });

  it('ignores denied requests (they are probing, not use)', () => {
    const profile = learnedProfile();
    const denied = parsed(T0 + 10 * DAY_MS, { verb: 'list', objectRef: { resource: 'secrets' }, responseStatus: { code: 403 } });
    expect(runPrincipal([factsOf(denied)], profile, ctx).findings).toEqual([]);
  });

  it('fires once per batch and not again during the cooldown', () => {
    const profile = learnedProfile();
    const t = T0 + 10 * DAY_MS;
    const first = runPrincipal([factsOf(listSecretsEverywhere(t)), factsOf(listSecretsEverywhere(t + 1000))], profile, ctx);
    expect(new Set(first.findings.map((f) => f.type))).toEqual(new Set(['SecretsAccessed']));
    expect(first.findings).toHaveLength(1);
    const again = runPrincipal([factsOf(listSecretsEverywhere(t + 60_000))], first.profile, ctx);
    expect(again.findings).toEqual([]);
  });

  it('classifies exec into a pod', () => {
    const profile = learnedProfile();
    const exec = parsed(T0 + 10 * DAY_MS, {
      verb: 'create',
      stage: 'ResponseStarted',
      objectRef: { resource: 'pods', subresource: 'exec', namespace: 'kube-system', name: 'coredns-1' },
      responseStatus: { code: 101 },
    });
    const [f] = runPrincipal([factsOf(exec)], profile, ctx).findings;
    expect(f).toMatchObject({ type: 'ExecInPod', mitre: ['T1609'] });
  });
});

describe('anomalies', () => {
  it('combine one principal\'s findings per window, with a stable id, a severity and the workload', () => {
    const profile = learnedProfile();
    const facts = [factsOf(listSecretsEverywhere(T0 + 10 * DAY_MS))];
    const principal = facts[0]!.principal;
    const a1 = buildAnomalies('prod-eks', principal, runPrincipal(facts, profile, ctx).findings, 60);
    const a2 = buildAnomalies('prod-eks', principal, runPrincipal(facts, profile, ctx).findings, 60);
    expect(a1).toHaveLength(1);
    expect(a1[0]!.id).toBe(a2[0]!.id);
    expect(a1[0]).toMatchObject({
      schemaVersion: '1',
      cluster: 'prod-eks',
      category: 'api',
      severity: 'HIGH',
      principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout', namespace: 'shop' },
      workload: { namespace: 'shop', serviceAccount: 'checkout', pod: 'checkout-6d9f-abcde' },
      recommendedActions: ['quarantine', 'revoke-credentials', 'notify'],
    });
    expect(a1[0]!.findings[0]!.evidence).toMatchObject({ count: 1, sourceIPs: ['203.0.113.9'] });
  });

  it.each([
    [10, 'LOW'],
    [40, 'MEDIUM'],
    [65, 'HIGH'],
    [85, 'CRITICAL'],
  ])('score %d is %s', (score, sev) => {
    expect(severityOf(score)).toBe(sev);
  });

  it('corroborating findings raise the score, capped at 100', () => {
    expect(combinedScore([60, 50], 2)).toBe(65);
    expect(combinedScore([99, 90, 80], 3)).toBe(100);
  });
});
