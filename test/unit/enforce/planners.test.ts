/** The per-action planners (anomaly + cluster facts → operations and changes) and the undo bookkeeping. */
import { atExpression, revokeSessionPolicy, roleNameFromArn, scheduleName, sessionUserId } from '#shared/enforce/aws';
import { evidenceDestinations, planTightenEgress } from '#shared/enforce/egress';
import { mergeUndo } from '#shared/enforce/execute';
import { apiCalls } from '#shared/enforce/preview';
import { planQuarantine, quarantinePolicy, QUARANTINE_LABEL } from '#shared/enforce/quarantine';
import { planRevoke, usedFromOutside, type RevokeFacts } from '#shared/enforce/revoke';
import { ANNOTATIONS, type UndoStep } from '#shared/enforce/types';
import { validateNetworkPolicy } from '#shared/netpol/validate';
import { anomaly, intent, NOW, pod } from './factories';

const podTarget = { kind: 'Pod' as const, namespace: 'shop', name: 'checkout-6d9f8b7c5d-abcde' };

describe('planQuarantine', () => {
  const i = intent('quarantine', podTarget);

  it('removes every label, keeps them for the release, and plans a valid deny-all policy', () => {
    const plan = planQuarantine(i, anomaly(), { pod: pod() });
    expect(plan.skip).toBeUndefined();
    expect(plan.operations).toEqual([expect.objectContaining({ op: 'quarantine-pod', uid: 'uid-1', token: 'f000000000004000', remove: { app: 'checkout', 'pod-template-hash': '6d9f8b7c5d' } })]);
    const policy = plan.policies[0]!;
    expect(policy.spec).toEqual({ podSelector: { matchLabels: { [QUARANTINE_LABEL]: 'f000000000004000' } }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
    expect(JSON.parse(policy.metadata.annotations![ANNOTATIONS.restoreLabels]!)).toEqual({ app: 'checkout', 'pod-template-hash': '6d9f8b7c5d' });
    expect(validateNetworkPolicy(policy).errors).toEqual([]);
    expect(policy.metadata.name.length).toBeLessThanOrEqual(63);
    expect(plan.changes.join('\n')).toMatch(/ReplicaSet checkout-6d9f8b7c5d \(Deployment checkout\) releases it and starts a replacement/);
    expect(plan.changes.join('\n')).toMatch(/on EKS the VPC CNI network policy agent/);
  });

  it("is planned against the token's pod uid: a replacement with the same name is skipped; without cluster access the uid is the operation's precondition", () => {
    const a = anomaly({ workload: { namespace: 'shop', pod: podTarget.name, podUid: 'uid-old', serviceAccount: 'checkout' } });
    const replaced = planQuarantine(i, a, { pod: pod() });
    expect(replaced).toMatchObject({ skip: expect.stringMatching(/was replaced since the anomaly \(live uid uid-1, the token was bound to uid uid-old\)/), operations: [] });
    const same = planQuarantine(i, anomaly({ workload: { namespace: 'shop', pod: podTarget.name, podUid: 'uid-1' } }), { pod: pod() });
    expect(same.skip).toBeUndefined();
    const offline = planQuarantine(i, a, { pod: undefined });
    expect(offline.operations).toEqual([expect.objectContaining({ op: 'quarantine-pod', uid: 'uid-old' })]);
    expect(apiCalls(offline.operations[0]!).join('\n')).toMatch(/GET \/api\/v1\/namespaces\/shop\/pods\/checkout-6d9f8b7c5d-abcde: read the pod's uid \(must be uid-old\)/);
  });

  it.each([
    ['the pod is gone', null, /not found: it is gone already/],
    ['it uses the host network', pod({ hostNetwork: true }), /host network: NetworkPolicies cannot select its traffic/],
    ['it has finished', pod({ phase: 'Succeeded' }), /has finished/],
    ['another action quarantined it', pod({ labels: { [QUARANTINE_LABEL]: 'someoneelse0000' } }), /already quarantined by another boundwatch action/],
  ])('skips when %s', (_what, p, reason) => {
    const plan = planQuarantine(i, anomaly(), { pod: p });
    expect(plan.skip).toMatch(reason);
    expect(plan.operations).toEqual([]);
  });

  it('says what happens to each kind of owner', () => {
    const text = (owner: string | null) => planQuarantine(i, anomaly(), { pod: pod({ owner }) }).changes.join('\n');
    expect(text('StatefulSet/db')).toMatch(/cannot recreate a pod of the same name/);
    expect(text('DaemonSet/agent')).toMatch(/starts a replacement on node/);
    expect(text(null)).toMatch(/no controller: nothing replaces it/);
  });

  it('without cluster access plans from the anomaly alone and says it is unverified', () => {
    const plan = planQuarantine(i, anomaly(), { pod: undefined });
    expect(plan.changes.at(-1)).toBe('not verified: this run has no cluster access');
    expect(plan.policies).toHaveLength(1);
  });

  it('restore labels are JSON with sorted keys (stable annotations across re-applies)', () => {
    const p = quarantinePolicy('shop', 'x', i.id, 'a', i.expiresAt, { restore: { z: '1', a: '2' } });
    expect(p.metadata.annotations![ANNOTATIONS.restoreLabels]).toBe('{"a":"2","z":"1"}');
  });
});

describe('planRevoke', () => {
  const sa = intent('revoke-credentials', { kind: 'ServiceAccount', namespace: 'shop', name: 'checkout' });
  const facts = (over: Partial<RevokeFacts> = {}): RevokeFacts => ({ cluster: true, pod: pod(), legacySecrets: [], boundTokenRevocation: 'unless-quarantined', iam: false, eks: false, eksClusterName: 'prod-eks', now: NOW, ...over });

  it.each([
    ['quarantine applied', { quarantine: 'applied' as const }, false, /stays valid while the pod is kept in quarantine/],
    ['quarantine planned (dry-run)', { quarantine: 'planned' as const }, false, /stays valid/],
    ['quarantine failed (a retry may still keep the pod)', { quarantine: 'failed' as const }, false, /quarantine of pod .* failed/],
    ['quarantine skipped', { quarantine: 'skipped' as const }, true, /could not be quarantined/],
    ['no quarantine asked for', {}, true, /dies with it/],
    ['"always"', { quarantine: 'applied' as const, boundTokenRevocation: 'always' as const }, true, /dies with it/],
    ['"never"', { boundTokenRevocation: 'never' as const }, false, /is not revoked \(enforcement.boundTokenRevocation is "never"\)/],
  ])('pod-bound token, %s: evicts the pod = %s', (_what, over, deletes, text) => {
    const plan = planRevoke(sa, anomaly(), facts({ legacySecrets: [{ metadata: { name: 'checkout-token-1', uid: 's1' }, type: 'kubernetes.io/service-account-token' }], ...over }));
    expect(plan.operations.some((o) => o.op === 'evict-pod')).toBe(deletes);
    expect(plan.operations.filter((o) => o.op === 'delete-secret')).toEqual([{ op: 'delete-secret', namespace: 'shop', name: 'checkout-token-1', uid: 's1' }]);
    expect(plan.changes.join('\n')).toMatch(text);
    expect(plan.changes.at(-1)).toMatch(/cannot be brought back/);
  });

  it('deletes only the pod it means: uid precondition, and not a pod of another service account', () => {
    expect(planRevoke(sa, anomaly(), facts()).operations).toEqual([expect.objectContaining({ op: 'evict-pod', uid: 'uid-1' })]);
    expect(planRevoke(sa, anomaly(), facts({ pod: pod({ sa: 'other' }) })).skip).toMatch(/runs as service account other, not checkout/);
    expect(planRevoke(sa, anomaly(), facts({ pod: null })).skip).toMatch(/is gone: the tokens bound to it are invalid already/);
  });

  it('says when the token was used from outside the pod', () => {
    const a = anomaly();
    expect(usedFromOutside(a, pod({ ip: '10.1.0.7' }))).toEqual([]);
    expect(usedFromOutside(a, pod({ ip: '10.1.0.99' }))).toEqual(['10.1.0.7']);
    const plan = planRevoke(sa, a, facts({ pod: pod({ ip: '10.1.0.99' }), quarantine: 'applied' }));
    expect(plan.skip).toMatch(/used from 10.1.0.7, outside the pod, which the quarantine does not stop/);
  });

  const SESSION = { sessionName: 'gha-run', principalId: 'AROAEXAMPLEDEPLOY001' };
  it('IAM role: an inline deny naming the session, issued before the anomaly; access policies only when configured', () => {
    const role = intent('revoke-credentials', { kind: 'IAMRole', name: 'deployer', arn: 'arn:aws:iam::111122223333:role/deployer' });
    const a = anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/deployer', ...SESSION }, workload: undefined });
    const edit = { policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy', accessScope: { type: 'namespace' as const, namespaces: ['shop'] } };
    const plan = planRevoke(role, a, facts({ iam: true, eks: true, revokeAccessPolicies: true, accessPolicies: [edit] }));
    expect(plan.operations).toEqual([
      { op: 'put-role-policy', roleName: 'deployer', policyName: 'boundwatch-revoke-f000000000004000', document: revokeSessionPolicy('AROAEXAMPLEDEPLOY001:gha-run', new Date(a.window.end)) },
      { op: 'disassociate-access-policy', clusterName: 'prod-eks', principalArn: 'arn:aws:iam::111122223333:role/deployer', ...edit },
    ]);
    // Not read: the role's maximum session duration is taken as 12 h, and the action outlasts it.
    expect(plan.expiresAt).toBe(new Date(new Date(a.window.end).getTime() + 12 * 3600_000 + 5 * 60_000).toISOString());
    expect(plan.changes.join('\n')).toMatch(/every other session of the role keeps working/);
    const byDefault = planRevoke(role, a, facts({ iam: true, eks: true, accessPolicies: [edit] }));
    expect(byDefault.operations.map((o) => o.op)).toEqual(['put-role-policy']);
    expect(byDefault.changes.join('\n')).toMatch(/left in place \(AmazonEKSEditPolicy\): its access entry is shared/);
    expect(planRevoke(role, a, facts({ iam: true, eks: true, accessPolicies: null })).changes.join('\n')).toMatch(/no EKS access entry .*aws-auth ConfigMap/);
  });

  it('IAM role of another account: never acts on the same-named role of this account', () => {
    const role = intent('revoke-credentials', { kind: 'IAMRole', name: 'deployer', arn: 'arn:aws:iam::999988887777:role/deployer' });
    const a = anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::999988887777:role/deployer', ...SESSION }, workload: undefined });
    const plan = planRevoke(role, a, facts({ iam: true, eks: false, account: '111122223333' }));
    expect(plan.operations.filter((o) => o.op === 'put-role-policy')).toEqual([]);
    expect([plan.skip ?? '', ...plan.changes].join('\n')).toMatch(/belongs to account 999988887777, not 111122223333/);
    // The same role in this account is revoked as usual.
    const here = planRevoke(role, anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/deployer', ...SESSION }, workload: undefined }), facts({ iam: true, eks: false, account: '111122223333' }));
    expect(here.operations.map((o) => o.op)).toEqual(['put-role-policy']);
  });

  it('IAM role with a role-id-only principalId and no session name: cannot name the session, so nothing is done', () => {
    const role = intent('revoke-credentials', { kind: 'IAMRole', name: 'deployer', arn: 'arn:aws:iam::111122223333:role/deployer' });
    const a = anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/deployer', principalId: 'AROAEXAMPLEDEPLOY001' }, workload: undefined });
    expect(planRevoke(role, a, facts({ iam: true, eks: false })).skip).toMatch(/carries no principalId .*lock out everyone/);
  });

  it('IAM Identity Center role: never changed in IAM; the exact permission-set commands instead (path read, or by name in a preview)', () => {
    const arn = 'arn:aws:iam::111122223333:role/AWSReservedSSO_PlatformAdmin_9f8e7d6c5b4a3210';
    const sso = intent('revoke-credentials', { kind: 'IAMRole', name: 'AWSReservedSSO_PlatformAdmin_9f8e7d6c5b4a3210', arn });
    const a = anomaly({ principal: { type: 'IAMRole', name: arn, sessionName: 'frank@example.com', principalId: 'AROASSOADMIN0000001:frank@example.com' }, workload: undefined });
    const role = { arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_9f8e7d6c5b4a3210', path: '/aws-reserved/sso.amazonaws.com/eu-west-1/', maxSessionDurationS: 3600, tags: {} };
    const applied = planRevoke(sso, a, facts({ iam: true, eks: true, role, accessPolicies: [] }));
    expect(applied.operations).toEqual([]);
    expect(applied.skip).toMatch(/^not revoked automatically: role AWSReservedSSO_PlatformAdmin_\w+ \(arn:aws:iam::111122223333:role\/aws-reserved\/sso.amazonaws.com\/eu-west-1\//);
    expect(applied.skip).toContain('aws:userid "AROASSOADMIN0000001:frank@example.com"');
    expect(applied.skip).toMatch(/aws sso-admin put-inline-policy-to-permission-set .*aws sso-admin provision-permission-set .*--target-id 111122223333 .*after 1 h/);
    // A preview without IAM goes by the name Identity Center gives its roles, as apply would find by the path.
    const preview = planRevoke(sso, a, facts({ iam: false, eks: false, preview: true }));
    expect(preview.operations).toEqual([]);
    expect(preview.skip).toMatch(/^not revoked automatically: .*path not read.*IAM Identity Center permission set/);
    // Quiet case: an ordinary role in the same preview gets its session deny planned, the duration assumed.
    const plain = planRevoke(intent('revoke-credentials', { kind: 'IAMRole', name: 'deployer', arn: 'arn:aws:iam::111122223333:role/deployer' }), anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/deployer', ...SESSION }, workload: undefined }), facts({ iam: false, eks: false, preview: true }));
    expect(plain.operations.map((o) => o.op)).toEqual(['put-role-policy']);
    expect(plain.changes.join('\n')).toMatch(/assumed 12 h: not read/);
  });

  describe('only roles within enforcement.revocableRoles are changed (what the enforcer\'s IAM policy grants)', () => {
    const roleIntent = intent('revoke-credentials', { kind: 'IAMRole', name: 'deployer', arn: 'arn:aws:iam::111122223333:role/deployer' });
    const a = anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/deployer', ...SESSION }, workload: undefined });
    const read = (path: string, tags: Record<string, string> = {}) => ({ arn: `arn:aws:iam::111122223333:role${path}deployer`, path, maxSessionDurationS: 2 * 3600, tags });

    it('by default only a role tagged boundwatch:revocable=true; an untagged one is skipped with the exact commands', () => {
      const untagged = planRevoke(roleIntent, a, facts({ iam: true, eks: false, role: read('/') }));
      expect(untagged.operations).toEqual([]);
      expect(untagged.skip).toMatch(/^not revoked automatically: session gha-run .* of role deployer: it is outside enforcement.revocableRoles \(tag boundwatch:revocable=true\)/);
      // The exact deny apply would have put, and when to delete it (the role's 2 h after the anomaly, plus 5 min).
      expect(untagged.skip).toContain(`aws iam put-role-policy --role-name deployer --policy-name boundwatch-revoke-f000000000004000 --policy-document '${revokeSessionPolicy('AROAEXAMPLEDEPLOY001:gha-run', new Date(a.window.end))}'`);
      expect(untagged.skip).toContain(`after ${new Date(new Date(a.window.end).getTime() + 2 * 3600_000 + 5 * 60_000).toISOString()}`);
      expect(untagged.skip).toMatch(/aws iam tag-role --role-name deployer --tags Key=boundwatch:revocable,Value=true/);
      const tagged = planRevoke(roleIntent, a, facts({ iam: true, eks: false, role: read('/', { 'boundwatch:revocable': 'true' }) }));
      expect(tagged.operations.map((o) => o.op)).toEqual(['put-role-policy']);
      expect(tagged.changes.join('\n')).toMatch(/role deployer may be changed: it is tagged boundwatch:revocable=true/);
      // Another value of the tag is not the tag.
      expect(planRevoke(roleIntent, a, facts({ iam: true, eks: false, role: read('/', { 'boundwatch:revocable': 'false' }) })).skip).toMatch(/boundwatch:revocable = false/);
    });

    it('configured path prefixes; the tag can be switched off', () => {
      const scope = { paths: ['/ci/'], tag: null };
      expect(planRevoke(roleIntent, a, facts({ iam: true, eks: false, revocableRoles: scope, role: read('/ci/deployers/') })).operations.map((o) => o.op)).toEqual(['put-role-policy']);
      const outside = planRevoke(roleIntent, a, facts({ iam: true, eks: false, revocableRoles: scope, role: read('/cicd/', { 'boundwatch:revocable': 'true' }) }));
      expect(outside.operations).toEqual([]);
      expect(outside.skip).toMatch(/outside enforcement.revocableRoles \(paths \/ci\/\)/);
      expect(outside.skip).not.toMatch(/tag-role/);
    });

    it('a preview without IAM access says the scope is checked when applied', () => {
      const preview = planRevoke(roleIntent, a, facts({ iam: false, eks: false, preview: true }));
      expect(preview.operations.map((o) => o.op)).toEqual(['put-role-policy']);
      expect(preview.changes.join('\n')).toMatch(/not checked: whether role deployer is within enforcement.revocableRoles \(tag boundwatch:revocable=true\) is read with iam:GetRole when applied/);
    });

    it('access policies: only those in enforcement.revocableAccessPolicies are removed; the others are named with the command', () => {
      const admin = { policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', accessScope: { type: 'cluster' as const } };
      const custom = { policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSLoadBalancingPolicy', accessScope: { type: 'cluster' as const } };
      const plan = planRevoke(roleIntent, a, facts({ iam: true, eks: true, role: read('/', { 'boundwatch:revocable': 'true' }), revokeAccessPolicies: true, accessPolicies: [admin, custom] }));
      expect(plan.operations.filter((o) => o.op === 'disassociate-access-policy').map((o) => (o as { policyArn: string }).policyArn)).toEqual([admin.policyArn]);
      expect(plan.changes.join('\n')).toContain(`EKS access policy ${custom.policyArn} of arn:aws:iam::111122223333:role/deployer left in place: not in enforcement.revocableAccessPolicies`);
      expect(plan.changes.join('\n')).toContain(`aws eks disassociate-access-policy --cluster-name prod-eks --principal-arn arn:aws:iam::111122223333:role/deployer --policy-arn ${custom.policyArn}`);
    });
  });

  it('IAM user: access keys have no issue time; EKS associations only when configured', () => {
    const user = intent('revoke-credentials', { kind: 'IAMUser', name: 'bob', arn: 'arn:aws:iam::111122223333:user/bob' });
    const a = anomaly({ principal: { type: 'IAMUser', name: 'arn:aws:iam::111122223333:user/bob' }, workload: undefined });
    const plan = planRevoke(user, a, facts({ iam: true, eks: true, revokeAccessPolicies: true, accessPolicies: [] }));
    expect(plan.skip).toMatch(/access keys are long-lived .*no EKS access policies are associated/);
  });
});

describe('planTightenEgress (no cluster access)', () => {
  const i = intent('tighten-egress', { kind: 'Deployment', namespace: 'shop', name: 'checkout' });
  const a = anomaly({
    workload: { namespace: 'shop', pod: 'checkout-1', owner: { kind: 'Deployment', name: 'checkout' }, labels: { app: 'checkout' } },
    findings: [{ ...anomaly().findings[0]!, evidence: { ...anomaly().findings[0]!.evidence, flows: [{ src: '10.1.0.10', dst: '203.0.113.9', dstPort: 443, protocol: 'TCP', bytes: 1, packets: 1 }] } }],
  });

  it('maps each kind of baseline peer to a policy peer, with DNS first', () => {
    const plan = planTightenEgress(i, a, {
      baseline: [
        { peer: 'payments/Deployment/api', port: 8443, protocol: 'TCP' },
        { peer: 'vpc:10.0.5.9', port: 5432, protocol: 'TCP' },
        { peer: 'ext:198.51.100.0/24', port: 443, protocol: 'TCP' },
        { peer: 'node:ip-1', port: 10250, protocol: 'TCP' },
      ],
    });
    const egress = plan.policies[0]!.spec.egress as Array<{ to: unknown[]; ports: unknown[] }>;
    expect(egress.map((r) => r.to[0])).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
      { ipBlock: { cidr: '198.51.100.0/24' } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } } },
      { ipBlock: { cidr: '10.0.5.9/32' } },
    ]);
    expect(plan.policies[0]!.spec.podSelector).toEqual({ matchLabels: { app: 'checkout' } });
    expect(plan.changes.join('\n')).toMatch(/destination node:ip-1 left out: its address is unknown without cluster access/);
    expect(plan.changes.join('\n')).toMatch(/payments\/Deployment\/api allowed for its whole namespace payments/);
    expect(validateNetworkPolicy(plan.policies[0]).errors).toEqual([]);
  });

  it('skips without a baseline, or without a way to select the workload', () => {
    expect(planTightenEgress(i, a, { baseline: undefined }).skip).toMatch(/no baseline destinations for shop\/Deployment\/checkout/);
    expect(planTightenEgress(i, a, { baseline: [] }).skip).toMatch(/would cut all its egress/);
    const noLabels = anomaly({ workload: { namespace: 'shop', pod: 'x', owner: { kind: 'Deployment', name: 'checkout' } } });
    expect(planTightenEgress(i, noLabels, { baseline: [{ peer: 'ext:1.2.3.0/24', port: 1, protocol: 'TCP' }] }).skip).toMatch(/cannot choose a selector/);
  });

  it('takes the anomaly\'s own destinations from its network evidence', () => {
    expect(evidenceDestinations(a)).toEqual([{ dst: '203.0.113.9', port: 443, protocol: 'TCP' }]);
  });
});

describe('AWS request shapes', () => {
  it('revoke-session policy denies one aws:userid, for sessions issued before the time', () => {
    expect(JSON.parse(revokeSessionPolicy('AROAX:alice', new Date('2026-03-01T12:00:00.456Z'))).Statement[0].Condition).toEqual({ StringEquals: { 'aws:userid': 'AROAX:alice' }, DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T12:00:00Z' } });
    expect([sessionUserId('AROAX', 'alice'), sessionUserId('AROAX:bob', 'alice'), sessionUserId('AROAX', undefined), sessionUserId(undefined, 'alice')]).toEqual(['AROAX:alice', 'AROAX:bob', undefined, undefined]);
  });

  it.each([
    ['arn:aws:iam::111122223333:role/deployer', 'deployer'],
    ['arn:aws:iam::111122223333:role/service-role/ci/deployer', 'deployer'],
    ['arn:aws-us-gov:iam::111122223333:role/x', 'x'],
    ['arn:aws:iam::111122223333:user/bob', undefined],
  ])('role name of %s is %s', (arn, name) => expect(roleNameFromArn(arn)).toBe(name));

  it('schedules: at() in UTC rounded up to the second, names in the allowed alphabet', () => {
    expect(atExpression(new Date('2026-03-01T13:00:00.000Z'))).toBe('at(2026-03-01T13:00:00)');
    expect(atExpression(new Date('2026-03-01T13:00:00.001Z'))).toBe('at(2026-03-01T13:00:01)');
    expect(scheduleName('c769470f-5cd3-8831-f42c-792648d80ba4')).toMatch(/^[0-9a-zA-Z._-]{1,64}$/);
  });
});

describe('undo bookkeeping', () => {
  it('adds each step once, and a re-read label restore replaces the earlier one', () => {
    const undo: UndoStep[] = [];
    mergeUndo(undo, [{ undo: 'delete-policy', namespace: 'shop', name: 'p' }, { undo: 'restore-pod-labels', namespace: 'shop', pod: 'x', token: 't', labels: { a: '1' } }]);
    mergeUndo(undo, [{ undo: 'delete-policy', namespace: 'shop', name: 'p' }, { undo: 'restore-pod-labels', namespace: 'shop', pod: 'x', token: 't', labels: { a: '1', b: '2' } }]);
    expect(undo).toEqual([
      { undo: 'delete-policy', namespace: 'shop', name: 'p' },
      { undo: 'restore-pod-labels', namespace: 'shop', pod: 'x', token: 't', labels: { a: '1', b: '2' } },
    ]);
  });
});
