/**
 * The baseline (UBA) detectors, each with cases that must raise and cases that must not.
 */
import type { AuditUser } from '#shared/audit/event';
import { DAY_MS } from '#shared/detect/config';
import { clusterWideListing } from '#shared/detect/detectors/cluster-wide-listing';
import { credentialElsewhere } from '#shared/detect/detectors/credential-elsewhere';
import { crossNamespace } from '#shared/detect/detectors/cross-namespace';
import { firstSensitiveUse } from '#shared/detect/detectors/first-use';
import { newNetwork } from '#shared/detect/detectors/new-network';
import { newPrivilegedPrincipal } from '#shared/detect/detectors/new-privileged-principal';
import { newUserAgent } from '#shared/detect/detectors/new-user-agent';
import { authorizationFailures, bulkSecretReads, massDeletes } from '#shared/detect/detectors/rates';
import { unusualHour } from '#shared/detect/detectors/unusual-hour';
import { podKey } from '#shared/detect/judge';
import { compileIntel } from '#shared/detect/ip-list';
import { DetectionConfig } from '#shared/detect/config';
import { iamRoleUser, serviceAccountUser } from '#test/support/audit-factory';
import { T0, context, facts, judge, mature, types } from './harness';

const sa = serviceAccountUser('shop', 'checkout', { name: 'checkout-6d9f5b8c7-x2k4q', credentialId: 'JTI=abc' });
const human = iamRoleUser('AWSReservedSSO_Developer_0123456789abcdef', 'alice@example.com');
const ci = iamRoleUser('github-actions-deployer', 'GitHubActions-123');
const secretsGet = (ns: string, over = {}) => facts({ user: sa, verb: 'get', objectRef: { resource: 'secrets', namespace: ns, name: 'db' }, ...over });

describe('first-sensitive-use', () => {
  it('raises for a sensitive request the principal never made, scored by what it is', () => {
    const f = secretsGet('shop');
    const [x] = judge(f, [firstSensitiveUse], mature(f));
    expect(x).toMatchObject({ type: 'SecretsAccessed', score: 55, mitre: ['T1552.007'] });
    expect(x!.baseline).toMatch(/get configmaps shop/);
  });

  it('stays quiet for what the baseline established', () => {
    const f = secretsGet('shop');
    expect(judge(f, [firstSensitiveUse], mature(f, { behaviors: ['get secrets shop'] }))).toEqual([]);
  });

  it('does not treat one more namespace as new for a principal doing it in many', () => {
    const f = secretsGet('newer');
    expect(judge(f, [firstSensitiveUse], mature(f, { behaviors: ['get secrets a', 'get secrets b', 'get secrets c'] }))).toEqual([]);
    expect(types(judge(f, [firstSensitiveUse], mature(f, { behaviors: ['get secrets a'] })))).toEqual(['SecretsAccessed']);
  });

  it('scores a person repeating a known action in another namespace as context only', () => {
    const f = facts({ user: human, verb: 'create', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'p' }, responseStatus: { code: 101 }, stage: 'ResponseStarted' });
    const [x] = judge(f, [firstSensitiveUse], mature(f, { behaviors: ['create pods/exec shop'] }));
    expect(x!.score).toBeLessThan(40);
  });

  it('weighs RBAC writes by the privilege they grant', () => {
    const role = (rules: unknown[]) => facts({ user: ci, verb: 'create', objectRef: { resource: 'roles', namespace: 'shop' }, responseStatus: { code: 201 }, requestObject: { kind: 'Role', rules } });
    const lease = role([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'] }]);
    const secrets = role([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    expect(judge(lease, [firstSensitiveUse], mature(lease))[0]!.score).toBeLessThan(40);
    expect(judge(secrets, [firstSensitiveUse], mature(secrets))[0]!.score).toBeGreaterThanOrEqual(60);
  });

  it('leaves people checking their own permissions at LOW, unlike workloads', () => {
    const ssar = (user: AuditUser) => facts({ user, verb: 'create', objectRef: { resource: 'selfsubjectaccessreviews' }, responseStatus: { code: 201 } });
    expect(judge(ssar(human), [firstSensitiveUse], mature(ssar(human)))[0]!.score).toBe(30);
    expect(judge(ssar(sa), [firstSensitiveUse], mature(ssar(sa)))[0]!.score).toBe(45);
  });

  it('does not flag nodes requesting their serving certificates', () => {
    const f = facts({ user: { username: 'system:node:ip-10-0-1-5', groups: ['system:nodes'] }, verb: 'create', objectRef: { resource: 'certificatesigningrequests' }, responseStatus: { code: 201 } });
    expect(judge(f, [firstSensitiveUse], mature(f))).toEqual([]);
  });
});

describe('cross-namespace', () => {
  const inNs = (ns: string) => facts({ user: sa, objectRef: { resource: 'configmaps', namespace: ns, name: 'x' } });

  it('raises when a one-namespace workload reaches into another', () => {
    const f = inNs('payments');
    expect(judge(f, [crossNamespace], mature(f))[0]).toMatchObject({ type: 'CrossNamespaceAccess', score: 50 });
    expect(judge(inNs('kube-system'), [crossNamespace], mature(f))[0]!.score).toBe(60);
  });

  it('stays quiet for its own namespaces, for roaming principals, and for namespaces new to the cluster', () => {
    const f = inNs('payments');
    expect(judge(inNs('shop'), [crossNamespace], mature(f))).toEqual([]);
    expect(judge(f, [crossNamespace], mature(f, { namespaces: ['a', 'b', 'c'] }))).toEqual([]);
    const knowledge = { nodeNets: new Set<string>(), namespaces: { payments: { first: T0 - 3_600_000 } } };
    expect(judge(f, [crossNamespace], mature(f), context({ knowledge }))).toEqual([]);
  });
});

describe('cluster-wide-listing', () => {
  const list = (resource: string) => facts({ user: sa, verb: 'list', objectRef: { resource }, requestURI: `/api/v1/${resource}` });

  it('raises the first cluster-wide list of a namespaced resource', () => {
    expect(types(judge(list('pods'), [clusterWideListing], mature(list('pods'))))).toEqual(['ClusterWideListing']);
  });

  it('stays quiet when established, for secrets (judged elsewhere) and for the control plane', () => {
    expect(judge(list('pods'), [clusterWideListing], mature(list('pods'), { behaviors: ['list pods *'] }))).toEqual([]);
    expect(judge(list('secrets'), [clusterWideListing], mature(list('secrets')))).toEqual([]);
    const kcm = facts({ user: { username: 'system:kube-controller-manager' }, verb: 'list', objectRef: { resource: 'pods' } });
    expect(judge(kcm, [clusterWideListing], mature(kcm))).toEqual([]);
  });
});

describe('volume detectors', () => {
  const burst = (n: number, make: (i: number) => ReturnType<typeof facts>) => Array.from({ length: n }, (_, i) => make(i));
  const read = (i: number) => facts({ user: sa, at: T0 + i * 1000, verb: 'get', objectRef: { resource: 'secrets', namespace: 'shop', name: `s${i}` } });
  const del = (i: number) => facts({ user: ci, at: T0 + i * 1000, verb: 'delete', objectRef: { resource: 'deployments', namespace: 'shop', name: `d${i}` } });
  const denied = (i: number, ip = '10.0.1.7') => facts({ user: sa, at: T0 + i * 1000, verb: 'list', objectRef: { resource: 'pods', namespace: 'kube-system' }, responseStatus: { code: 403 }, sourceIPs: [ip] });

  it('bulk secret reads: fires once at the floor when the usual peak is low', () => {
    const fs = burst(40, read);
    const found = judge(fs, [bulkSecretReads], mature(fs[0]!, { peaks: { secretReads: 2 } }));
    expect(types(found)).toEqual(['BulkSecretRead']);
    expect(found[0]!.facts).toBe(fs[14]);
    expect(found[0]!.baseline).toMatch(/Usual peak: 2 secret reads per 10 minutes/);
  });

  it('bulk secret reads: a principal that usually reads many needs three times its peak', () => {
    const fs = burst(40, read);
    expect(judge(fs, [bulkSecretReads], mature(fs[0]!, { peaks: { secretReads: 14 } }))).toEqual([]);
    expect(types(judge(burst(50, read), [bulkSecretReads], mature(fs[0]!, { peaks: { secretReads: 14 } })))).toEqual(['BulkSecretRead']);
  });

  it('mass deletes: fires on a burst, not on a routine rate', () => {
    expect(types(judge(burst(25, del), [massDeletes], mature(del(0), { peaks: { deletes: 3 } })))).toEqual(['MassDelete']);
    expect(judge(burst(25, del), [massDeletes], mature(del(0), { peaks: { deletes: 30 } }))).toEqual([]);
  });

  it('authorization failures: a burst of denials, and a smaller one from the internet', () => {
    expect(types(judge(burst(20, (i) => denied(i)), [authorizationFailures], mature(denied(0))))).toEqual(['AuthorizationFailureBurst']);
    expect(judge(burst(19, (i) => denied(i)), [authorizationFailures], mature(denied(0)))).toEqual([]);
    const pub = judge(burst(10, (i) => denied(i, '198.51.100.9')), [authorizationFailures], mature(denied(0)));
    expect(pub.map((f) => f.title)).toEqual(['Burst of denied requests from the internet']);
  });

  it('authorization failures: anonymous scanners are not this detector’s', () => {
    const anon = (i: number) => facts({ user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, at: T0 + i * 1000, verb: 'get', objectRef: undefined, requestURI: '/wp-login.php', responseStatus: { code: 403 }, sourceIPs: ['198.51.100.9'] });
    expect(judge(burst(30, anon), [authorizationFailures], undefined, context())).toEqual([]);
  });
});

describe('credential-elsewhere', () => {
  const use = (ip: string) => facts({ user: sa, sourceIPs: [ip] });

  it('raises when a pod-bound token is used from another address than the pod’s', () => {
    const f = use('10.0.2.99');
    const [x] = judge(f, [credentialElsewhere], mature(f, { pods: { [podKey(f)!]: '10.0.1.23' } }));
    expect(x).toMatchObject({ type: 'CredentialFromOtherIP', score: 75 });
    expect(x!.description).toContain('10.0.1.23');
  });

  it('stays quiet for the pod’s own address and for a second address already reported', () => {
    const own = use('10.0.1.23');
    const prior = mature(own, { pods: { [podKey(own)!]: '10.0.1.23' } });
    expect(judge(use('10.0.1.23'), [credentialElsewhere], prior)).toEqual([]);
    prior.pods![podKey(own)!]!.alt = '10.0.2.99';
    expect(judge(use('10.0.2.99'), [credentialElsewhere], prior)).toEqual([]);
  });

  it('raises for a service-account token from the internet, even without a baseline', () => {
    expect(types(judge(use('203.0.113.9'), [credentialElsewhere], undefined))).toEqual(['CredentialFromPublicNetwork']);
  });

  it('does not call the cluster’s own NAT egress or trusted ranges the internet', () => {
    const f = use('52.10.20.30');
    const knowledge = { nodeNets: new Set(['52.10.20.0/24']), namespaces: {} };
    expect(judge(f, [credentialElsewhere], mature(f), context({ knowledge }))).toEqual([]);
    const intel = compileIntel(DetectionConfig.parse({ trustedCidrs: ['52.10.0.0/16'] }));
    expect(judge(f, [credentialElsewhere], mature(f), context({ intel }))).toEqual([]);
  });
});

describe('new-network', () => {
  const from = (user: typeof ci, ip: string) => facts({ user, sourceIPs: [ip] });

  it('raises for automation that only ever ran in the VPC calling from the internet', () => {
    const f = from(ci, '45.137.21.9');
    expect(judge(f, [newNetwork], mature(f))[0]).toMatchObject({ type: 'NewPublicNetwork', score: 50 });
  });

  it('keeps a person on a new home network at LOW, and stays quiet on known networks', () => {
    const f = from(human, '81.2.69.142');
    expect(judge(f, [newNetwork], mature(f, { nets: ['198.51.100.0/24'] }))[0]!.score).toBeLessThan(40);
    expect(judge(f, [newNetwork], mature(f, { nets: ['81.2.69.0/24'] }))).toEqual([]);
  });
});

describe('new-user-agent', () => {
  it('raises for a workload speaking a new client, as context for a person', () => {
    const kubectl = facts({ user: sa, userAgent: 'kubectl/v1.31.0 (linux/amd64) kubernetes/abc' });
    expect(judge(kubectl, [newUserAgent], mature(kubectl, { agents: ['checkout'] }))[0]).toMatchObject({ type: 'NewUserAgentFamily', score: 45 });
    const k9s = facts({ user: human, userAgent: 'k9s/v0.32.5 (darwin/arm64)' });
    expect(judge(k9s, [newUserAgent], mature(k9s, { agents: ['kubectl'] }))[0]!.score).toBe(20);
    expect(judge(kubectl, [newUserAgent], mature(kubectl, { agents: ['kubectl'] }))).toEqual([]);
  });
});

describe('unusual-hour', () => {
  // T0 is Monday 10:00 UTC, hour-of-week 10; Sunday 03:00 is 147.
  const weekdays = [0, 1, 2, 3, 4].flatMap((d) => [9, 10, 11, 14, 15].map((h) => d * 24 + h));
  const at = (t: number, user = human) => facts({ user, at: t });

  it('raises for a person at an hour of the week they never work', () => {
    const f = at(T0 + 6 * DAY_MS - 7 * 3_600_000);
    expect(judge(f, [unusualHour], mature(f, { hours: weekdays }))[0]).toMatchObject({ type: 'UnusualHour', score: 25 });
  });

  it('stays quiet in working hours, for automation, and for people with too little history', () => {
    expect(judge(at(T0), [unusualHour], mature(at(T0), { hours: weekdays }))).toEqual([]);
    const night = T0 + 6 * DAY_MS - 7 * 3_600_000;
    expect(judge(at(night, ci), [unusualHour], mature(at(night, ci), { hours: weekdays }))).toEqual([]);
    expect(judge(at(night), [unusualHour], mature(at(night), { hours: [10, 11] }))).toEqual([]);
  });
});

describe('new-privileged-principal', () => {
  const admin = (user = iamRoleUser('backdoor', 'x')) =>
    facts({
      user,
      verb: 'list',
      objectRef: { resource: 'secrets', namespace: 'payments' },
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::111122223333:role/backdoor+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"' },
    });

  it('raises for a cluster-admin principal first seen after the cluster learned, acting as admin', () => {
    expect(types(judge(admin(), [newPrivilegedPrincipal], undefined))).toEqual(['NewPrivilegedPrincipal']);
  });

  it('stays quiet while the cluster learns, and for principals without admin rights', () => {
    expect(judge(admin(), [newPrivilegedPrincipal], undefined, context({ clusterFirstSeen: T0 - DAY_MS }))).toEqual([]);
    const plain = facts({ user: iamRoleUser('newcomer', 'x'), verb: 'list', objectRef: { resource: 'secrets', namespace: 'payments' } });
    expect(judge(plain, [newPrivilegedPrincipal], undefined)).toEqual([]);
  });
});
