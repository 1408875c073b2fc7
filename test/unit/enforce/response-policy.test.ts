/** The response table and the confidence and maturity gates: pure, each with a raising and a quiet case. */
import { ALL_DETECTORS } from '#shared/detect/registry';
import { NetworkFinding } from '#shared/flows/detect';
import { EnforcementConfig } from '#shared/enforce/config';
import { gate, type GateInput } from '#shared/enforce/gates';
import { planIntents } from '#shared/enforce/plan';
import { COMBINATIONS, decide, entryFor, HIGH_CONFIDENCE, RESPONSE_TABLE } from '#shared/enforce/response-policy';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { anomaly, config, finding, NOW } from './factories';

const DAY = 24 * 3_600_000;
const T = Date.parse('2026-03-01T11:55:00.000Z');
const LEARNING = { learningDays: 7, clusterLearningDays: 7 };
const MATURE = { clusterFirstSeen: T - 30 * DAY, principalFirstSeen: T - 20 * DAY };

function gateOf(a: ReturnType<typeof anomaly>, over: Partial<GateInput> = {}) {
  const d = decide(a).classes.find((c) => c.rung !== 'notify')!;
  return gate({ anomaly: a, decision: d, config: config(), learning: LEARNING, maturity: MATURE, now: NOW, ...over });
}

describe('runtime findings of attack sequences', () => {
  it.each(['Execution:Runtime/ReverseShell', 'Redirect STDOUT/STDIN to Network Connection in Container'])(
    'a reverse shell (%s) isolates the pod and revokes its token, without waiting for a baseline',
    (type) => {
      const a = anomaly({ findings: [finding(type)] });
      const d = decide(a);
      expect(d.classes.map((c) => [c.class, c.rung])).toEqual([['credential', 'revoke-credentials'], ['workload', 'quarantine']]);
      expect(d.unknown).toEqual([]);
      // A principal first seen an hour ago: signatures would only notify, a reverse shell does not wait.
      const g = gateOf(a, { maturity: { clusterFirstSeen: T - 30 * DAY, principalFirstSeen: T - 3_600_000 } });
      expect(g).toMatchObject({ pass: true, gate: 'high-confidence:reverse-shell' });
    },
  );

  it('a shell that is not wired to the network (Falco Terminal shell in container) only notifies', () => {
    const d = decide(anomaly({ findings: [finding('Terminal shell in container')] }));
    expect(d).toEqual({ classes: [], unknown: ['Terminal shell in container'] });
  });
});

describe('the response table', () => {
  it('has an entry for every finding type a detector can raise (an unknown type only notifies)', () => {
    // The types are string literals in the detectors' sources: read them from there, so a new detector fails this test until it is in the table.
    const dirs = ['shared/detect/signatures', 'shared/detect/detectors'];
    const files = [...dirs.flatMap((d) => readdirSync(d).map((f) => join(d, f))), 'shared/detect/sensitive.ts'];
    const types = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/type: '([A-Z][A-Za-z]+)'/g)) types.add(m[1]!);
    for (const m of readFileSync('shared/detect/signatures/risky-pod-spec.ts', 'utf8').matchAll(/add\('([A-Za-z]+)'/g)) types.add(m[1]!);
    for (const t of Object.values(NetworkFinding)) types.add(t);
    expect(types.size).toBeGreaterThan(40);
    expect(ALL_DETECTORS.length).toBeGreaterThan(20);
    const missing = [...types].filter((t) => !entryFor(t) && t !== 'ServiceAccount');
    expect(missing).toEqual([]);
    expect(entryFor('Discovery:TorIPCaller')).toMatchObject({ class: 'credential' });
    expect(entryFor('SomethingNew')).toBeUndefined();
    const d = decide(anomaly({ findings: [finding('SomethingNew')] }));
    expect(d).toEqual({ classes: [], unknown: ['SomethingNew'] });
  });

  it('credential misuse is revoked, workload compromise isolated, signals only notify', () => {
    expect(RESPONSE_TABLE.CredentialFromOtherIP).toMatchObject({ class: 'credential', rung: 'revoke-credentials' });
    expect(RESPONSE_TABLE.NewInternetEgress).toMatchObject({ class: 'workload', rung: 'tighten-egress', basis: 'baseline' });
    expect(RESPONSE_TABLE.ClusterWideListing).toMatchObject({ class: 'signal', rung: 'notify' });
    const mixed = decide(anomaly({ findings: [finding('UnusualHour'), finding('CredentialFromPublicNetwork'), finding('NewUserAgentFamily')] }));
    expect(mixed.classes.map((c) => `${c.class}:${c.rung}:${c.because.join('+')}`)).toEqual(['credential:revoke-credentials:CredentialFromPublicNetwork', 'signal:notify:NewUserAgentFamily+UnusualHour']);
  });

  it('a platform admin debugging in kube-system only notifies; a shell there from an outsider or a new network revokes', () => {
    const admin = { type: 'IAMRole' as const, name: 'arn:aws:iam::111122223333:role/AWSReservedSSO_PlatformAdmin_9f8e7d6c5b4a3210' };
    // Frank's Tuesday morning: his own namespace, his own network, an hour the model had not seen.
    const debugging = decide(anomaly({ principal: admin, workload: undefined, findings: [finding('ExecInKubeSystemPod'), finding('ExecInPod'), finding('UnusualHour')] }));
    expect(debugging.classes.map((c) => c.rung)).toEqual(['notify']);
    for (const other of ['CrossNamespaceAccess', 'NewPublicNetwork', 'NewUserAgentFamily']) {
      const outsider = decide(anomaly({ principal: admin, workload: undefined, findings: [finding('ExecInKubeSystemPod'), finding(other)] }));
      expect(outsider.classes.find((c) => c.class === 'identity')).toMatchObject({ rung: 'revoke-credentials', because: ['combination:kube-system-shell-by-outsider'] });
    }
  });

  it.each(COMBINATIONS.map((c) => [c.id, c] as const))('combination %s lifts only when every part is present', (_id, c) => {
    const all = c.anyOf.map((g) => finding(g[0]!));
    expect(decide(anomaly({ findings: all })).classes.find((x) => x.because.includes(`combination:${c.id}`))).toMatchObject({ class: c.class, rung: c.rung });
    // Without its first part (a one-part combination: with an unrelated finding instead).
    const partial = decide(anomaly({ findings: all.length > 1 ? all.slice(1) : [finding('UnusualHour')] }));
    expect(partial.classes.some((x) => x.because.includes(`combination:${c.id}`))).toBe(false);
  });
});

describe('the gates', () => {
  it('a platform controller doing its job only notifies (argocd listing every secret on day one)', () => {
    const argocd = anomaly({ principal: { type: 'ServiceAccount', name: 'system:serviceaccount:argocd:argocd-application-controller', namespace: 'argocd' }, workload: { namespace: 'argocd', pod: 'argocd-application-controller-0' }, findings: [finding('ClusterWideSecretList'), finding('RBACModified')] });
    expect(gateOf(argocd)).toMatchObject({ pass: false, gate: 'platform' });
    const intents = planIntents({ anomaly: argocd, mode: 'apply', config: config(), now: NOW, maturity: MATURE });
    expect(intents.length).toBeGreaterThan(0);
    for (const i of intents) expect(i.skip).toMatch(/gate platform/);
    // Its token used from the internet is not its job: credential misuse passes the platform gate.
    const stolen = { ...argocd, findings: [finding('CredentialFromOtherIP'), finding('CredentialFromPublicNetwork')] };
    expect(gateOf(stolen)).toMatchObject({ pass: true, gate: 'high-confidence:bound-token-from-internet' });
    // Quiet case: the same findings from a non-platform identity are not stopped by this gate.
    expect(gateOf({ ...argocd, principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout', namespace: 'shop' } }).gate).not.toBe('platform');
  });

  it('nothing changes while the cluster learns, except high-confidence signatures', () => {
    const learning = { clusterFirstSeen: T - 2 * DAY, principalFirstSeen: T - 2 * DAY };
    expect(gateOf(anomaly(), { maturity: learning })).toMatchObject({ pass: false, gate: 'learning' });
    expect(gateOf(anomaly(), { maturity: MATURE })).toMatchObject({ pass: true, gate: 'baseline' });
    const granted = anomaly({ principal: { type: 'IAMRole', name: 'arn:aws:iam::1:role/dev' }, workload: undefined, findings: [finding('AnonymousAccessGranted')] });
    expect(gateOf(granted, { maturity: learning })).toMatchObject({ pass: true, gate: 'high-confidence:anonymous-access-granted' });
  });

  it('signature findings act only on a principal past its learning period', () => {
    const sig = anomaly({ findings: [finding('PrivilegedRoleBinding')] });
    expect(gateOf(sig, { maturity: { clusterFirstSeen: T - 30 * DAY, principalFirstSeen: T - 3 * DAY } })).toMatchObject({ pass: false, gate: 'established-principal' });
    expect(gateOf(sig, { maturity: { clusterFirstSeen: T - 30 * DAY } })).toMatchObject({ pass: false, gate: 'established-principal', reason: expect.stringMatching(/no baseline yet/) });
    expect(gateOf(sig, { maturity: undefined })).toMatchObject({ pass: false, reason: expect.stringMatching(/cannot read baselines/) });
    expect(gateOf(sig)).toMatchObject({ pass: true, gate: 'established-principal' });
  });

  it('an anomaly older than maxAnomalyAgeMinutes is not acted on', () => {
    const old = anomaly({ window: { start: '2026-03-01T08:00:00.000Z', end: '2026-03-01T08:05:00.000Z' } });
    expect(gateOf(old)).toMatchObject({ pass: false, gate: 'age' });
    expect(gateOf(old, { config: EnforcementConfig.parse({ maxAnomalyAgeMinutes: 600 }) })).toMatchObject({ pass: true });
  });

  it.each(HIGH_CONFIDENCE.map((h) => [h.id] as const))('high-confidence %s has a matching and a non-matching case', (id) => {
    const cases: Record<string, [ReturnType<typeof anomaly>, ReturnType<typeof anomaly>]> = {
      'anonymous-access-granted': [anomaly({ findings: [finding('AnonymousAccessGranted')] }), anomaly({ findings: [finding('AnonymousAccessFromPublicIP')] })],
      'aws-auth-system-masters': [
        anomaly({ findings: [finding('AwsAuthModified', { description: 'x made update on kube-system/aws-auth, which maps IAM roles and users to Kubernetes identities; the new content maps an identity to system:masters (cluster-admin).' })] }),
        anomaly({ findings: [finding('AwsAuthModified', { description: 'system:masters (cluster-admin). made update on kube-system/aws-auth, which maps IAM roles and users to Kubernetes identities.' })] }),
      ],
      'privileged-hostpath-in-protected-namespace': [
        anomaly({ findings: [finding('PrivilegedContainer', { title: 'Privileged container (pod kube-system/x)' }), finding('SensitiveHostPathMount', { title: 'Sensitive host path mounted writable (pod kube-system/x)' })] }),
        anomaly({ findings: [finding('PrivilegedContainer', { title: 'Privileged container (pod shop/x)' }), finding('SensitiveHostPathMount', { title: 'Sensitive host path mounted writable (pod shop/x)' })] }),
      ],
      'bound-token-from-internet': [anomaly({ findings: [finding('CredentialFromOtherIP'), finding('CredentialFromPublicNetwork')] }), anomaly({ findings: [finding('CredentialFromPublicNetwork')] })],
      'listed-address': [anomaly({ findings: [finding('Discovery:TorIPCaller')] }), anomaly({ findings: [finding('Discovery')] })],
      'reverse-shell': [anomaly({ findings: [finding('Execution:Runtime/ReverseShell')] }), anomaly({ findings: [finding('Terminal shell in container')] })],
    };
    const [yes, no] = cases[id]!;
    const h = HIGH_CONFIDENCE.find((x) => x.id === id)!;
    const ctx = { protectedNamespaces: new Set(['kube-system', 'boundwatch']), platform: false };
    expect(h.matches(yes, ctx)).toBe(true);
    expect(h.matches(no, ctx)).toBe(false);
  });
});
