/**
 * boundwatch's shipped RBAC, enforced by the test API server the way RBAC would: every
 * operation enforcement and inventory perform works with exactly these rules, and what the
 * roles must not do (list secrets, write from the inventory role) is refused.
 */
import { ClusterAuthError } from '#shared/errors';
import { createClusterClient, type ClusterClient } from '#shared/k8s/client';
import { inventoryFromCluster } from '#shared/inventory/from-cluster';
import { kubeConfigFromParts } from '#shared/k8s/kubeconfig';
import { ENFORCER_GROUP, ENFORCER_RULES, INVENTORY_GROUP, INVENTORY_RULES } from '#shared/k8s/rbac';
import { sentPolicy, startKubeFixture, type KubeFixture } from '#test/support/kube-apiserver';

const inventory = {
  namespaces: [{ name: 'shop' }],
  nodes: [{ name: 'node-a', ip: '10.20.1.5' }],
  pods: [{ namespace: 'shop', name: 'checkout-0', ip: '10.1.0.1', labels: { app: 'checkout' }, serviceAccount: 'checkout' }],
  services: [{ namespace: 'shop', name: 'checkout', selector: { app: 'checkout' }, ports: [{ port: 80 }] }],
};

describe('shipped RBAC', () => {
  let k: KubeFixture;
  const clientFor = (token: string): ClusterClient =>
    createClusterClient(kubeConfigFromParts({ name: 'rbac', server: k.api.url, token, insecureSkipTlsVerify: true }), { retry: { baseDelayMs: 1 } });

  beforeEach(async () => {
    k = await startKubeFixture({ seed: inventory });
    k.api.addUser('enforcer', { name: 'arn:aws:sts::111122223333:assumed-role/enforce/fn', groups: [ENFORCER_GROUP], rules: [...ENFORCER_RULES] });
    k.api.addUser('inventory', { name: 'arn:aws:sts::111122223333:assumed-role/inventory/fn', groups: [INVENTORY_GROUP], rules: [...INVENTORY_RULES] });
    k.api.put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'checkout', namespace: 'shop' }, secrets: [{ name: 'checkout-token' }] });
    k.api.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'checkout-token', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'checkout' } },
      type: 'kubernetes.io/service-account-token',
      data: { token: 'dG9rZW4=' },
    });
  });
  afterEach(async () => {
    await k.stop();
  });

  it('lets the enforcer group do every enforcement and revert step', async () => {
    const c = clientFor('enforcer');
    const pod = (await c.listPods({ namespace: 'shop', labelSelector: { app: 'checkout' } }))[0]!;
    await c.patchPodLabels('shop', 'checkout-0', { 'boundwatch.io/quarantine': 'true' });
    await c.applyPodLabels('shop', 'checkout-0', { 'boundwatch.io/quarantine': 'true' }, { force: true });
    const policy = sentPolicy({ name: 'boundwatch-quarantine', namespace: 'shop' }, { podSelector: { matchLabels: { 'boundwatch.io/quarantine': 'true' } }, policyTypes: ['Ingress', 'Egress'] });
    await c.applyNetworkPolicy(policy); // creates: patch + create
    await c.applyNetworkPolicy(policy); // updates: patch
    expect(await c.getNetworkPolicy('shop', 'boundwatch-quarantine')).toBeTruthy();
    expect((await c.listNetworkPolicies({ namespace: 'shop' })).items).toHaveLength(1);
    await c.getNamespace('shop');
    await c.listNamespaces();
    await c.listServices();
    await c.listNodes();
    await c.listServiceAccounts({ namespace: 'shop' });
    const tokens = await c.legacyTokenSecrets('shop', 'checkout');
    expect(tokens.map((t) => t.metadata.name)).toEqual(['checkout-token']);
    expect(await c.deleteSecret('shop', 'checkout-token', { uid: tokens[0]!.metadata.uid! })).toBe('deleted');
    expect(await c.deletePod('shop', 'checkout-0', { uid: pod.metadata!.uid! })).toBe('deleted');
    expect(await c.deleteNetworkPolicy('shop', 'boundwatch-quarantine')).toBe('deleted');
    expect(k.api.requests.filter((r) => r.status === 403)).toEqual([]);
  });

  it('does not let the enforcer list secrets (list returns every secret\'s data)', async () => {
    await expect(clientFor('enforcer').listSecrets({ namespace: 'shop' })).rejects.toBeInstanceOf(ClusterAuthError);
  });

  it('needs create for the first apply of a policy, as kube-apiserver checks', async () => {
    k.api.addUser('no-create', {
      name: 'no-create',
      rules: ENFORCER_RULES.map((r) => ({ ...r, verbs: r.verbs.filter((v) => !(r.resources.includes('networkpolicies') && v === 'create')) })),
    });
    const err = await clientFor('no-create')
      .applyNetworkPolicy(sentPolicy({ name: 'p', namespace: 'shop' }, { podSelector: {} }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterAuthError);
    expect((err as Error).message).toMatch(/cannot create resource "networkpolicies"/);
  });

  it('lets the inventory group read a snapshot and nothing more', async () => {
    const c = clientFor('inventory');
    const inv = await inventoryFromCluster(c);
    expect(inv.pods.map((p) => p.name)).toEqual(['checkout-0']);
    expect((await c.listNetworkPolicies()).items).toEqual([]);
    await expect(c.patchPodLabels('shop', 'checkout-0', { a: 'b' })).rejects.toBeInstanceOf(ClusterAuthError);
    await expect(c.getSecret('shop', 'checkout-token')).rejects.toBeInstanceOf(ClusterAuthError);
    await expect(c.listServiceAccounts()).rejects.toBeInstanceOf(ClusterAuthError);
  });
});
