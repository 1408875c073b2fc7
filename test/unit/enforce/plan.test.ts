/** Safety rails and action selection (planIntents): pure, in the order the engine applies them. */
import { allowListMatch, AllowEntry, EnforcementConfig, protectedNamespaces } from '#shared/enforce/config';
import { actionId, planIntents } from '#shared/enforce/plan';
import { anomaly, config, finding, NOW } from './factories';

const kinds = (xs: Array<{ kind: string; skip?: string }>) => xs.map((x) => `${x.kind}${x.skip ? ` (skipped: ${x.skip})` : ''}`);

describe('planIntents', () => {
  it('mode off plans nothing at all', () => {
    expect(planIntents({ anomaly: anomaly(), mode: 'off', config: config(), now: NOW })).toEqual([]);
  });

  it('plans what the response table decides, in execution order, with deterministic ids, the expiry and the gate', () => {
    // SecretsAccessed by a workload's service account from its own pod: identity abuse → quarantine the pod.
    const a = anomaly({ recommendedActions: ['notify'] });
    const one = planIntents({ anomaly: a, mode: 'apply', config: config({ ttlMinutes: 90 }), now: NOW });
    expect(kinds(one)).toEqual(['quarantine']);
    expect(one[0]).toMatchObject({ target: { kind: 'Pod', namespace: 'shop', name: 'checkout-6d9f8b7c5d-abcde' }, expiresAt: '2026-03-01T13:30:00.000Z' });
    expect(one[0]!.why).toMatch(/identity finding SecretsAccessed → revoke-credentials/);
    expect(one[0]!.gate).toMatch(/^gate baseline: judged against an established baseline/);
    // Redelivery (or a dry-run then an apply) derives the same ids; another anomaly does not.
    const two = planIntents({ anomaly: a, mode: 'dry-run', config: config(), now: new Date('2026-03-01T12:30:00Z') });
    expect(two.map((i) => i.id)).toEqual(one.map((i) => i.id));
    expect(planIntents({ anomaly: { ...a, id: 'other' }, mode: 'apply', config: config(), now: NOW })[0]!.id).not.toBe(one[0]!.id);
    // The quarantine id is the one the first release used (records and pod labels stay valid).
    expect(one[0]!.id).toBe(actionId(a.id, 'quarantine', one[0]!.target));
  });

  it('ignores recommendedActions: a signal alone only notifies, whatever the detector recommended', () => {
    const only = planIntents({ anomaly: anomaly({ findings: [finding('UnusualHour')], recommendedActions: ['quarantine', 'revoke-credentials'] }), mode: 'apply', config: config(), now: NOW });
    expect(kinds(only)).toEqual(['notify']);
    expect(only[0]!.target).toMatchObject({ kind: 'Pod' });
    expect(only[0]!.why).toMatch(/UnusualHour → notify/);
  });

  it('a stolen pod-bound token used from the internet targets the credential, never the victim pod', () => {
    const a = anomaly({ findings: [finding('CredentialFromOtherIP', { ips: ['203.0.113.7'] }), finding('CredentialFromPublicNetwork', { ips: ['203.0.113.7'] }), finding('SecretsAccessed', { ips: ['203.0.113.7'] })] });
    const out = planIntents({ anomaly: a, mode: 'apply', config: config(), now: NOW });
    expect(kinds(out)).toEqual(['revoke-credentials']);
    expect(out[0]!.target).toEqual({ kind: 'ServiceAccount', namespace: 'shop', name: 'checkout' });
    expect(out[0]!.gate).toMatch(/gate high-confidence:bound-token-from-internet/);
  });

  it('a person or CI role loses its sessions; a workload anomaly tightens egress of its Deployment, else its pod', () => {
    const role = anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/ci/deployer' }, workload: undefined, findings: [finding('RBACModified')] });
    expect(planIntents({ anomaly: role, mode: 'apply', config: config(), now: NOW }).map((i) => `${i.kind}:${i.target.kind}/${i.target.name}`)).toEqual(['revoke-credentials:IAMRole/deployer']);
    const dep = anomaly({ category: 'network', workload: { namespace: 'shop', pod: 'checkout-1', owner: { kind: 'Deployment', name: 'checkout' } }, findings: [finding('NewInternetEgress')] });
    expect(planIntents({ anomaly: dep, mode: 'apply', config: config(), now: NOW })[0]).toMatchObject({ kind: 'tighten-egress', target: { kind: 'Deployment', namespace: 'shop', name: 'checkout' } });
    const pod = anomaly({ category: 'network', workload: { namespace: 'shop', pod: 'db-0', owner: { kind: 'StatefulSet', name: 'db' } }, findings: [finding('NewInternetEgress')] });
    expect(planIntents({ anomaly: pod, mode: 'apply', config: config(), now: NOW })[0]!.target).toEqual({ kind: 'Pod', namespace: 'shop', name: 'db-0' });
    // New destination plus a volume spike: exfiltration, the pod is quarantined.
    const exfil = anomaly({ category: 'network', findings: [finding('NewNetworkDestination'), finding('NetworkVolumeSpike')] });
    const ex = planIntents({ anomaly: exfil, mode: 'apply', config: config(), now: NOW });
    expect(kinds(ex)).toEqual(['quarantine']);
    expect(ex[0]!.why).toMatch(/combination:exfiltration/);
  });

  it.each([
    ['a protected namespace', config(), anomaly({ principal: { type: 'ServiceAccount', name: 'system:serviceaccount:kube-system:coredns', namespace: 'kube-system' }, workload: { namespace: 'kube-system', pod: 'coredns-1' } }), 'namespace kube-system is protected'],
    ["boundwatch's own namespace", config(), anomaly({ principal: { type: 'ServiceAccount', name: 'system:serviceaccount:boundwatch:agent', namespace: 'boundwatch' }, workload: { namespace: 'boundwatch', pod: 'agent-1' } }), 'namespace boundwatch is protected'],
    ['a configured protected namespace', config({ protectedNamespaces: ['kube-system', 'shop'] }), anomaly(), 'namespace shop is protected'],
    ['a protected principal', config({ protectedPrincipals: ['system:serviceaccount:shop:checkout'] }), anomaly(), 'principal system:serviceaccount:shop:checkout is protected'],
  ])('skips every changing action for %s, with the reason', (_what, cfg, a, reason) => {
    const intents = planIntents({ anomaly: a, mode: 'apply', config: cfg, now: NOW });
    expect(intents.length).toBeGreaterThan(0);
    for (const i of intents) expect(i.skip).toBe(reason);
  });

  it('a session of an IAM role used in a protected namespace is still revoked (it lives outside the cluster); the namespace\'s service accounts are not', () => {
    const a = anomaly({
      principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/ci/deployer', principalId: 'AROAEXAMPLE:run' },
      workload: { namespace: 'kube-system', pod: 'node-debugger-1', serviceAccount: 'default', owner: { kind: 'DaemonSet', name: 'node-debugger' } },
      findings: [finding('RBACModified')],
    });
    const intents = planIntents({ anomaly: a, mode: 'apply', config: config(), now: NOW });
    expect(intents.find((i) => i.kind === 'revoke-credentials')).toMatchObject({ target: { kind: 'IAMRole', name: 'deployer' } });
    expect(intents.find((i) => i.kind === 'revoke-credentials')!.skip).toBeUndefined();
    for (const i of intents.filter((x) => x.target.kind !== 'IAMRole')) expect(i.skip).toBe('namespace kube-system is protected');
    // A protected principal stays protected wherever it acts.
    const guarded = planIntents({ anomaly: a, mode: 'apply', config: config({ protectedPrincipals: ['arn:aws:iam::111122223333:role/ci/deployer'] }), now: NOW });
    for (const i of guarded) expect(i.skip).toMatch(/is protected$/);
  });

  it('never revokes node credentials', () => {
    const a = anomaly({
      principal: { type: 'Node', name: 'system:node:ip-10-20-1-5.ec2.internal', arn: 'arn:aws:iam::111122223333:role/demo-eks-node-role' },
      workload: undefined,
      recommendedActions: ['revoke-credentials', 'notify'],
    });
    const [i] = planIntents({ anomaly: a, mode: 'apply', config: config(), now: NOW });
    expect(i).toMatchObject({ kind: 'revoke-credentials', target: { kind: 'IAMRole', name: 'demo-eks-node-role' }, skip: expect.stringMatching(/node credentials are never revoked/) });
  });

  it('IAM roles are targeted by role name and canonical ARN', () => {
    const a = anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/ci/deployer', arn: 'arn:aws:sts::111122223333:assumed-role/deployer/run' }, workload: undefined, recommendedActions: ['revoke-credentials'] });
    expect(planIntents({ anomaly: a, mode: 'apply', config: config(), now: NOW })[0]!.target).toEqual({ kind: 'IAMRole', name: 'deployer', arn: 'arn:aws:iam::111122223333:role/ci/deployer' });
  });

  it('a configured rung replaces the table\'s', () => {
    const a = anomaly({ findings: [finding('UnusualHour')] });
    expect(kinds(planIntents({ anomaly: a, mode: 'apply', config: config({ responses: { UnusualHour: 'quarantine' } }), now: NOW }))).toEqual(['quarantine']);
    expect(kinds(planIntents({ anomaly: anomaly(), mode: 'apply', config: config({ responses: { SecretsAccessed: 'notify' } }), now: NOW }))).toEqual(['notify']);
  });
});

describe('enforcement configuration', () => {
  it('keeps the configuration defaults (README.md#2-configure) and protects boundwatch\'s namespace', () => {
    const c = EnforcementConfig.parse({});
    expect(c).toMatchObject({ minSeverity: 'HIGH', ttlMinutes: 60, maxActionsPerHour: 10, protectedNamespaces: ['kube-system'], boundTokenRevocation: 'unless-quarantined', allowList: [] });
    expect([...protectedNamespaces(c)].sort()).toEqual(['boundwatch', 'kube-system']);
    expect([...protectedNamespaces(EnforcementConfig.parse({ boundwatchNamespace: 'security' }))].sort()).toEqual(['kube-system', 'security']);
    // Configuring your own list never drops kube-system.
    expect([...protectedNamespaces(EnforcementConfig.parse({ protectedNamespaces: ['payments'] }))].sort()).toEqual(['boundwatch', 'kube-system', 'payments']);
  });

  it('rejects an allow-list entry that names nothing, and unknown keys', () => {
    expect(AllowEntry.safeParse({ actions: ['quarantine'] }).success).toBe(false);
    expect(EnforcementConfig.safeParse({ allowList: [{ namespace: 'x', pods: 'y' }] }).success).toBe(false);
    expect(EnforcementConfig.safeParse({ boundTokenRevocation: 'sometimes' }).success).toBe(false);
  });

  it.each([
    [{ principal: 'system:serviceaccount:ci:*' }, 'quarantine', { principal: { type: 'ServiceAccount' as const, name: 'system:serviceaccount:ci:runner' }, namespace: 'ci' }, true],
    [{ principal: 'system:serviceaccount:ci:*' }, 'quarantine', { principal: { type: 'ServiceAccount' as const, name: 'system:serviceaccount:shop:x' }, namespace: 'shop' }, false],
    [{ workload: 'Deployment/payments-*' }, 'tighten-egress', { principal: { type: 'User' as const, name: 'u' }, namespace: 'shop', workload: 'Deployment/payments-api' }, true],
    [{ workload: 'payments-api' }, 'tighten-egress', { principal: { type: 'User' as const, name: 'u' }, namespace: 'shop', workload: 'Deployment/payments-api' }, true],
    [{ namespace: 'shop', actions: ['quarantine' as const] }, 'revoke-credentials', { principal: { type: 'User' as const, name: 'u' }, namespace: 'shop' }, false],
    [{ namespace: 'shop' }, 'notify', { principal: { type: 'User' as const, name: 'u' }, namespace: 'shop' }, false],
    [{ principal: 'arn:aws:sts::1:assumed-role/r/*' }, 'revoke-credentials', { principal: { type: 'IAMRole' as const, name: 'arn:aws:iam::1:role/r', arn: 'arn:aws:sts::1:assumed-role/r/s' } }, true],
  ])('allow-list %j for %s matches %j: %s', (entry, action, subject, expected) => {
    const e = AllowEntry.parse(entry);
    expect(!!allowListMatch([e], action as never, subject)).toBe(expected);
  });
});
