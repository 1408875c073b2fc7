/**
 * Stolen service-account tokens are revoked by evicting the pod each is bound to, through the
 * Eviction API of the test API server. Two tokens of a two-replica ingress controller stolen at
 * once never take it below its replica floor: the floor (read from the live Deployment and its
 * pods) holds the second eviction until a replacement is ready, and, with the floor turned
 * off, the PodDisruptionBudget still refuses it. And a delivery naming a pod that was replaced
 * since (same name, new uid: the token's pod uid is checked against the live pod) acts on
 * nothing.
 */
import { podObject } from '#test/support/kube-apiserver/seed';
import { CLUSTER, STOLEN, startHarness, stolenTokenAnomaly, type Harness } from './harness';

const NS = 'ingress-nginx';
const PODS = ['ingress-nginx-controller-7f9c-aaaaa', 'ingress-nginx-controller-7f9c-bbbbb'];
const SA = 'system:serviceaccount:ingress-nginx:ingress-nginx';

function ingressCluster() {
  return {
    namespaces: [{ name: NS, labels: { 'kubernetes.io/metadata.name': NS } }],
    pods: PODS.map((name, i) => ({ namespace: NS, name, labels: { 'app.kubernetes.io/name': 'ingress-nginx' }, ip: `10.1.3.${i + 10}`, serviceAccount: 'ingress-nginx', owner: { kind: 'Deployment', name: 'ingress-nginx-controller' } })),
  };
}

const stolen = (pod: string, id: string) =>
  stolenTokenAnomaly({ id, cluster: CLUSTER, principal: { type: 'ServiceAccount', name: SA, namespace: NS }, workload: { namespace: NS, pod, serviceAccount: 'ingress-nginx' }, findings: STOLEN(['198.51.100.23']) });

describe('revoking stolen bound tokens by eviction', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('two stolen tokens of a two-replica ingress controller: the first pod is evicted, the second is held at the replica floor and evicted once a replacement is ready; neither is quarantined', async () => {
    h = await startHarness({ seed: ingressCluster(), policies: [] });
    const first = await h.enforce(stolen(PODS[0]!, 'e1000000-0000-4000-8000-000000000011'));
    expect(first.planned.map((p) => `${p.action.action}:${p.action.target.kind}:${p.action.outcome}`)).toEqual(['revoke-credentials:ServiceAccount:applied']);
    expect(first.planned[0]!.action.changes.join('\n')).toMatch(/rail replica floor: Deployment ingress-nginx\/ingress-nginx-controller has 2 healthy of 2 desired \(live\); taking pod .*aaaaa out leaves 1, floor 1/);
    expect(await h.client.getPod(NS, PODS[0]!)).toBeNull();

    // The second token: evicting its pod now would leave no healthy replica. Held, queued, announced; no eviction is even tried.
    const second = await h.enforce(stolen(PODS[1]!, 'e1000000-0000-4000-8000-000000000012'));
    expect(second.planned.map((p) => `${p.action.action}:${p.action.outcome}`)).toEqual(['revoke-credentials:skipped']);
    expect(second.planned[0]!.action.reason).toMatch(/^held: rail replica floor: Deployment ingress-nginx\/ingress-nginx-controller has 1 healthy of 2 desired \(live\); taking pod .*bbbbb out leaves 0, floor 1 .*: held below the floor; queued, re-evaluated from 2026-03-01T12:15:00.000Z/);
    expect(second.planned[0]!.action.severity).toBe('HIGH');
    expect(await h.client.getPod(NS, PODS[1]!)).not.toBeNull();
    const evictions = () => h!.kube.api.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list').map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`);
    expect(evictions()).toEqual([`POST /api/v1/namespaces/${NS}/pods/${PODS[0]}/eviction`]);

    // Re-evaluated before it is due: nothing. Due, but no replacement yet: held again.
    h.clock.advance(10);
    expect((await h.sweep()).planned).toEqual([]);
    h.clock.advance(10);
    expect((await h.sweep()).planned.map((p) => p.action.outcome)).toEqual(['skipped']);
    expect(evictions()).toHaveLength(1);

    // The controller's replacement is running and ready: the floor allows the second eviction.
    h.kube.api.put(podObject({ namespace: NS, name: 'ingress-nginx-controller-7f9c-ccccc', labels: { 'app.kubernetes.io/name': 'ingress-nginx' }, ip: '10.1.3.12', hostNetwork: false, serviceAccount: 'ingress-nginx', owner: { kind: 'Deployment', name: 'ingress-nginx-controller' }, ports: [] }));
    h.clock.advance(15);
    const swept = await h.sweep();
    expect(swept.planned.map((p) => `${p.action.anomalyId}:${p.action.outcome}`)).toEqual(['e1000000-0000-4000-8000-000000000012:applied']);
    expect(evictions()).toEqual([`POST /api/v1/namespaces/${NS}/pods/${PODS[0]}/eviction`, `POST /api/v1/namespaces/${NS}/pods/${PODS[1]}/eviction`]);
    expect(await h.client.getPod(NS, 'ingress-nginx-controller-7f9c-ccccc')).not.toBeNull();
    expect(h.actions().map((a) => `${a.anomalyId.slice(-2)}:${a.outcome}`)).toEqual(['11:applied', '12:skipped', '12:skipped', '12:applied']);
    expect(h.actions().some((a) => a.action === 'quarantine')).toBe(false);
  });

  it('with the replica floor off, the PodDisruptionBudget still holds the second eviction', async () => {
    h = await startHarness({ seed: ingressCluster(), policies: [], config: { rails: { replicaFloor: { minHealthyPercent: 0 } } } });
    h.kube.api.put({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'ingress-nginx', namespace: NS }, spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } } });
    const first = await h.enforce(stolen(PODS[0]!, 'e1000000-0000-4000-8000-000000000001'));
    expect(first.planned.map((p) => `${p.action.action}:${p.action.target.kind}:${p.action.outcome}`)).toEqual(['revoke-credentials:ServiceAccount:applied']);
    expect(first.planned[0]!.action.changes.join('\n')).toMatch(/evict pod ingress-nginx\/ingress-nginx-controller-7f9c-aaaaa \(uid .*\) through the Eviction API/);
    expect(await h.client.getPod(NS, PODS[0]!)).toBeNull();

    // The second token: evicting its pod would leave no replica; the budget refuses, nothing is dropped.
    await expect(h.enforce(stolen(PODS[1]!, 'e1000000-0000-4000-8000-000000000002'))).rejects.toThrow(/PodDisruptionBudget/);
    const held = h.actions().filter((a) => a.anomalyId === 'e1000000-0000-4000-8000-000000000002');
    expect(held.map((a) => `${a.action}:${a.outcome}`)).toEqual(['revoke-credentials:failed']);
    expect(held[0]!.reason).toMatch(/refused by its PodDisruptionBudget: held, retried later.*retried on redelivery/);
    expect(await h.client.getPod(NS, PODS[1]!)).not.toBeNull();
    // Evictions only: no pod was deleted directly, relabelled or isolated.
    const writes = h.kube.api.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list');
    expect(writes.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)).toEqual([
      `POST /api/v1/namespaces/${NS}/pods/${PODS[0]}/eviction`,
      `POST /api/v1/namespaces/${NS}/pods/${PODS[1]}/eviction`,
    ]);
    expect(h.actions().some((a) => a.action === 'quarantine')).toBe(false);
  });

  it('a delivery whose token names a pod uid that was replaced (same name, new uid) acts on nothing', async () => {
    h = await startHarness({ seed: ingressCluster(), policies: [] });
    const original = (await h.client.getPod(NS, PODS[0]!))!;
    // The token was bound to the original pod; its controller replaced it (same name) before the anomaly arrived.
    await h.client.deletePod(NS, PODS[0]!);
    h.kube.api.put({ ...original, metadata: { name: PODS[0], namespace: NS, labels: original.metadata!.labels } });
    const replacement = (await h.client.getPod(NS, PODS[0]!))!;
    expect(replacement.metadata!.uid).not.toBe(original.metadata!.uid);
    const anomaly = stolenTokenAnomaly({
      id: 'e1000000-0000-4000-8000-000000000004',
      cluster: CLUSTER,
      principal: { type: 'ServiceAccount', name: SA, namespace: NS },
      workload: { namespace: NS, pod: PODS[0]!, podUid: original.metadata!.uid!, serviceAccount: 'ingress-nginx' },
      findings: STOLEN(['198.51.100.23']),
    });
    const writesBefore = h.kube.api.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list').length;
    const { planned } = await h.enforce(anomaly);
    expect(planned.map((p) => `${p.action.action}:${p.action.outcome}`)).toEqual(['revoke-credentials:skipped']);
    expect(planned[0]!.action.reason).toMatch(/was replaced since the anomaly.*never acted on/);
    expect(h.kube.api.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list')).toHaveLength(writesBefore);
    expect((await h.client.getPod(NS, PODS[0]!))!.metadata!.uid).toBe(replacement.metadata!.uid);

    // The same anomaly with the live pod's uid (it was not replaced) is acted on.
    const live = { ...anomaly, id: 'e1000000-0000-4000-8000-000000000005', workload: { ...anomaly.workload!, podUid: replacement.metadata!.uid! } };
    const acted = await h.enforce(live);
    expect(acted.planned.map((p) => `${p.action.action}:${p.action.outcome}`)).toEqual(['revoke-credentials:applied']);
    expect(await h.client.getPod(NS, PODS[0]!)).toBeNull();
  });

  it('a pod replaced between planning and the eviction (uid precondition) is left alone', async () => {
    h = await startHarness({ seed: ingressCluster(), policies: [] });
    const anomaly = stolen(PODS[0]!, 'e1000000-0000-4000-8000-000000000003');
    // Planned against the original pod (its uid is recorded), then the pod is replaced before the eviction runs.
    const original = (await h.client.getPod(NS, PODS[0]!))!;
    const realEvict = h.client.evictPod.bind(h.client);
    h.client.evictPod = async (ns, name, opts) => {
      await h!.client.deletePod(ns, name);
      h!.kube.api.put({ ...original, metadata: { name, namespace: ns, labels: original.metadata!.labels } });
      return realEvict(ns, name, opts);
    };
    const { planned } = await h.enforce(anomaly);
    expect(planned[0]!.action.outcome).toBe('applied');
    const replacement = await h.client.getPod(NS, PODS[0]!);
    expect(replacement).not.toBeNull();
    expect(replacement!.metadata!.uid).not.toBe(original.metadata!.uid);
  });
});
