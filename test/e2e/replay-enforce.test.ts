/**
 * `replay --enforce apply --kubeconfig` and `release ID`, end to end through the bundled CLI,
 * against a test API server this test starts, seeded like the demo scenario's cluster. The
 * assertions are on the cluster's objects, read back over the API.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnforcementAction } from '#shared/events/schema';
import { ANNOTATIONS, LABELS } from '#shared/enforce/types';
import { createClusterClient, type ClusterClient } from '#shared/k8s/client';
import { loadKubeConfig } from '#infra/local/kubeconfig';
import { validateNetworkPolicy } from '#shared/netpol/validate';
import { CHECKOUT_POD, demoAuditLines } from '#infra/local/scenario/demo-cluster';
import { KubeApiServer } from '#test/support/kube-apiserver';
import { runCli } from '#test/support/cli';
import { DEMO_CHECKOUT_LABELS, DEMO_POLICIES, demoClusterInventory } from '#test/integration/enforce/demo-cluster';
import { parse } from 'yaml';

const dir = mkdtempSync(join(tmpdir(), 'bw-replay-enforce-'));
const audit = join(dir, 'audit.jsonl');
const config = join(dir, 'config.json');
let api: KubeApiServer;
let kubeconfig: string;
let client: ClusterClient;

const readJsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { detail: unknown });
const ours = async () => (await client.listNetworkPolicies({ namespace: 'shop', labelSelector: { [LABELS.managedBy]: 'boundwatch' } })).items;
const checkoutLabels = async () => (await client.getPod('shop', CHECKOUT_POD))?.metadata?.labels;

/**
 * The demo has several attacks; these tests follow the stolen checkout token's anomaly. The
 * others (IAM principals) only plan credential revocations, which the local runtime skips.
 */
async function replayApply(name: string): Promise<{ out: string; state: string; actions: EnforcementAction[]; all: EnforcementAction[] }> {
  const out = join(dir, `out-${name}`);
  const state = join(dir, `state-${name}`);
  const r = await runCli(['replay', '--audit', audit, '--enforce', 'apply', '--kubeconfig', kubeconfig, '--state', state, '--out', out, '--config', config]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const anomalies = readJsonl(join(out, 'anomalies.jsonl')).map((e) => e.detail as { id: string; principal: { name: string } });
  const checkout = anomalies.filter((a) => a.principal.name === 'system:serviceaccount:shop:checkout').map((a) => a.id);
  expect(checkout).toHaveLength(1);
  const all = readJsonl(join(out, 'enforcement.jsonl')).map((e) => EnforcementAction.parse(e.detail));
  return { out, state, all, actions: all.filter((a) => a.anomalyId === checkout[0]) };
}

beforeAll(async () => {
  writeFileSync(audit, demoAuditLines().join('\n') + '\n');
  // These tests follow a quarantine through release. The stolen-token findings are set to notify,
  // so what the token's holder did (secrets read cluster-wide) quarantines the pod instead.
  writeFileSync(
    config,
    JSON.stringify({ clusters: [{ name: 'demo-eks', auditLogGroup: '/aws/eks/demo-eks/cluster' }], enforcement: { responses: { CredentialFromOtherIP: 'notify', CredentialFromPublicNetwork: 'notify' } } }),
  );
  // A cluster without ClusterNetworkPolicy (VPC CNI before 1.21.1): the relabel + deny-all mechanism, end to end.
  api = await KubeApiServer.start({ clusterNetworkPolicies: false });
  api.seed(demoClusterInventory());
  for (const p of DEMO_POLICIES) api.put(p);
  kubeconfig = api.writeKubeconfig(dir);
  client = createClusterClient(loadKubeConfig(kubeconfig), { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
});

afterAll(async () => {
  await api.stop();
});

describe('replay --enforce apply --kubeconfig, then release', () => {
  let first: Awaited<ReturnType<typeof replayApply>>;
  let quarantine: EnforcementAction;

  it('quarantines the checkout pod in the cluster, and reports it', async () => {
    first = await replayApply('1');
    expect(first.actions.map((a) => `${a.action}:${a.outcome}`)).toEqual(['quarantine:applied']);
    quarantine = first.actions[0]!;
    expect(quarantine).toMatchObject({ mode: 'apply', target: { kind: 'Pod', namespace: 'shop', name: CHECKOUT_POD } });
    expect(quarantine.changes.join('\n')).toMatch(/verified with the NetworkPolicy simulator against the live cluster: no pod, node or outside address reaches/);

    expect(Object.keys((await checkoutLabels())!)).toEqual([LABELS.quarantine]);
    const live = await ours();
    expect(live).toHaveLength(1);
    expect(live[0]!.metadata.annotations![ANNOTATIONS.actionId]).toBe(quarantine.id);
    const files = readdirSync(join(first.out, 'policies', 'shop'));
    expect(files).toEqual([`${live[0]!.metadata.name}.yaml`]);
    expect(validateNetworkPolicy(parse(readFileSync(join(first.out, 'policies', 'shop', files[0]!), 'utf8'))).errors).toEqual([]);
    const summary = JSON.parse(readFileSync(join(first.out, 'summary.json'), 'utf8'));
    // Only the quarantine changed the cluster; every other action was skipped and said why.
    expect(first.all.filter((a) => a.action !== 'quarantine').every((a) => a.outcome === 'skipped' && a.reason)).toBe(true);
    expect(summary.actions).toMatchObject({ total: first.all.length, byOutcome: { applied: 1, skipped: first.all.length - 1 } });
  }, 120_000);

  it('release ID --state restores the pod and deletes the policy; releasing again is a no-op', async () => {
    const r = await runCli(['release', quarantine.id, '--kubeconfig', kubeconfig, '--state', first.state]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`released action ${quarantine.id} \\(quarantine of Pod shop/${CHECKOUT_POD}\\)`));
    expect(r.stdout).toMatch(/restored 3 labels on pod/);
    expect(await checkoutLabels()).toEqual(DEMO_CHECKOUT_LABELS);
    expect(await ours()).toEqual([]);

    const again = await runCli(['release', quarantine.id, '--kubeconfig', kubeconfig, '--state', first.state]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was reverted already \(released at/);
  }, 60_000);

  it('release ID from the cluster alone (no --state): the policy annotations say what to restore', async () => {
    const second = await replayApply('2');
    expect(second.actions[0]).toMatchObject({ id: quarantine.id, outcome: 'applied' });
    expect(Object.keys((await checkoutLabels())!)).toEqual([LABELS.quarantine]);
    const r = await runCli(['release', quarantine.id, '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/from the cluster alone/);
    expect(await checkoutLabels()).toEqual(DEMO_CHECKOUT_LABELS);
    expect(await ours()).toEqual([]);
    // Nothing in the cluster carries the id any more.
    const gone = await runCli(['release', quarantine.id, '--kubeconfig', kubeconfig]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/unknown action id .*or it was released already/);
  }, 120_000);

  it('exits 1 when the cluster is unreachable, and succeeds once it is back', async () => {
    const third = await replayApply('3');
    await api.down();
    try {
      const r = await runCli(['release', quarantine.id, '--kubeconfig', kubeconfig, '--state', third.state]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/release of .* failed: .*connection failed/);
    } finally {
      await api.up();
    }
    expect(Object.keys((await checkoutLabels())!)).toEqual([LABELS.quarantine]);
    const ok = await runCli(['release', quarantine.id, '--kubeconfig', kubeconfig, '--state', third.state]);
    expect(ok.code).toBe(0);
    expect(await checkoutLabels()).toEqual(DEMO_CHECKOUT_LABELS);
  }, 180_000);
});

describe('release input errors', () => {
  it.each([
    ['a malformed id', ['release', 'not-an-id', '--kubeconfig', 'k.yaml'], /is not a boundwatch action id/],
    ['neither --kubeconfig nor --state', ['release', '00000000-0000-4000-8000-000000000000'], /needs --kubeconfig .* or --state/],
    ['an unreadable kubeconfig', ['release', '00000000-0000-4000-8000-000000000000', '--kubeconfig', join(dir, 'missing.yaml')], /kubeconfig .*missing\.yaml: cannot read the file/],
    ['a missing state folder', ['release', '00000000-0000-4000-8000-000000000000', '--state', join(dir, 'nope')], /--state .*nope: no such folder/],
  ])('exits 2 with one clear line on %s', async (_what, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 for an id no record and no object knows', async () => {
    const r = await runCli(['release', '00000000-0000-4000-8000-000000000000', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown action id/);
  });
});
