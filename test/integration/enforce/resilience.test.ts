/**
 * Enforcement when things go wrong: 5xx answers (retried), the API server down (the action is
 * recorded `failed`, announced, retried by redelivery without acting twice), concurrent
 * changes (a 409 on the conditional relabel, a policy of the same name that is not
 * boundwatch's, a person editing boundwatch's policy: server-side apply takes it back), and
 * the rate limit.
 */
import { RetryLaterError } from '#shared/enforce/engine';
import { quarantinePolicyName } from '#shared/enforce/quarantine';
import { ANNOTATIONS, LABELS } from '#shared/enforce/types';
import { KubeConflictError } from '#shared/k8s/errors';
import type { ClusterClient } from '#shared/k8s/client';
import { CHECKOUT, kubectlClient, startHarness, stolenTokenAnomaly, type Harness } from './harness';
import { sentPolicy } from '#test/support/kube-apiserver';

const quarantineOnly = (id: string, pod = CHECKOUT) =>
  stolenTokenAnomaly({ id, workload: { namespace: 'shop', pod, serviceAccount: 'checkout' }, recommendedActions: ['quarantine'] });

describe('enforcement resilience', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('retries 5xx answers and applies', async () => {
    h = await startHarness();
    h.kube.api.failNext(2, { status: 503, match: { verb: 'patch', resource: 'pods' } });
    const { planned } = await h.enforce(quarantineOnly('b0000000-0000-4000-8000-000000000001'));
    expect(planned[0]!.action.outcome).toBe('applied');
    const podPatches = h.kube.api.requests.filter((r) => r.verb === 'patch' && r.resource === 'pods');
    expect(podPatches.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('API down: recorded failed, announced, nothing lost; redelivery after recovery applies once', async () => {
    h = await startHarness();
    await h.kube.api.down();
    const anomaly = stolenTokenAnomaly();
    await expect(h.enforce(anomaly)).rejects.toBeInstanceOf(RetryLaterError);
    const failed = h.actions();
    expect(failed.map((a) => `${a.action}:${a.outcome}`)).toEqual(['quarantine:failed']);
    expect(failed[0]!.reason).toMatch(/connection failed.*after 4 attempts.*\(retried on redelivery\)/);
    const rec = await h.store.get(failed[0]!.id);
    expect(rec).toMatchObject({ status: 'failed', retryable: true, attempts: 1 });

    await h.kube.api.up();
    const { planned } = await h.enforce(anomaly);
    expect(planned.map((p) => `${p.action.action}:${p.action.outcome}`)).toEqual(['quarantine:applied']);
    expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels?.[LABELS.quarantine]).toBeDefined();
    expect(await h.store.get(failed[0]!.id)).toMatchObject({ status: 'applied', attempts: 2 });
    // Every outcome was announced, in order, once each.
    expect(h.actions().map((a) => `${a.action}:${a.outcome}`)).toEqual(['quarantine:failed', 'quarantine:applied']);
    // A third delivery does nothing at all.
    const n = h.kube.api.requests.filter((r) => r.verb === 'patch').length;
    await h.enforce(anomaly);
    expect(h.kube.api.requests.filter((r) => r.verb === 'patch').length).toBe(n);
    expect(h.actions()).toHaveLength(2);
  });

  it('two concurrent deliveries of one anomaly: one acts, the other is told to retry later', async () => {
    h = await startHarness();
    const anomaly = quarantineOnly('b0000000-0000-4000-8000-000000000009');
    const [x, y] = await Promise.allSettled([h.enforce(anomaly), h.enforce(anomaly)]);
    const settled = [x, y].map((r) => r.status);
    expect(settled.sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = [x, y].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(RetryLaterError);
    expect((rejected.reason as Error).message).toMatch(/in progress in another invocation/);
    expect(h.kube.api.requests.filter((r) => r.verb === 'patch' && r.resource === 'pods')).toHaveLength(1);
    expect(h.actions().map((a) => a.outcome)).toEqual(['applied']);
    // The retried delivery then finds it done.
    expect((await h.enforce(anomaly)).planned[0]!.action.outcome).toBe('applied');
    expect(h.actions()).toHaveLength(1);
  });

  it('gives up after the configured attempts: failed and final', async () => {
    h = await startHarness();
    await h.kube.api.down();
    const anomaly = quarantineOnly('b0000000-0000-4000-8000-000000000002');
    for (let i = 0; i < 4; i++) await expect(h.enforce(anomaly)).rejects.toBeInstanceOf(RetryLaterError);
    const { planned } = await h.enforce(anomaly);
    expect(planned[0]!.action.outcome).toBe('failed');
    expect(planned[0]!.action.reason).not.toMatch(/retried on redelivery/);
    expect(await h.store.get(planned[0]!.action.id)).toMatchObject({ status: 'failed', retryable: false, attempts: 5 });
  });

  it('a label change racing the relabel (409) is read again and recorded for the release', async () => {
    let raced = false;
    h = await startHarness({
      wrapKube: (c) =>
        new Proxy(c, {
          get(target, prop: keyof ClusterClient) {
            if (prop === 'patchPodLabels' && !raced) {
              return async (...args: Parameters<ClusterClient['patchPodLabels']>) => {
                raced = true;
                // Someone labels the pod between boundwatch's read and its conditional patch.
                await kubectlClient(h!.kube).patchPodLabels('shop', CHECKOUT, { team: 'payments' });
                return target.patchPodLabels(...args);
              };
            }
            const v: unknown = Reflect.get(target, prop);
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }),
    });
    const { planned } = await h.enforce(quarantineOnly('b0000000-0000-4000-8000-000000000003'));
    expect(planned[0]!.action.outcome).toBe('applied');
    expect(h.kube.api.requests.filter((r) => r.verb === 'patch' && r.resource === 'pods' && r.status === 409)).toHaveLength(1);
    const pod = await h.client.getPod('shop', CHECKOUT);
    expect(Object.keys(pod!.metadata!.labels!)).toEqual([LABELS.quarantine]);
    const policy = await h.client.getNetworkPolicy('shop', quarantinePolicyName(CHECKOUT));
    expect(JSON.parse(policy!.metadata.annotations![ANNOTATIONS.restoreLabels]!)).toMatchObject({ team: 'payments', app: 'checkout' });
    const undo = (await h.store.get(planned[0]!.action.id))!.undo;
    expect(undo.filter((u) => u.undo === 'restore-pod-labels')).toEqual([expect.objectContaining({ labels: expect.objectContaining({ team: 'payments' }) })]);
    await h.revert(planned[0]!.action.id, 'release');
    expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels).toEqual({ app: 'checkout', tier: 'api', 'pod-template-hash': '6d9f8b7c5d', team: 'payments' });
  });

  it('a verification read that fails after the change records "applied, unverified", pages, and never rolls back', async () => {
    h = await startHarness({
      wrapKube: (c, k) =>
        new Proxy(c, {
          get(target, prop: keyof ClusterClient) {
            if (prop === 'patchPodLabels') {
              return async (...args: Parameters<ClusterClient['patchPodLabels']>) => {
                const r = await target.patchPodLabels(...args);
                // From now on every policy list fails: the read-back after the change cannot succeed.
                k.api.failNext(1000, { status: 503, match: { verb: 'list', resource: 'networkpolicies' } });
                return r;
              };
            }
            const v: unknown = Reflect.get(target, prop);
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }),
    });
    const { planned } = await h.enforce(quarantineOnly('b0000000-0000-4000-8000-00000000000a'));
    const action = planned[0]!.action;
    expect(action).toMatchObject({ outcome: 'applied', reason: expect.stringMatching(/^applied, unverified: the verification read failed \(.*503|unavailable/i) });
    expect(action.changes.at(-1)).toMatch(/applied, unverified: reading the cluster back failed 3 times.*not rolled back/);
    // Three reads, each with the client's own retries, all answered 503.
    expect(h.kube.api.requests.filter((r) => r.verb === 'list' && r.resource === 'networkpolicies' && r.status === 503).length).toBeGreaterThanOrEqual(3);
    h.kube.api.clearFaults();
    // Still quarantined: nothing was deleted or relabelled back.
    expect(h.kube.api.requests.filter((r) => r.verb === 'delete')).toHaveLength(0);
    expect(Object.keys((await h.client.getPod('shop', CHECKOUT))!.metadata!.labels!)).toEqual([LABELS.quarantine]);
    expect(await h.client.getNetworkPolicy('shop', quarantinePolicyName(CHECKOUT))).not.toBeNull();
    // Announced (the alert topic pages on it) and recorded applied, with its undo steps for the revert.
    expect(h.actions().map((a) => `${a.outcome}:${a.reason?.slice(0, 19)}`)).toEqual(['applied:applied, unverified']);
    const rec = await h.store.get(action.id);
    expect(rec).toMatchObject({ status: 'applied' });
    expect(rec!.undo.map((u) => u.undo).sort()).toEqual(['delete-policy', 'restore-pod-labels']);
    await h.revert(action.id, 'release');
    expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels).toEqual({ app: 'checkout', tier: 'api', 'pod-template-hash': '6d9f8b7c5d' });
  });

  it('never overwrites a policy of the same name that is not boundwatch\'s', async () => {
    h = await startHarness();
    const name = quarantinePolicyName(CHECKOUT);
    h.kube.api.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'x' } }, policyTypes: ['Ingress'] } });
    const { planned } = await h.enforce(quarantineOnly('b0000000-0000-4000-8000-000000000004'));
    expect(planned[0]!.action).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/exists and is not boundwatch's: not overwritten/) });
    expect((await h.client.getNetworkPolicy('shop', name))?.spec?.podSelector).toEqual({ matchLabels: { app: 'x' } });
    expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels?.app).toBe('checkout');
  });

  it('server-side apply: a person\'s edit of boundwatch\'s policy conflicts, and the retried apply takes it back', async () => {
    h = await startHarness();
    // The relabel fails after the policy is applied, and so does the rollback: the policy stays.
    h.kube.api.failNext(4, { status: 503, match: { verb: 'patch', resource: 'pods' } });
    h.kube.api.failNext(4, { status: 503, match: { verb: 'delete', resource: 'networkpolicies' } });
    const anomaly = quarantineOnly('b0000000-0000-4000-8000-000000000005');
    await expect(h.enforce(anomaly)).rejects.toBeInstanceOf(RetryLaterError);
    const failed = h.actions()[0]!;
    expect(failed.reason).toMatch(/rollback incomplete/);
    const name = quarantinePolicyName(CHECKOUT);
    const ours = await h.client.getNetworkPolicy('shop', name);
    const edit = sentPolicy({ name, namespace: 'shop' }, { podSelector: ours!.spec.podSelector as Record<string, unknown>, policyTypes: ['Ingress', 'Egress'], ingress: [{}] });
    const kubectl = kubectlClient(h.kube);
    // boundwatch owns the rule lists: another manager cannot change them without forcing.
    await expect(kubectl.applyNetworkPolicy(edit)).rejects.toBeInstanceOf(KubeConflictError);
    await kubectl.applyNetworkPolicy(edit, { force: true });
    expect((await h.client.getNetworkPolicy('shop', name))?.spec?.ingress).toHaveLength(1);

    h.kube.api.clearRequests();
    const { planned } = await h.enforce(anomaly);
    expect(planned[0]!.action.outcome).toBe('applied');
    const live = await h.client.getNetworkPolicy('shop', name);
    expect(live?.spec?.ingress ?? []).toEqual([]);
    expect(live?.spec?.egress ?? []).toEqual([]);
    expect(h.kube.api.requests.find((r) => r.resource === 'networkpolicies' && r.verb === 'patch')).toMatchObject({ fieldManager: 'boundwatch', force: true, status: 200 });
  });

  it('rate limit: over maxActionsPerHour an action is held, queued and announced, then acted on when the next hour has budget', async () => {
    // The floor is off here: this is about the hourly budget alone.
    h = await startHarness({ config: { maxActionsPerHour: 1, rails: { replicaFloor: { minHealthyPercent: 0 } } } });
    // Both happened in the 12:00 hour (budgets count at the anomaly's time), decided at 12:00.
    const inHour12 = { window: { start: '2026-03-01T11:58:00.000Z', end: '2026-03-01T12:00:00.000Z' } };
    const first = await h.enforce({ ...quarantineOnly('b0000000-0000-4000-8000-000000000006'), ...inHour12 });
    const second = await h.enforce({ ...quarantineOnly('b0000000-0000-4000-8000-000000000007', 'checkout-6d9f8b7c5d-fghij'), ...inHour12 });
    expect(first.planned[0]!.action.outcome).toBe('applied');
    expect(second.planned[0]!.action).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^held: rate limit: 1 actions per hour.*; queued, re-evaluated from 2026-03-01T12:15:00.000Z/) });
    expect((await h.client.getPod('shop', 'checkout-6d9f8b7c5d-fghij'))?.metadata?.labels?.app).toBe('checkout');
    expect(h.actions().map((a) => a.outcome)).toEqual(['applied', 'skipped']);
    // Still inside the hour: re-evaluated, held again, nothing changed.
    h.clock.advance(20);
    await h.sweep();
    expect(h.actions().map((a) => a.outcome)).toEqual(['applied', 'skipped', 'skipped']);
    expect((await h.client.getPod('shop', 'checkout-6d9f8b7c5d-fghij'))?.metadata?.labels?.app).toBe('checkout');
    // The next hour (event time) has budget: the held action is taken, nothing was dropped.
    h.clock.advance(40);
    const swept = await h.sweep();
    expect(swept.planned.map((p) => `${p.action.anomalyId}:${p.action.outcome}`)).toEqual(['b0000000-0000-4000-8000-000000000007:applied']);
    expect((await h.client.getPod('shop', 'checkout-6d9f8b7c5d-fghij'))?.metadata?.labels?.app).toBeUndefined();
    // Out of the queue: a later sweep finds nothing.
    h.clock.advance(30);
    expect((await h.sweep()).planned).toEqual([]);
  });
});
