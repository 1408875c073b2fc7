import type { V1Pod } from '@kubernetes/client-node';
import { podOwner, toInventoryNode, toInventoryPod, toInventoryService } from '#shared/inventory/from-cluster';

const pod = (over: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: 'checkout-6d9f8b7c5d-abcde', namespace: 'shop', labels: { app: 'checkout', 'pod-template-hash': '6d9f8b7c5d' } },
  spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 53, protocol: 'UDP' }] }], serviceAccountName: 'checkout', nodeName: 'n1' },
  status: { phase: 'Running', podIP: '10.1.0.1', hostIP: '10.20.1.5' },
  ...over,
});

describe('podOwner', () => {
  it.each([
    [[{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-6d9f8b7c5d', uid: 'u', controller: true }], { 'pod-template-hash': '6d9f8b7c5d' }, { kind: 'Deployment', name: 'checkout' }],
    [[{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-server-7c9d8f6b5q', uid: 'u', controller: true }], {}, { kind: 'Deployment', name: 'api-server' }],
    [[{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'standalone', uid: 'u', controller: true }], {}, { kind: 'ReplicaSet', name: 'standalone' }],
    [[{ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-29012345', uid: 'u', controller: true }], {}, { kind: 'CronJob', name: 'nightly' }],
    [[{ apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', uid: 'u', controller: true }], {}, { kind: 'Job', name: 'migrate' }],
    [[{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }], {}, { kind: 'StatefulSet', name: 'db' }],
    [[], {}, undefined],
  ])('%j → %j', (ownerReferences, labels, expected) => {
    expect(podOwner({ metadata: { name: 'p', ownerReferences, labels } })).toEqual(expected);
  });
});

describe('inventory conversion', () => {
  it('keeps what the inventory uses from a pod, with port protocols defaulted', () => {
    expect(toInventoryPod(pod())).toEqual({
      namespace: 'shop',
      name: 'checkout-6d9f8b7c5d-abcde',
      ip: '10.1.0.1',
      labels: { app: 'checkout', 'pod-template-hash': '6d9f8b7c5d' },
      serviceAccount: 'checkout',
      hostNetwork: false,
      nodeName: 'n1',
      hostIP: '10.20.1.5',
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ],
    });
  });

  it.each([
    ['pending, no IP', { status: { phase: 'Pending' } }],
    ['succeeded', { status: { phase: 'Succeeded', podIP: '10.1.0.1' } }],
    ['failed', { status: { phase: 'Failed', podIP: '10.1.0.1' } }],
  ])('drops a pod that is %s', (_what, over) => {
    expect(toInventoryPod(pod(over as Partial<V1Pod>))).toBeUndefined();
  });

  it('drops the "None" of headless services and keeps named target ports', () => {
    expect(toInventoryService({ metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ port: 5432, targetPort: 'pg' }] } })).toEqual({
      namespace: 'shop',
      name: 'db',
      type: 'ClusterIP',
      ports: [{ port: 5432, targetPort: 'pg', protocol: 'TCP' }],
    });
  });

  it('takes a node\'s InternalIP, else its ExternalIP, else drops it', () => {
    expect(toInventoryNode({ metadata: { name: 'n' }, status: { addresses: [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: '10.0.0.1' }] } })?.ip).toBe('10.0.0.1');
    expect(toInventoryNode({ metadata: { name: 'n' }, status: { addresses: [{ type: 'ExternalIP', address: '3.3.3.3' }] } })?.ip).toBe('3.3.3.3');
    expect(toInventoryNode({ metadata: { name: 'n' }, status: { addresses: [] } })).toBeUndefined();
  });
});
