import { isHumanLike, isSystemActor, isSystemPrincipal } from '#shared/audit/actor';
import { parseAuditLenient } from '#test/support/lenient-audit';
import { clientIp, forwardedFor, netIsInternal } from '#shared/audit/network';
import { ownerOfPod, workloadGroupKey } from '#shared/audit/pod-owner';
import { RejectReason } from '#shared/audit/cloudwatch';
import { bodyMentions, execCommand, imageRepo, podSpecOf, configMapMentions } from '#shared/audit/request-object';
import { auditEvent } from '#test/support/audit-factory';

describe('actor', () => {
  it.each([
    ['system:kube-controller-manager', true],
    ['system:node:ip-10-0-1-5', true],
    ['system:serviceaccount:kube-system:coredns', true],
    ['system:serviceaccount:shop:checkout', false],
    ['eks:addon-manager', true],
    ['system:anonymous', false],
    ['alice@example.com', false],
  ])('%s is a platform identity: %s', (u, expected) => {
    expect(isSystemPrincipal(u)).toBe(expected);
  });

  it('excludes platform identities only on system namespaces and cluster-wide objects', () => {
    expect(isSystemActor('system:serviceaccount:kube-system:replicaset-controller', 'kube-system')).toBe(true);
    expect(isSystemActor('system:serviceaccount:kube-system:replicaset-controller', undefined)).toBe(true);
    expect(isSystemActor('system:serviceaccount:kube-system:replicaset-controller', 'default')).toBe(false);
  });

  it.each([
    [{ type: 'IAMRole', canonicalArn: 'arn:aws:iam::1:role/AWSReservedSSO_Dev_abc' }, true],
    [{ type: 'IAMRole', canonicalArn: 'arn:aws:iam::1:role/ci', sessionName: 'alice@example.com' }, true],
    [{ type: 'IAMRole', canonicalArn: 'arn:aws:iam::1:role/ci', sessionName: 'GitHubActions-123' }, false],
    [{ type: 'IAMRole', canonicalArn: 'arn:aws:iam::1:role/ci', userAgent: 'kubectl/v1.30 (darwin/arm64) kubernetes/x' }, true],
    [{ type: 'ServiceAccount' }, false],
    [{ type: 'User' }, true],
  ])('%j looks like a person: %s', (input, expected) => {
    expect(isHumanLike(input)).toBe(expected);
  });
});

describe('pod owner', () => {
  it.each([
    ['checkout-7c9d5b8f6-x2k4q', 'checkout'],
    ['aws-node-8xz2b', 'aws-node'],
    ['weekly-report-29403120-q7zcm', 'weekly-report'],
    ['orders-db-0', 'orders-db'],
    ['standalone', 'standalone'],
  ])('%s belongs to %s', (pod, owner) => {
    expect(ownerOfPod(pod)).toBe(owner);
  });

  it('keys the replicas of one workload to one peer group', () => {
    expect(workloadGroupKey('shop', 'checkout-7c9d5b8f6-x2k4q')).toBe(workloadGroupKey('shop', 'checkout-7c9d5b8f6-m8n7p'));
  });
});

describe('network', () => {
  it('trusts only the last sourceIPs entry (the connection), never a forwarded hop the client wrote', () => {
    expect(clientIp(['not-an-ip', '10.0.1.5'])).toBe('10.0.1.5');
    expect(clientIp(['10.0.1.23', '185.220.101.47'])).toBe('185.220.101.47');
    expect(clientIp(['10.0.1.23', 'garbage'])).toBeUndefined();
    expect(clientIp([])).toBeUndefined();
    expect(forwardedFor(['10.0.1.23', '185.220.101.47'])).toEqual(['10.0.1.23']);
    expect(forwardedFor(['185.220.101.47'])).toBeUndefined();
    // Bounded: the client can send any number of hops of any length.
    const many = forwardedFor([...Array.from({ length: 50 }, () => 'x'.repeat(5000)), '1.2.3.4'])!;
    expect(many.length).toBeLessThanOrEqual(4);
    expect(Math.max(...many.map((h) => h.length))).toBeLessThanOrEqual(64);
  });

  it('knows internal networks by their key', () => {
    expect(netIsInternal('10.20.1.0/24')).toBe(true);
    expect(netIsInternal('203.0.113.0/24')).toBe(false);
  });
});

describe('request bodies', () => {
  it('reads pod specs from pods and from workload templates', () => {
    const pod = auditEvent({ verb: 'create', objectRef: { resource: 'pods', namespace: 'shop' }, requestObject: { spec: { hostPID: true, containers: [{ image: 'a:1', securityContext: { privileged: true, capabilities: { add: ['sys_admin'] } } }] } } });
    expect(podSpecOf(pod)).toMatchObject({ hostPID: true, containers: [{ image: 'a:1', privileged: true, addedCapabilities: ['SYS_ADMIN'] }] });
    const cron = auditEvent({ verb: 'create', objectRef: { resource: 'cronjobs', namespace: 'shop' }, requestObject: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: 'b:2' }] } } } } } } });
    expect(podSpecOf(cron)?.containers[0]?.image).toBe('b:2');
    expect(podSpecOf(auditEvent({ verb: 'create', objectRef: { resource: 'pods', namespace: 'shop' } }))).toBeUndefined();
  });

  it.each([
    ['nginx:1.25', 'nginx'],
    ['registry.k8s.io/kube-proxy:v1.30', 'registry.k8s.io/kube-proxy'],
    ['localhost:5000/app@sha256:abc', 'localhost:5000/app'],
  ])('image %s is repository %s', (image, repo) => {
    expect(imageRepo(image)).toBe(repo);
  });

  it('reads an exec command from the body or the query string', () => {
    expect(execCommand(auditEvent({ requestObject: { command: ['ls', '-l'] } }))).toEqual(['ls', '-l']);
    expect(execCommand(auditEvent({ requestURI: '/api/v1/namespaces/a/pods/p/exec?command=cat&command=%2Fetc%2Fhosts&stdout=true' }))).toEqual(['cat', '/etc/hosts']);
  });

  it('matches ConfigMap data without returning it', () => {
    const cm = auditEvent({ requestObject: { data: { 'app.ini': 'password = hunter2' } } });
    expect(configMapMentions(cm, /password/)).toBe(true);
    expect(configMapMentions(cm, /aws_access_key_id/)).toBe(false);
  });
});

describe('lenient fixture parsing', () => {
  it('fills what hand-written fixtures leave out, and strips enrichment', () => {
    const p = parseAuditLenient({ verb: 'get', objectRef: { resource: 'pods' }, p_any_ip_addresses: ['1.2.3.4'] });
    expect(p).toMatchObject({ ok: true, event: { stage: 'ResponseComplete', user: { username: 'unknown' } } });
    if (p.ok) expect(p.event).not.toHaveProperty('p_any_ip_addresses');
  });

  it('still rejects what is not an audit event', () => {
    expect(parseAuditLenient({ kind: 0 })).toMatchObject({ ok: false, reason: RejectReason.notAuditEvent });
    expect(parseAuditLenient('x')).toMatchObject({ ok: false, reason: RejectReason.notAuditEvent });
  });
});

describe('request bodies written to be hostile', () => {
  it('finds a mention 6,000 levels deep without a recursive stringify', () => {
    const depth = 6000;
    const deep = JSON.parse(`${'{"a":'.repeat(depth)}"system:masters"${'}'.repeat(depth)}`) as unknown;
    const event = auditEvent({ verb: 'update', objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' }, requestObject: deep });
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(bodyMentions(event, /system:masters/)).toBe(true);
    expect(bodyMentions(event, /nowhere/)).toBe(false);
  });
});
