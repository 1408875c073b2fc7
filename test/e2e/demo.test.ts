import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '#test/support/cli';

describe('boundwatch demo', () => {
  it('detects its attack and shows the dry-run enforcement plan', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bw-demo-'));
    const r = await runCli(['demo', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/HIGH|CRITICAL/);
    expect(r.stdout).toContain('system:serviceaccount:shop:checkout');
    expect(r.stdout).toContain('quarantine');
    expect(r.stdout).toContain('dry-run');
    const anomalies = readFileSync(join(out, 'anomalies.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const stolen = anomalies.find((a) => a.detail.principal.name === 'system:serviceaccount:shop:checkout');
    expect(stolen.detail.findings.map((f: { type: string }) => f.type)).toContain('SecretsAccessed');
    expect(stolen.detail.findings[0].evidence.sourceIPs).toContain('203.0.113.66');
    const enforcement = readFileSync(join(out, 'enforcement.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(enforcement.some((e) => e.detail.anomalyId === stolen.detail.id && e.detail.mode === 'dry-run')).toBe(true);
    expect(readdirSync(join(out, 'policies', 'shop')).length).toBeGreaterThan(0);
  }, 120_000);
});
