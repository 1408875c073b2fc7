import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttackSequence, EnforcementAction } from '#shared/events/schema';
import { CHECKOUT_POD } from '#infra/local/scenario/demo-cluster';
import { runCli } from '#test/support/cli';

interface Detail {
  id: string;
  category: string;
  severity: string;
  principal: { name: string };
  findings: Array<{ type: string; evidence: { sourceIPs: string[]; baseline: string; flows?: Array<{ peer?: string; bytes: number }> } }>;
}

describe('boundwatch demo', () => {
  it('detects its attacks and its network anomaly, explains each against the baseline, and shows the dry-run enforcement plan', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bw-demo-'));
    const r = await runCli(['demo', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/HIGH|CRITICAL/);
    expect(r.stdout).toContain('system:serviceaccount:shop:checkout');
    expect(r.stdout).toContain('quarantine');
    expect(r.stdout).toContain('dry-run');
    const anomalies: Detail[] = readFileSync(join(out, 'anomalies.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).detail);
    const of = (principal: string) => anomalies.find((a) => a.principal.name.includes(principal))!;
    const types = (a: Detail) => a.findings.map((f) => f.type);

    // 1. A stolen service-account token, used from the internet.
    const stolen = of('system:serviceaccount:shop:checkout');
    expect(types(stolen)).toEqual(expect.arrayContaining(['SecretsAccessed', 'CredentialFromOtherIP', 'CredentialFromPublicNetwork']));
    expect(stolen.findings.find((f) => f.type === 'CredentialFromOtherIP')!.evidence.sourceIPs).toContain('203.0.113.66');
    // 2. A replayed SSO session: every secret, then a shell in kube-system.
    expect(types(of('role/sso_oncall'))).toEqual(expect.arrayContaining(['ClusterWideSecretList', 'ExecInKubeSystemPod']));
    // 3. CI keys planting a privileged DaemonSet with the host's root filesystem.
    expect(types(of('role/github-actions-deployer'))).toEqual(expect.arrayContaining(['PrivilegedContainer', 'SensitiveHostPathMount', 'UntrustedImageInSystemNamespace']));
    // 4. From the flows: a microservice suddenly sending gigabytes to an internal admin API,
    // and the checkout pod calling the address its token is then used from.
    const network = anomalies.filter((a) => a.category === 'network');
    expect(network.map((a) => a.principal.name).sort()).toEqual(['system:serviceaccount:shop:checkout', 'system:serviceaccount:shop:recommendation']);
    const exfiltration = network.find((a) => a.principal.name.endsWith(':recommendation'))!;
    expect(JSON.stringify(exfiltration.findings.map((f) => f.evidence.flows))).toContain('admin-api');
    const callout = network.find((a) => a.principal.name.endsWith(':checkout'))!;
    expect(types(callout)).toEqual(['NewInternetEgress']);
    // Nothing else: the benign days raise nothing at MEDIUM or above.
    expect(anomalies.filter((a) => a.severity !== 'LOW')).toHaveLength(5);
    for (const a of anomalies.filter((x) => x.category === 'api')) for (const f of a.findings) expect(f.evidence.baseline).toMatch(/requests/);
    for (const a of network) for (const f of a.findings) expect(f.evidence.baseline.length).toBeGreaterThan(20);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.flows.records).toBeGreaterThan(10_000);
    expect(summary.anomalies.byCategory).toEqual({ api: 3, network: 2 });

    // 5. One story across three layers: the shell in the checkout pod (Falco), its call to
    // 203.0.113.66 (flows), its token used from there (audit). The Falco noise of the benign
    // days (shells in the report worker, Prometheus reading its token) tells no story.
    const sequences = readFileSync(join(out, 'sequences.jsonl'), 'utf8').trim().split('\n').map((l) => AttackSequence.parse(JSON.parse(l).detail));
    expect(sequences).toHaveLength(1);
    const story = sequences[0]!;
    expect(story.signals.map((s) => s.layer)).toEqual(['runtime', 'network', 'api']);
    expect(story.signals.map((s) => s.id)).toEqual([expect.stringMatching(/^falco:/), `anomaly:${callout.id}`, `anomaly:${stolen.id}`]);
    expect(story.workloads.map((w) => w.pod)).toEqual([CHECKOUT_POD]);
    expect(story.endpoints).toContain('203.0.113.66');
    expect(story.severity).toBe('CRITICAL');
    expect(r.stdout).toContain('1 attack sequence, each one story');
    expect(summary.sequences.total).toBe(1);
    expect(summary.runtime).toMatchObject({ signals: 16, unjoined: 0, rejected: {} });

    const enforcement = readFileSync(join(out, 'enforcement.jsonl'), 'utf8').trim().split('\n').map((l) => EnforcementAction.parse((JSON.parse(l) as { detail: unknown }).detail));
    const actionsFor = (id: string) => enforcement.filter((d) => d.anomalyId === id);
    // The stolen token: the credential is revoked (its pod would be evicted), the victim pod is not quarantined.
    expect(actionsFor(stolen.id).map((d) => `${d.action}:${d.target.kind}/${d.target.name}:${d.outcome}`)).toEqual(['revoke-credentials:ServiceAccount/checkout:planned']);
    expect(actionsFor(stolen.id)[0]!.changes.join('\n')).toContain(`pod shop/${CHECKOUT_POD}`);
    // The exfiltration (new destination and a volume spike): the pod is isolated.
    expect(actionsFor(exfiltration.id)).toEqual([expect.objectContaining({ action: 'quarantine', mode: 'dry-run', outcome: 'planned', target: expect.objectContaining({ kind: 'Pod', namespace: 'shop', name: expect.stringMatching(/^recommendation-/) }) })]);
    // The checkout pod's first call to the internet: its egress is held to its baseline.
    expect(actionsFor(callout.id).map((d) => `${d.action}:${d.target.kind}/${d.target.name}:${d.outcome}`)).toEqual(['tighten-egress:Deployment/checkout:planned']);
    expect(readdirSync(join(out, 'policies', 'shop')).sort()).toEqual([expect.stringMatching(/^boundwatch-egress-deployment-checkout-/), expect.stringMatching(/^boundwatch-quarantine-recommendation-/)]);
    // The scenario's input is left beside the outputs, ready to replay.
    expect(readdirSync(join(out, 'input')).sort()).toEqual(['audit.jsonl', 'cluster.json', 'dns.jsonl', 'falco.jsonl', 'flows.log']);
  }, 120_000);
});
