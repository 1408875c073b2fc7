/**
 * `boundwatch replay --runtime` end to end, through the bundled CLI: the demo's audit log and
 * flows, plus the runtime layer of the same nights (Falcosidekick JSON lines with the routine
 * noise of the benign days, and GuardDuty findings), tell each attack as one sequence; the
 * noise tells none; and runtime input delivered again publishes nothing new.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttackSequence, EnforcementAction } from '#shared/events/schema';
import { CHECKOUT_POD, demoAuditLines } from '#infra/local/scenario/demo-cluster';
import { demoFlows } from '#infra/local/scenario/demo-flows';
import { ATTACKER_IP, demoRuntimeLines, withAttackerEgress } from '#infra/local/scenario/demo-runtime';
import { runCli } from '#test/support/cli';

const dir = mkdtempSync(join(tmpdir(), 'bw-replay-runtime-'));
const file = (name: string) => join(dir, name);
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/runtime', name), 'utf8');
const readJsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; 'detail-type': string; detail: unknown });

beforeAll(() => {
  const { inventory, flowLines } = demoFlows();
  const falco = demoRuntimeLines(inventory);
  const shell = falco.find((l) => l.includes(CHECKOUT_POD))!;
  writeFileSync(file('audit.jsonl'), demoAuditLines().join('\n') + '\n');
  writeFileSync(file('flows.log'), withAttackerEgress(flowLines, inventory).join('\n') + '\n');
  writeFileSync(file('cluster.json'), JSON.stringify(inventory));
  writeFileSync(file('config.json'), JSON.stringify({ clusters: [{ name: 'demo-eks', auditLogGroup: '/aws/eks/demo-eks/cluster' }] }));
  writeFileSync(
    file('runtime.jsonl'),
    [
      ...falco,
      shell, // Falcosidekick retried: the same alert twice
      '{"rule": "truncated', // a damaged line
      ...['guardduty-runtime-reverse-shell.json', 'guardduty-audit-malicious-ip.json', 'guardduty-ec2-finding.json'].map((f) => JSON.stringify(JSON.parse(fixture(f)))),
    ].join('\n') + '\n',
  );
});

const common = ['--config', file('config.json'), '--cluster', file('cluster.json')];

describe('boundwatch replay --runtime', () => {
  it('tells each attack across the layers as one sequence, and the benign runtime noise as none', async () => {
    const out = file('out');
    const state = file('state');
    const r = await runCli(['replay', ...common, '--audit', file('audit.jsonl'), '--flows', file('flows.log'), '--runtime', file('runtime.jsonl'), '--out', out, '--state', state]);
    expect(r.stderr).not.toMatch(/delivery of event .* failed/);
    expect(r.code).toBe(0);
    const lines = readJsonl(join(out, 'sequences.jsonl'));
    expect(lines.every((e) => e['detail-type'] === 'Attack Sequence')).toBe(true);
    const sequences = lines.map((e) => AttackSequence.parse(e.detail));
    // Each story once, however often it grew.
    expect(new Set(sequences.map((q) => q.id)).size).toBe(sequences.length);
    expect(sequences).toHaveLength(2);

    // 1. A shell in the checkout pod, the pod calling the attacker, the pod's token used from the attacker's address.
    const checkout = sequences.find((q) => q.workloads.some((w) => w.pod === CHECKOUT_POD))!;
    expect(checkout.signals.map((s) => `${s.layer}:${s.source}`)).toEqual(['runtime:falco', 'network:boundwatch', 'api:boundwatch', 'api:guardduty']);
    expect(checkout.signals.filter((s) => s.type === 'Terminal shell in container')).toHaveLength(1);
    expect(checkout.tactics.slice(0, 2)).toEqual(['Execution', 'Exfiltration']);
    expect(checkout.tactics.length).toBeGreaterThanOrEqual(4);
    expect(checkout.severity).toBe('CRITICAL');
    expect(checkout.endpoints).toContain(ATTACKER_IP);
    expect(checkout.actors.map((a) => a.name)).toContain('system:serviceaccount:shop:checkout');
    for (const s of checkout.signals) expect(s.baseline.length).toBeGreaterThan(10);

    // 2. A privileged DaemonSet planted with the CI role's keys, then a reverse shell in it (GuardDuty).
    const planted = sequences.find((q) => q !== checkout)!;
    expect(planted.signals.map((s) => `${s.layer}:${s.type.split('+')[0]}`)).toEqual([expect.stringMatching(/^api:/), 'runtime:Execution:Runtime/ReverseShell']);
    expect(planted.resources).toContain('kube-system/daemonsets/node-debugger');
    expect(['HIGH', 'CRITICAL']).toContain(planted.severity);

    // The noise (shells in the report worker, Prometheus reading its token) is in no story.
    const told = JSON.stringify(sequences);
    expect(told).not.toContain('report-worker');
    expect(told).not.toContain('prometheus');

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.runtime.rejected).toEqual({ 'not-json': 1 });
    expect(summary.runtime.ignored).toEqual({ 'finding-type-not-routed': 1 });
    expect(summary.runtime.unjoined).toBe(0);
    expect(summary.sequences.total).toBe(2);
    expect(summary.sequences.published).toBeGreaterThanOrEqual(2);
    // Enforcement answered the sequences (recorded by ingest-runtime, so not refused as forged).
    const actions = readJsonl(join(out, 'enforcement.jsonl')).map((e) => EnforcementAction.parse(e.detail));
    expect(actions.filter((a) => a.anomalyId === checkout.id).length).toBeGreaterThan(0);
    // The reverse shell is answered on the credential that planted the DaemonSet: the CI role's
    // session, not kube-system (protected) and not every session of the role.
    const plantedActions = actions.filter((a) => a.anomalyId === planted.id);
    expect(plantedActions).toEqual([
      expect.objectContaining({ action: 'revoke-credentials', outcome: 'planned', target: expect.objectContaining({ kind: 'IAMRole', name: 'github-actions-deployer' }), expiresAt: expect.any(String) }),
    ]);
    expect(plantedActions[0]!.changes.join('\n')).toMatch(/deny \* to session aws:userid AROAGITHUBACTIONSDEP:gha-run/);
    expect(r.stdout).toContain('2 attack sequences');

    // Delivered again (same state): every sequence is re-derived, none is published again.
    const again = await runCli(['replay', ...common, '--runtime', file('runtime.jsonl'), '--out', file('out-again'), '--state', state]);
    expect(again.code).toBe(0);
    expect(readFileSync(join(file('out-again'), 'sequences.jsonl'), 'utf8')).toBe('');
    const second = JSON.parse(readFileSync(join(file('out-again'), 'summary.json'), 'utf8'));
    expect(second.sequences).toMatchObject({ total: 0, published: 0 });
    expect(second.sequences.redelivered).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('accepts runtime input alone, and a GuardDuty findings document as the API returns it', async () => {
    const findings = ['guardduty-runtime-reverse-shell.json', 'guardduty-ec2-finding.json'].map((f) => (JSON.parse(fixture(f)) as { detail: unknown }).detail);
    writeFileSync(file('findings.json'), JSON.stringify({ findings }, null, 2));
    const out = file('out-findings');
    const r = await runCli(['replay', ...common, '--runtime', file('findings.json'), '--out', out]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.runtime).toMatchObject({ received: { guardduty: 1 }, signals: 1, ignored: { 'finding-type-not-routed': 1 } });
    // One layer alone is never a sequence.
    expect(summary.sequences.total).toBe(0);
  }, 60_000);
});
