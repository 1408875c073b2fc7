import type { ClusterInventory } from '#shared/inventory/cluster';
import { joinSignal, podLookup } from '#shared/runtime/join';
import { HOUR, signal, T0 } from './signals';

function inventory(pods: Array<{ name: string; uid?: string; serviceAccount?: string; owner?: { kind: string; name: string } }>): ClusterInventory {
  return {
    namespaces: [{ name: 'shop', labels: {} }],
    pods: pods.map((p) => ({ namespace: 'shop', ip: '10.20.2.41', labels: { app: 'x' }, hostNetwork: false, ports: [], ...p })),
    services: [],
    nodes: [],
  };
}

// The pod name `worker-abc` belongs to the batch Job until T0, then to a new pod of the importer.
const snapshots = [
  { takenAt: T0 - 10 * HOUR, inventory: inventory([{ name: 'worker-abc', uid: 'uid-old', serviceAccount: 'batch', owner: { kind: 'Job', name: 'batch' } }]) },
  { takenAt: T0, inventory: inventory([{ name: 'worker-abc', uid: 'uid-new', serviceAccount: 'importer', owner: { kind: 'ReplicaSet', name: 'importer-6d9f7c8b5' } }]) },
];
const lookup = podLookup(snapshots);

describe('joining runtime signals', () => {
  it('joins by namespace and pod name over the snapshot in force at the signal time', () => {
    const early = joinSignal(signal({ id: 'a', at: T0 - HOUR, workload: { namespace: 'shop', pod: 'worker-abc' }, join: 'unjoined' }), lookup);
    expect(early).toMatchObject({ join: 'pod-name', principal: 'system:serviceaccount:shop:batch', workload: { podUid: 'uid-old', owner: { kind: 'Job', name: 'batch' } } });
    const late = joinSignal(signal({ id: 'b', at: T0 + HOUR, workload: { namespace: 'shop', pod: 'worker-abc' }, join: 'unjoined' }), lookup);
    expect(late).toMatchObject({ join: 'pod-name', principal: 'system:serviceaccount:shop:importer', workload: { podUid: 'uid-new', owner: { kind: 'Deployment', name: 'importer' } } });
  });

  it('joins by pod UID first, even when the name would say otherwise', () => {
    const s = joinSignal(signal({ id: 'c', at: T0 + HOUR, workload: { namespace: 'shop', pod: 'worker-abc', podUid: 'uid-old' }, join: 'unjoined' }), lookup);
    expect(s).toMatchObject({ join: 'pod-uid', principal: 'system:serviceaccount:shop:batch' });
  });

  it('keeps a UID-only signal joinable to the pod token audit events though no snapshot has it', () => {
    const s = joinSignal(signal({ id: 'd', at: T0, workload: { namespace: 'shop', podUid: 'uid-gone' }, join: 'unjoined' }), lookup);
    expect(s).toMatchObject({ join: 'pod-uid', workload: { podUid: 'uid-gone' } });
    expect(s.principal).toBeUndefined();
  });

  it('keeps unknown pods unjoined, and a pod born between snapshots joins through the next one', () => {
    expect(joinSignal(signal({ id: 'e', at: T0, workload: { namespace: 'shop', pod: 'nope' }, join: 'unjoined' }), lookup).join).toBe('unjoined');
    const between = podLookup([snapshots[0]!, { takenAt: T0, inventory: inventory([{ name: 'fresh', serviceAccount: 'web' }]) }]);
    expect(joinSignal(signal({ id: 'f', at: T0 - HOUR, workload: { namespace: 'shop', pod: 'fresh' }, join: 'unjoined' }), between).principal).toBe('system:serviceaccount:shop:web');
  });

  it('keeps the service account GuardDuty names', () => {
    const s = joinSignal(signal({ id: 'g', at: T0 + HOUR, workload: { namespace: 'shop', pod: 'worker-abc' }, principal: 'system:serviceaccount:shop:named', join: 'guardduty' }), lookup);
    expect(s).toMatchObject({ join: 'guardduty', principal: 'system:serviceaccount:shop:named', workload: { owner: { name: 'importer' } } });
  });
});
