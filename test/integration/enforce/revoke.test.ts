/**
 * Credential revocation, notify-only, the AWS revert schedule and boundwatch's minimal RBAC,
 * over real wires: the test API server, and local IAM (Query protocol), EKS and Scheduler
 * (REST-JSON) endpoints driven by the real SDK clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scheduleName } from '#shared/enforce/aws';
import { quarantineToken } from '#shared/enforce/quarantine';
import { createClusterClient } from '#shared/k8s/client';
import { loadKubeConfig } from '#infra/local/kubeconfig';
import { ENFORCER_RULES } from '#shared/k8s/rbac';
import { CHECKOUT, CLUSTER, findingsOf, REVERT_QUEUE_ARN, startHarness, STOLEN, stolenTokenAnomaly, type Harness } from './harness';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/ci-deployer';
const ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const EDIT = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy';
const TOKEN_VALUE = 'SECRET-TOKEN-VALUE-never-leaves';
/** The tag that puts a role within the default enforcement.revocableRoles. */
const REVOCABLE = { 'boundwatch:revocable': 'true' };

function seedLegacyToken(h: Harness): void {
  h.kube.api.put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'checkout', namespace: 'shop' }, secrets: [{ name: 'checkout-token-x7k2p' }] });
  const saUid = (h.kube.api.get('serviceaccounts', 'shop', 'checkout')!.metadata as { uid: string }).uid;
  h.kube.api.put({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name: 'checkout-token-x7k2p', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'checkout', 'kubernetes.io/service-account.uid': saUid } },
    data: { token: Buffer.from(TOKEN_VALUE).toString('base64') },
  });
}

const iamAnomaly = (overrides = {}) =>
  stolenTokenAnomaly({
    id: 'd0000000-0000-4000-8000-000000000001',
    principal: { type: 'IAMRole', name: ROLE_ARN, arn: 'arn:aws:sts::111122223333:assumed-role/ci-deployer/gha-run', sessionName: 'gha-run', principalId: 'AROAEXAMPLECIDEPLOY01', accessKeyId: 'ASIAEXAMPLEKEY000001' },
    workload: undefined,
    recommendedActions: ['revoke-credentials', 'notify'],
    ...overrides,
  });

describe('revoke credentials', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('service account: deletes its legacy token secrets (names recorded, never values); the revert says it cannot restore them', async () => {
    h = await startHarness();
    seedLegacyToken(h);
    const { planned } = await h.enforce(stolenTokenAnomaly({ findings: STOLEN() }));
    expect(planned.map((p) => p.action.action)).toEqual(['revoke-credentials']);
    const a = planned[0]!.action;
    expect(a).toMatchObject({ action: 'revoke-credentials', outcome: 'applied', target: { kind: 'ServiceAccount', namespace: 'shop', name: 'checkout' } });
    expect(a.changes.join('\n')).toMatch(/delete legacy token secret shop\/checkout-token-x7k2p/);
    expect(await h.client.getSecret('shop', 'checkout-token-x7k2p')).toBeNull();
    // Credential misuse targets the credential: the pod-bound token is revoked with its pod.
    expect(await h.client.getPod('shop', CHECKOUT)).toBeNull();
    const everything = JSON.stringify([h.bus.events, await h.store.get(a.id)]);
    expect(everything).not.toContain(TOKEN_VALUE);
    expect(everything).not.toContain(Buffer.from(TOKEN_VALUE).toString('base64'));

    const r = await h.revert(a.id, 'release');
    expect(r.status).toBe('reverted');
    expect(r.notes.join('\n')).toMatch(/deleted legacy token secret shop\/checkout-token-x7k2p: not restored \(restoring it would restore the stolen credential/);
    expect(await h.client.getSecret('shop', 'checkout-token-x7k2p')).toBeNull();
  });

  it('a stolen token: the victim pod is not quarantined; the pod the token is bound to goes (uid precondition), so the token dies', async () => {
    h = await startHarness();
    const uid = (await h.client.getPod('shop', CHECKOUT))?.metadata?.uid;
    const { planned } = await h.enforce(stolenTokenAnomaly({ findings: STOLEN() }));
    expect(planned.map((p) => `${p.action.action}:${p.action.outcome}`)).toEqual(['revoke-credentials:applied']);
    expect(planned[0]!.action.changes.join('\n')).toContain(`pod shop/${CHECKOUT} (uid ${uid})`);
    expect(planned[0]!.action.changes.join('\n')).toMatch(/gate high-confidence:bound-token-from-internet/);
    expect(await h.client.getPod('shop', CHECKOUT)).toBeNull();
  });

  it('IAM role: a deny naming the session (aws:userid, issued before the anomaly), other sessions untouched; access policies stay by default', async () => {
    h = await startHarness({ aws: true });
    h.iam!.addRole('ci-deployer', { maxSessionDuration: 4 * 3600, tags: REVOCABLE });
    h.eks!.addAccessEntry(CLUSTER, ROLE_ARN, [{ policyArn: ADMIN, accessScope: { type: 'cluster' } }]);
    const { planned } = await h.enforce(iamAnomaly());
    const a = planned[0]!.action;
    expect(a).toMatchObject({ outcome: 'applied', target: { kind: 'IAMRole', name: 'ci-deployer', arn: ROLE_ARN } });
    const name = `boundwatch-revoke-${quarantineToken(a.id)}`;
    const doc = JSON.parse(h.iam!.inlinePolicies('ci-deployer').get(name)!) as { Statement: Array<{ Condition: Record<string, Record<string, string>> }> };
    expect(doc.Statement).toEqual([
      { Sid: 'BoundwatchRevokeSession', Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { StringEquals: { 'aws:userid': 'AROAEXAMPLECIDEPLOY01:gha-run' }, DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T11:55:00Z' } } },
    ]);
    // Another session of the shared role (another aws:userid) matches no condition of the deny.
    const cond = doc.Statement[0]!.Condition;
    expect(cond.StringEquals!['aws:userid']).not.toBe('AROAEXAMPLECIDEPLOY01:alice');
    expect(Object.keys(cond).sort()).toEqual(['DateLessThan', 'StringEquals']);
    // Kept for the role's maximum session duration after the anomaly (4 h), not the 1 h TTL.
    expect(a.expiresAt).toBe('2026-03-01T16:00:00.000Z');
    expect((await h.localScheduler.due(new Date('2026-03-01T13:30:00Z'))).map((d) => d.actionId)).toEqual([]);
    expect(a.changes.join('\n')).toMatch(/mechanism: IAM inline deny scoped to one session/);
    expect(a.changes.join('\n')).toMatch(/EKS access policies of arn:aws:iam::111122223333:role\/ci-deployer left in place \(AmazonEKSClusterAdminPolicy\)/);
    expect(h.eks!.associated(CLUSTER, ROLE_ARN)).toEqual([{ policyArn: ADMIN, accessScope: { type: 'cluster' } }]);
  });

  it('a role outside enforcement.revocableRoles is not changed: IAM would refuse, so the plan says so, in dry-run as in apply, with the commands', async () => {
    const outside = /^not revoked automatically: session gha-run \(aws:userid AROAEXAMPLECIDEPLOY01:gha-run\) of role ci-deployer: it is outside enforcement.revocableRoles \(paths \/ci\/ or tag boundwatch:revocable=true\).*aws iam put-role-policy --role-name ci-deployer --policy-name boundwatch-revoke-\w+ --policy-document '\{"Version":"2012-10-17".*aws iam delete-role-policy --role-name ci-deployer/;
    for (const mode of ['dry-run', 'apply'] as const) {
      h = await startHarness({ aws: true, mode, config: { revocableRoles: { paths: ['/ci/'] } } });
      // The local IAM answers as the enforcer's policy would: writes only on roles under /ci/ or tagged.
      h.iam!.limitWrites((r) => r.path.startsWith('/ci/') || r.tags['boundwatch:revocable'] === 'true');
      h.iam!.addRole('ci-deployer', { path: '/cicd/', tags: { team: 'platform' } });
      const { planned } = await h.enforce(iamAnomaly());
      expect(planned[0]!.action).toMatchObject({ action: 'revoke-credentials', mode, outcome: 'skipped', reason: expect.stringMatching(outside) });
      expect(h.iam!.requests.map((r) => r.operation)).toEqual(['GetRole']);
      expect(h.iam!.inlinePolicies('ci-deployer').size).toBe(0);
      await h.stop();
      h = undefined;
    }
    // The same role under the configured path is revoked, and IAM accepts the write.
    h = await startHarness({ aws: true, config: { revocableRoles: { paths: ['/ci/'] } } });
    h.iam!.limitWrites((r) => r.path.startsWith('/ci/') || r.tags['boundwatch:revocable'] === 'true');
    h.iam!.addRole('ci-deployer', { path: '/ci/deployers/' });
    const { planned } = await h.enforce(iamAnomaly({ principal: { type: 'IAMRole', name: ROLE_ARN, sessionName: 'gha-run', principalId: 'AROAEXAMPLECIDEPLOY01' } }));
    expect(planned[0]!.action).toMatchObject({ outcome: 'applied' });
    expect(planned[0]!.action.changes.join('\n')).toMatch(/role ci-deployer may be changed: its path \/ci\/deployers\/ is under \/ci\//);
    expect(h.iam!.inlinePolicies('ci-deployer').size).toBe(1);
  });

  it('IAM role without the session id in the audit event: nothing put on the shared role; the reason says why and gives the command', async () => {
    h = await startHarness({ aws: true });
    h.iam!.addRole('ci-deployer');
    const { planned } = await h.enforce(iamAnomaly({ principal: { type: 'IAMRole', name: ROLE_ARN, sessionName: 'gha-run' } }));
    expect(planned[0]!.action).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/carries no principalId .*lock out everyone using it.*aws iam put-role-policy --role-name ci-deployer/) });
    expect(h.iam!.inlinePolicies('ci-deployer').size).toBe(0);
  });

  it('IAM Identity Center role: the path is read with iam:GetRole; IAM is not modified; the permission-set commands are given; the access entry is found by the path-bearing ARN', async () => {
    h = await startHarness({ aws: true, config: { revokeAccessPolicies: true } });
    const role = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef';
    const path = '/aws-reserved/sso.amazonaws.com/eu-west-1/';
    h.iam!.addRole(role, { path, maxSessionDuration: 8 * 3600 });
    // The audit log's canonical ARN has no path; the access entry is keyed by the ARN with it.
    const canonical = `arn:aws:iam::111122223333:role/${role}`;
    const withPath = `arn:aws:iam::111122223333:role${path}${role}`;
    h.eks!.addAccessEntry(CLUSTER, withPath, [{ policyArn: ADMIN, accessScope: { type: 'cluster' } }]);
    const { planned } = await h.enforce(
      iamAnomaly({ principal: { type: 'IAMRole', name: canonical, arn: `arn:aws:sts::111122223333:assumed-role/${role}/alice@example.com`, sessionName: 'alice@example.com', principalId: 'AROAEXAMPLESSOADMIN1' } }),
    );
    const a = planned[0]!.action;
    const text = a.changes.join('\n');
    expect(text).toMatch(/belongs to an IAM Identity Center permission set: IAM cannot modify it.*aws:userid "AROAEXAMPLESSOADMIN1:alice@example.com".*aws sso-admin put-inline-policy-to-permission-set.*aws sso-admin provision-permission-set/);
    expect(h.iam!.requests.map((r) => r.operation)).toEqual(['GetRole']);
    expect(text).toMatch(new RegExp(`disassociate EKS access policy ${ADMIN} \\(cluster\\) from ${withPath.replace(/[/.]/g, '\\$&')}`));
    expect(h.eks!.associated(CLUSTER, withPath)).toEqual([]);
  });

  it('IAM role with enforcement.revokeAccessPolicies: the session deny and the EKS access policies disassociated; the revert undoes both', async () => {
    h = await startHarness({ aws: true, config: { revokeAccessPolicies: true } });
    h.iam!.addRole('ci-deployer', { tags: REVOCABLE });
    h.eks!.addAccessEntry(CLUSTER, ROLE_ARN, [
      { policyArn: ADMIN, accessScope: { type: 'cluster' } },
      { policyArn: EDIT, accessScope: { type: 'namespace', namespaces: ['shop', 'ci'] } },
    ]);
    const { planned } = await h.enforce(iamAnomaly());
    const a = planned[0]!.action;
    expect(a).toMatchObject({ outcome: 'applied', target: { kind: 'IAMRole', name: 'ci-deployer', arn: ROLE_ARN } });
    const inline = h.iam!.inlinePolicies('ci-deployer');
    const name = `boundwatch-revoke-${quarantineToken(a.id)}`;
    expect([...inline.keys()]).toEqual([name]);
    expect(JSON.parse(inline.get(name)!)).toMatchObject({ Statement: [{ Sid: 'BoundwatchRevokeSession', Condition: { StringEquals: { 'aws:userid': 'AROAEXAMPLECIDEPLOY01:gha-run' } } }] });
    expect(h.eks!.associated(CLUSTER, ROLE_ARN)).toEqual([]);
    expect(new Set(h.iam!.requests.map((r) => r.signedFor))).toEqual(new Set(['iam']));
    expect(new Set(h.eks!.requests.map((r) => r.signedFor))).toEqual(new Set(['eks']));

    h.clock.advance(60 + 61);
    const r = await h.revert(a.id);
    expect(r.status).toBe('reverted');
    expect(h.iam!.inlinePolicies('ci-deployer').size).toBe(0);
    expect(h.eks!.associated(CLUSTER, ROLE_ARN)).toEqual(
      expect.arrayContaining([
        { policyArn: ADMIN, accessScope: { type: 'cluster' } },
        { policyArn: EDIT, accessScope: { type: 'namespace', namespaces: ['shop', 'ci'] } },
      ]),
    );
  });

  it('IAM role without IAM or EKS access (the local runtime): skipped with the reason', async () => {
    h = await startHarness();
    const { planned } = await h.enforce(iamAnomaly());
    expect(planned[0]!.action).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/no IAM access .*local runs have no AWS credentials.*no EKS access/) });
  });

  it('the same in dry-run: planned with the IAM call apply would make (the session deny), and what could not be checked', async () => {
    h = await startHarness({ mode: 'dry-run' });
    const { planned } = await h.enforce(iamAnomaly());
    expect(planned[0]!.action).toMatchObject({ action: 'revoke-credentials', outcome: 'planned', mode: 'dry-run' });
    const text = planned[0]!.action.changes.join('\n');
    expect(text).toMatch(/API call: iam:PutRolePolicy RoleName=ci-deployer PolicyName=boundwatch-revoke-\w+: deny \* to session aws:userid AROA\w+:gha-run with aws:TokenIssueTime before 20/);
    // The role's access entry is shared by all its sessions: left alone unless configured.
    expect(text).not.toMatch(/eks:DisassociateAccessPolicy/);
    expect(text).toMatch(/EKS access policies of .* left in place \(not checked: no EKS access in this run/);
    expect(text).toMatch(/not checked: no IAM access in this run/);
    expect(text).toMatch(/would schedule its revert at /);
    expect(planned[0]!.action.expiresAt).toBeDefined();
  });

  it('protected principals are never revoked', async () => {
    h = await startHarness({ aws: true, config: { protectedPrincipals: [ROLE_ARN] } });
    h.iam!.addRole('ci-deployer');
    const { planned } = await h.enforce(iamAnomaly());
    expect(planned[0]!.action).toMatchObject({ outcome: 'skipped', reason: `principal ${ROLE_ARN} is protected` });
    expect(h.iam!.requests).toEqual([]);
  });

  it('allow-listed workloads are not acted on for the listed kinds', async () => {
    h = await startHarness({ config: { allowList: [{ namespace: 'shop', principal: 'system:serviceaccount:shop:*', actions: ['quarantine'], reason: 'checkout is reviewed by hand' }] } });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    expect(planned.map((p) => p.action)).toEqual([expect.objectContaining({ action: 'quarantine', outcome: 'skipped', reason: 'allow-listed for quarantine: checkout is reviewed by hand' })]);
    // The allow-list covers quarantine only: a stolen token of the same workload is still revoked.
    const stolen = await h.enforce(stolenTokenAnomaly({ id: 'stolen-1', findings: STOLEN() }));
    expect(stolen.planned[0]!.action).toMatchObject({ action: 'revoke-credentials', outcome: 'applied' });
  });

  it('an allow-listed Deployment matches an anomaly that names only its pod (the owner is read from the cluster)', async () => {
    h = await startHarness({ config: { allowList: [{ workload: 'Deployment/checkout', reason: 'payments path, page a human' }] } });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    expect(planned.map((p) => [p.action.outcome, p.action.reason])).toEqual([['skipped', 'allow-listed for quarantine: payments path, page a human']]);
    const stolen = await h.enforce(stolenTokenAnomaly({ id: 'stolen-1', findings: STOLEN() }));
    expect(stolen.planned.map((p) => [p.action.outcome, p.action.reason])).toEqual([['skipped', 'allow-listed for revoke-credentials: payments path, page a human']]);
    expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels?.app).toBe('checkout');
  });
});

describe('notify only', () => {
  it('announces a notify action and changes nothing; not counted against the rate limit', async () => {
    const h = await startHarness({ config: { maxActionsPerHour: 0 } });
    try {
      const { planned } = await h.enforce(stolenTokenAnomaly({ findings: findingsOf(['UnusualHour']) }));
      expect(planned.map((p) => p.action)).toEqual([expect.objectContaining({ action: 'notify', outcome: 'applied', target: { kind: 'Pod', namespace: 'shop', name: CHECKOUT } })]);
      expect(planned[0]!.action.expiresAt).toBeUndefined();
      expect(h.kube.api.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list')).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});

describe('revert schedule on AWS (EventBridge Scheduler endpoint)', () => {
  it('creates a one-time schedule before changing anything, and release deletes it', async () => {
    const h = await startHarness({ awsScheduler: true });
    try {
      const { planned } = await h.enforce(stolenTokenAnomaly({ recommendedActions: ['quarantine'] }));
      const a = planned[0]!.action;
      const s = h.awsScheduler!.get('boundwatch-prod-eks', scheduleName(a.id));
      expect(s).toMatchObject({
        ScheduleExpression: 'at(2026-03-01T13:00:00)',
        ScheduleExpressionTimezone: 'UTC',
        ActionAfterCompletion: 'DELETE',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: REVERT_QUEUE_ARN, RoleArn: 'arn:aws:iam::111122223333:role/boundwatch-scheduler', DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111122223333:boundwatch-revert-dlq' } },
      });
      expect(JSON.parse(s!.Target.Input!)).toEqual({ actionId: a.id, cluster: CLUSTER, trigger: 'expiry' });
      expect(h.awsScheduler!.requests[0]).toMatchObject({ operation: 'CreateSchedule', signedFor: 'scheduler' });
      await h.revert(a.id, 'release');
      expect(h.awsScheduler!.schedules.size).toBe(0);
    } finally {
      await h.stop();
    }
  });

  it('no revert, no change: when the schedule cannot be created the action fails and the cluster is untouched', async () => {
    const h = await startHarness({ awsScheduler: true });
    try {
      h.awsScheduler!.failNext(1, { status: 400, code: 'ValidationException', message: 'bad group' });
      const { planned } = await h.enforce(stolenTokenAnomaly({ recommendedActions: ['quarantine'] }));
      expect(planned[0]!.action).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/scheduler:CreateSchedule .*ValidationException/) });
      expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels?.app).toBe('checkout');
      expect(h.kube.api.requests.filter((r) => r.verb === 'patch')).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});

describe("boundwatch's minimal RBAC", () => {
  it('is enough to quarantine, revoke and revert (no 403 anywhere)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rbac-'));
    const h = await startHarness({
      // The engine acts as a user holding exactly the enforcer ClusterRole (rbac.ts).
      wrapKube: (_admin, k) => {
        k.api.addUser('enforcer-token', { name: 'boundwatch-enforcer', groups: ['boundwatch:enforcer'], rules: ENFORCER_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) });
        return createClusterClient(loadKubeConfig(k.api.writeKubeconfig(dir, { token: 'enforcer-token' })), { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
      },
    });
    try {
      seedLegacyToken(h);
      const { planned } = await h.enforce(stolenTokenAnomaly());
      expect(planned.map((p) => `${p.action.action}:${p.action.outcome}`)).toEqual(['quarantine:applied']);
      expect((await h.revert(planned[0]!.action.id, 'release')).status).toBe('reverted');
      const stolen = await h.enforce(stolenTokenAnomaly({ id: 'stolen-1', findings: STOLEN() }));
      expect(stolen.planned.map((p) => `${p.action.action}:${p.action.outcome}`)).toEqual(['revoke-credentials:applied']);
      const mine = h.kube.api.requests.filter((r) => r.user === 'boundwatch-enforcer');
      expect(mine.length).toBeGreaterThan(10);
      expect(mine.filter((r) => r.status === 403)).toEqual([]);
      // No list or watch of secrets: legacy tokens are found through the ServiceAccount.
      expect(mine.filter((r) => r.resource === 'secrets' && r.verb === 'list')).toEqual([]);
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
