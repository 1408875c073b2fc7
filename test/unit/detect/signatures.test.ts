/**
 * Signature detectors, for what the parity corpus does not cover: GuardDuty's rule types, the
 * IP-list family, pod templates of workloads, the exemptions, and that findings never carry
 * request bodies or secret values.
 */
import type { AuditUser } from '#shared/audit/event';
import { buildAnomalies } from '#shared/detect/anomaly';
import { DetectionConfig } from '#shared/detect/config';
import { compileIntel } from '#shared/detect/ip-list';
import { ALL_DETECTORS } from '#shared/detect/registry';
import { adminToDefaultServiceAccount } from '#shared/detect/signatures/admin-to-default-service-account';
import { anonymousAccess } from '#shared/detect/signatures/anonymous-access';
import { anonymousAccessGranted } from '#shared/detect/signatures/anonymous-access-granted';
import { awsAuthModified } from '#shared/detect/signatures/aws-auth-modified';
import { execInKubeSystem } from '#shared/detect/signatures/exec-in-kube-system';
import { exposedService } from '#shared/detect/signatures/exposed-service';
import { maliciousIpCaller } from '#shared/detect/signatures/malicious-ip-caller';
import { riskyPodSpec } from '#shared/detect/signatures/risky-pod-spec';
import { tokenRequested } from '#shared/detect/signatures/token-requested';
import { isCopyFromPod } from '#shared/detect/signatures/token-theft-exec';
import { iamRoleUser, serviceAccountUser } from '#test/support/audit-factory';
import { context, facts, judge, types } from './harness';

const user = iamRoleUser('ops', 'alice@example.com');
const binding = (resource: string, roleRef: { kind: string; name: string }, subjects: unknown[], ns?: string) =>
  facts({ user, verb: 'create', objectRef: { resource, ...(ns ? { namespace: ns } : {}) }, responseStatus: { code: 201 }, requestObject: { kind: 'RoleBinding', roleRef, subjects } });

describe('RBAC grants', () => {
  it('AnonymousAccessGranted: a binding to system:anonymous or system:unauthenticated', () => {
    expect(types(judge(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'system:unauthenticated' }]), [anonymousAccessGranted]))).toEqual(['AnonymousAccessGranted']);
    expect(types(judge(binding('rolebindings', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'system:anonymous' }], 'shop'), [anonymousAccessGranted]))).toEqual(['AnonymousAccessGranted']);
    expect(judge(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'system:authenticated' }]), [anonymousAccessGranted])).toEqual([]);
  });

  it('AdminAccessToDefaultServiceAccount: admin for the default service account only', () => {
    const sa = (name: string) => [{ kind: 'ServiceAccount', name, namespace: 'shop' }];
    expect(types(judge(binding('rolebindings', { kind: 'ClusterRole', name: 'admin' }, sa('default'), 'shop'), [adminToDefaultServiceAccount]))).toEqual(['AdminAccessToDefaultServiceAccount']);
    expect(judge(binding('rolebindings', { kind: 'ClusterRole', name: 'admin' }, sa('checkout'), 'shop'), [adminToDefaultServiceAccount])).toEqual([]);
    expect(judge(binding('rolebindings', { kind: 'ClusterRole', name: 'view' }, sa('default'), 'shop'), [adminToDefaultServiceAccount])).toEqual([]);
  });
});

describe('anonymous access', () => {
  const anon = (over: Parameters<typeof facts>[0]) => facts({ user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, ...over });

  it('names the GuardDuty tactic of what the anonymous caller was allowed to do', () => {
    const f = anon({ verb: 'get', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db' }, sourceIPs: ['10.0.1.5'] });
    expect(types(judge(f, [anonymousAccess]))).toEqual(['CredentialAccess:SuccessfulAnonymousAccess']);
  });

  it('ignores the public health and version endpoints, and denied requests from inside', () => {
    expect(judge(anon({ verb: 'get', objectRef: undefined, requestURI: '/version', sourceIPs: ['10.0.1.5'] }), [anonymousAccess])).toEqual([]);
    expect(judge(anon({ verb: 'get', objectRef: { resource: 'pods', namespace: 'shop' }, responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' }, sourceIPs: ['10.0.1.5'] }), [anonymousAccess])).toEqual([]);
  });

  it('notes internet scanners at LOW', () => {
    const [x] = judge(anon({ verb: 'get', objectRef: undefined, requestURI: '/.env', responseStatus: { code: 403 }, sourceIPs: ['198.51.100.7'] }), [anonymousAccess]);
    expect(x).toMatchObject({ type: 'AnonymousAccessFromPublicIP', score: 15 });
  });
});

describe('IP lists', () => {
  const ctx = context({ intel: compileIntel(DetectionConfig.parse({ ipLists: [{ name: 'tor', kind: 'tor', entries: ['185.220.101.0/24'] }, { name: 'intel', kind: 'threat', entries: ['203.0.113.66'] }, { name: 'ours', kind: 'custom', entries: ['2001:db8::/32'] }] })) });
  const call = (ip: string, over: Parameters<typeof facts>[0] = {}) => facts({ user, sourceIPs: [ip], ...over });

  it.each([
    ['185.220.101.47', 'Discovery:TorIPCaller'],
    ['203.0.113.66', 'Discovery:MaliciousIPCaller'],
    ['2001:db8::1', 'Discovery:MaliciousIPCaller.Custom'],
  ])('%s raises %s', (ip, type) => {
    expect(types(judge(call(ip), [maliciousIpCaller], undefined, ctx))).toEqual([type]);
  });

  it('uses the tactic of the request and skips unlisted and anonymous callers', () => {
    expect(types(judge(call('203.0.113.66', { verb: 'delete', objectRef: { resource: 'deployments', namespace: 'shop', name: 'x' } }), [maliciousIpCaller], undefined, ctx))).toEqual(['Impact:MaliciousIPCaller']);
    expect(judge(call('198.51.100.1'), [maliciousIpCaller], undefined, ctx)).toEqual([]);
    expect(judge(call('203.0.113.66', { user: { username: 'system:anonymous' } }), [maliciousIpCaller], undefined, ctx)).toEqual([]);
  });
});

describe('workloads', () => {
  const daemonset = (spec: unknown, image = 'evil/agent:1') =>
    facts({ user, verb: 'create', objectRef: { resource: 'daemonsets', namespace: 'monitoring', name: 'agent' }, responseStatus: { code: 201 }, requestObject: { kind: 'DaemonSet', spec: { template: { spec: { containers: [{ name: 'a', image }], ...(spec as object) } } } } });

  it('reads the pod template of workloads, not only pods', () => {
    expect(types(judge(daemonset({ hostPID: true }), [riskyPodSpec]))).toEqual(['HostPIDPod']);
  });

  it('scores a read-only sensitive mount below a writable one', () => {
    const mount = (readOnly: boolean) =>
      facts({
        user,
        verb: 'create',
        objectRef: { resource: 'pods', namespace: 'shop' },
        responseStatus: { code: 201 },
        requestObject: { spec: { containers: [{ name: 'a', image: 'x/y:1', volumeMounts: [{ name: 'etc', mountPath: '/host/etc', readOnly }] }], volumes: [{ name: 'etc', hostPath: { path: '/etc' } }] } },
      });
    expect(judge(mount(true), [riskyPodSpec])[0]!.score).toBeLessThan(judge(mount(false), [riskyPodSpec])[0]!.score);
  });

  it('exempts the platform’s own images', () => {
    expect(judge(daemonset({ hostNetwork: true }, '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.3'), [riskyPodSpec])).toEqual([]);
  });

  it('ExposedDashboard: the dashboard behind a LoadBalancer, not any LoadBalancer', () => {
    const svc = (name: string, type: string) => facts({ user, verb: 'create', objectRef: { resource: 'services', namespace: 'kubernetes-dashboard', name }, responseStatus: { code: 201 }, requestObject: { spec: { type, selector: { 'k8s-app': name } } } });
    expect(types(judge(svc('kubernetes-dashboard', 'LoadBalancer'), [exposedService]))).toEqual(['ExposedDashboard']);
    expect(judge(svc('kubernetes-dashboard', 'ClusterIP'), [exposedService])).toEqual([]);
    const shopLb = facts({ user, verb: 'create', objectRef: { resource: 'services', namespace: 'shop', name: 'web' }, responseStatus: { code: 201 }, requestObject: { spec: { type: 'LoadBalancer', selector: { app: 'web' } } } });
    expect(judge(shopLb, [exposedService])).toEqual([]);
  });
});

describe('credentials and the cluster’s identity map', () => {
  it('ExecInKubeSystemPod: people, not kube-system’s own service accounts', () => {
    const exec = (u: AuditUser) => facts({ user: u, verb: 'create', stage: 'ResponseStarted', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'kube-system', name: 'aws-node-x' }, responseStatus: { code: 101 } });
    expect(types(judge(exec(user), [execInKubeSystem]))).toEqual(['ExecInKubeSystemPod']);
    expect(judge(exec(serviceAccountUser('kube-system', 'debugger')), [execInKubeSystem])).toEqual([]);
  });

  it('ServiceAccountTokenRequested: not for kubelets requesting their pods’ tokens', () => {
    const token = (u: AuditUser) => facts({ user: u, verb: 'create', objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'shop', name: 'checkout' }, responseStatus: { code: 201 } });
    expect(types(judge(token(user), [tokenRequested]))).toEqual(['ServiceAccountTokenRequested']);
    expect(judge(token({ username: 'system:node:ip-10-0-1-5', groups: ['system:nodes'] }), [tokenRequested])).toEqual([]);
  });

  it('AwsAuthModified: raised at CRITICAL when the change maps someone to system:masters', () => {
    const update = (mapRoles: string) => facts({ user, verb: 'update', objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' }, requestObject: { data: { mapRoles } } });
    expect(judge(update('- rolearn: arn:aws:iam::1:role/x\n  groups: [system:masters]'), [awsAuthModified])[0]!.score).toBe(85);
    expect(judge(update('- rolearn: arn:aws:iam::1:role/node\n  groups: [system:nodes]'), [awsAuthModified])[0]!.score).toBe(80);
  });

  it.each([
    [['tar', 'cf', '-', '/app'], true],
    [['tar', '-czf', '-', '/data'], true],
    [['tar', 'xf', '-', '-C', '/tmp'], false],
    [['tar', 'czf', 'backup.tgz', '/data'], false],
    [['sh'], false],
  ])('kubectl cp from a pod: %j → %s', (cmd, expected) => {
    expect(isCopyFromPod(cmd)).toBe(expected);
  });
});

describe('evidence', () => {
  it('never carries request bodies, secret values or tokens', () => {
    const secretValue = 'AKIAEXAMPLESECRETVALUE';
    const cm = facts({ user, verb: 'create', objectRef: { resource: 'configmaps', namespace: 'shop', name: 'uploader' }, responseStatus: { code: 201 }, requestObject: { data: { 'env': `aws_access_key_id=${secretValue}` } } });
    const exec = facts({
      user,
      verb: 'create',
      stage: 'ResponseStarted',
      objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'p' },
      responseStatus: { code: 101 },
      requestURI: '/api/v1/namespaces/shop/pods/p/exec?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken',
    });
    const run = judge([cm, exec], ALL_DETECTORS, undefined, context());
    expect(types(run)).toEqual(expect.arrayContaining(['ConfigMapWithCredentials', 'ServiceAccountTokenStolen']));
    const json = JSON.stringify(buildAnomalies('test', cm.principal, run, 60));
    expect(json).not.toContain(secretValue);
    expect(json).not.toContain('requestObject');
    expect(json).not.toContain('serviceaccount/token');
  });
});
