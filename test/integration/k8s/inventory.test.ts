/**
 * inventoryFromCluster over real HTTP: an inventory seeded into the test API server comes back
 * as the same inventory (what functions/inventory snapshots), across pages.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterInventory, normalizeInventory } from '#shared/inventory/cluster';
import { createClusterClient } from '#shared/k8s/client';
import { inventoryFromCluster } from '#shared/inventory/from-cluster';
import { loadKubeConfig } from '#infra/local/kubeconfig';
import { startKubeFixture } from '#test/support/kube-apiserver';
import { runStandalone } from '#test/support/kube-apiserver/main';

const input = ClusterInventory.parse({
  namespaces: [{ name: 'shop', labels: { team: 'payments' } }, { name: 'kube-system' }],
  pods: [
    { namespace: 'shop', name: 'checkout-6d9f8b7c5d-abcde', ip: '10.1.0.1', labels: { app: 'checkout' }, serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' }, nodeName: 'ip-10-20-1-5.ec2.internal', hostIP: '10.20.1.5', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    { namespace: 'shop', name: 'worker', ip: '10.1.0.9', owner: { kind: 'Deployment', name: 'worker' } },
    { namespace: 'shop', name: 'db-0', ip: '10.1.0.2', labels: { app: 'db' }, owner: { kind: 'StatefulSet', name: 'db' }, ports: [{ port: 5432, protocol: 'TCP' }] },
    { namespace: 'kube-system', name: 'aws-node-x1', ip: '10.20.1.5', hostNetwork: true, owner: { kind: 'DaemonSet', name: 'aws-node' }, serviceAccount: 'aws-node' },
    { namespace: 'kube-system', name: 'coredns-5d78c9869d-q2x7w', ip: '10.1.0.3', labels: { 'k8s-app': 'kube-dns' }, owner: { kind: 'Deployment', name: 'coredns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] },
  ],
  services: [
    { namespace: 'shop', name: 'checkout', clusterIP: '172.20.0.10', selector: { app: 'checkout' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    { namespace: 'shop', name: 'db', type: 'ClusterIP', selector: { app: 'db' }, ports: [{ port: 5432, targetPort: 5432, protocol: 'TCP' }] },
  ],
  nodes: [{ name: 'ip-10-20-1-5.ec2.internal', ip: '10.20.1.5', labels: { 'topology.kubernetes.io/zone': 'us-east-1a' } }],
});

const byKey = <T extends { name: string; namespace?: string }>(xs: T[]) => [...xs].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));

describe('inventoryFromCluster', () => {
  it('returns the seeded inventory, following pages', async () => {
    const k = await startKubeFixture({ seed: input, client: { pageSize: 2 } });
    try {
      const inv = await inventoryFromCluster(k.client);
      const expected = normalizeInventory(input);
      expect(byKey(inv.namespaces)).toEqual(byKey(expected.namespaces));
      // Every pod runs as some ServiceAccount: `default` when the inventory named none.
      // ...and carries the uid the API server gave it (what a bound token names).
      const uidOf = (ns: string, name: string) => (k.api.get('pods', ns, name)!.metadata as { uid: string }).uid;
      expect(byKey(inv.pods)).toEqual(byKey(expected.pods.map((p) => ({ ...p, serviceAccount: p.serviceAccount ?? 'default', uid: uidOf(p.namespace, p.name) }))));
      expect(byKey(inv.services)).toEqual(byKey(expected.services));
      expect(inv.nodes).toEqual([{ ...expected.nodes[0]!, labels: { ...expected.nodes[0]!.labels, 'kubernetes.io/hostname': 'ip-10-20-1-5.ec2.internal', 'kubernetes.io/os': 'linux' } }]);
      expect(k.api.requests.filter((r) => r.resource === 'pods').length).toBe(3);
    } finally {
      await k.stop();
    }
  });

  it('skips pods without an IP and finished pods', async () => {
    const k = await startKubeFixture({ seed: { namespaces: [{ name: 'shop' }] } });
    try {
      await k.client.listNamespaces();
      // Created over the API, a pod is Pending with no IP, as on a real cluster.
      const res = await fetch(`${k.api.url}/api/v1/namespaces/shop/pods`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${k.api.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'pending' }, spec: { containers: [{ name: 'c', image: 'i' }] } }),
      });
      expect(res.status).toBe(201);
      k.api.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'done', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Succeeded', podIP: '10.1.0.7' } });
      k.api.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'live', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running', podIP: '10.1.0.8' } });
      expect((await inventoryFromCluster(k.client)).pods.map((p) => p.name)).toEqual(['live']);
    } finally {
      await k.stop();
    }
  });
});

describe('standalone test API server', () => {
  it('starts from the command line with a seed and writes a working kubeconfig', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-standalone-'));
    const seed = join(dir, 'cluster.json');
    writeFileSync(seed, JSON.stringify(input));
    const out = join(dir, 'kube', 'config.yaml');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errWrite = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const server = await runStandalone(['--seed', seed, '--kubeconfig', out]);
    try {
      expect(write).toHaveBeenCalledWith(`${server.url}\n`);
      const client = createClusterClient(loadKubeConfig(out));
      expect((await client.listPods({ namespace: 'shop' })).length).toBe(3);
    } finally {
      write.mockRestore();
      errWrite.mockRestore();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
