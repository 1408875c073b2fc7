import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKOUT_POD } from '#infra/local/scenario/demo-cluster';
import { runCli } from '#test/support/cli';

interface Detail {
  id: string;
  severity: string;
  principal: { name: string };
  findings: Array<{ type: string; evidence: { sourceIPs: string[]; baseline: string } }>;
}

describe('boundwatch demo', () => {
  it('detects its three attacks, explains each against the principal’s baseline, and shows the dry-run enforcement plan', async () => {
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
    // Nothing else: nine benign days raise nothing at MEDIUM or above.
    expect(anomalies.filter((a) => a.severity !== 'LOW')).toHaveLength(3);
    for (const a of anomalies) for (const f of a.findings) expect(f.evidence.baseline).toMatch(/requests/);

    const enforcement = readFileSync(join(out, 'enforcement.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const quarantine = enforcement.find((e) => e.detail.action === 'quarantine');
    expect(quarantine.detail).toMatchObject({ anomalyId: stolen.id, mode: 'dry-run', target: { kind: 'Pod', namespace: 'shop', name: CHECKOUT_POD } });
    expect(readdirSync(join(out, 'policies', 'shop')).length).toBeGreaterThan(0);
  }, 120_000);
});
