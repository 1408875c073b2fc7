import { implausibleTime, parseAuditMessage, parseAuditTime } from '#shared/audit/event';
import { RejectReason } from '#shared/audit/cloudwatch';
import { auditEvent } from '#test/support/audit-factory';

describe('parseAuditMessage', () => {
  it('parses a real EKS record (access-entry IAM role, shared/audit/README.md#sample-records)', () => {
    const line =
      '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"fb5dba68-6262-4718-b45e-d293b03e434d","stage":"ResponseComplete","requestURI":"/api/v1/namespaces","verb":"list","user":{"username":"arn:aws:sts::111122223333:assumed-role/sso_admin/alice-example.com","uid":"aws-iam-authenticator:111122223333:AROAEXAMPLEROLEID0001","groups":["system:authenticated"],"extra":{"accessKeyId":["ASIAEXAMPLEKEYID0001"],"arn":["arn:aws:sts::111122223333:assumed-role/sso_admin/alice@example.com"],"canonicalArn":["arn:aws:iam::111122223333:role/sso_admin"],"principalId":["AROAEXAMPLEROLEID0001"],"sessionName":["alice@example.com"]}},"sourceIPs":["198.51.100.23"],"userAgent":"ClusterLoGo_darwin_amd64/v0.0.0 (darwin/amd64) kubernetes/$Format","objectRef":{"resource":"namespaces","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2024-08-24T14:27:07.461683Z","stageTimestamp":"2024-08-24T14:27:07.491536Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"EKS Access Policy: allowed"}}';
    const parsed = parseAuditMessage(line);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.event.verb).toBe('list');
    expect(parsed.timeMs).toBe(Date.parse('2024-08-24T14:27:07.461Z'));
  });

  it('rejects lines CloudWatch truncated', () => {
    const line = JSON.stringify(auditEvent()).slice(0, 200) + '[Truncated...]';
    expect(parseAuditMessage(line)).toMatchObject({ ok: false, reason: RejectReason.truncated });
  });

  it.each([
    ['not JSON', 'GET /healthz 200', RejectReason.notJson],
    ['a JSON array', '[1,2]', RejectReason.notAuditEvent],
    ['another kind', JSON.stringify({ ...auditEvent(), kind: 'EventList' }), RejectReason.notAuditEvent],
    ['a CloudTrail record', JSON.stringify({ eventVersion: '1.08', kind: 0 }), RejectReason.notAuditEvent],
    ['no verb', JSON.stringify({ ...auditEvent(), verb: undefined }), RejectReason.missingFields],
    ['no user', JSON.stringify({ ...auditEvent(), user: undefined }), RejectReason.missingFields],
    ['no auditID', JSON.stringify({ ...auditEvent(), auditID: undefined }), RejectReason.missingFields],
    ['no timestamps', JSON.stringify({ ...auditEvent(), requestReceivedTimestamp: undefined, stageTimestamp: undefined }), RejectReason.missingFields],
    ['a garbage timestamp', JSON.stringify({ ...auditEvent(), requestReceivedTimestamp: 'yesterday', stageTimestamp: undefined }), RejectReason.missingFields],
  ])('rejects %s', (_name, line, reason) => {
    const parsed = parseAuditMessage(line);
    expect(parsed).toMatchObject({ ok: false, reason });
  });

  it('names the missing fields in the detail', () => {
    const parsed = parseAuditMessage(JSON.stringify({ ...auditEvent(), verb: undefined, auditID: undefined }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.detail).toContain('verb');
    expect(parsed.detail).toContain('auditID');
  });
});

describe('parseAuditTime', () => {
  it.each([
    ['2024-08-24T14:27:07.461683Z', Date.parse('2024-08-24T14:27:07.461Z')],
    ['2022-11-29 00:09:04.38', Date.parse('2022-11-29T00:09:04.380Z')],
    ['2024-01-01T00:00:00+02:00', Date.parse('2023-12-31T22:00:00Z')],
  ])('%s', (value, expected) => {
    expect(parseAuditTime(value)).toBe(expected);
  });
  it('is NaN for nonsense', () => {
    expect(parseAuditTime('soon')).toBeNaN();
  });
});

describe('implausibleTime', () => {
  const delivered = Date.parse('2024-08-24T14:27:08Z');
  it.each([
    ['a second before delivery', delivered - 1000, delivered, false],
    ['a watch that started an hour before', delivered - 3_600_000, delivered, false],
    ['a minute after (clock skew)', delivered + 60_000, delivered, false],
    ['two days before', delivered - 2 * 86_400_000, delivered, true],
    ['an hour after', delivered + 3_600_000, delivered, true],
    ['1970, with no CloudWatch timestamp (local files)', 0, 0, true],
    ['9999, with no CloudWatch timestamp', Date.parse('9999-01-01T00:00:00Z'), 0, true],
    ['2024, with no CloudWatch timestamp', delivered, 0, false],
  ])('%s: implausible = %s', (_what, t, at, bad) => {
    expect(implausibleTime(t, at) !== undefined).toBe(bad);
  });
});
