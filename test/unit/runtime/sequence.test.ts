import { AttackSequence } from '#shared/events/schema';
import { sequenceAsAnomaly } from '#shared/runtime/respond';
import { buildSequences, correlationKeys, groupSignals, sequenceSeverity } from '#shared/runtime/sequence';
import { CHECKOUT_SA, checkoutPod, HOUR, MIN, signal, stolenTokenStory, T0 } from './signals';

const cluster = 'demo-eks';

describe('attack sequences', () => {
  it('tells shell → token used from outside → secrets read elsewhere as one ordered story', () => {
    const story = stolenTokenStory();
    const [seq, ...rest] = buildSequences([...story].reverse(), { cluster });
    expect(rest).toEqual([]);
    expect(AttackSequence.parse(seq)).toEqual(seq);
    expect(seq!.signals.map((s) => s.id)).toEqual(['falco:shell', 'anomaly:token', 'anomaly:secrets']);
    expect(seq!.tactics).toEqual(['Execution', 'LateralMovement', 'CredentialAccess']);
    expect(seq!.actors).toEqual([{ type: 'ServiceAccount', name: CHECKOUT_SA, namespace: 'shop' }]);
    expect(seq!.window).toEqual({ start: new Date(T0).toISOString(), end: new Date(T0 + 13 * MIN).toISOString() });
    expect(seq!.endpoints).toEqual(['203.0.113.66']);
    expect(seq!.recommendedActions).toEqual(expect.arrayContaining(['quarantine', 'revoke-credentials', 'notify']));
    expect(seq!.signals.every((s) => s.baseline.length > 0)).toBe(true);
  });

  it('links privileged pod created by a new identity → runtime finding on it → internet egress from it', () => {
    const creator = 'arn:aws:iam::111122223333:role/github-actions-deployer';
    const signals = [
      signal({ id: 'anomaly:create', at: T0, layer: 'api', source: 'boundwatch', type: 'NewPrincipal+PrivilegedContainer', severity: 'HIGH', tactics: ['PrivilegeEscalation', 'Execution'], principal: creator, resources: ['kube-system/daemonsets/node-debugger'], join: 'anomaly' }),
      signal({ id: 'guardduty:rs', at: T0 + 4 * MIN, source: 'guardduty', type: 'Execution:Runtime/ReverseShell', severity: 'HIGH', tactics: ['Execution'], workload: { namespace: 'kube-system', pod: 'node-debugger-7xk2p', owner: { kind: 'DaemonSet', name: 'node-debugger' }, serviceAccount: 'default' }, principal: 'system:serviceaccount:kube-system:default', join: 'guardduty' }),
      signal({ id: 'anomaly:egress', at: T0 + 5 * MIN, layer: 'network', source: 'boundwatch', type: 'NewInternetEgress', severity: 'HIGH', tactics: ['Exfiltration'], workload: { namespace: 'kube-system', pod: 'node-debugger-7xk2p', owner: { kind: 'DaemonSet', name: 'node-debugger' } }, endpoints: ['45.137.21.9'], join: 'anomaly' }),
    ];
    const [seq] = buildSequences(signals, { cluster });
    expect(seq!.signals.map((s) => s.layer)).toEqual(['api', 'runtime', 'network']);
    expect(seq!.tactics).toEqual(['Execution', 'PrivilegeEscalation', 'Exfiltration']);
    expect(seq!.actors.map((a) => a.type)).toEqual(['IAMRole', 'ServiceAccount']);
    // The default service account ties nothing: it is shared by unrelated workloads.
    expect(correlationKeys(signals[1]!)).not.toContain('principal:system:serviceaccount:kube-system:default');
  });

  it('answers a workload planted by another identity on the planter\'s session, and an own-token story on the pod\'s token', () => {
    const creator = 'arn:aws:iam::111122223333:role/github-actions-deployer';
    const session = { type: 'IAMRole' as const, name: creator, arn: creator, sessionName: 'gha-run', principalId: 'AROAEXAMPLE:gha-run' };
    const debuggerPod = { namespace: 'kube-system', pod: 'node-debugger-7xk2p', owner: { kind: 'DaemonSet', name: 'node-debugger' }, serviceAccount: 'default' };
    const planted = [
      signal({ id: 'anomaly:create', at: T0, layer: 'api', source: 'boundwatch', type: 'DaemonSetCreated+PrivilegedContainer', severity: 'HIGH', tactics: ['PrivilegeEscalation', 'Execution'], principal: creator, resources: ['kube-system/daemonsets/node-debugger'], join: 'anomaly' }),
      signal({ id: 'guardduty:rs', at: T0 + 4 * MIN, source: 'guardduty', type: 'Execution:Runtime/ReverseShell', severity: 'HIGH', tactics: ['Execution'], workload: debuggerPod, principal: 'system:serviceaccount:kube-system:default', join: 'guardduty' }),
    ];
    planted[0] = { ...planted[0]!, actor: session };
    const [seq] = buildSequences(planted, { cluster });
    // The session a signal named is kept on the sequence's actor.
    expect(seq!.actors.find((a) => a.name === creator)).toEqual(session);
    const answer = sequenceAsAnomaly(seq!);
    expect(answer.principal).toEqual(session);
    expect(answer.recommendedActions).toEqual(expect.arrayContaining(['quarantine', 'revoke-credentials']));
    // The same shell where the creator touched another object: the pod's own token is the credential.
    const elsewhere = { ...seq!, signals: seq!.signals.map((x) => (x.id === 'anomaly:create' ? { ...x, resources: ['kube-system/daemonsets/other'] } : x)) };
    expect(sequenceAsAnomaly(elsewhere).principal.name).toBe('system:serviceaccount:kube-system:default');
    // A shell in the checkout pod after its own token was used: the checkout service account.
    expect(sequenceAsAnomaly(buildSequences(stolenTokenStory(), { cluster })[0]!).principal.name).toBe(CHECKOUT_SA);
  });

  it('includes a signal exactly one window after the first, and not one millisecond later', () => {
    const [shell, token] = stolenTokenStory();
    const window = 24 * HOUR;
    const atEdge = { ...token!, time: new Date(T0 + window).toISOString() };
    expect(buildSequences([shell!, atEdge], { cluster, windowMs: window })).toHaveLength(1);
    const late = { ...token!, time: new Date(T0 + window + 1).toISOString() };
    expect(buildSequences([shell!, late], { cluster, windowMs: window })).toEqual([]);
    expect(groupSignals([shell!, late], window)).toHaveLength(2);
  });

  it('needs two layers: runtime noise alone, however loud, is no sequence', () => {
    const noise = [0, 1, 2, 3].map((i) =>
      signal({ id: `falco:noise-${i}`, at: T0 + i * HOUR, severity: 'MEDIUM', tactics: i % 2 ? ['Discovery'] : ['Persistence'], workload: checkoutPod, principal: CHECKOUT_SA }),
    );
    expect(buildSequences(noise, { cluster })).toEqual([]);
  });

  it('does not link signals of unrelated workloads', () => {
    const [shell, token] = stolenTokenStory();
    const other = { ...token!, workload: { namespace: 'shop', pod: 'cart-1', serviceAccount: 'cart' }, principal: 'system:serviceaccount:shop:cart' };
    expect(buildSequences([shell!, other], { cluster })).toEqual([]);
  });

  it('raises severity with distinct tactics and never below the worst signal', () => {
    expect([1, 2, 3, 4, 6].map((n) => sequenceSeverity(n, 'LOW'))).toEqual(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'CRITICAL']);
    expect(sequenceSeverity(2, 'HIGH')).toBe('HIGH');
    const story = stolenTokenStory();
    const two = buildSequences(story.slice(0, 2), { cluster })[0]!;
    const three = buildSequences(story, { cluster })[0]!;
    expect(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].indexOf(three.severity)).toBeGreaterThanOrEqual(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].indexOf(two.severity));
    const four = buildSequences([...story, signal({ id: 'anomaly:egress', at: T0 + 20 * MIN, layer: 'network', source: 'boundwatch', severity: 'HIGH', tactics: ['Exfiltration'], workload: checkoutPod, join: 'anomaly' })], { cluster })[0]!;
    expect(four.severity).toBe('CRITICAL');
  });

  it('keeps one id for a story whatever the order and duplicates of its signals, and as it grows', () => {
    const story = stolenTokenStory();
    const id = buildSequences(story, { cluster })[0]!.id;
    expect(buildSequences([story[2]!, story[0]!, story[1]!, story[0]!], { cluster })[0]!.id).toBe(id);
    expect(buildSequences(story.slice(0, 2), { cluster })[0]!.id).toBe(id);
    expect(buildSequences([...story, story[1]!], { cluster })[0]!.signals).toHaveLength(3);
    expect(buildSequences(story, { cluster: 'other' })[0]!.id).not.toBe(id);
  });

  it('links by pod UID alone', () => {
    const [shell, token] = stolenTokenStory();
    const uidOnly = { ...shell!, workload: { namespace: 'shop', podUid: 'uid-checkout' }, principal: undefined };
    const tokenByUid = { ...token!, workload: { namespace: 'shop', podUid: 'uid-checkout' }, principal: 'someone-else' };
    expect(buildSequences([uidOnly, tokenByUid], { cluster })).toHaveLength(1);
  });
});
