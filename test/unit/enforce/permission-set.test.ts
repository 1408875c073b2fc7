import { mergeStatement, permissionSetNameOf, PermissionSetPolicyError, removeStatement, sessionDenyStatement, statementSid, tooLarge } from '#shared/enforce/permission-set';

const deny = sessionDenyStatement(statementSid('0123abcd0123abcd'), 'AROAEXAMPLE:alice@example.com', new Date('2026-03-01T11:55:00.123Z'));
const CUSTOMER = '{\n  "Version": "2012-10-17",\n  "Statement": { "Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*" }\n}\n';

describe('permission-set session deny', () => {
  it('reads the permission set name from the role name, underscores included', () => {
    expect(permissionSetNameOf('AWSReservedSSO_AdministratorAccess_0123456789abcdef')).toBe('AdministratorAccess');
    expect(permissionSetNameOf('AWSReservedSSO_Team_A_Admin_0123456789abcdef')).toBe('Team_A_Admin');
    expect(permissionSetNameOf('AWSReservedSSO_Admin')).toBeUndefined();
    expect(permissionSetNameOf('ci-deployer')).toBeUndefined();
  });

  it('adds the statement after the customer\'s (a single Statement object included), and takes exactly it out again, restoring the text byte for byte', () => {
    const m = mergeStatement(CUSTOMER, deny);
    const doc = JSON.parse(m.text!) as { Statement: Array<{ Sid: string }> };
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['Logs', 'BoundwatchRevoke0123abcd0123abcd']);
    expect(deny.Condition).toEqual({ StringEquals: { 'aws:userid': 'AROAEXAMPLE:alice@example.com' }, DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T11:55:00Z' } });
    expect(removeStatement(m.text!, deny.Sid!, CUSTOMER)).toEqual({ found: true, text: CUSTOMER, restoredExactly: true });
  });

  it('a resumed attempt finds its statement: nothing to put; a foreign statement with the same Sid is refused', () => {
    const once = mergeStatement('', deny).text!;
    expect(mergeStatement(once, deny)).toEqual({});
    const other = once.replace('alice', 'mallory');
    expect(() => mergeStatement(other, deny)).toThrow(PermissionSetPolicyError);
  });

  it('no inline policy before: the revert deletes it; a change made meanwhile is kept; a second revert changes nothing', () => {
    const once = mergeStatement('', deny).text!;
    expect(removeStatement(once, deny.Sid!, '')).toEqual({ found: true, text: '', restoredExactly: true });
    const edited = JSON.stringify({ ...(JSON.parse(once) as object), Statement: [...(JSON.parse(once) as { Statement: unknown[] }).Statement, { Sid: 'New', Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    const r = removeStatement(edited, deny.Sid!, '');
    expect(r.restoredExactly).toBe(false);
    expect((JSON.parse(r.text!) as { Statement: Array<{ Sid: string }> }).Statement.map((s) => s.Sid)).toEqual(['New']);
    expect(removeStatement(CUSTOMER, deny.Sid!, CUSTOMER)).toEqual({ found: false, restoredExactly: true });
  });

  it('refuses what it cannot read or what would exceed the quota, and says which limit', () => {
    expect(() => mergeStatement('not json', deny)).toThrow(/not JSON/);
    expect(() => mergeStatement('[1]', deny)).toThrow(/not a policy document/);
    const near = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Big', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(10_000)}` }] });
    expect(tooLarge(near)).toBeUndefined();
    expect(() => mergeStatement(near, deny)).toThrow(/non-whitespace characters, over the 10240/);
    expect(tooLarge(`{"a":"${' '.repeat(33_000)}"}`)).toMatch(/bytes, over the 32768/);
  });
});
