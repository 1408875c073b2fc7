/**
 * `boundwatch replay --enforce dry-run` over a ten-day cluster (every event) with attacks spread over
 * the days after learning, through the bundled CLI, without a cluster or AWS credentials: the
 * preview an operator reads before turning enforcement on. It must plan a changing action for
 * every attack that reached HIGH, none for a benign principal (the platform's controllers are
 * busiest while the cluster learns), none in a protected namespace, each with an expiry; and
 * the hourly budget runs on event time (a one-per-hour budget does not stop attacks hours apart
 * although the replay takes seconds).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorAnomaly, EnforcementAction } from '#shared/events/schema';
import { scenario } from '#test/eval/scenario/scenario';
import { ALL_TECHNIQUES, ATTACKER_IPS } from '#test/eval/scenario/techniques';
import { runCli } from '#test/support/cli';

/** Attacks by a stolen pod token, a stolen admin, a stolen CI role, a compromised operator. */
const PICKS: Array<[string, number, number]> = [
  ['sa-token.from-internet', 4, 6.2],
  ['k8s.privilege-escalation.privileged-pod', 5, 13.1],
  ['stolen-iam-session.secrets-dump', 6, 3.4],
  ['k8s.credential-access.dump-secrets', 7, 9.5],
  ['sa-token.other-pod-ip', 8, 11.3],
  ['exec.kube-system-pod', 9, 2.2],
];

const readJsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { detail: unknown }).detail);
const RANK = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 } as const;

describe('replay --enforce dry-run over ten days with attacks', () => {
  let anomalies: BehaviorAnomaly[];
  let actions: EnforcementAction[];
  let attackIds: Set<string>;

  beforeAll(async () => {
    const techniques = PICKS.map(([id, day, hour]) => ({ ...ALL_TECHNIQUES.find((t) => t.id === id)!, day, hour }));
    expect(techniques.every((t) => typeof t.day === 'number')).toBe(true);
    const { hours } = scenario({ days: 10, scale: 0.01, techniques, lookalikes: false, seed: 7 });
    attackIds = new Set();
    // The whole ten days (about 50,000 events, 97 principals), delivered as CloudWatch does, one
    // payload per hour of events at most: a payload spanning a day would hand enforcement an
    // anomaly hours after a later one and the age gate would (rightly) refuse it.
    const payloads: string[] = [];
    let n = 0;
    for (const h of hours) {
      const logEvents: Array<{ id: string; timestamp: number; message: string }> = [];
      for (const { e, label } of h) {
        const at = Date.parse(e.requestReceivedTimestamp ?? e.stageTimestamp ?? '');
        logEvents.push({ id: String(++n).padStart(56, '0'), timestamp: at, message: JSON.stringify(e) });
        if (label?.startsWith('attack:')) attackIds.add(e.auditID);
      }
      if (logEvents.length) payloads.push(JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: '/aws/eks/eval-eks/cluster', logStream: 'kube-apiserver-audit-preview', logEvents }));
    }
    const dir = mkdtempSync(join(tmpdir(), 'bw-enforce-preview-'));
    writeFileSync(join(dir, 'audit.jsonl'), payloads.join('\n') + '\n');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        clusters: [{ name: 'eval-eks', auditLogGroup: '/aws/eks/eval-eks/cluster' }],
        detection: { learningDays: 3, clusterLearningDays: 3 },
        enforcement: { maxActionsPerHour: 1 },
      }),
    );
    const out = join(dir, 'out');
    // No kubeconfig, no AWS credentials: what could not be checked is said, not skipped.
    const env = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_SESSION_TOKEN: '' };
    const started = Date.now();
    const r = await runCli(['replay', '--audit', join(dir, 'audit.jsonl'), '--config', join(dir, 'config.json'), '--out', out, '--enforce', 'dry-run'], { timeoutMs: 110_000, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    process.stdout.write(`enforce-preview: ${n} events in ${payloads.length} payloads replayed in ${Date.now() - started} ms\n`);
    anomalies = readJsonl(join(out, 'anomalies.jsonl')).map((d) => BehaviorAnomaly.parse(d));
    actions = readJsonl(join(out, 'enforcement.jsonl')).map((d) => EnforcementAction.parse(d));
  }, 120_000);

  const isAttack = (a: BehaviorAnomaly) => a.findings.some((f) => (f.evidence.auditIDs ?? []).some((id) => attackIds.has(id)) || f.evidence.sourceIPs.some((ip) => ATTACKER_IPS.includes(ip)));
  const describe_ = (id: string) => {
    const a = anomalies.find((x) => x.id === id)!;
    return `${a.window.start} ${a.severity} ${a.principal.name}: ${a.findings.map((f) => `${f.type}[${f.evidence.sourceIPs.join(',')}]`).join(', ')}`;
  };
  const changing = () => actions.filter((a) => a.action !== 'notify' && a.outcome === 'planned');

  it('plans a changing action, with an expiry, for every attack that reached HIGH (for an IAM Identity Center session: the commands)', () => {
    const high = anomalies.filter((a) => isAttack(a) && RANK[a.severity] >= RANK.HIGH);
    expect(high.length).toBeGreaterThanOrEqual(4);
    // IAM Identity Center roles cannot be changed in IAM: their revocation is the exact
    // permission-set commands (a revoke skipped with them, which pages at HIGH), never silence.
    const byHand = actions.filter((a) => a.action === 'revoke-credentials' && a.outcome === 'skipped' && /^not revoked automatically: .*IAM Identity Center permission set.*aws sso-admin put-inline-policy-to-permission-set/.test(a.reason ?? ''));
    expect(byHand.length).toBeGreaterThan(0);
    const acted = new Set([...changing(), ...byHand].map((a) => a.anomalyId));
    const missed = high.filter((a) => !acted.has(a.id)).map((a) => `${a.principal.name}: ${a.findings.map((f) => f.type).join(', ')} → ${actions.filter((x) => x.anomalyId === a.id).map((x) => `${x.action} ${x.outcome} ${x.reason ?? ''}`).join('; ')}`);
    expect(missed).toEqual([]);
    for (const a of changing()) {
      expect(a.expiresAt).toBeDefined();
      expect(Date.parse(a.expiresAt!)).toBeGreaterThan(Date.parse(anomalies.find((x) => x.id === a.anomalyId)!.window.end));
    }
  });

  it('plans no changing action on a benign principal, platform controllers while learning included', () => {
    const benign = new Set(anomalies.filter((a) => !isAttack(a)).map((a) => a.id));
    expect(benign.size).toBeGreaterThan(0);
    expect(changing().filter((a) => benign.has(a.anomalyId)).map((a) => `${a.action} ${a.target.kind} ${a.target.namespace ?? ''}/${a.target.name} for ${describe_(a.anomalyId)}`)).toEqual([]);
  });

  it('plans nothing in a protected namespace', () => {
    expect(changing().filter((a) => ['kube-system', 'boundwatch'].includes(a.target.namespace ?? ''))).toEqual([]);
  });

  it('every planned action lists the API calls apply would make; budgets ran on event time', () => {
    for (const a of changing()) expect(a.changes.some((c) => /^(would call|API call)/.test(c) || /\b(POST|PATCH|PUT|DELETE) \//.test(c) || /iam:|eks:/.test(c))).toBe(true);
    // One changing action per hour at most, yet every attack (hours apart in event time) acted on.
    expect(actions.filter((a) => /rate limit|budget/i.test(a.reason ?? '') && a.outcome === 'skipped' && anomalies.some((x) => x.id === a.anomalyId && isAttack(x)))).toEqual([]);
  });
});
