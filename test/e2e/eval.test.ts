/**
 * The evaluation at reduced size (machine traffic scaled down; people, CI, the look-new-but-benign
 * events and every technique as at full size): every technique is detected at MEDIUM or above and
 * no look-new-but-benign event alarms. The false-alarm rate needs a million judged events; it is
 * asserted at full size by `npm run eval`, here only guarded against regressions.
 * The platform cluster (Karpenter, Flux, a mesh, an upgrade day) the same way, with each of its
 * techniques at its expected severity on the expected principal.
 * Then a short scenario end to end through the `boundwatch replay` command line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenario } from '#test/eval/scenario/scenario';
import { ALL_TECHNIQUES, STRATUS_TECHNIQUES } from '#test/eval/scenario/techniques';
import { evaluate, type EvalResult } from '#test/eval/evaluate';
import { report } from '#test/eval/run';
import { runCli } from '#test/support/cli';

describe('evaluation at reduced size', () => {
  let r: EvalResult;
  beforeAll(() => {
    r = evaluate({ days: 14, scale: 0.05 });
  }, 600_000);

  it('runs every Stratus technique and more', () => {
    expect(r.techniques.map((t) => t.id)).toEqual(expect.arrayContaining(STRATUS_TECHNIQUES.map((t) => t.id)));
    expect(r.techniques).toHaveLength(ALL_TECHNIQUES.length);
    for (const t of r.techniques) expect(t.events).toBeGreaterThan(0);
  });

  it('detects every technique at MEDIUM or above, in its first minute', () => {
    const missed = r.techniques.filter((t) => !t.detected).map((t) => t.id);
    expect(missed).toEqual([]);
    for (const t of r.techniques) expect(t.timeToDetectMs).toBeLessThan(60_000);
    // Each at the severity it deserves, on the principal that did it.
    for (const t of r.techniques) expect({ id: t.id, met: t.expected?.met }).toEqual({ id: t.id, met: true });
  });

  it('raises no alarm on the look-new-but-benign events', () => {
    for (const l of r.lookalikes) {
      expect(l.events).toBeGreaterThan(0);
      expect({ id: l.id, alarms: l.alarms.map((a) => a.findings.map((f) => f.type)) }).toEqual({ id: l.id, alarms: [] });
    }
  });

  it('keeps false alarms rare and the report says whether targets are met', () => {
    expect(r.benignJudged).toBeGreaterThan(100_000);
    expect(r.falseAlarms.length).toBeLessThanOrEqual(2);
    const { text, failures } = report(r);
    expect(text).toContain('per million benign judged events');
    expect(failures.filter((f) => !f.includes('per million'))).toEqual([]);
  });
});

describe('the platform cluster at reduced size', () => {
  let r: EvalResult;
  beforeAll(() => {
    r = evaluate({ model: 'platform', days: 14, scale: 0.05 });
  }, 600_000);

  it('raises every technique at its expected severity on the principal that did it', () => {
    expect(r.techniques.length).toBeGreaterThanOrEqual(7);
    for (const t of r.techniques) {
      expect(t.events).toBeGreaterThan(0);
      expect({ id: t.id, met: t.expected?.met }).toEqual({ id: t.id, met: true });
    }
  });

  it('raises no alarm on its look-new-but-benign events and no HIGH on platform controllers while learning', () => {
    for (const l of r.lookalikes) {
      expect(l.events).toBeGreaterThan(0);
      expect({ id: l.id, alarms: l.alarms.map((a) => a.findings.map((f) => f.type)) }).toEqual({ id: l.id, alarms: [] });
    }
    expect(r.platformHighDuringLearning.map((a) => `${a.principal.name}: ${a.findings.map((f) => f.type).join(', ')}`)).toEqual([]);
    expect(r.falseAlarms.length).toBeLessThanOrEqual(2);
    expect(report(r).failures.filter((f) => !f.includes('per million'))).toEqual([]);
  });
});

describe('a short scenario through boundwatch replay', () => {
  it('finds the injected techniques through the local runtime', async () => {
    const picks = ['sa-token.from-internet', 'eks.persistence.backdoor-aws-auth-configmap', 'k8s.privilege-escalation.privileged-pod'];
    const techniques = ALL_TECHNIQUES.filter((t) => picks.includes(t.id)).map((t, i) => ({ ...t, day: 2, hour: 10 + i }));
    const { hours } = scenario({ days: 3, scale: 0.01, techniques, lookalikes: false });
    const lines: string[] = [];
    const attackIds = new Set<string>();
    for (const h of hours) for (const { e, label } of h) {
      lines.push(JSON.stringify(e));
      if (label?.startsWith('attack:')) attackIds.add(e.auditID);
    }
    const dir = mkdtempSync(join(tmpdir(), 'bw-eval-e2e-'));
    writeFileSync(join(dir, 'audit.jsonl'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ clusters: [{ name: 'eval-eks', auditLogGroup: '/aws/eks/eval-eks/cluster' }], detection: { learningDays: 1, clusterLearningDays: 1 } }));
    const out = join(dir, 'out');
    const r = await runCli(['replay', '--audit', join(dir, 'audit.jsonl'), '--config', join(dir, 'config.json'), '--out', out, '--enforce', 'off'], { timeoutMs: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const anomalies = readFileSync(join(out, 'anomalies.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).detail);
    const hit = (a: { severity: string; findings: Array<{ evidence: { auditIDs?: string[] } }> }) =>
      a.severity !== 'LOW' && a.findings.some((f) => (f.evidence.auditIDs ?? []).some((id) => attackIds.has(id)));
    const detected = anomalies.filter(hit).flatMap((a: { findings: Array<{ type: string }> }) => a.findings.map((f) => f.type));
    expect(detected).toEqual(expect.arrayContaining(['CredentialFromOtherIP', 'AwsAuthModified', 'PrivilegedContainer']));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.events.accepted).toBe(lines.length);
  }, 300_000);
});
