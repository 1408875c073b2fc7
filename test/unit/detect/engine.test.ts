import { parseAuditObject, type ParsedAuditEvent } from '#shared/audit/event';
import { buildAnomalies, combinedScore, severityOf } from '#shared/detect/anomaly';
import { DAY_MS, DEFAULT_DETECTION, DetectionConfig } from '#shared/detect/config';
import { firstSensitiveUse } from '#shared/detect/detectors/first-use';
import { factsOf, runPrincipal } from '#shared/detect/engine';
import { riskyPodSpec } from '#shared/detect/signatures/risky-pod-spec';
import type { DetectionContext } from '#shared/detect/types';
import { auditEvent, serviceAccountUser } from '#test/support/audit-factory';

const T0 = Date.parse('2024-03-01T00:00:00Z');
const user = serviceAccountUser('shop', 'checkout', { name: 'checkout-6d9f5b8c7-x2k4q', uid: '4b0e6c1a-7d2f-4c55-9a3e-2f1d8e9b7c60' });
const ctx: DetectionContext = { cluster: 'prod-eks', config: DEFAULT_DETECTION, clusterFirstSeen: T0 };
const FIRST_USE = [firstSensitiveUse];

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
    const run = runPrincipal([factsOf(listSecretsEverywhere(T0 + 10 * DAY_MS))], profile, ctx, FIRST_USE);
    expect(run.findings).toHaveLength(1);
    const f = run.findings[0]!;
    expect(f.type).toBe('SecretsAccessed');
    expect(f.mitre).toContain('T1552.007');
    expect(f.baseline).toContain('get configmaps shop');
    expect(f.baseline).toContain('never any secrets request');
  });

  it('stays quiet while the principal is learning', () => {
    const early = [factsOf(readConfigmap(T0)), factsOf(listSecretsEverywhere(T0 + 2 * DAY_MS))];
    expect(runPrincipal(early, undefined, { ...ctx, clusterFirstSeen: T0 - 30 * DAY_MS }, FIRST_USE).findings).toEqual([]);
  });

  it('stays quiet while the cluster is learning', () => {
    const profile = learnedProfile();
    const young = { ...ctx, clusterFirstSeen: T0 + 8 * DAY_MS };
    expect(runPrincipal([factsOf(listSecretsEverywhere(T0 + 10 * DAY_MS))], profile, young, FIRST_USE).findings).toEqual([]);
  });

  it('does not fire for a sensitive behavior the principal already had', () => {
    const days = Array.from({ length: 10 }, (_, d) => factsOf(listSecretsEverywhere(T0 + d * DAY_MS)));
    const { profile } = runPrincipal(days, undefined, ctx);
    expect(runPrincipal([factsOf(listSecretsEverywhere(T0 + 11 * DAY_MS))], profile, ctx, FIRST_USE).findings).toEqual([]);
  });

  it('does not let a burst on the last learning day become normal at once', () => {
    const days = Array.from({ length: 7 }, (_, d) => factsOf(readConfigmap(T0 + d * DAY_MS + 3600_000)));
    const burst = Array.from({ length: 50 }, (_, i) => factsOf(listSecretsEverywhere(T0 + 6 * DAY_MS + 7200_000 + i * 1000)));
    const { profile } = runPrincipal([...days, ...burst], undefined, ctx, FIRST_USE);
    const next = runPrincipal([factsOf(listSecretsEverywhere(T0 + 7 * DAY_MS + 7200_000))], profile, ctx, FIRST_USE);
    expect(next.findings.map((f) => f.type)).toEqual(['SecretsAccessed']);
  });

  it('ignores denied requests (they are probing, not use)', () => {
    const profile = learnedProfile();
    const denied = parsed(T0 + 10 * DAY_MS, { verb: 'list', objectRef: { resource: 'secrets' }, responseStatus: { code: 403 } });
    expect(runPrincipal([factsOf(denied)], profile, ctx, FIRST_USE).findings).toEqual([]);
  });

  it('fires once per batch and not again during the cooldown', () => {
    const profile = learnedProfile();
    const t = T0 + 10 * DAY_MS;
    const first = runPrincipal([factsOf(listSecretsEverywhere(t)), factsOf(listSecretsEverywhere(t + 1000))], profile, ctx, FIRST_USE);
    expect(new Set(first.findings.map((f) => f.type))).toEqual(new Set(['SecretsAccessed']));
    // The repeat joins the evidence of the open finding instead of raising a new one.
    expect(first.findings).toHaveLength(2);
    expect(first.findings[1]!.baseline).toBe(first.findings[0]!.baseline);
    const again = runPrincipal([factsOf(listSecretsEverywhere(t + 60_000))], first.profile, ctx, FIRST_USE);
    expect(again.findings).toEqual([]);
  });

  it('classifies exec into a pod, judged once though logged at start and completion', () => {
    const profile = learnedProfile();
    const exec = (stage: string) =>
      factsOf(parsed(T0 + 10 * DAY_MS + (stage === 'ResponseStarted' ? 0 : 60_000), {
        auditID: 'exec-1',
        verb: 'create',
        stage,
        objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'cart-1' },
        responseStatus: { code: 101 },
      }));
    const started = runPrincipal([exec('ResponseStarted')], profile, ctx, FIRST_USE);
    expect(started.findings.map((f) => ({ type: f.type, mitre: f.mitre }))).toEqual([{ type: 'ExecInPod', mitre: ['T1609'] }]);
    const completed = runPrincipal([exec('ResponseComplete')], started.profile, { ...ctx, config: { ...DEFAULT_DETECTION, cooldownMinutes: 0 } }, FIRST_USE);
    expect(completed.findings).toEqual([]);
    expect(completed.profile.events).toBe(started.profile.events);
  });

  it('judges a new principal against its mature peer group instead of staying silent', () => {
    const kubelet = (node: string, at: number, over: Parameters<typeof auditEvent>[0] = {}) =>
      factsOf(parseOk(auditEvent({ user: { username: `system:node:${node}`, groups: ['system:nodes'] }, at: new Date(at), sourceIPs: ['10.0.1.5'], userAgent: 'kubelet/v1.30.4', ...over })));
    const group = runPrincipal(Array.from({ length: 10 }, (_, d) => kubelet('old', T0 + d * DAY_MS)), undefined, ctx).profile;
    const groups = new Map([['kubelets', group]]);
    const newcomer = (over: Parameters<typeof auditEvent>[0]) => runPrincipal([kubelet('new', T0 + 10 * DAY_MS, over)], undefined, { ...ctx, groups }, FIRST_USE).findings;
    // What its peers do is normal for it on its first day...
    expect(newcomer({})).toEqual([]);
    // ...what none of them ever did is not.
    const f = newcomer({ verb: 'get', objectRef: { resource: 'secrets', namespace: 'kube-system', name: 'x' } });
    expect(f.map((x) => x.type)).toEqual(['SecretsAccessed']);
    expect(f[0]!.baseline).toMatch(/peer group kubelets/);
    // Without the group, a new principal is still learning.
    expect(runPrincipal([kubelet('new', T0 + 10 * DAY_MS, { verb: 'get', objectRef: { resource: 'secrets', namespace: 'kube-system' } })], undefined, ctx, FIRST_USE).findings).toEqual([]);
  });
});

function parseOk(e: ReturnType<typeof auditEvent>) {
  const p = parseAuditObject(e);
  if (!p.ok) throw new Error(p.detail);
  return p;
}

describe('signatures', () => {
  const privileged = (at: number, image = 'busybox:1.36') =>
    factsOf(
      parsed(at, {
        verb: 'create',
        objectRef: { resource: 'pods', namespace: 'monitoring' },
        responseStatus: { code: 201 },
        requestObject: { kind: 'Pod', spec: { containers: [{ name: 'c', image, securityContext: { privileged: true } }] } },
      }),
    );

  it('fire from the first event, with no baseline at all', () => {
    const run = runPrincipal([privileged(T0)], undefined, ctx, [riskyPodSpec]);
    expect(run.findings.map((f) => f.type)).toEqual(['PrivilegedContainer']);
    expect(run.findings[0]!.baseline).toMatch(/Rule-based/);
  });

  it('are muted once the same pattern is established for the principal, but not by a burst', () => {
    const cfg: DetectionConfig = { ...DEFAULT_DETECTION, cooldownMinutes: 0 };
    const c = { ...ctx, clusterFirstSeen: T0 - 30 * DAY_MS, config: cfg };
    const burst = runPrincipal([privileged(T0), privileged(T0 + 1000), privileged(T0 + 2000)], undefined, c, [riskyPodSpec]);
    expect(burst.findings).toHaveLength(3);
    const days = runPrincipal([privileged(T0 + DAY_MS)], burst.profile, c, [riskyPodSpec]);
    expect(days.findings).toHaveLength(1);
    // Seen on two days: established, muted.
    expect(runPrincipal([privileged(T0 + 2 * DAY_MS)], days.profile, c, [riskyPodSpec]).findings).toEqual([]);
    // A different image is a different pattern.
    expect(runPrincipal([privileged(T0 + 2 * DAY_MS, 'evil/miner:1')], days.profile, c, [riskyPodSpec]).findings).toHaveLength(1);
  });
});

describe('anomalies', () => {
  it("combine one principal's findings per window, with a stable id, a severity and the workload", () => {
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
      severity: 'CRITICAL',
      principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout', namespace: 'shop' },
      // The pod uid is the token's (authentication.kubernetes.io/pod-uid): enforcement never acts on a replacement.
      workload: { namespace: 'shop', serviceAccount: 'checkout', pod: 'checkout-6d9f5b8c7-x2k4q', podUid: '4b0e6c1a-7d2f-4c55-9a3e-2f1d8e9b7c60' },
      recommendedActions: ['quarantine', 'revoke-credentials', 'notify'],
    });
    expect(a1[0]!.findings.map((f) => f.type).sort()).toEqual(['ClusterWideSecretList', 'CredentialFromOtherIP', 'CredentialFromPublicNetwork', 'SecretsAccessed']);
    for (const f of a1[0]!.findings) expect(f.evidence).toMatchObject({ count: 1, sourceIPs: ['203.0.113.9'] });
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

  it('context findings corroborate but never add up to an alarm on their own', () => {
    expect(combinedScore([35, 30, 25], 3)).toBe(39);
    expect(severityOf(combinedScore([35, 30, 25], 3))).toBe('LOW');
  });
});
