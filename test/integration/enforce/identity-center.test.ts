/**
 * Revoking a session of an IAM Identity Center role through its permission set, over real
 * wires: local IAM (Query), EKS (REST-JSON) and sso-admin (JSON 1.1) endpoints driven by the
 * real SDK clients. The sso-admin endpoint only changes an account's role when the permission
 * set is provisioned, and evaluates the role's policy for a session: the oracle says whether
 * the stolen session is denied and every other session is not.
 */
import { RetryLaterError } from '#shared/enforce/engine';
import { quarantineToken } from '#shared/enforce/quarantine';
import { LOCAL_INSTANCE_ARN } from '#test/support/aws/sso-admin-server';
import { startHarness, stolenTokenAnomaly, type Harness, type HarnessOptions } from './harness';

const ACCOUNT = '111122223333';
const ROLE = 'AWSReservedSSO_PlatformAdmin_0123456789abcdef';
const PATH = '/aws-reserved/sso.amazonaws.com/eu-west-1/';
const ALICE = 'AROAEXAMPLESSOADMIN1:alice@example.com';
const BOB = 'AROAEXAMPLESSOADMIN1:bob@example.com';
const BEFORE = new Date('2026-03-01T09:00:00Z');
const AFTER = new Date('2026-03-01T12:30:00Z');
/** The customer's inline policy, formatted by hand: it must come back byte for byte. */
const CUSTOMER = `{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "ReadLogs", "Effect": "Allow", "Action": ["logs:Get*", "logs:Describe*"], "Resource": "*" },
    { "Sid": "NoBilling", "Effect": "Deny", "Action": "aws-portal:*", "Resource": "*" }
  ]
}
`;

const ssoAnomaly = (id = 'd0000000-0000-4000-8000-0000000005a0') =>
  stolenTokenAnomaly({
    id,
    principal: { type: 'IAMRole', name: `arn:aws:iam::${ACCOUNT}:role/${ROLE}`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/alice@example.com`, sessionName: 'alice@example.com', principalId: 'AROAEXAMPLESSOADMIN1' },
    workload: undefined,
    recommendedActions: ['revoke-credentials', 'notify'],
  });

describe('revoke an IAM Identity Center session through its permission set', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** A harness whose instance has the PlatformAdmin permission set (null: without an inline policy) and two others, provisioned to the account. */
  async function start(identityCenter: 'map' | 'lookup', inlinePolicy: string | null = CUSTOMER, extra: HarnessOptions = {}): Promise<{ h: Harness; ps: string }> {
    // The ARN is known once the endpoint runs; the map names it.
    const probe = await startHarness({ aws: true, sso: true, ...extra });
    probe.sso!.addPermissionSet('ReadOnly');
    probe.sso!.addPermissionSet('Billing');
    const ps = probe.sso!.addPermissionSet('PlatformAdmin', inlinePolicy !== null ? { inlinePolicy } : {});
    probe.sso!.provisionNow(ACCOUNT, ps);
    probe.iam!.addRole(ROLE, { path: PATH, maxSessionDuration: 8 * 3600 });
    probe.deps.enforcement = {
      ...probe.deps.enforcement,
      identityCenter: { instanceArn: LOCAL_INSTANCE_ARN, permissionSets: identityCenter === 'map' ? { PlatformAdmin: ps } : {}, lookup: identityCenter === 'lookup' },
    };
    return { h: probe, ps };
  }

  it('adds one statement naming the session, provisions it, verifies it; other sessions and statements untouched; release restores the policy byte for byte', async () => {
    const s = await start('map');
    h = s.h;
    const { planned } = await h.enforce(ssoAnomaly());
    const a = planned[0]!.action;
    expect(a).toMatchObject({ action: 'revoke-credentials', outcome: 'applied', target: { kind: 'IAMRole', name: ROLE } });
    const sid = `BoundwatchRevoke${quarantineToken(a.id)}`;
    const doc = JSON.parse(h.sso!.inlinePolicy(s.ps)!) as { Statement: Array<{ Sid: string }> };
    expect(doc.Statement.map((x) => x.Sid)).toEqual(['ReadLogs', 'NoBilling', sid]);
    expect(doc.Statement[2]).toEqual({ Sid: sid, Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:userid': ALICE }, DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T11:55:00Z' } } });
    // The role in the account: the stolen session is denied; another user's session, and Alice signing in again, are not.
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, BEFORE)).toBe(true);
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, BOB, BEFORE)).toBe(false);
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, AFTER)).toBe(false);
    // IAM is only read; the permission set is read, written, provisioned, polled and read back.
    expect(h.iam!.requests.map((r) => r.operation)).toEqual(['GetRole']);
    expect(h.sso!.requests.map((r) => r.operation)).toEqual([
      'GetInlinePolicyForPermissionSet',
      'GetInlinePolicyForPermissionSet',
      'PutInlinePolicyToPermissionSet',
      'ProvisionPermissionSet',
      'DescribePermissionSetProvisioningStatus',
      'DescribePermissionSetProvisioningStatus',
      'GetInlinePolicyForPermissionSet',
    ]);
    expect(h.sso!.requests.every((r) => r.signedFor === 'sso')).toBe(true);
    const text = a.changes.join('\n');
    expect(text).toMatch(/mechanism: IAM Identity Center permission-set inline deny scoped to one session/);
    expect(text).toMatch(new RegExp(`verified: the inline policy of permission set ${s.ps.replace(/[/.]/g, '\\$&')} carries statement ${sid}`));
    // The role's maximum session duration (8 h) after the anomaly, plus five minutes.
    expect(a.expiresAt).toBe('2026-03-01T20:00:00.000Z');

    const r = await h.revert(a.id, 'release');
    expect(r.status).toBe('reverted');
    expect(r.notes.join('\n')).toMatch(/its inline policy is back as it was.*provisioned to account 111122223333/);
    expect(h.sso!.inlinePolicy(s.ps)).toBe(CUSTOMER);
    expect(h.sso!.provisioned(ACCOUNT, s.ps)).toBe(CUSTOMER);
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, BEFORE)).toBe(false);
  });

  it('by lookup (ListPermissionSets over pages, DescribePermissionSet by name); a permission set without an inline policy has none again after the revert', async () => {
    const s = await start('lookup', null);
    h = s.h;
    const { planned } = await h.enforce(ssoAnomaly());
    expect(planned[0]!.action.outcome).toBe('applied');
    expect(h.sso!.requests.filter((r) => r.operation === 'ListPermissionSets')).toHaveLength(2);
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, BEFORE)).toBe(true);
    await h.revert(planned[0]!.action.id, 'expiry');
    expect(h.sso!.inlinePolicy(s.ps)).toBeUndefined();
    expect(h.sso!.requests.map((r) => r.operation)).toContain('DeleteInlinePolicyFromPermissionSet');
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, BEFORE)).toBe(false);
  });

  it('a statement the customer adds meanwhile stays; only boundwatch\'s goes', async () => {
    const s = await start('map');
    h = s.h;
    const { planned } = await h.enforce(ssoAnomaly());
    const doc = JSON.parse(h.sso!.inlinePolicy(s.ps)!) as { Version: string; Statement: unknown[] };
    const theirs = { Sid: 'AddedLater', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
    doc.Statement.push(theirs);
    // An administrator edits the permission set through the API during the TTL.
    await h.deps.sso!.putInlinePolicy(LOCAL_INSTANCE_ARN, s.ps, JSON.stringify(doc));
    await h.revert(planned[0]!.action.id, 'expiry');
    const after = JSON.parse(h.sso!.inlinePolicy(s.ps)!) as { Statement: Array<{ Sid: string }> };
    expect(after.Statement.map((x) => x.Sid)).toEqual(['ReadLogs', 'NoBilling', 'AddedLater']);
  });

  it('a failed provisioning: outcome failed with the reason, the statement rolled back out; redelivery applies it; a revert whose provisioning fails is retried', async () => {
    const s = await start('map');
    h = s.h;
    h.sso!.failProvisioning(1, 'Role AWSReservedSSO_PlatformAdmin could not be updated');
    await expect(h.enforce(ssoAnomaly())).rejects.toBeInstanceOf(RetryLaterError);
    const failed = h.actions().find((x) => x.action === 'revoke-credentials')!;
    expect(failed).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/ProvisionPermissionSet .*FAILED: Role AWSReservedSSO_PlatformAdmin could not be updated.*rolled back: removed statement .*back as it was.*\(retried on redelivery\)/) });
    expect(h.sso!.inlinePolicy(s.ps)).toBe(CUSTOMER);
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, BEFORE)).toBe(false);

    const again = await h.enforce(ssoAnomaly());
    const a = again.planned[0]!.action;
    expect(a.outcome).toBe('applied');
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, BEFORE)).toBe(true);

    // The revert takes the statement out but provisioning fails: the role still denies, the revert fails and keeps its step.
    h.sso!.failProvisioning(1, 'throttled by IAM');
    // At expiry a failure schedules the next attempt (shared/enforce/revert.ts revertOrRetry) rather than throwing.
    const retried = await h.revert(a.id, 'expiry');
    expect(retried).toMatchObject({ status: 'retry-scheduled', retry: { attempt: 2 } });
    expect(retried.notes.join('\n')).toMatch(/FAILED: throttled by IAM/);
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, BEFORE)).toBe(true);
    expect((await h.store.get(a.id))!.undo.map((u) => u.undo)).toEqual(['remove-permission-set-statement']);
    // Retried (as the next attempt does): provisioned this time, and the policy is exactly the customer's.
    expect((await h.revert(a.id, 'expiry')).status).toBe('reverted');
    expect(h.sso!.inlinePolicy(s.ps)).toBe(CUSTOMER);
    expect(h.sso!.deniesSession(ACCOUNT, s.ps, ALICE, BEFORE)).toBe(false);
  });

  it('a concurrent update of the account (ConflictException) is retryable: redelivery applies the deny once', async () => {
    const s = await start('map');
    h = s.h;
    h.sso!.failNext(1, { status: 400, code: 'ConflictException', message: 'another operation is in progress for this account', operation: 'ProvisionPermissionSet' });
    await expect(h.enforce(ssoAnomaly())).rejects.toBeInstanceOf(RetryLaterError);
    expect(h.actions().find((x) => x.action === 'revoke-credentials')).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/ConflictException.*\(retried on redelivery\)/) });
    expect(h.sso!.inlinePolicy(s.ps)).toBe(CUSTOMER);
    const { planned } = await h.enforce(ssoAnomaly());
    expect(planned[0]!.action.outcome).toBe('applied');
    const doc = JSON.parse(h.sso!.inlinePolicy(s.ps)!) as { Statement: Array<{ Sid: string }> };
    expect(doc.Statement.filter((x) => x.Sid.startsWith('BoundwatchRevoke'))).toHaveLength(1);
  });

  it('no room in the inline policy (10,240 non-whitespace characters): not changed; skipped with the reason and the commands', async () => {
    const big = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 60 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: `s3:GetObject`, Resource: `arn:aws:s3:::bucket-${'x'.repeat(100)}-${i}/*` })) });
    const s = await start('map', big);
    h = s.h;
    const { planned } = await h.enforce(ssoAnomaly());
    expect(planned[0]!.action).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/not revoked automatically: .*non-whitespace characters, over the 10240.*aws sso-admin put-inline-policy-to-permission-set --instance-arn arn:aws:sso:::instance\/ssoins-/) });
    expect(h.sso!.inlinePolicy(s.ps)).toBe(big);
    expect(h.sso!.requests.map((r) => r.operation)).not.toContain('PutInlinePolicyToPermissionSet');
  });

  it('a permission set neither mapped nor looked up: skipped with the commands; dry-run with it mapped plans the exact calls and changes nothing', async () => {
    const s = await start('lookup');
    h = s.h;
    h.deps.enforcement = { ...h.deps.enforcement, identityCenter: { ...h.deps.enforcement.identityCenter!, lookup: false } };
    const { planned } = await h.enforce(ssoAnomaly());
    expect(planned[0]!.action).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/permission set PlatformAdmin is not in enforcement.identityCenter.permissionSets.*aws sso-admin provision-permission-set/) });
    await h.stop();

    const d = await start('map', CUSTOMER, { mode: 'dry-run' });
    h = d.h;
    const dry = (await h.enforce(ssoAnomaly('d0000000-0000-4000-8000-0000000005a1'))).planned[0]!.action;
    expect(dry.outcome).toBe('planned');
    const lines = dry.changes.join('\n');
    for (const call of ['GetInlinePolicyForPermissionSet', 'PutInlinePolicyToPermissionSet', 'ProvisionPermissionSet', 'DescribePermissionSetProvisioningStatus']) expect(lines).toContain(`API call: sso:${call} InstanceArn=${LOCAL_INSTANCE_ARN}`);
    expect(lines).toContain(`TargetType=AWS_ACCOUNT TargetId=${ACCOUNT}`);
    expect(h.sso!.requests.map((r) => r.operation)).toEqual(['GetInlinePolicyForPermissionSet']);
    expect(h.sso!.inlinePolicy(d.ps)).toBe(CUSTOMER);
  });
});
