/**
 * The embedded runtime's enforcement wiring, in process with an injected clock: the demo's
 * audit input through the real handlers against the test API server (--enforce apply with a
 * kubeconfig), then a later run over the same --state that finds the action expired and
 * reverts it at its start; and a dry run planned against the live cluster.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnforcementAction } from '#shared/events/schema';
import { LABELS } from '#shared/enforce/types';
import { defaultLocalConfig } from '#infra/local/load-config';
import { runPipeline } from '#infra/local/pipeline';
import { CHECKOUT_POD, DEMO_CLUSTER, demoAuditLines } from '#infra/local/scenario/demo-cluster';
import { startKubeFixture, type KubeFixture } from '#test/support/kube-apiserver';
import { DEMO_CHECKOUT_LABELS, DEMO_POLICIES, demoClusterInventory } from './demo-cluster';

/** The actions answering the stolen checkout token (the demo's other attacks are IAM principals). */
const actionsOf = (out: Awaited<ReturnType<typeof runPipeline>>) => {
  const checkout = out.anomalies.map((e) => e.detail as { id: string; principal: { name: string } }).filter((a) => a.principal.name === 'system:serviceaccount:shop:checkout');
  const ids = new Set(checkout.map((a) => a.id));
  return out.enforcement.map((e) => EnforcementAction.parse(e.detail)).filter((a) => ids.has(a.anomalyId));
};

describe('local runtime enforcement', () => {
  let k: KubeFixture;
  let dir: string;
  let audit: string;
  beforeEach(async () => {
    k = await startKubeFixture({ seed: demoClusterInventory() });
    for (const p of DEMO_POLICIES) k.api.put(p);
    dir = mkdtempSync(join(tmpdir(), 'bw-runtime-'));
    audit = join(dir, 'audit.jsonl');
    writeFileSync(audit, demoAuditLines().join('\n') + '\n');
  });
  afterEach(async () => {
    await k.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies with a kubeconfig, and a later run reverts the expired action from --state', async () => {
    const t0 = new Date('2026-11-10T03:00:00Z');
    const config = defaultLocalConfig(DEMO_CLUSTER);
    // This test follows a quarantine through its expiry. The stolen-token findings are set to
    // notify, so what the token's holder did (secrets read cluster-wide) quarantines the pod.
    config.enforcement.responses = { CredentialFromOtherIP: 'notify', CredentialFromPublicNetwork: 'notify' };
    const state = join(dir, 'state');
    const first = await runPipeline({ auditFiles: [audit], flowFiles: [] }, { config, enforce: 'apply', kubeconfig: k.kubeconfigPath, statePath: state, now: () => t0 });
    const applied = actionsOf(first);
    expect(applied.map((a) => `${a.action}:${a.outcome}`)).toEqual(['quarantine:applied']);
    expect(applied[0]!.expiresAt).toBe('2026-11-10T04:00:00.000Z');
    expect(first.policies.map((p) => p.metadata.namespace)).toEqual(['shop']);
    // The test API server serves EKS's ClusterNetworkPolicy, so the quarantine is an Admin-tier
    // deny (detected from the API): the pod keeps its labels and gains the quarantine label.
    expect(applied[0]!.changes.join('\n')).toMatch(/^mechanism: ClusterNetworkPolicy, Admin tier, Deny \(the cluster serves/m);
    expect((await k.client.getPod('shop', CHECKOUT_POD))!.metadata!.labels).toEqual({ ...DEMO_CHECKOUT_LABELS, [LABELS.quarantine]: expect.any(String) });
    expect((await k.client.listClusterNetworkPolicies()).items.map((p) => p.spec?.tier)).toEqual(['Admin']);

    // An hour and a bit later, a run with nothing new to read: the revert is due and runs first.
    const later = new Date(t0.getTime() + 61 * 60_000);
    const second = await runPipeline({ auditFiles: [], flowFiles: [] }, { config, enforce: 'apply', kubeconfig: k.kubeconfigPath, statePath: state, now: () => later });
    // The later run has no input: its only events are the reverts of what expired.
    const reverted = second.enforcement.map((e) => EnforcementAction.parse(e.detail));
    expect(reverted.map((a) => `${a.action}:${a.outcome}:${a.id === applied[0]!.id}`)).toEqual(['quarantine:reverted:true']);
    expect((await k.client.getPod('shop', CHECKOUT_POD))!.metadata!.labels).toEqual(DEMO_CHECKOUT_LABELS);
    expect((await k.client.listNetworkPolicies({ namespace: 'shop', labelSelector: { [LABELS.managedBy]: 'boundwatch' } })).items).toEqual([]);
    expect((await k.client.listClusterNetworkPolicies()).items).toEqual([]);

    // Nothing is due any more.
    const third = await runPipeline({ auditFiles: [], flowFiles: [] }, { config, enforce: 'apply', kubeconfig: k.kubeconfigPath, statePath: state, now: () => later });
    expect(third.enforcement).toEqual([]);
  }, 60_000);

  it('refuses to apply without a state folder, before touching the cluster: the reverts would be lost with the run', async () => {
    await expect(runPipeline({ auditFiles: [audit], flowFiles: [] }, { config: defaultLocalConfig(DEMO_CLUSTER), enforce: 'apply', kubeconfig: k.kubeconfigPath })).rejects.toThrow(/needs? .*state folder \(--state\)/);
    expect(k.api.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list')).toEqual([]);
    expect((await k.client.getPod('shop', CHECKOUT_POD))!.metadata!.labels).toEqual(DEMO_CHECKOUT_LABELS);
  });

  it('dry-run with a kubeconfig plans against the live cluster without changing it', async () => {
    const out = await runPipeline({ auditFiles: [audit], flowFiles: [] }, { config: defaultLocalConfig(DEMO_CLUSTER), enforce: 'dry-run', kubeconfig: k.kubeconfigPath });
    // The stolen token: its credential is revoked (the pod it is bound to would go), not the pod quarantined.
    const [q] = actionsOf(out);
    expect(q).toMatchObject({ action: 'revoke-credentials', mode: 'dry-run', outcome: 'planned', target: { kind: 'ServiceAccount', namespace: 'shop', name: 'checkout' } });
    expect(q!.changes.join('\n')).toMatch(/server-side dry run: the API server accepted every change/);
    expect(q!.changes.join('\n')).toContain(`pod shop/${CHECKOUT_POD}`);
    expect((await k.client.getPod('shop', CHECKOUT_POD))!.metadata!.labels).toEqual(DEMO_CHECKOUT_LABELS);
    expect(k.api.requests.filter((r) => r.verb === 'patch' && !r.dryRun)).toEqual([]);
  }, 60_000);
});
