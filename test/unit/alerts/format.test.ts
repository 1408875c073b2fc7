import { evidenceQuery, formatAlert, MAX_QUERY_IDS, MESSAGE_MAX, SUBJECT_MAX, toSubject } from '#shared/alerts/format';
import { anomalyEvent, enforcementEvent } from './factories';

describe('formatAlert: Behavior Anomaly', () => {
  it('names severity, cluster, principal, workload and window', () => {
    // Act
    const { subject, message } = formatAlert(anomalyEvent());

    // Assess
    expect(subject).toBe('[boundwatch] HIGH SecretsAccessed by system:serviceaccount:shop:checkout in prod-eks');
    expect(message).toMatch(/^Severity:\s+HIGH \(score 82 of 100\)$/m);
    expect(message).toMatch(/^Cluster:\s+prod-eks \(account 111122223333, eu-west-1\)$/m);
    expect(message).toMatch(/^Principal:\s+system:serviceaccount:shop:checkout \(ServiceAccount, namespace shop\)$/m);
    expect(message).toMatch(/^Workload:\s+shop\/checkout-6d9f-abcde, Deployment checkout, service account checkout$/m);
    expect(message).toMatch(/^Window:\s+2025-03-01T10:00:00Z to 2025-03-01T10:05:00Z$/m);
    expect(message).toContain('Recommended actions\n  quarantine, revoke-credentials');
  });

  it('lists each finding with title, description, MITRE ids, evidence and what was normal', () => {
    const { message } = formatAlert(anomalyEvent());

    expect(message).toContain('1. Secrets listed across namespaces [SecretsAccessed] MITRE ATT&CK T1552.007');
    expect(message).toContain('The service account listed secrets in 4 namespaces');
    expect(message).toMatch(/Events:\s+12/);
    expect(message).toMatch(/Source IPs:\s+10\.20\.1\.5/);
    expect(message).toMatch(/User agents:\s+kubectl\/v1\.29\.0/);
    expect(message).toContain('What was normal: gets configmaps in shop only, about 40 requests an hour');
  });

  it('gives a Logs Insights query over the cluster audit log group, widened around the window', () => {
    const { message } = formatAlert(anomalyEvent());

    expect(message).toContain('Log group:  /aws/eks/prod-eks/cluster');
    expect(message).toContain('Time range: 2025-03-01T09:55:00.000Z to 2025-03-01T10:10:00.000Z');
    expect(message).toContain(
      '| filter auditID in ["7f3c9e2a-1b4d-4e8f-9a6c-2d5e8f1a3b7c", "a1b2c3d4-0000-4e8f-9a6c-2d5e8f1a3b7c"]',
    );
    expect(message).toContain('| sort @timestamp asc');
  });

  it('uses the configured audit log group of the cluster', () => {
    const { message } = formatAlert(anomalyEvent(), { auditLogGroups: { 'prod-eks': '/custom/audit' } });

    expect(message).toContain('Log group:  /custom/audit');
    expect(message).not.toContain('/aws/eks/prod-eks/cluster');
  });

  it('lists flows for network anomalies and gives no audit query', () => {
    // Prepare
    const event = anomalyEvent({
      category: 'network',
      findings: [
        {
          type: 'NewEgressDestination',
          title: 'Egress to a never-seen address',
          description: 'checkout connected to an external address on port 4444.',
          mitre: ['T1041'],
          evidence: {
            flows: [{ src: '10.1.0.7', dst: '203.0.113.9', dstPort: 4444, protocol: 'TCP', bytes: 90000, packets: 80 }],
            count: 1,
            sourceIPs: [],
            userAgents: [],
            baseline: 'egress only to 10.1.0.0/16 on 5432',
          },
        },
      ],
    });

    // Act
    const { message, attributes } = formatAlert(event);

    // Assess
    expect(message).toContain('10.1.0.7 -> 203.0.113.9:4444/TCP, 90000 bytes, 80 packets');
    expect(message).not.toContain('filter auditID');
    expect(attributes).toEqual({ kind: 'anomaly', severity: 'HIGH', cluster: 'prod-eks', category: 'network' });
  });

  it('keeps the subject within SNS limits: ASCII, one line, 100 characters', () => {
    const event = anomalyEvent({
      principal: { type: 'User', name: `jos\u00e9.\u00fcber\n${'x'.repeat(200)}@example.com` },
    });

    const { subject } = formatAlert(event);

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.endsWith('...')).toBe(true);
    expect(subject).toContain('jose.uber');
  });

  it('caps the query at MAX_QUERY_IDS audit ids and says so', () => {
    const ids = Array.from({ length: MAX_QUERY_IDS + 20 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const base = anomalyEvent().detail.findings[0]!;
    const event = anomalyEvent({ findings: [{ ...base, evidence: { ...base.evidence, auditIDs: ids } }] });

    const { message } = formatAlert(event);

    expect(message).toContain(`the query lists the first ${MAX_QUERY_IDS} of ${MAX_QUERY_IDS + 20} audit events`);
    expect(message).toContain(ids[MAX_QUERY_IDS - 1]);
    expect(message).not.toContain(ids[MAX_QUERY_IDS]);
  });

  it('truncates a huge message below the SNS limit with a pointer to the full event', () => {
    const base = anomalyEvent().detail.findings[0]!;
    const findings = Array.from({ length: 400 }, (_, i) => ({ ...base, title: `finding ${i}`, description: 'y '.repeat(400) }));

    const { message } = formatAlert(anomalyEvent({ findings }));

    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MESSAGE_MAX);
    expect(message).toMatch(/\[message truncated; the full event is on the boundwatch event bus/);
  });

  it('never includes tokens or keys that slipped into free text', () => {
    const base = anomalyEvent().detail.findings[0]!;
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
    const event = anomalyEvent({
      findings: [
        {
          ...base,
          description: `token presented: Bearer ${jwt} with key AKIAIOSFODNN7EXAMPLE and secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
          evidence: { ...base.evidence, userAgents: [`curl/8.0 ?password=hunter2`] },
        },
      ],
    });

    const { message, subject } = formatAlert(event);

    expect(message).not.toContain('eyJhbGci');
    expect(message).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(message).not.toContain('wJalrXUtnFEMI');
    expect(message).not.toContain('hunter2');
    expect(message).toContain('password=[redacted]');
    expect(subject).not.toContain('[redacted]');
  });
});

describe('formatAlert: Enforcement Action', () => {
  it('gives action, target, mode, outcome, changes, expiry and how to release early', () => {
    const { subject, message, attributes } = formatAlert(enforcementEvent());

    expect(subject).toBe('[boundwatch] quarantine applied: Pod shop/checkout-6d9f-abcde in prod-eks');
    expect(message).toMatch(/^Action:\s+quarantine$/m);
    expect(message).toMatch(/^Outcome:\s+applied$/m);
    expect(message).toMatch(/^Mode:\s+apply$/m);
    expect(message).toMatch(/^Target:\s+Pod shop\/checkout-6d9f-abcde$/m);
    expect(message).toMatch(/^Expires:\s+2025-03-01T11:06:05Z \(reverts automatically\)$/m);
    expect(message).toContain('  - NetworkPolicy shop/boundwatch-quarantine-checkout-6d9f-abcde created');
    expect(message).toContain('boundwatch release c0ffee00-1111-2222-3333-444455556666');
    expect(attributes).toEqual({ kind: 'enforcement', action: 'quarantine', outcome: 'applied', mode: 'apply', cluster: 'prod-eks' });
  });

  it('marks dry runs in the subject and explains how to move to apply', () => {
    const { subject, message } = formatAlert(enforcementEvent({ mode: 'dry-run', outcome: 'planned' }));

    expect(subject).toBe('[boundwatch] DRY-RUN quarantine planned: Pod shop/checkout-6d9f-abcde in prod-eks');
    expect(message).toContain('Changes that would be made');
    expect(message).toContain('"enforcement" to "apply"');
    expect(message).not.toContain('boundwatch release');
  });

  it.each([
    ['failed', 'The action failed'],
    ['reverted', 'The action has been reverted'],
    ['skipped', 'The action was skipped'],
  ] as const)('explains outcome %s without offering a release', (outcome, text) => {
    const { message } = formatAlert(enforcementEvent({ outcome, reason: 'namespace kube-system is protected' }));

    expect(message).toContain(text);
    expect(message).toMatch(/^Reason:\s+namespace kube-system is protected$/m);
    expect(message).not.toContain('boundwatch release');
  });

  it('shows the ARN of IAM targets', () => {
    const arn = 'arn:aws:iam::111122223333:role/ci-deployer';
    const { message } = formatAlert(
      enforcementEvent({ action: 'revoke-credentials', target: { kind: 'IAMRole', name: 'ci-deployer', arn } }),
    );

    expect(message).toMatch(new RegExp(`^Target ARN:\\s+${arn}$`, 'm'));
    expect(message).toMatch(/^Target:\s+IAMRole ci-deployer$/m);
  });
});

describe('evidenceQuery', () => {
  it('escapes quotes and backslashes so an odd id cannot break the query', () => {
    expect(evidenceQuery(['a"b\\c'])).toContain('filter auditID in ["a\\"b\\\\c"]');
  });
});

describe('toSubject', () => {
  it('never returns an empty subject', () => {
    expect(toSubject('\u00a0\u2603')).toBe('[boundwatch] alert');
  });
});
