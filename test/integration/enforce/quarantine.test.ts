/**
 * Quarantine against the test API server, dynalite and the local EventBridge endpoint: the pod
 * is relabelled and isolated (the simulator finds paths before and none after), the action is
 * recorded, announced and scheduled for revert, and the revert restores exactly what changed.
 */
import { EnforcementAction } from '#shared/events/schema';
import { inventoryFromCluster } from '#shared/inventory/from-cluster';
import { readClusterFacts } from '#shared/enforce/engine';
import { reachability } from '#shared/enforce/verify';
import { releaseFromCluster } from '#shared/enforce/revert';
import { ANNOTATIONS, LABELS } from '#shared/enforce/types';
import { CHECKOUT, startHarness, stolenTokenAnomaly, type Harness } from './harness';

const POD = `shop/${CHECKOUT}`;

describe('quarantine (apply)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.stop());

  it('isolates the pod: paths before, none after, pod still running; recorded, announced, revert scheduled', async () => {
    const before = await readClusterFacts(h.client);
    const reachBefore = reachability(before.inventory, before.policies, POD);
    expect(reachBefore.inbound.map((p) => p.peer)).toContain('shop/frontend-7f8d9c6b5a-klmno');
    expect(reachBefore.outbound.map((p) => p.peer)).toContain('shop/db-0');

    const result = await h.enforce(stolenTokenAnomaly());
    const q = result.planned.find((p) => p.action.action === 'quarantine')!.action;
    expect(EnforcementAction.parse(q)).toMatchObject({ outcome: 'applied', mode: 'apply', target: { kind: 'Pod', namespace: 'shop', name: CHECKOUT } });
    expect(q.reason).toBeUndefined();
    expect(q.changes.join('\n')).toMatch(/verified with the NetworkPolicy simulator against the live cluster: no pod, node or outside address reaches shop\/checkout/);
    expect(q.changes.join('\n')).toMatch(/before: \d+ sources? could reach the pod/);

    // The live pod: only the quarantine label, still there (kept for forensics).
    const pod = await h.client.getPod('shop', CHECKOUT);
    expect(pod?.metadata?.labels).toEqual({ [LABELS.quarantine]: q.id.replaceAll('-', '').slice(0, 16) });
    expect(pod?.status?.phase).toBe('Running');
    // The deny-all policy carries everything a release from the cluster alone needs.
    const policies = (await h.client.listNetworkPolicies({ namespace: 'shop', labelSelector: { [LABELS.managedBy]: 'boundwatch' } })).items;
    expect(policies).toHaveLength(1);
    const ann = policies[0]!.metadata.annotations!;
    expect(ann[ANNOTATIONS.actionId]).toBe(q.id);
    expect(JSON.parse(ann[ANNOTATIONS.restoreLabels]!)).toEqual({ app: 'checkout', 'pod-template-hash': '6d9f8b7c5d', tier: 'api' });
    expect(ann[ANNOTATIONS.podUid]).toBe(pod?.metadata?.uid);
    expect(policies[0]!.spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    // Written with server-side apply as boundwatch.
    const applied = h.kube.api.requests.filter((r) => r.resource === 'networkpolicies' && r.verb === 'patch' && r.status === 201);
    expect(applied[0]).toMatchObject({ contentType: 'application/apply-patch+yaml', fieldManager: 'boundwatch', force: true });

    // The simulator on the live objects: nothing reaches it and it reaches nothing.
    const after = await readClusterFacts(h.client);
    const reachAfter = reachability(after.inventory, after.policies, POD);
    expect(reachAfter.outbound).toEqual([]);
    expect(reachAfter.inbound.filter((p) => p.via !== 'own node')).toEqual([]);

    // Recorded with its undo steps, and the revert is queued for the expiry.
    const rec = await h.store.get(q.id);
    expect(rec).toMatchObject({ status: 'applied', kind: 'quarantine', mode: 'apply' });
    expect(rec!.undo.map((u) => u.undo)).toEqual(['delete-policy', 'restore-pod-labels']);
    const due = await h.localScheduler.due(new Date(q.expiresAt!));
    expect(due.map((d) => d.actionId)).toEqual([q.id]);
    expect(await h.localScheduler.due(h.clock.now())).toEqual([]);

    // Announced on the bus; the bound token is kept with the quarantined pod, and said so.
    const announced = h.actions();
    expect(announced.map((a) => `${a.action}:${a.outcome}`)).toEqual(['quarantine:applied']);
    expect(announced[0]!.changes.slice(0, 2).join('\n')).toMatch(/^response table: identity finding SecretsAccessed → revoke-credentials\ngate baseline: /);
  });

  it('redelivery of the same anomaly acts once', async () => {
    await h.enforce(stolenTokenAnomaly());
    const writes = () => h.kube.api.requests.filter((r) => r.verb === 'patch' || r.verb === 'delete' || r.verb === 'create').length;
    const w1 = writes();
    const events1 = h.actions().length;
    const again = await h.enforce(stolenTokenAnomaly());
    expect(again.planned.map((p) => p.action.outcome)).toEqual(['applied']);
    expect(writes()).toBe(w1);
    expect(h.actions()).toHaveLength(events1);
  });

  it('expires: the local scheduler runs the revert, which restores labels and deletes the policy', async () => {
    const { planned } = await h.enforce(stolenTokenAnomaly());
    const q = planned[0]!.action;
    h.clock.advance(61);
    const due = await h.localScheduler.due(h.clock.now());
    expect(due).toHaveLength(1);
    const r = await h.revert(due[0]!.actionId);
    expect(r.status).toBe('reverted');
    const pod = await h.client.getPod('shop', CHECKOUT);
    expect(pod?.metadata?.labels).toEqual({ app: 'checkout', tier: 'api', 'pod-template-hash': '6d9f8b7c5d' });
    expect((await h.client.listNetworkPolicies({ namespace: 'shop', labelSelector: { [LABELS.managedBy]: 'boundwatch' } })).items).toEqual([]);
    const reverted = h.actions().find((a) => a.outcome === 'reverted')!;
    expect(reverted).toMatchObject({ id: q.id, action: 'quarantine', reason: expect.stringMatching(/^expired at/) });
    expect(reverted.changes.join('\n')).toMatch(/restored 3 labels on pod shop\/checkout/);
    // The simulator agrees: the pod is back in its usual paths.
    const facts = await readClusterFacts(h.client);
    expect(reachability(facts.inventory, facts.policies, POD).inbound.map((p) => p.peer)).toContain('shop/frontend-7f8d9c6b5a-klmno');
    // Idempotent: a second invocation of the schedule changes nothing.
    const writes = h.kube.api.requests.length;
    expect((await h.revert(q.id)).status).toBe('already-reverted');
    expect(h.kube.api.requests.filter((x, i) => i >= writes && x.verb !== 'get' && x.verb !== 'list')).toEqual([]);
  });

  it('reports residual paths when another policy selects every pod of the namespace', async () => {
    h.kube.api.put({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-monitoring', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] },
    });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    const q = planned[0]!.action;
    // Without ClusterNetworkPolicy the namespace-wide allow still selects the pod: partial, and it pages.
    expect(q.outcome).toBe('failed');
    expect(q.partial).toBe(true);
    expect(q.reason).toMatch(/isolation incomplete/);
    expect(h.actions().map((a) => [a.outcome, a.partial])).toEqual([['failed', true]]);
    const text = q.changes.join('\n');
    expect(text).toMatch(/policy shop\/allow-monitoring ingress\[0\] still selects the pod/);
    expect(text).toMatch(/residual path to the pod via shop\/allow-monitoring ingress\[0\]: monitoring\/prometheus-0/);
  });

  it('skips a host-network pod (policies cannot isolate it), with the reason', async () => {
    const { planned } = await h.enforce(
      stolenTokenAnomaly({
        id: 'a0000000-0000-4000-8000-000000000001',
        principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:node-agent', namespace: 'shop' },
        workload: { namespace: 'shop', pod: 'node-agent-x1y2z', serviceAccount: 'node-agent' },
      }),
    );
    expect(planned.map((p) => `${p.action.action}:${p.action.outcome}`)).toEqual(['quarantine:skipped']);
    expect(planned[0]!.action.reason).toMatch(/host network/);
    expect(await h.client.getPod('shop', 'node-agent-x1y2z')).not.toBeNull();
  });

  it('leaves protected namespaces alone, and still announces why', async () => {
    const { planned } = await h.enforce(
      stolenTokenAnomaly({
        id: 'a0000000-0000-4000-8000-000000000002',
        principal: { type: 'ServiceAccount', name: 'system:serviceaccount:kube-system:coredns', namespace: 'kube-system' },
        workload: { namespace: 'kube-system', pod: 'coredns-5d78c9869d-abcde', serviceAccount: 'coredns' },
      }),
    );
    expect(planned.map((p) => [p.action.outcome, p.action.reason])).toEqual([['skipped', 'namespace kube-system is protected']]);
    expect(h.actions()).toHaveLength(1);
    expect(h.kube.api.requests.filter((r) => r.verb === 'patch' || r.verb === 'delete')).toEqual([]);
  });

  it('keeps the cluster unchanged in dry-run: server-side dry run plus a simulation of the result', async () => {
    await h.stop();
    h = await startHarness({ mode: 'dry-run' });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    const q = planned[0]!.action;
    expect(q).toMatchObject({ outcome: 'planned', mode: 'dry-run' });
    expect(q.changes.join('\n')).toMatch(/server-side dry run: the API server accepted every change/);
    expect(q.changes.join('\n')).toMatch(/on the simulated result: no pod, node or outside address reaches/);
    const dry = h.kube.api.requests.filter((r) => r.verb === 'patch');
    expect(dry.length).toBeGreaterThan(0);
    expect(dry.every((r) => r.dryRun === true)).toBe(true);
    expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels?.app).toBe('checkout');
    expect((await h.client.listNetworkPolicies({ namespace: 'shop', labelSelector: { [LABELS.managedBy]: 'boundwatch' } })).items).toEqual([]);
    expect(await h.localScheduler.due(new Date('2100-01-01T00:00:00Z'))).toEqual([]);
  });

  it('mode off: no action, no record, no event', async () => {
    await h.stop();
    h = await startHarness({ mode: 'off' });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    expect(planned).toEqual([]);
    expect(h.actions()).toEqual([]);
    const inv = await inventoryFromCluster(h.client);
    expect(inv.pods.find((p) => p.name === CHECKOUT)?.labels.app).toBe('checkout');
  });
});

/**
 * Quarantine where the API serves EKS's ClusterNetworkPolicy: an Admin-tier Deny that the
 * namespace's allow policies cannot override, the pod's labels and owner kept.
 */
describe('quarantine through ClusterNetworkPolicy (apply)', () => {
  let h: Harness;
  /** What a cautious platform team has: DNS and metrics scraping allowed for every pod of the namespace. */
  const NAMESPACE_WIDE = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-monitoring', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }] }] },
    },
  ];
  afterEach(async () => h.stop());

  it('isolates despite namespace-wide allow policies; labels and owner untouched; release restores exactly', async () => {
    h = await startHarness({ clusterNetworkPolicies: true });
    for (const p of NAMESPACE_WIDE) h.kube.api.put(p);
    const podBefore = (await h.client.getPod('shop', CHECKOUT))!;
    const { planned } = await h.enforce(stolenTokenAnomaly());
    const q = planned[0]!.action;
    expect(q).toMatchObject({ action: 'quarantine', outcome: 'applied' });
    expect(q.reason).toBeUndefined();
    const text = q.changes.join('\n');
    expect(text).toMatch(/mechanism: ClusterNetworkPolicy, Admin tier, Deny \(the cluster serves networking.k8s.aws\/v1alpha1 ClusterNetworkPolicy\)/);
    expect(text).toMatch(/verified with the policy simulator \(ClusterNetworkPolicy tiers and NetworkPolicies\) against the live cluster: no pod, node or outside address reaches/);

    const cnps = (await h.client.listClusterNetworkPolicies()).items;
    expect(cnps).toHaveLength(1);
    expect(cnps[0]!.spec).toMatchObject({ tier: 'Admin', priority: 0, subject: { pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } } } });
    expect(cnps[0]!.metadata?.annotations?.[ANNOTATIONS.actionId]).toBe(q.id);
    // Only the quarantine label was added: app labels (Services, ReplicaSet) and owner references stay.
    const pod = (await h.client.getPod('shop', CHECKOUT))!;
    expect(pod.metadata!.labels).toEqual({ ...podBefore.metadata!.labels, [LABELS.quarantine]: expect.any(String) });
    expect(pod.metadata!.ownerReferences).toEqual(podBefore.metadata!.ownerReferences);
    // The simulator, over every live policy of every kind: nothing reaches the pod, it reaches nothing.
    const facts = await readClusterFacts(h.client);
    const r = reachability(facts.inventory, facts.policies, POD);
    expect(r.inbound.filter((p) => p.via !== 'own node')).toEqual([]);
    expect(r.outbound).toEqual([]);

    const rel = await h.revert(q.id, 'release');
    expect(rel.status).toBe('reverted');
    expect((await h.client.getPod('shop', CHECKOUT))!.metadata!.labels).toEqual(podBefore.metadata!.labels);
    expect((await h.client.listClusterNetworkPolicies()).items).toEqual([]);
    expect((await h.client.listNetworkPolicies({ namespace: 'shop', labelSelector: { [LABELS.managedBy]: 'boundwatch' } })).items).toEqual([]);
  });

  it('partial when a namespace-wide policy admits addresses outside the cluster (the Admin tier cannot deny ingress by address)', async () => {
    h = await startHarness({ clusterNetworkPolicies: true });
    h.kube.api.put({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-lb', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] },
    });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    const q = planned[0]!.action;
    expect(q.outcome).toBe('failed');
    expect(q.partial).toBe(true);
    expect(q.reason).toMatch(/isolation incomplete/);
    const text = q.changes.join('\n');
    expect(text).toMatch(/policy shop\/allow-lb ingress\[0\] still selects the pod and allows ipBlock 0.0.0.0\/0 .*Admin tier cannot deny ingress by address/);
    expect(text).toMatch(/residual path to the pod via shop\/allow-lb ingress\[0\]: .*198.51.100.7/);
    expect(h.actions().map((a) => [a.outcome, a.partial])).toEqual([['failed', true]]);
  });

  it('a live policy the simulator cannot read is residual uncertainty, not ignored', async () => {
    h = await startHarness({ clusterNetworkPolicies: true });
    // Stored as-is (the seed bypasses validation), as a newer controller's field might be.
    h.kube.api.put({ apiVersion: 'networking.k8s.aws/v1alpha1', kind: 'ClusterNetworkPolicy', metadata: { name: 'future' }, spec: { tier: 'Admin', priority: 5, subject: { pods: {} }, ingress: [{ action: 'Teleport', from: [] }] } });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    expect(planned[0]!.action.outcome).toBe('failed');
    expect(planned[0]!.action.partial).toBe(true);
    expect(planned[0]!.action.changes.join('\n')).toMatch(/residual uncertainty: ClusterNetworkPolicy future could not be simulated/);
  });

  it('a live NetworkPolicy the simulator cannot read is residual uncertainty too', async () => {
    h = await startHarness({ clusterNetworkPolicies: false });
    // A field this version does not know (as a newer API's would be), stored as-is by the seed.
    h.kube.api.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'future', namespace: 'shop' }, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], action: 'Deny' }] } });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    expect(planned[0]!.action.outcome).toBe('failed');
    expect(planned[0]!.action.partial).toBe(true);
    expect(planned[0]!.action.changes.join('\n')).toMatch(/residual uncertainty: NetworkPolicy shop\/future could not be simulated/);
  });

  it('release from the cluster alone removes boundwatch\'s policy even when its spec no longer reads', async () => {
    h = await startHarness({ clusterNetworkPolicies: false });
    const before = (await h.client.getPod('shop', CHECKOUT))!.metadata!.labels;
    const { planned } = await h.enforce(stolenTokenAnomaly());
    const id = planned[0]!.action.id;
    const name = (await h.client.listNetworkPolicies({ namespace: 'shop', labelSelector: { [LABELS.managedBy]: 'boundwatch' } })).items[0]!.metadata.name;
    const stored = h.kube.api.get('networkpolicies', 'shop', name)!;
    h.kube.api.put({ ...stored, spec: { ...(stored.spec as object), ingress: [{ action: 'Deny' }] } });
    const listed = await h.client.listNetworkPolicies({ namespace: 'shop' });
    expect(listed.unreadable.map((u) => [u.name, u.annotations[ANNOTATIONS.actionId]])).toEqual([[name, id]]);
    const r = await releaseFromCluster(h.client, id);
    expect(r.found).toBe(true);
    expect(h.kube.api.get('networkpolicies', 'shop', name)).toBeUndefined();
    expect((await h.client.getPod('shop', CHECKOUT))!.metadata!.labels).toEqual(before);
  });

  it('release from the cluster alone (no record) removes the label and both policies', async () => {
    h = await startHarness({ clusterNetworkPolicies: true });
    const before = (await h.client.getPod('shop', CHECKOUT))!.metadata!.labels;
    const { planned } = await h.enforce(stolenTokenAnomaly());
    const r = await releaseFromCluster(h.client, planned[0]!.action.id);
    expect(r.found).toBe(true);
    expect(r.notes.join('\n')).toMatch(/deleted ClusterNetworkPolicy boundwatch-quarantine-shop-/);
    expect((await h.client.getPod('shop', CHECKOUT))!.metadata!.labels).toEqual(before);
    expect((await h.client.listClusterNetworkPolicies()).items).toEqual([]);
  });

  it('falls back to relabel + deny-all where the cluster does not serve ClusterNetworkPolicy, and says so', async () => {
    h = await startHarness({ clusterNetworkPolicies: false });
    const { planned } = await h.enforce(stolenTokenAnomaly());
    expect(planned[0]!.action.changes.join('\n')).toMatch(/mechanism: NetworkPolicy relabel \+ deny-all \(the cluster does not serve ClusterNetworkPolicy/);
    expect(Object.keys((await h.client.getPod('shop', CHECKOUT))!.metadata!.labels!)).toEqual([LABELS.quarantine]);
  });

  it('dry-run: the server-side dry run covers the ClusterNetworkPolicy; nothing is written', async () => {
    h = await startHarness({ clusterNetworkPolicies: true, mode: 'dry-run' });
    for (const p of NAMESPACE_WIDE) h.kube.api.put(p);
    const { planned } = await h.enforce(stolenTokenAnomaly());
    const q = planned[0]!.action;
    expect(q).toMatchObject({ outcome: 'planned' });
    expect(q.reason).toBeUndefined();
    expect(q.changes.join('\n')).toMatch(/mechanism: ClusterNetworkPolicy[\s\S]*server-side dry run: the API server accepted every change[\s\S]*verified with the policy simulator \(ClusterNetworkPolicy tiers and NetworkPolicies\) on the simulated result/);
    expect(h.kube.api.requests.filter((r) => r.resource === 'clusternetworkpolicies' && r.verb === 'patch').every((r) => r.dryRun)).toBe(true);
    expect((await h.client.listClusterNetworkPolicies()).items).toEqual([]);
  });
});
