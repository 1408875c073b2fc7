/**
 * The test API server over real HTTP, driven by @kubernetes/client-node's generated clients
 * (and raw fetch where the exact wire bytes matter): it must behave like kube-apiserver for
 * everything boundwatch relies on, or tests built on it prove nothing.
 */
import { CoreV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { z } from 'zod';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { KubeApiServer, startKubeFixture, type KubeFixture } from '#test/support/kube-apiserver';

/** Wire bodies are asserted field by field; a loose type keeps that readable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const inventory: z.input<typeof ClusterInventory> = {
  namespaces: [{ name: 'shop', labels: { team: 'payments' } }, { name: 'web' }],
  nodes: [{ name: 'ip-10-20-1-5.ec2.internal', ip: '10.20.1.5' }],
  pods: [
    { namespace: 'shop', name: 'checkout-6d9f8b7c5d-abcde', ip: '10.1.0.1', labels: { app: 'checkout', tier: 'backend' }, serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' }, nodeName: 'ip-10-20-1-5.ec2.internal', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    { namespace: 'shop', name: 'cart-0', ip: '10.1.0.2', labels: { app: 'cart', tier: 'backend', canary: 'true' }, owner: { kind: 'StatefulSet', name: 'cart' } },
    { namespace: 'shop', name: 'debug', ip: '10.1.0.3', labels: { app: 'debug' } },
    { namespace: 'web', name: 'frontend-7c9d8f6b5a-xyz12', ip: '10.1.1.1', labels: { app: 'frontend', tier: 'web' }, nodeName: 'ip-10-20-1-6.ec2.internal' },
  ],
  services: [{ namespace: 'shop', name: 'checkout', clusterIP: '172.20.0.10', selector: { app: 'checkout' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }],
};

const nsObj = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const policy = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec });

/** The body of an ApiException, parsed. */
async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Loose }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; body: string };
    return { code: e.code, body: JSON.parse(e.body) };
  }
  throw new Error('expected the request to fail');
}

describe('test API server over HTTP', () => {
  let k: KubeFixture;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let net: NetworkingV1Api;

  beforeEach(async () => {
    k = await startKubeFixture({ seed: inventory });
    kc = k.kubeConfig;
    core = kc.makeApiClient(CoreV1Api);
    net = kc.makeApiClient(NetworkingV1Api);
  });
  afterEach(async () => {
    await k.stop();
  });

  const json = async (res: Response): Promise<Loose> => res.json();
  const raw = (path: string, init: RequestInit = {}) =>
    fetch(`${k.api.url}${path}`, { ...init, headers: { Authorization: `Bearer ${k.api.token}`, ...(init.headers ?? {}) } });

  describe('reads', () => {
    it('serves seeded objects with server metadata and realistic fields', async () => {
      const pod = await core.readNamespacedPod({ namespace: 'shop', name: 'checkout-6d9f8b7c5d-abcde' });
      expect(pod.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(pod.metadata?.resourceVersion).toMatch(/^\d+$/);
      expect(pod.metadata?.creationTimestamp).toBeInstanceOf(Date);
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-6d9f8b7c5d', controller: true });
      expect(pod.spec).toMatchObject({ serviceAccountName: 'checkout', nodeName: 'ip-10-20-1-5.ec2.internal' });
      expect(pod.spec?.containers[0]?.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      expect(pod.status).toMatchObject({ phase: 'Running', podIP: '10.1.0.1' });
      const ns = await core.readNamespace({ name: 'web' });
      expect(ns.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'web' });
      const sa = await core.readNamespacedServiceAccount({ namespace: 'shop', name: 'checkout' });
      expect(sa.metadata?.name).toBe('checkout');
      await expect(core.readNamespacedServiceAccount({ namespace: 'web', name: 'default' })).resolves.toBeTruthy();
      const node = await core.readNode({ name: 'ip-10-20-1-5.ec2.internal' });
      expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '10.20.1.5' });
    });

    it('lists namespaced and across namespaces, with typed list kinds', async () => {
      const shop = await core.listNamespacedPod({ namespace: 'shop' });
      expect(shop.items.map((p) => p.metadata?.name)).toEqual(['cart-0', 'checkout-6d9f8b7c5d-abcde', 'debug']);
      const all = await core.listPodForAllNamespaces();
      expect(all.items).toHaveLength(4);
      const res = await json(await raw('/api/v1/pods'));
      expect(res).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
      // Items of a typed list carry no kind/apiVersion on the wire.
      expect(res.items[0].kind).toBeUndefined();
      expect((await core.listNamespace()).items.map((n) => n.metadata?.name)).toEqual(['shop', 'web']);
      expect((await core.listNode()).items).toHaveLength(1);
      expect((await core.listServiceForAllNamespaces()).items[0]?.spec?.clusterIP).toBe('172.20.0.10');
    });

    it.each([
      ['app=checkout', ['checkout-6d9f8b7c5d-abcde']],
      ['app==checkout', ['checkout-6d9f8b7c5d-abcde']],
      ['tier!=backend', ['debug']],
      ['app in (cart, debug)', ['cart-0', 'debug']],
      ['app notin (cart,debug)', ['checkout-6d9f8b7c5d-abcde']],
      ['canary', ['cart-0']],
      ['!canary', ['checkout-6d9f8b7c5d-abcde', 'debug']],
      ['tier=backend,!canary', ['checkout-6d9f8b7c5d-abcde']],
      ['', ['cart-0', 'checkout-6d9f8b7c5d-abcde', 'debug']],
    ])('label selector %j', async (labelSelector, names) => {
      const list = await core.listNamespacedPod({ namespace: 'shop', ...(labelSelector ? { labelSelector } : {}) });
      expect(list.items.map((p) => p.metadata?.name)).toEqual(names);
    });

    it('rejects a malformed label selector with 400', async () => {
      const { code, body } = await apiError(core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app in ()' }));
      expect(code).toBe(400);
      expect(body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    });

    it('filters by field selectors and refuses unsupported fields', async () => {
      const onNode = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=ip-10-20-1-5.ec2.internal' });
      expect(onNode.items.map((p) => p.metadata?.name)).toEqual(['checkout-6d9f8b7c5d-abcde']);
      const byName = await core.listPodForAllNamespaces({ fieldSelector: 'metadata.name=debug,metadata.namespace=shop' });
      expect(byName.items).toHaveLength(1);
      const notShop = await core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace!=shop' });
      expect(notShop.items.map((p) => p.metadata?.namespace)).toEqual(['web']);
      const { code, body } = await apiError(core.listPodForAllNamespaces({ fieldSelector: 'spec.image=x' }));
      expect(code).toBe(400);
      expect(body.message).toBe('field label not supported: spec.image');
    });

    it('pages with limit and continue', async () => {
      const first = await core.listPodForAllNamespaces({ limit: 3 });
      expect(first.items).toHaveLength(3);
      expect(first.metadata?.remainingItemCount).toBe(1);
      const second = await core.listPodForAllNamespaces({ limit: 3, _continue: first.metadata!._continue! });
      expect(second.items.map((p) => p.metadata?.name)).toEqual(['frontend-7c9d8f6b5a-xyz12']);
      expect(second.metadata?._continue).toBeUndefined();
    });

    it('answers 404 with a kube-apiserver Status body', async () => {
      const res = await raw('/api/v1/namespaces/shop/pods/nope');
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', kind: 'pods' },
        code: 404,
      });
      const np = await apiError(net.readNamespacedNetworkPolicy({ namespace: 'shop', name: 'nope' }));
      expect(np.body).toMatchObject({ message: 'networkpolicies.networking.k8s.io "nope" not found', details: { name: 'nope', group: 'networking.k8s.io', kind: 'networkpolicies' } });
      const unknown = await raw('/api/v1/namespaces/shop/configmaps');
      expect(unknown.status).toBe(404);
    });

    it('serves discovery for the API groups it implements', async () => {
      const v1 = await json(await raw('/api/v1'));
      expect(v1.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['pods', 'namespaces', 'secrets', 'serviceaccounts', 'services', 'nodes']));
      const netv1 = await json(await raw('/apis/networking.k8s.io/v1'));
      expect(netv1.resources).toEqual([expect.objectContaining({ name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true })]);
    });
  });

  describe('authentication and authorization', () => {
    it('answers 401 without a valid bearer token', async () => {
      const res = await fetch(`${k.api.url}/api/v1/pods`, { headers: { Authorization: 'Bearer wrong' } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
      expect((await fetch(`${k.api.url}/api/v1/pods`)).status).toBe(401);
    });

    it('answers 403 outside a token\'s rules, worded like RBAC', async () => {
      k.api.addUser('reader', { name: 'reader', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] });
      const ok = await fetch(`${k.api.url}/api/v1/namespaces/shop/pods`, { headers: { Authorization: 'Bearer reader' } });
      expect(ok.status).toBe(200);
      const res = await fetch(`${k.api.url}/api/v1/namespaces/shop/secrets`, { headers: { Authorization: 'Bearer reader' } });
      expect(res.status).toBe(403);
      expect((await json(res)).message).toBe('secrets is forbidden: User "reader" cannot list resource "secrets" in API group "" in the namespace "shop"');
    });
  });

  describe('writes', () => {
    it('creates with uid, resourceVersion and generation; 409 AlreadyExists on a second create', async () => {
      const created = await core.createNamespacedServiceAccount({ namespace: 'shop', body: { metadata: { name: 'robot' } } });
      expect(created.metadata).toMatchObject({ name: 'robot', namespace: 'shop', generation: 1 });
      expect(created.metadata?.uid).toBeTruthy();
      const { code, body } = await apiError(core.createNamespacedServiceAccount({ namespace: 'shop', body: { metadata: { name: 'robot' } } }));
      expect(code).toBe(409);
      expect(body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'serviceaccounts "robot" already exists',
        reason: 'AlreadyExists',
        details: { name: 'robot', kind: 'serviceaccounts' },
        code: 409,
      });
    });

    it('refuses to create in a namespace that does not exist', async () => {
      const { code, body } = await apiError(core.createNamespacedServiceAccount({ namespace: 'ghost', body: { metadata: { name: 'robot' } } }));
      expect(code).toBe(404);
      expect(body.message).toBe('namespaces "ghost" not found');
    });

    it('validates names and labels on every write with 422 causes', async () => {
      const bad = await apiError(core.createNamespace({ body: { metadata: { name: 'Bad_Name', labels: { 'bad key!': 'v', ok: 'not ok!' } } } }));
      expect(bad.code).toBe(422);
      expect(bad.body.reason).toBe('Invalid');
      expect(bad.body.details.kind).toBe('Namespace');
      const causes = bad.body.details.causes as { reason: string; field: string; message: string }[];
      expect(causes.map((c) => c.field)).toEqual(['metadata.name', 'metadata.labels', 'metadata.labels']);
      expect(causes[0]).toEqual({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message:
          "Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      });
      expect(bad.body.message).toMatch(/^Namespace "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": /);
      // Services use the stricter DNS-1035 rule (no leading digit).
      const svc = await apiError(core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: '1svc' }, spec: { ports: [{ port: 80 }] } } }));
      expect(svc.body.details.causes[0].message).toMatch(/a DNS-1035 label must consist of/);
    });

    it('replaces with PUT, with optimistic concurrency on resourceVersion', async () => {
      const sa = await core.readNamespacedServiceAccount({ namespace: 'shop', name: 'checkout' });
      const rv = sa.metadata!.resourceVersion!;
      const updated = await core.replaceNamespacedServiceAccount({ namespace: 'shop', name: 'checkout', body: { ...sa, metadata: { ...sa.metadata, labels: { a: 'b' } } } });
      expect(updated.metadata?.labels).toEqual({ a: 'b' });
      expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(rv));
      const stale = await apiError(core.replaceNamespacedServiceAccount({ namespace: 'shop', name: 'checkout', body: { ...sa, metadata: { ...sa.metadata, resourceVersion: rv } } }));
      expect(stale.code).toBe(409);
      expect(stale.body).toMatchObject({
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on serviceaccounts "checkout": the object has been modified; please apply your changes to the latest version and try again',
      });
    });

    it('deletes a pod, and a namespace with everything in it', async () => {
      const deleted = await core.deleteNamespacedPod({ namespace: 'shop', name: 'debug' });
      expect(deleted.metadata?.name).toBe('debug');
      expect((await apiError(core.readNamespacedPod({ namespace: 'shop', name: 'debug' }))).code).toBe(404);
      await core.deleteNamespace({ name: 'shop' });
      expect(k.api.list('pods', 'shop')).toEqual([]);
      expect(k.api.list('services', 'shop')).toEqual([]);
      expect(k.api.list('serviceaccounts', 'shop')).toEqual([]);
      expect(k.api.list('pods', 'web')).toHaveLength(1);
    });

    it('honours a uid precondition on delete', async () => {
      const { code, body } = await apiError(core.deleteNamespacedPod({ namespace: 'shop', name: 'debug', body: { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } } }));
      expect(code).toBe(409);
      expect(body.message).toMatch(/^Operation cannot be fulfilled on pods "debug": Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: /);
      expect(k.api.get('pods', 'shop', 'debug')).toBeDefined();
    });

    it('does not persist a dry run', async () => {
      const res = await core.createNamespace({ body: nsObj('dry'), dryRun: 'All' });
      expect(res.metadata?.name).toBe('dry');
      expect(k.api.get('namespaces', '', 'dry')).toBeUndefined();
    });
  });

  describe('patches', () => {
    const pod = { namespace: 'shop', name: 'checkout-6d9f8b7c5d-abcde' };

    it('merge patch: maps merge, null deletes', async () => {
      const p = await core.patchNamespacedPod({ ...pod, body: { metadata: { labels: { quarantine: 'true', tier: null } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      expect(p.metadata?.labels).toEqual({ app: 'checkout', quarantine: 'true' });
      expect(k.api.requests.at(-1)).toMatchObject({ method: 'PATCH', contentType: 'application/merge-patch+json' });
    });

    it('strategic merge patch: labels merge key by key, lists are replaced', async () => {
      const p = await core.patchNamespacedPod({ ...pod, body: { metadata: { labels: { quarantine: 'true' } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
      expect(p.metadata?.labels).toEqual({ app: 'checkout', tier: 'backend', quarantine: 'true' });
      const sa = await core.patchNamespacedServiceAccount(
        { namespace: 'shop', name: 'checkout', body: { secrets: [{ name: 'a' }], metadata: { annotations: { x: 'y' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      expect(sa.secrets).toEqual([{ name: 'a' }]);
      expect(sa.metadata?.annotations).toEqual({ x: 'y' });
    });

    it('JSON patch: add, replace, remove and a failing test op (422)', async () => {
      const p = await core.patchNamespacedPod(
        {
          ...pod,
          body: [
            { op: 'add', path: '/metadata/labels/quarantine', value: 'true' },
            { op: 'replace', path: '/metadata/labels/tier', value: 'isolated' },
            { op: 'remove', path: '/metadata/labels/app' },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      expect(p.metadata?.labels).toEqual({ tier: 'isolated', quarantine: 'true' });
      const failed = await apiError(core.patchNamespacedPod({ ...pod, body: [{ op: 'test', path: '/metadata/labels/tier', value: 'backend' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)));
      expect(failed.code).toBe(422);
    });

    it('refuses pod spec changes other than the mutable fields', async () => {
      const { code, body } = await apiError(core.patchNamespacedPod({ ...pod, body: { spec: { serviceAccountName: 'admin' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
      expect(code).toBe(422);
      expect(body.details.causes[0]).toMatchObject({ reason: 'FieldValueForbidden', field: 'spec' });
      const image = await core.patchNamespacedPod(
        { ...pod, body: { spec: { containers: [{ name: 'checkout', image: 'registry.example.com/checkout:1.0.1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      expect(image.spec?.containers[0]?.image).toBe('registry.example.com/checkout:1.0.1');
    });

    it('answers 415 for an unknown patch content type and 404 for a missing object', async () => {
      const res = await raw('/api/v1/namespaces/shop/pods/debug', { method: 'PATCH', headers: { 'Content-Type': 'application/xml' }, body: '<x/>' });
      expect(res.status).toBe(415);
      const missing = await apiError(core.patchNamespacedPod({ namespace: 'shop', name: 'ghost', body: { metadata: { labels: { a: 'b' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
      expect(missing.code).toBe(404);
    });
  });

  describe('server-side apply', () => {
    const apply = (body: unknown, fieldManager: string | undefined, force?: boolean, name = 'deny-all') =>
      net.patchNamespacedNetworkPolicy(
        { namespace: 'shop', name, body, ...(fieldManager ? { fieldManager } : {}), ...(force !== undefined ? { force } : {}) },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    const denyAll = policy('deny-all', { podSelector: { matchLabels: { quarantine: 'true' } }, policyTypes: ['Ingress', 'Egress'] });

    it('creates on first apply, records the manager, and is a no-op when repeated', async () => {
      const first = await apply(denyAll, 'boundwatch');
      expect(first.metadata?.managedFields).toEqual([
        expect.objectContaining({ manager: 'boundwatch', operation: 'Apply', apiVersion: 'networking.k8s.io/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:podSelector': {}, 'f:policyTypes': {} } } }),
      ]);
      const second = await apply(denyAll, 'boundwatch');
      expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      expect(second.metadata?.generation).toBe(1);
      expect(k.api.list('networkpolicies', 'shop')).toHaveLength(1);
    });

    it('defaults policyTypes and port protocols as the v1 API does', async () => {
      const np = await apply(policy('egress-only', { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] }), 'boundwatch', false, 'egress-only');
      expect(np.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np.spec?.egress?.[0]?.ports?.[0]).toEqual({ port: 53, protocol: 'TCP' });
      // Applying the same (undefaulted) config again changes nothing.
      const again = await apply(policy('egress-only', { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] }), 'boundwatch', false, 'egress-only');
      expect(again.metadata?.resourceVersion).toBe(np.metadata?.resourceVersion);
    });

    it('bumps generation when the spec changes and drops fields the manager no longer applies', async () => {
      await apply({ ...denyAll, metadata: { ...denyAll.metadata, labels: { 'app.kubernetes.io/managed-by': 'boundwatch' } } }, 'boundwatch');
      const changed = await apply(policy('deny-all', { podSelector: { matchLabels: { quarantine: 'true' } }, policyTypes: ['Ingress'] }), 'boundwatch');
      expect(changed.metadata?.generation).toBe(2);
      expect(changed.spec?.policyTypes).toEqual(['Ingress']);
      expect(changed.metadata?.labels).toBeUndefined();
    });

    it('answers 409 when another manager owns a field with a different value, and takes it with force', async () => {
      await apply(denyAll, 'kubectl');
      const conflicting = policy('deny-all', { podSelector: { matchLabels: { quarantine: 'yes' } }, policyTypes: ['Ingress', 'Egress'] });
      const { code, body } = await apiError(apply(conflicting, 'boundwatch'));
      expect(code).toBe(409);
      expect(body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Apply failed with 1 conflict: conflict with "kubectl": .spec.podSelector',
        reason: 'Conflict',
        details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.podSelector' }] },
        code: 409,
      });
      // Same values are shared, not conflicts.
      await expect(apply(denyAll, 'boundwatch')).resolves.toBeTruthy();
      const forced = await apply(conflicting, 'boundwatch', true);
      expect(forced.spec?.podSelector?.matchLabels).toEqual({ quarantine: 'yes' });
      const managers = Object.fromEntries((forced.metadata?.managedFields ?? []).map((m) => [m.manager, m.fieldsV1]));
      expect(managers.boundwatch).toEqual({ 'f:spec': { 'f:podSelector': {}, 'f:policyTypes': {} } });
      expect(managers.kubectl).toEqual({ 'f:spec': { 'f:policyTypes': {} } });
    });

    it('lets two managers own different labels of the same pod', async () => {
      const applyPod = (labels: Record<string, string>, fieldManager: string) =>
        core.patchNamespacedPod(
          { namespace: 'shop', name: 'debug', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', labels } }, fieldManager },
          setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
        );
      await applyPod({ quarantine: 'true' }, 'boundwatch');
      const p = await applyPod({ owner: 'sre' }, 'sre-tool');
      expect(p.metadata?.labels).toEqual({ app: 'debug', quarantine: 'true', owner: 'sre' });
      // boundwatch stops applying its label: only its own label goes.
      const reverted = await applyPod({}, 'boundwatch');
      expect(reverted.metadata?.labels).toEqual({ app: 'debug', owner: 'sre' });
    });

    it('requires a fieldManager for apply (422 on PatchOptions)', async () => {
      const { code, body } = await apiError(apply(denyAll, undefined));
      expect(code).toBe(422);
      expect(body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    });

    it('rejects an invalid NetworkPolicy with 422 and the shared validator\'s causes', async () => {
      const bad = policy('bad-policy', {
        podSelector: { matchLabels: { app: 'not valid!' } },
        ingress: [{ ports: [{ port: 0 }], from: [{}] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }] }],
      });
      const { code, body } = await apiError(apply(bad, 'boundwatch', false, 'bad-policy'));
      expect(code).toBe(422);
      expect(body.reason).toBe('Invalid');
      expect(body.details).toMatchObject({ name: 'bad-policy', group: 'networking.k8s.io', kind: 'NetworkPolicy' });
      const fields = (body.details.causes as { field: string }[]).map((c) => c.field);
      expect(fields).toEqual(
        expect.arrayContaining(['spec.podSelector.matchLabels', 'spec.ingress[0].ports[0].port', 'spec.ingress[0].from[0]', 'spec.egress[0].to[0].ipBlock.except[0]']),
      );
      expect(body.message).toMatch(/^NetworkPolicy\.networking\.k8s\.io "bad-policy" is invalid: \[/);
      expect(k.api.get('networkpolicies', 'shop', 'bad-policy')).toBeUndefined();
    });

    it('validates NetworkPolicies created with POST too', async () => {
      const { code } = await apiError(net.createNamespacedNetworkPolicy({ namespace: 'shop', body: policy('p', { podSelector: {}, policyTypes: ['Ingress', 'Sideways'] }) }));
      expect(code).toBe(422);
      const ok = await net.createNamespacedNetworkPolicy({ namespace: 'shop', body: policy('p', { podSelector: {} }) });
      expect(ok.spec?.policyTypes).toEqual(['Ingress']);
      const status = await net.deleteNamespacedNetworkPolicy({ namespace: 'shop', name: 'p' });
      expect(status).toMatchObject({ status: 'Success', details: { name: 'p', kind: 'networkpolicies' } });
    });
  });
});

describe('test API server lifecycle', () => {
  it('goes down and comes back on the same port with its objects', async () => {
    const api = await KubeApiServer.start();
    api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const url = api.url;
    await api.down();
    await expect(fetch(`${url}/version`)).rejects.toThrow();
    await api.up();
    expect(api.url).toBe(url);
    const res = await fetch(`${url}/api/v1/namespaces/shop`, { headers: { Authorization: `Bearer ${api.token}` } });
    expect(res.status).toBe(200);
    await api.stop();
  });
});
