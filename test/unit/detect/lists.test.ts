import { activityOf } from '#shared/detect/activity';
import { DetectionConfig, detectorEnabled } from '#shared/detect/config';
import { compileIntel, ipMatcher, parseIpList } from '#shared/detect/ip-list';
import { rbacWeight } from '#shared/detect/rbac-risk';
import { tacticOf } from '#shared/detect/tactics';
import { ConfigError } from '#shared/errors';
import { auditEvent } from '#test/support/audit-factory';

describe('IP lists', () => {
  it('match single addresses and CIDRs, IPv4, IPv6 and IPv4-mapped', () => {
    const m = ipMatcher('l', 'tor', '# Tor exits\n185.220.101.47\n10.0.0.0/8 # ours\n2001:db8::/32\n');
    expect(['185.220.101.47', '10.1.2.3', '2001:db8::5', '::ffff:185.220.101.47'].map((ip) => m.has(ip))).toEqual([true, true, true, true]);
    expect(['185.220.101.48', '2001:db9::1', 'nonsense'].map((ip) => m.has(ip))).toEqual([false, false, false]);
  });

  it('name the bad line', () => {
    expect(() => parseIpList('1.2.3.4\nnot-an-ip\n', 'tor.txt')).toThrow(new ConfigError('tor.txt: line 2: "not-an-ip" is not an IP address or CIDR'));
  });

  it('are read once from files given in the configuration', () => {
    const reads: string[] = [];
    const intel = compileIntel(DetectionConfig.parse({ ipLists: [{ name: 'tor', kind: 'tor', file: '/etc/tor.txt' }], trustedCidrsFile: '/etc/aws.txt' }), (p) => (reads.push(p), p.includes('tor') ? '185.220.101.47' : '52.0.0.0/8'));
    expect(reads).toEqual(['/etc/tor.txt', '/etc/aws.txt']);
    expect(intel.ipLists[0]!.has('185.220.101.47')).toBe(true);
    expect(intel.trusted!.has('52.1.2.3')).toBe(true);
  });
});

describe('configuration', () => {
  it('has a default for every key and switches each detector; allow-lists are opt-in', () => {
    const cfg = DetectionConfig.parse({});
    expect(detectorEnabled(cfg, 'first-sensitive-use')).toBe(true);
    expect(detectorEnabled(cfg, 'allow-list-policy')).toBe(false);
    expect(detectorEnabled(DetectionConfig.parse({ allowedUsers: ['a'] }), 'allow-list-policy')).toBe(true);
    expect(detectorEnabled(DetectionConfig.parse({ detectors: { 'unusual-hour': false } }), 'unusual-hour')).toBe(false);
  });

  it('rejects unknown keys and detectors', () => {
    expect(DetectionConfig.safeParse({ detectors: { 'no-such-detector': true } }).success).toBe(false);
    expect(DetectionConfig.safeParse({ threshold: 3 }).success).toBe(false);
    expect(DetectionConfig.safeParse({ ipLists: [{ name: 'x' }] }).success).toBe(false);
  });
});

describe('RBAC weight', () => {
  const role = (rules: unknown[], resource = 'roles') => auditEvent({ verb: 'create', objectRef: { resource, namespace: 'shop' }, requestObject: { rules } });
  const bind = (roleRef: unknown) => auditEvent({ verb: 'create', objectRef: { resource: 'rolebindings', namespace: 'shop' }, requestObject: { roleRef, subjects: [] } });

  it.each([
    ['a lease role', role([{ resources: ['leases'], verbs: ['get', 'update'] }]), 0.4],
    ['a read-only role', role([{ resources: ['pods'], verbs: ['get'] }]), 0.3],
    ['a secrets role', role([{ resources: ['secrets'], verbs: ['get'] }]), 1],
    ['a wildcard role', role([{ resources: ['*'], verbs: ['*'] }], 'clusterroles'), 1],
    ['a binding of a namespaced role', bind({ kind: 'Role', name: 'x' }), 0.4],
    ['a binding of view', bind({ kind: 'ClusterRole', name: 'view' }), 0.5],
    ['a binding of cluster-admin', bind({ kind: 'ClusterRole', name: 'cluster-admin' }), 1],
    ['a write without a body', auditEvent({ verb: 'create', objectRef: { resource: 'roles', namespace: 'shop' } }), 1],
  ])('%s weighs %s', (_n, e, w) => {
    expect(rbacWeight(e)).toBe(w);
  });
});

describe('tactics', () => {
  it.each([
    [{ verb: 'list', objectRef: { resource: 'secrets' } }, 'CredentialAccess'],
    [{ verb: 'create', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'a' } }, 'CredentialAccess'],
    [{ verb: 'list', objectRef: { resource: 'pods' } }, 'Discovery'],
    [{ verb: 'delete', objectRef: { resource: 'events', namespace: 'a' } }, 'DefenseEvasion'],
    [{ verb: 'create', objectRef: { resource: 'validatingwebhookconfigurations' } }, 'DefenseEvasion'],
    [{ verb: 'create', objectRef: { resource: 'clusterrolebindings' } }, 'Persistence'],
    [{ verb: 'delete', objectRef: { resource: 'deployments', namespace: 'a' } }, 'Impact'],
  ])('%j is %s', (over, tactic) => {
    expect(tacticOf(auditEvent(over as Parameters<typeof auditEvent>[0]))).toBe(tactic);
  });
});

describe('activity', () => {
  it('labels what Falco records as activity, and only successful requests', () => {
    expect(activityOf(auditEvent({ verb: 'create', objectRef: { resource: 'deployments', namespace: 'a' }, responseStatus: { code: 201 } }))).toEqual(['DeploymentCreated']);
    expect(activityOf(auditEvent({ verb: 'create', objectRef: { resource: 'deployments', namespace: 'a' }, responseStatus: { code: 403 } }))).toEqual([]);
    expect(activityOf(auditEvent({ user: { username: 'system:kube-controller-manager' }, verb: 'create', objectRef: { resource: 'secrets', namespace: 'a' }, responseStatus: { code: 201 } }))).toEqual([]);
  });
});
