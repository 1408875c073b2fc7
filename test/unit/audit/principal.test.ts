import { normalizePrincipal, requestFeatures } from '#shared/audit/principal';
import { auditEvent, iamRoleUser, serviceAccountUser } from '#test/support/audit-factory';

describe('normalizePrincipal', () => {
  it('keys a service account by its username and keeps the pod binding as request features', () => {
    const user = serviceAccountUser('shop', 'checkout', { name: 'checkout-6d9f-abcde', node: 'ip-10-0-1-5.ec2.internal', credentialId: 'JTI=abc' });
    const p = normalizePrincipal(user);
    expect(p).toMatchObject({ key: 'system:serviceaccount:shop:checkout', type: 'ServiceAccount', serviceAccount: { namespace: 'shop', name: 'checkout' } });
    expect(p.ref.namespace).toBe('shop');
    const f = requestFeatures(auditEvent({ user }));
    expect(f).toMatchObject({ boundPod: 'checkout-6d9f-abcde', boundNode: 'ip-10-0-1-5.ec2.internal', credentialId: 'JTI=abc' });
  });

  it('keys an IAM role by canonical ARN, not by session, keeping the session as features', () => {
    const a = normalizePrincipal(iamRoleUser('sso_admin', 'alice@example.com', 'ASIAAAAAAAAAAAAAAAAA'));
    const b = normalizePrincipal(iamRoleUser('sso_admin', 'bob@example.com', 'ASIABBBBBBBBBBBBBBBB'));
    expect(a.key).toBe('arn:aws:iam::111122223333:role/sso_admin');
    expect(b.key).toBe(a.key);
    expect(a.type).toBe('IAMRole');
    expect(a.ref).toMatchObject({ name: a.key, sessionName: 'alice@example.com', arn: 'arn:aws:sts::111122223333:assumed-role/sso_admin/alice@example.com' });
    const f = requestFeatures(auditEvent({ user: iamRoleUser('sso_admin', 'alice@example.com', 'ASIAAAAAAAAAAAAAAAAA') }));
    expect(f).toMatchObject({ sessionName: 'alice@example.com', accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' });
  });

  it('carries the session (principalId, accessKeyId) on the ref, so a response can name it; the key stays the role', () => {
    const user = iamRoleUser('sso_admin', 'alice@example.com', 'ASIAAAAAAAAAAAAAAAAA');
    const p = normalizePrincipal({ ...user, extra: { ...user.extra, principalId: ['AROAEXAMPLEROLEID0001'] } });
    expect(p.key).toBe('arn:aws:iam::111122223333:role/sso_admin');
    expect(p.ref).toMatchObject({ principalId: 'AROAEXAMPLEROLEID0001', accessKeyId: 'ASIAAAAAAAAAAAAAAAAA', sessionName: 'alice@example.com' });
    // Absent in the event: absent on the ref (never empty strings).
    expect(normalizePrincipal({ username: 'arn:aws:iam::111122223333:role/x', extra: { canonicalArn: ['arn:aws:iam::111122223333:role/x'] } }).ref).not.toHaveProperty('principalId');
  });

  it('recognises IAM users', () => {
    const p = normalizePrincipal({
      username: 'arn:aws:iam::111122223333:user/ci-deployer',
      extra: { canonicalArn: ['arn:aws:iam::111122223333:user/ci-deployer'], arn: ['arn:aws:iam::111122223333:user/ci-deployer'] },
    });
    expect(p).toMatchObject({ key: 'arn:aws:iam::111122223333:user/ci-deployer', type: 'IAMUser' });
  });

  it('keeps nodes as nodes even though they authenticate with an IAM role, in the kubelets peer group', () => {
    const p = normalizePrincipal({
      username: 'system:node:ip-10-0-1-5.eu-west-1.compute.internal',
      groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'],
      extra: { canonicalArn: ['arn:aws:iam::111122223333:role/NodeInstanceRole'], sessionName: ['i-0123456789abcdef0'] },
    });
    expect(p).toMatchObject({ type: 'Node', key: 'system:node:ip-10-0-1-5.eu-west-1.compute.internal', peerGroup: 'kubelets' });
    expect(p.ref.arn).toBe('arn:aws:iam::111122223333:role/NodeInstanceRole');
  });

  it.each([
    ['system:anonymous', 'Anonymous'],
    ['system:kube-controller-manager', 'System'],
    ['system:kube-scheduler', 'System'],
    ['eks:node-manager', 'System'],
    ['eks:certificate-controller', 'System'],
    ['kubernetes-admin', 'User'],
    ['alice@example.com', 'User'],
  ])('%s is %s', (username, type) => {
    expect(normalizePrincipal({ username }).type).toBe(type);
  });

  it('uses the authorization reason prefix as the authorizer feature', () => {
    const f = requestFeatures(auditEvent({ annotations: { 'authorization.k8s.io/reason': 'EKS Access Policy: allowed by ClusterRoleBinding' } }));
    expect(f.authorizer).toBe('EKS Access Policy');
  });
});
