/** The blast-radius rails, decided from live workload facts: each one raising and quiet. */
import type { V1Pod } from '@kubernetes/client-node';
import { RailsConfig } from '#shared/enforce/config';
import { checkRails, podIsHealthy, podsTakenOut, railVerdict, replicaFloor, type WorkloadFacts } from '#shared/enforce/rails';
import type { Operation } from '#shared/enforce/types';
import type { z } from 'zod';

const rails = (c: z.input<typeof RailsConfig> = {}) => RailsConfig.parse(c);

function facts(o: Partial<WorkloadFacts> = {}): WorkloadFacts {
  return { namespace: 'shop', pod: 'checkout-6d9f8b7c5d-abcde', labels: { app: 'checkout' }, podHealthy: true, owner: { kind: 'Deployment', name: 'checkout', desired: 4, healthy: 4 }, ...o };
}

describe('replica floor', () => {
  it('is the larger of the absolute and the percentage (rounded down)', () => {
    expect(replicaFloor({ minHealthy: 0, minHealthyPercent: 50 }, 1)).toBe(0);
    expect(replicaFloor({ minHealthy: 0, minHealthyPercent: 50 }, 2)).toBe(1);
    expect(replicaFloor({ minHealthy: 0, minHealthyPercent: 50 }, 5)).toBe(2);
    expect(replicaFloor({ minHealthy: 3, minHealthyPercent: 50 }, 4)).toBe(3);
    expect(replicaFloor({ minHealthy: 1, minHealthyPercent: 0 }, 1)).toBe(1);
  });

  it('holds an action that would leave fewer healthy replicas than the floor', () => {
    const v = railVerdict(rails(), facts({ owner: { kind: 'Deployment', name: 'ingress', desired: 2, healthy: 1 } }));
    expect(v).toMatchObject({ outcome: 'hold', reason: expect.stringMatching(/^rail replica floor: Deployment shop\/ingress has 1 healthy of 2 desired \(live\); .* leaves 0, floor 1 .*held below the floor$/) });
  });

  it('lets an action through that stays at or above the floor, and says what it checked', () => {
    const v = railVerdict(rails(), facts({ owner: { kind: 'Deployment', name: 'ingress', desired: 2, healthy: 2 } }));
    expect(v.outcome).toBe('pass');
    expect(v.lines.join()).toMatch(/leaves 1, floor 1/);
  });

  it('does not count a pod that is not healthy itself (already out of service)', () => {
    expect(railVerdict(rails(), facts({ podHealthy: false, owner: { kind: 'Deployment', name: 'ingress', desired: 2, healthy: 1 } })).outcome).toBe('pass');
  });

  it('an absolute floor holds a single-replica workload; the default percentage does not', () => {
    const single = facts({ owner: { kind: 'Deployment', name: 'api', desired: 1, healthy: 1 } });
    expect(railVerdict(rails(), single).outcome).toBe('pass');
    expect(railVerdict(rails({ replicaFloor: { minHealthy: 1 } }), single).outcome).toBe('hold');
  });

  it('holds when the owner cannot be read: the floor cannot be checked', () => {
    expect(railVerdict(rails(), facts({ owner: { kind: 'ReplicaSet', name: 'x' }, unreadable: 'its owner ReplicaSet shop/x was not found' }))).toMatchObject({ outcome: 'hold', reason: expect.stringMatching(/cannot be checked/) });
  });

  it('does not apply to a pod without a controller', () => {
    const { owner: _owner, ...bare } = facts();
    expect(railVerdict(rails(), bare)).toMatchObject({ outcome: 'pass', lines: [expect.stringMatching(/not applicable .*no controller/)] });
  });
});

describe('excluded workloads', () => {
  it.each(['StatefulSet', 'DaemonSet'])('skips pods of a %s by default', (kind) => {
    expect(railVerdict(rails(), facts({ owner: { kind, name: 'db', desired: 3, healthy: 3 } }))).toMatchObject({ outcome: 'skip', reason: expect.stringMatching(new RegExp(`rail workload kind: .*${kind} pods are never taken out`)) });
  });

  it('acts on them when the list is emptied, and excludes other kinds when configured', () => {
    expect(railVerdict(rails({ excludedWorkloadKinds: [] }), facts({ owner: { kind: 'StatefulSet', name: 'db', desired: 3, healthy: 3 } })).outcome).toBe('pass');
    expect(railVerdict(rails({ excludedWorkloadKinds: ['Deployment'] }), facts()).outcome).toBe('skip');
  });

  it('skips pods of system-* priority classes, not others', () => {
    expect(railVerdict(rails(), facts({ priorityClassName: 'system-node-critical' }))).toMatchObject({ outcome: 'skip', reason: expect.stringMatching(/priority class system-node-critical/) });
    expect(railVerdict(rails(), facts({ priorityClassName: 'high-priority' })).outcome).toBe('pass');
    expect(railVerdict(rails({ excludedPriorityClasses: ['high-*'] }), facts({ priorityClassName: 'high-priority' })).outcome).toBe('skip');
  });
});

describe('criticality list', () => {
  it.each([
    [{ namespace: 'shop' }],
    [{ workload: 'Deployment/checkout' }],
    [{ workload: 'check*' }],
    [{ labels: { app: 'checkout' } }],
    [{ namespace: 'shop', labels: { app: 'checkout' }, reason: 'revenue path' }],
  ])('skips a target matching %j', (entry) => {
    const v = railVerdict(rails({ critical: [entry] }), facts());
    expect(v).toMatchObject({ outcome: 'skip', reason: expect.stringMatching(/^rail critical: Deployment shop\/checkout is on the criticality list/) });
  });

  it.each([[{ namespace: 'payments' }], [{ workload: 'Deployment/cart' }], [{ labels: { app: 'checkout', tier: 'db' } }], [{ namespace: 'shop', workload: 'cart' }]])('lets a target not matching %j through', (entry) => {
    expect(railVerdict(rails({ critical: [entry] }), facts()).outcome).toBe('pass');
  });

  it('rejects an entry that matches everything', () => {
    expect(() => rails({ critical: [{ reason: 'all' }] })).toThrow(/needs at least one/);
  });

  it('applies to actions that take no pod out (a policy on a Deployment), by namespace and workload', async () => {
    const policy: Operation[] = [];
    const target = { kind: 'Deployment' as const, namespace: 'shop', name: 'checkout' };
    expect(await checkRails(undefined, rails({ critical: [{ workload: 'Deployment/checkout' }] }), policy, target)).toMatchObject({ outcome: 'skip' });
    expect(await checkRails(undefined, rails({ critical: [{ workload: 'Deployment/cart' }] }), policy, target)).toEqual({ outcome: 'pass', lines: [] });
  });
});

describe('what the rails look at', () => {
  it('the operations that take a pod out of service', () => {
    const ops = [
      { op: 'evict-pod', namespace: 'a', pod: 'p1', why: '' },
      { op: 'delete-secret', namespace: 'a', name: 's' },
      { op: 'delete-pod', namespace: 'a', pod: 'p2', why: '' },
      // Both quarantine mechanisms cut the pod's traffic: relabel + deny-all, and the Admin-tier deny.
      { op: 'quarantine-pod', namespace: 'a', pod: 'p3', token: 't', policy: { metadata: { name: 'q', namespace: 'a' }, spec: {} } },
      { op: 'isolate-pod', namespace: 'a', pod: 'p4', token: 't', clusterPolicy: { metadata: { name: 'c' }, spec: {} }, policy: { metadata: { name: 'q', namespace: 'a' }, spec: {} } },
      { op: 'apply-policy', policy: { metadata: { name: 'e', namespace: 'a' }, spec: {} } },
    ] as Operation[];
    expect(podsTakenOut(ops)).toEqual(['p1', 'p2', 'p3', 'p4'].map((pod) => ({ namespace: 'a', pod })));
  });

  it('without cluster access, says what it could not check and does not hold', async () => {
    const v = await checkRails(undefined, rails(), [{ op: 'evict-pod', namespace: 'a', pod: 'p', why: '' }]);
    expect(v).toMatchObject({ outcome: 'pass', lines: [expect.stringMatching(/rails not checked \(no cluster access\)/)] });
  });

  it('a healthy pod is running, ready, not terminating and not quarantined', () => {
    const p = (o: { phase?: string; ready?: string; deleting?: boolean; labels?: Record<string, string> } = {}): V1Pod => ({
      metadata: { name: 'p', labels: o.labels ?? {}, ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
      status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready ?? 'True' }] },
    });
    expect(podIsHealthy(p())).toBe(true);
    expect(podIsHealthy(p({ phase: 'Pending' }))).toBe(false);
    expect(podIsHealthy(p({ ready: 'False' }))).toBe(false);
    expect(podIsHealthy(p({ deleting: true }))).toBe(false);
    expect(podIsHealthy(p({ labels: { 'boundwatch.io/quarantine': 'abc' } }))).toBe(false);
  });
});
