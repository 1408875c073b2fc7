/**
 * ClusterClient against the test API server over real HTTP: every operation enforcement and
 * inventory use, the error mapping, retries (5xx, 429, resets, timeouts, the API down), and the
 * rule that secret data never comes back.
 */
import { ClusterAuthError, DownstreamError, ValidationError } from '#shared/errors';
import { createClusterClient, FIELD_MANAGER, type ClusterClient } from '#shared/k8s/client';
import type { ClusterNetworkPolicy } from '#shared/netpol-api/cluster-types';
import type { NetworkPolicy } from '#shared/netpol-api/types';
import { KubeConflictError, KubeInvalidError, KubeNotFoundError, UnreadablePolicyError } from '#shared/k8s/errors';
import { kubeConfigFromParts, type KubeConfigSource } from '#shared/k8s/kubeconfig';
import { sentPolicy, startKubeFixture, type KubeFixture } from '#test/support/kube-apiserver';

const inventory = {
  namespaces: [{ name: 'shop' }, { name: 'web' }],
  nodes: [{ name: 'ip-10-20-1-5.ec2.internal', ip: '10.20.1.5' }],
  pods: [
    { namespace: 'shop', name: 'checkout-6d9f8b7c5d-abcde', ip: '10.1.0.1', labels: { app: 'checkout' }, serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' } },
    { namespace: 'shop', name: 'cart-0', ip: '10.1.0.2', labels: { app: 'cart' } },
    { namespace: 'web', name: 'frontend-1', ip: '10.1.1.1', labels: { app: 'frontend' } },
  ],
  services: [{ namespace: 'shop', name: 'checkout', clusterIP: '172.20.0.10', selector: { app: 'checkout' }, ports: [{ port: 80 }] }],
};

const quarantine: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'boundwatch-quarantine', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'boundwatch' } },
  spec: { podSelector: { matchLabels: { 'boundwatch.io/quarantine': 'true' } }, policyTypes: ['Ingress', 'Egress'] },
};

describe('ClusterClient over the test API server', () => {
  let k: KubeFixture;
  let client: ClusterClient;
  let retries: { operation: string; attempt: number; reason: string }[];

  beforeEach(async () => {
    retries = [];
    k = await startKubeFixture({ seed: inventory, client: { onRetry: (r) => retries.push(r) } });
    client = k.client;
  });
  afterEach(async () => {
    await k.stop();
  });

  describe('reads', () => {
    it('gets and lists pods by namespace and label selector', async () => {
      expect((await client.getPod('shop', 'cart-0'))?.status?.podIP).toBe('10.1.0.2');
      expect(await client.getPod('shop', 'gone')).toBeNull();
      expect((await client.listPods({ namespace: 'shop' })).map((p) => p.metadata?.name)).toEqual(['cart-0', 'checkout-6d9f8b7c5d-abcde']);
      expect((await client.listPods({ labelSelector: { app: 'frontend' } })).map((p) => p.metadata?.namespace)).toEqual(['web']);
      expect((await client.listPods({ namespace: 'shop', labelSelector: 'app in (cart)' })).map((p) => p.metadata?.name)).toEqual(['cart-0']);
      expect(k.api.requests.at(-1)).toMatchObject({ verb: 'list', labelSelector: 'app in (cart)' });
    });

    it('lists namespaces, services, nodes and service accounts', async () => {
      expect((await client.listNamespaces()).map((n) => n.metadata?.name)).toEqual(['shop', 'web']);
      expect(await client.getNamespace('web')).toBeTruthy();
      expect(await client.getNamespace('nope')).toBeNull();
      expect((await client.listServices({ namespace: 'shop' })).map((s) => s.spec?.clusterIP)).toEqual(['172.20.0.10']);
      expect((await client.listNodes()).map((n) => n.metadata?.name)).toEqual(['ip-10-20-1-5.ec2.internal']);
      expect((await client.listServiceAccounts({ namespace: 'shop' })).map((s) => s.metadata?.name)).toEqual(['checkout', 'default']);
      expect((await client.getServiceAccount('shop', 'checkout'))?.metadata?.name).toBe('checkout');
    });

    it('follows continue tokens across pages', async () => {
      const paged = createClusterClient(k.kubeConfig, { pageSize: 1, retry: { baseDelayMs: 1 } });
      k.api.clearRequests();
      expect(await paged.listPods()).toHaveLength(3);
      expect(k.api.requests.filter((r) => r.verb === 'list').map((r) => r.query.continue !== undefined)).toEqual([false, true, true]);
    });
  });

  describe('writes', () => {
    it('patches pod labels with a merge patch as field manager boundwatch', async () => {
      const pod = await client.patchPodLabels('shop', 'cart-0', { 'boundwatch.io/quarantine': 'true', app: null });
      expect(pod.metadata?.labels).toEqual({ 'boundwatch.io/quarantine': 'true' });
      expect(k.api.requests.at(-1)).toMatchObject({ method: 'PATCH', contentType: 'application/merge-patch+json', fieldManager: FIELD_MANAGER });
    });

    it('makes a label patch conditional on resourceVersion (409 when stale)', async () => {
      const before = await client.getPod('shop', 'cart-0');
      await client.patchPodLabels('shop', 'cart-0', { a: 'b' });
      const err = await client.patchPodLabels('shop', 'cart-0', { a: 'c' }, { resourceVersion: before!.metadata!.resourceVersion! }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeConflictError);
      expect((err as KubeConflictError).message).toMatch(/^patch labels of pod shop\/cart-0: Operation cannot be fulfilled on pods "cart-0"/);
    });

    it('applies pod labels by server-side apply and removes them again', async () => {
      const applied = await client.applyPodLabels('shop', 'cart-0', { 'boundwatch.io/quarantine': 'true' });
      expect(applied.metadata?.labels).toEqual({ app: 'cart', 'boundwatch.io/quarantine': 'true' });
      expect(k.api.requests.at(-1)).toMatchObject({ contentType: 'application/apply-patch+yaml', fieldManager: 'boundwatch', force: false });
      const reverted = await client.applyPodLabels('shop', 'cart-0', {});
      expect(reverted.metadata?.labels).toEqual({ app: 'cart' });
    });

    it('deletes a pod once; redelivery finds it gone; a uid precondition protects a successor', async () => {
      const uid = (await client.getPod('shop', 'cart-0'))!.metadata!.uid!;
      expect(await client.deletePod('shop', 'cart-0', { uid })).toBe('deleted');
      expect(await client.deletePod('shop', 'cart-0', { uid })).toBe('not-found');
      // The StatefulSet brings back cart-0 with a new uid: the stolen-token pod is already gone.
      k.api.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cart-0', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
      expect(await client.deletePod('shop', 'cart-0', { uid })).toBe('uid-mismatch');
      expect(k.api.get('pods', 'shop', 'cart-0')).toBeDefined();
      expect(k.api.requests.filter((r) => r.verb === 'delete').map((r) => r.status)).toEqual([200, 404, 409]);
    });
  });

  describe('NetworkPolicies', () => {
    it('applies with server-side apply; the same apply twice changes nothing', async () => {
      const first = await client.applyNetworkPolicy(quarantine);
      const second = await client.applyNetworkPolicy(quarantine);
      expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      expect(second.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(k.api.list('networkpolicies', 'shop')).toHaveLength(1);
      expect(k.api.requests.filter((r) => r.verb === 'patch').map((r) => [r.contentType, r.fieldManager, r.status])).toEqual([
        ['application/apply-patch+yaml', 'boundwatch', 201],
        ['application/apply-patch+yaml', 'boundwatch', 200],
      ]);
      expect((await client.getNetworkPolicy('shop', 'boundwatch-quarantine'))?.metadata?.generation).toBe(1);
      expect((await client.listNetworkPolicies({ labelSelector: { 'app.kubernetes.io/managed-by': 'boundwatch' } })).items).toHaveLength(1);
    });

    it('surfaces an apply conflict as KubeConflictError with its causes, and force takes over', async () => {
      k.api.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'boundwatch-quarantine', namespace: 'shop' }, spec: { podSelector: {} } });
      // Someone else's apply owns podSelector with another value.
      const other = createClusterClient(k.kubeConfig, { fieldManager: 'kubectl' });
      await other.applyNetworkPolicy(sentPolicy({ name: 'boundwatch-quarantine', namespace: 'shop' }, { podSelector: { matchLabels: { x: 'y' } } }));
      const err = await client.applyNetworkPolicy(quarantine).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeConflictError);
      expect(err).toMatchObject({ code: 409, reason: 'Conflict', causes: [{ reason: 'FieldManagerConflict', field: '.spec.podSelector', message: 'conflict with "kubectl"' }] });
      const forced = await client.applyNetworkPolicy(quarantine, { force: true });
      expect(forced.spec?.podSelector?.matchLabels).toEqual({ 'boundwatch.io/quarantine': 'true' });
      expect(k.api.requests.at(-1)).toMatchObject({ force: true });
    });

    it('surfaces a 422 as KubeInvalidError carrying the validator\'s causes', async () => {
      const bad = sentPolicy({ name: 'bad', namespace: 'shop' }, { podSelector: {}, ingress: [{ ports: [{ port: 70000 }] }] });
      const err = await client.applyNetworkPolicy(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeInvalidError);
      expect((err as KubeInvalidError).causes).toEqual([expect.objectContaining({ reason: 'FieldValueInvalid', field: 'spec.ingress[0].ports[0].port' })]);
      expect((err as Error).message).toMatch(/^apply networkpolicy shop\/bad: NetworkPolicy\.networking\.k8s\.io "bad" is invalid: /);
    });

    it('supports a server-side dry run that persists nothing', async () => {
      const planned = await client.applyNetworkPolicy(quarantine, { dryRun: true });
      expect(planned.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(k.api.get('networkpolicies', 'shop', 'boundwatch-quarantine')).toBeUndefined();
    });

    it('reads policies with their one schema: one that does not read is listed as unreadable, and get says why', async () => {
      await client.applyNetworkPolicy(quarantine);
      k.api.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'future', namespace: 'shop', labels: { team: 'a' } }, spec: { podSelector: {}, ingress: [{ action: 'Deny' }] } });
      const listed = await client.listNetworkPolicies({ namespace: 'shop' });
      expect(listed.items.map((p) => p.metadata.name)).toEqual(['boundwatch-quarantine']);
      expect(listed.items[0]).toMatchObject({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', spec: { podSelector: { matchLabels: { 'boundwatch.io/quarantine': 'true' } } } });
      expect(listed.unreadable).toEqual([expect.objectContaining({ kind: 'NetworkPolicy', namespace: 'shop', name: 'future', labels: { team: 'a' }, problems: expect.stringContaining('spec.ingress.0') })]);
      const err = await client.getNetworkPolicy('shop', 'future').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnreadablePolicyError);
      expect((err as Error).message).toMatch(/^NetworkPolicy shop\/future cannot be read: spec\.ingress\.0/);
    });

    it('deletes idempotently', async () => {
      await client.applyNetworkPolicy(quarantine);
      expect(await client.deleteNetworkPolicy('shop', 'boundwatch-quarantine')).toBe('deleted');
      expect(await client.deleteNetworkPolicy('shop', 'boundwatch-quarantine')).toBe('not-found');
      expect(await client.getNetworkPolicy('shop', 'boundwatch-quarantine')).toBeNull();
    });
  });

  describe('secrets never carry data', () => {
    beforeEach(() => {
      k.api.put({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'checkout', namespace: 'shop', uid: 'ignored' },
        secrets: [{ name: 'checkout-token-abcde' }, { name: 'db-password' }, { name: 'other-sa-token' }, { name: 'missing' }],
      });
      const sa = k.api.get('serviceaccounts', 'shop', 'checkout')!;
      const saUid = (sa.metadata as { uid: string }).uid;
      k.api.put({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'checkout-token-abcde', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'checkout', 'kubernetes.io/service-account.uid': saUid } },
        type: 'kubernetes.io/service-account-token',
        data: { token: Buffer.from('eyJhbGciOi-SECRET-TOKEN').toString('base64') },
      });
      k.api.put({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db-password', namespace: 'shop', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}' } },
        type: 'Opaque',
        data: { password: Buffer.from('hunter2').toString('base64') },
      });
      k.api.put({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'other-sa-token', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'admin' } },
        type: 'kubernetes.io/service-account-token',
        data: { token: 'b3RoZXI=' },
      });
    });

    const leaks = (v: unknown) => /SECRET-TOKEN|hunter2|aHVudGVyMg|b3RoZXI|"data"|stringData/.test(JSON.stringify(v));

    it('returns metadata and type only from get and list', async () => {
      const s = await client.getSecret('shop', 'db-password');
      expect(s).toEqual({ metadata: expect.objectContaining({ name: 'db-password', namespace: 'shop' }), type: 'Opaque' });
      expect(s?.metadata.annotations).toEqual({});
      expect(leaks(s)).toBe(false);
      const all = await client.listSecrets({ namespace: 'shop' });
      expect(all.map((x) => x.metadata.name)).toEqual(['checkout-token-abcde', 'db-password', 'other-sa-token']);
      expect(leaks(all)).toBe(false);
      expect(await client.getSecret('shop', 'missing')).toBeNull();
    });

    it('finds a ServiceAccount\'s legacy token secrets by name and type, without listing secrets', async () => {
      k.api.clearRequests();
      const tokens = await client.legacyTokenSecrets('shop', 'checkout');
      expect(tokens.map((t) => t.metadata.name)).toEqual(['checkout-token-abcde']);
      expect(leaks(tokens)).toBe(false);
      expect(k.api.requests.some((r) => r.resource === 'secrets' && r.verb === 'list')).toBe(false);
      expect(await client.legacyTokenSecrets('shop', 'nobody')).toEqual([]);
      expect(await client.deleteSecret('shop', 'checkout-token-abcde', { uid: tokens[0]!.metadata.uid! })).toBe('deleted');
      expect(await client.deleteSecret('shop', 'checkout-token-abcde')).toBe('not-found');
    });

    it('keeps secret data out of errors', async () => {
      k.api.failNext(10, { status: 500, match: { resource: 'secrets' } });
      const err = await client.getSecret('shop', 'db-password').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DownstreamError);
      expect(leaks((err as Error).message)).toBe(false);
    });
  });

  describe('validation before sending', () => {
    it.each([
      ['a pod name', () => client.getPod('shop', 'Bad_Name')],
      ['a namespace', () => client.deletePod('../etc', 'x')],
      ['a label key', () => client.patchPodLabels('shop', 'cart-0', { 'bad key': 'x' })],
      ['a label value', () => client.applyPodLabels('shop', 'cart-0', { ok: 'no spaces allowed' })],
      ['a selector value in a policy', () => client.applyNetworkPolicy(sentPolicy({ name: 'p', namespace: 'shop' }, { podSelector: { matchLabels: { app: 'bad value' } } }))],
      ['a policy name', () => client.applyNetworkPolicy(sentPolicy({ name: 'Quarantine!', namespace: 'shop' }, {}))],
      ['a selector map', () => client.listPods({ labelSelector: { 'a b': 'c' } })],
    ])('refuses %s with a ValidationError and sends nothing', async (_what, call) => {
      k.api.clearRequests();
      await expect(call()).rejects.toBeInstanceOf(ValidationError);
      expect(k.api.requests).toHaveLength(0);
    });
  });

  describe('failures', () => {
    it('retries a 503 and succeeds', async () => {
      k.api.failNext(2, { status: 503 });
      expect(await client.getPod('shop', 'cart-0')).toBeTruthy();
      expect(k.api.requests.map((r) => r.status)).toEqual([503, 503, 200]);
      expect(retries.map((r) => [r.operation, r.attempt, r.reason])).toEqual([
        ['get pod shop/cart-0', 1, 'HTTP 503 ServiceUnavailable'],
        ['get pod shop/cart-0', 2, 'HTTP 503 ServiceUnavailable'],
      ]);
    });

    it('retries 429 honouring Retry-After (capped) and resets of the connection', async () => {
      const sleeps: number[] = [];
      const c = createClusterClient(k.kubeConfig, { retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 50 }, sleep: async (ms) => void sleeps.push(ms) });
      k.api.failNext(1, { status: 429, retryAfterSeconds: 1 });
      k.api.failNext(1, { reset: true });
      expect(await c.applyNetworkPolicy(quarantine)).toBeTruthy();
      expect(k.api.requests.map((r) => r.status)).toEqual([429, 'reset', 201]);
      expect(sleeps[0]).toBe(50);
    });

    it('retries a request that times out', async () => {
      const c = createClusterClient(k.kubeConfig, { requestTimeoutMs: 100, retry: { baseDelayMs: 1 } });
      k.api.failNext(1, { delayMs: 400, passThrough: true });
      expect(await c.getPod('shop', 'cart-0')).toBeTruthy();
      expect(k.api.requests).toHaveLength(2);
    });

    it('throws DownstreamError naming the operation when the API stays down, and recovers when it is back', async () => {
      await k.api.down();
      const err = await client.applyNetworkPolicy(quarantine).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DownstreamError);
      expect((err as Error).message).toBe('apply networkpolicy shop/boundwatch-quarantine: connection failed (ECONNREFUSED) after 4 attempts (kubeconfig)');
      expect(retries).toHaveLength(3);
      await k.api.up();
      expect(await client.applyNetworkPolicy(quarantine)).toBeTruthy();
    });

    it('gives up on persistent 500s with DownstreamError after the bounded attempts', async () => {
      k.api.failNext(100, { status: 500 });
      await expect(client.listNamespaces()).rejects.toThrow('list namespaces: HTTP 500 InternalError after 4 attempts (kubeconfig)');
      expect(k.api.requests).toHaveLength(4);
    });

    it('does not retry 4xx answers', async () => {
      await expect(client.applyNetworkPolicy(sentPolicy({ name: 'p', namespace: 'ghost' }, { podSelector: {} }))).rejects.toBeInstanceOf(KubeNotFoundError);
      expect(k.api.requests).toHaveLength(1);
    });

    it('maps 403 to ClusterAuthError without retrying', async () => {
      k.api.addUser('limited', { name: 'limited', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
      const c = createClusterClient(kubeConfigFromParts({ name: 't', server: k.api.url, token: 'limited', insecureSkipTlsVerify: true }));
      expect(await c.getPod('shop', 'cart-0')).toBeTruthy();
      const err = await c.deletePod('shop', 'cart-0').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterAuthError);
      expect((err as Error).message).toBe(
        'delete pod shop/cart-0: pods "cart-0" is forbidden: User "limited" cannot delete resource "pods" in API group "" in the namespace "shop" (HTTP 403; kubeconfig)',
      );
    });

    it('renews the credential once on 401, then reports ClusterAuthError without the token', async () => {
      let token = 'stale-token';
      let invalidations = 0;
      const source: KubeConfigSource = {
        description: 'test source',
        get: async () => kubeConfigFromParts({ name: 't', server: k.api.url, token, insecureSkipTlsVerify: true }),
        invalidate: () => {
          invalidations++;
          token = k.api.token;
        },
      };
      const c = createClusterClient(source, { retry: { baseDelayMs: 1 } });
      expect(await c.getPod('shop', 'cart-0')).toBeTruthy();
      expect(invalidations).toBe(1);
      expect(k.api.requests.map((r) => r.status)).toEqual([401, 200]);

      const never: KubeConfigSource = { ...source, get: async () => kubeConfigFromParts({ name: 't', server: k.api.url, token: 'never-valid-token', insecureSkipTlsVerify: true }), invalidate: () => undefined };
      const err = await createClusterClient(never).getPod('shop', 'cart-0').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterAuthError);
      expect((err as Error).message).not.toContain('never-valid-token');
    });
  });
});

describe('ClusterNetworkPolicy (EKS CRD) over the test API server', () => {
  const cnp: ClusterNetworkPolicy = {
    apiVersion: 'networking.k8s.aws/v1alpha1',
    kind: 'ClusterNetworkPolicy',
    metadata: { name: 'boundwatch-quarantine-x', labels: { 'app.kubernetes.io/managed-by': 'boundwatch' } },
    spec: {
      tier: 'Admin',
      priority: 0,
      subject: { pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'boundwatch.io/quarantine': 't' } } } },
      ingress: [{ name: 'deny', action: 'Deny', from: [{ namespaces: {} }] }],
      egress: [{ name: 'deny', action: 'Deny', to: [{ networks: ['0.0.0.0/0', '::/0'] }] }],
    },
  };
  let k: KubeFixture | undefined;
  afterEach(async () => k?.stop());

  it('discovered, applied (server-side apply), listed, refused when invalid, deleted', async () => {
    k = await startKubeFixture({ seed: inventory });
    expect(await k.client.servesClusterNetworkPolicies()).toBe(true);
    await k.client.applyClusterNetworkPolicy(cnp, { force: true });
    const req = k.api.requests.at(-1)!;
    expect(req).toMatchObject({ verb: 'patch', resource: 'clusternetworkpolicies', contentType: 'application/apply-patch+yaml', fieldManager: FIELD_MANAGER });
    expect((await k.client.getClusterNetworkPolicy('boundwatch-quarantine-x'))?.spec).toMatchObject({ tier: 'Admin' });
    expect((await k.client.listClusterNetworkPolicies({ labelSelector: { 'app.kubernetes.io/managed-by': 'boundwatch' } })).items.map((p) => p.metadata?.name)).toEqual(['boundwatch-quarantine-x']);
    await expect(k.client.applyClusterNetworkPolicy({ ...cnp, metadata: { name: 'bad' }, spec: { ...cnp.spec, priority: 5000 } })).rejects.toBeInstanceOf(KubeInvalidError);
    expect(await k.client.deleteClusterNetworkPolicy('boundwatch-quarantine-x')).toBe('deleted');
    expect(await k.client.deleteClusterNetworkPolicy('boundwatch-quarantine-x')).toBe('not-found');
  });

  it('an older cluster (no CRD): not served, lists empty', async () => {
    k = await startKubeFixture({ seed: inventory, server: { clusterNetworkPolicies: false } });
    expect(await k.client.servesClusterNetworkPolicies()).toBe(false);
    expect((await k.client.listClusterNetworkPolicies()).items).toEqual([]);
  });
});
