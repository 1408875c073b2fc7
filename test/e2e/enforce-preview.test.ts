/**
 * `boundwatch replay --enforce dry-run` over a ten-day cluster (every event) with attacks spread over
 * the days after learning, through the bundled CLI, without a cluster or AWS credentials: the
 * preview an operator reads before turning enforcement on. It must plan a changing action for
 * every attack that reached HIGH, none for a benign principal (the platform's controllers are
 * busiest while the cluster learns), none in a protected namespace, each with an expiry; and
 * the hourly budget runs on event time (a one-per-hour budget does not stop attacks hours apart
 * although the replay takes seconds). Half the HIGH attacks use IAM Identity Center roles: without
 * enforcement.identityCenter their revocation is skipped with the exact commands; with it (the
 * same ten days replayed again) each gets a planned permission-set deny with an expiry.
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

/** The permission sets of the scenario's SSO roles (AWSReservedSSO_<name>_<hash>), as an operator maps them. */
const IDENTITY_CENTER = {
  instanceArn: 'arn:aws:sso:::instance/ssoins-72231e2b4e6a8f10',
  permissionSets: {
    PlatformAdmin: 'arn:aws:sso:::permissionSet/ssoins-72231e2b4e6a8f10/ps-0123456789abcdef',
    Developer: 'arn:aws:sso:::permissionSet/ssoins-72231e2b4e6a8f10/ps-fedcba9876543210',
  },
};

describe('replay --enforce dry-run over ten days with attacks', () => {
  let anomalies: BehaviorAnomaly[];
  let actions: EnforcementAction[];
  /** The same replay with enforcement.identityCenter configured. */
  let sso: { anomalies: BehaviorAnomaly[]; actions: EnforcementAction[] };
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
    const replay = async (name: string, enforcement: Record<string, unknown>) => {
      writeFileSync(
        join(dir, `${name}.json`),
        JSON.stringify({
          clusters: [{ name: 'eval-eks', auditLogGroup: '/aws/eks/eval-eks/cluster' }],
          detection: { learningDays: 3, clusterLearningDays: 3 },
          enforcement: { maxActionsPerHour: 1, ...enforcement },
        }),
      );
      const out = join(dir, `out-${name}`);
      // No kubeconfig, no AWS credentials: what could not be checked is said, not skipped.
      const env = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_SESSION_TOKEN: '' };
      const started = Date.now();
      const r = await runCli(['replay', '--audit', join(dir, 'audit.jsonl'), '--config', join(dir, `${name}.json`), '--out', out, '--enforce', 'dry-run'], { timeoutMs: 150_000, env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      process.stdout.write(`enforce-preview (${name}): ${n} events in ${payloads.length} payloads replayed in ${Date.now() - started} ms\n`);
      return {
        anomalies: readJsonl(join(out, 'anomalies.jsonl')).map((d) => BehaviorAnomaly.parse(d)),
        actions: readJsonl(join(out, 'enforcement.jsonl')).map((d) => EnforcementAction.parse(d)),
      };
    };
    ({ anomalies, actions } = await replay('config', {}));
    sso = await replay('identity-center', { identityCenter: IDENTITY_CENTER });
  }, 320_000);

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
    const byHand = actions.filter((a) => a.action === 'revoke-credentials' && a.outcome === 'skipped' && /^not revoked automatically: .*IAM Identity Center permission set.*enforcement.identityCenter is not configured.*aws sso-admin put-inline-policy-to-permission-set/.test(a.reason ?? ''));
    expect(byHand.length).toBeGreaterThan(0);
    // Without enforcement.identityCenter, every HIGH attack on an SSO role is one of these.
    const skippedSso = new Set(byHand.map((a) => a.anomalyId));
    expect(SSO_HIGH(anomalies).filter((a) => !skippedSso.has(a.id)).map(key)).toEqual([]);
    const acted = new Set([...changing(), ...byHand].map((a) => a.anomalyId));
    const missed = high.filter((a) => !acted.has(a.id)).map((a) => `${a.principal.name}: ${a.findings.map((f) => f.type).join(', ')} → ${actions.filter((x) => x.anomalyId === a.id).map((x) => `${x.action} ${x.outcome} ${x.reason ?? ''}`).join('; ')}`);
    expect(missed).toEqual([]);
    for (const a of changing()) {
      expect(a.expiresAt).toBeDefined();
      expect(Date.parse(a.expiresAt!)).toBeGreaterThan(Date.parse(anomalies.find((x) => x.id === a.anomalyId)!.window.end));
    }
  });

  const SSO_HIGH = (as: BehaviorAnomaly[]) => as.filter((a) => isAttack(a) && RANK[a.severity] >= RANK.HIGH && a.principal.name.includes(':role/AWSReservedSSO_'));
  const key = (a: BehaviorAnomaly) => `${a.principal.name}|${a.window.start}|${a.findings.map((f) => f.type).join(',')}`;

  it('with enforcement.identityCenter, the SSO sessions get a planned permission-set deny with an expiry (none skipped), the rest unchanged', () => {
    const ssoHigh = SSO_HIGH(sso.anomalies);
    expect(ssoHigh.length).toBeGreaterThanOrEqual(2);
    // The same attacks that were skipped with commands above.
    expect(ssoHigh.map(key).sort()).toEqual(SSO_HIGH(anomalies).map(key).sort());
    expect(sso.actions.filter((a) => /IAM Identity Center permission set/.test(a.reason ?? ''))).toEqual([]);
    for (const a of ssoHigh) {
      const revoke = sso.actions.find((x) => x.anomalyId === a.id && x.action === 'revoke-credentials');
      expect({ principal: a.principal.name, outcome: revoke?.outcome, reason: revoke?.reason }).toMatchObject({ outcome: 'planned' });
      const text = revoke!.changes.join('\n');
      expect(text).toMatch(/mechanism: IAM Identity Center permission-set inline deny scoped to one session/);
      expect(text).toMatch(new RegExp(`API call: sso:PutInlinePolicyToPermissionSet InstanceArn=${IDENTITY_CENTER.instanceArn.replace(/[/.]/g, '\\$&')} PermissionSetArn=arn:aws:sso:::permissionSet/.* statement BoundwatchRevoke[0-9a-f]{16} \\(deny \\* to session aws:userid AROA`));
      expect(text).toMatch(/API call: sso:ProvisionPermissionSet .* TargetType=AWS_ACCOUNT TargetId=111122223333/);
      expect(text).toMatch(/not checked: no IAM Identity Center access in this run/);
      // The role's maximum session duration cannot be read without AWS: 12 h assumed, plus five minutes.
      expect(Date.parse(revoke!.expiresAt!)).toBe(Date.parse(a.window.end) + 12 * 3_600_000 + 5 * 60_000);
    }
    // Every HIGH attack still acted on; benign principals still untouched.
    const changed = sso.actions.filter((a) => a.action !== 'notify' && a.outcome === 'planned');
    const acted = new Set(changed.map((a) => a.anomalyId));
    expect(sso.anomalies.filter((a) => isAttack(a) && RANK[a.severity] >= RANK.HIGH && !acted.has(a.id)).map(key)).toEqual([]);
    const benign = new Set(sso.anomalies.filter((a) => !isAttack(a)).map((a) => a.id));
    expect(changed.filter((a) => benign.has(a.anomalyId)).map((a) => `${a.action} ${a.target.name}`)).toEqual([]);
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
