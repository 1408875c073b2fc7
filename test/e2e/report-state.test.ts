/**
 * `boundwatch report --state DIR` with no input: after `replay --state`, the page drawn from the
 * kept state alone shows the same connections (same edges, same verdicts of the policies in
 * force), the same anomalies and the same responses as the page the replay wrote.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportModel } from '#shared/report/model';
import { runCli } from '#test/support/cli';

const dir = mkdtempSync(join(tmpdir(), 'bw-report-state-'));
const modelOf = (file: string): ReportModel =>
  JSON.parse(readFileSync(file, 'utf8').match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/)![1]!) as ReportModel;

describe('report --state', () => {
  let fromReplay: ReportModel;
  let fromState: ReportModel;
  let stateRun: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    const demo = await runCli(['demo', '--out', join(dir, 'demo')]);
    expect(demo.code).toBe(0);
    const input = join(dir, 'demo', 'input');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ clusters: [{ name: 'demo-eks', auditLogGroup: '/aws/eks/demo-eks/cluster' }] }));
    const out = join(dir, 'out');
    const state = join(dir, 'state');
    const replay = await runCli(['replay', '--audit', join(input, 'audit.jsonl'), '--flows', join(input, 'flows.log'), '--cluster', join(input, 'cluster.json'), '--dns', join(input, 'dns.jsonl'), '--state', state, '--out', out, '--config', join(dir, 'config.json')]);
    expect(replay.code).toBe(0);
    expect(replay.stderr).toMatch(/DNS: \d+ queries read, names for 3 addresses\n/);
    copyFileSync(join(out, 'report.html'), join(dir, 'replay-report.html'));
    fromReplay = modelOf(join(dir, 'replay-report.html'));
    stateRun = await runCli(['report', '--state', state, '--dns', join(input, 'dns.jsonl'), '--out', out, '--config', join(dir, 'config.json')]);
    fromState = modelOf(join(out, 'report.html'));
  }, 180_000);

  it('runs nothing, says what it read and ends with the report path', () => {
    expect(stateRun.code).toBe(0);
    expect(stateRun.stdout).toMatch(/From state .*: \d+ flow edges, 5 anomalies, 6 enforcement actions\./);
    expect(stateRun.stdout.trimEnd().split('\n').pop()).toBe(`Report: ${join(dir, 'out', 'report.html')}`);
  });

  it('draws the same connections with the same verdicts of the policies in force', () => {
    expect(fromReplay.edges.length).toBeGreaterThan(20);
    const verdicts = (m: ReportModel) => m.edges.filter((e) => e.observed).map((e) => `${e.id} ${String(e.current?.allowed)} ${e.bytes} ${e.records}`).sort();
    expect(verdicts(fromState)).toEqual(verdicts(fromReplay));
    expect(fromState.edges.some((e) => e.current?.allowed === false)).toBe(true);
    expect(fromState.nodes.map((n) => n.id).sort()).toEqual(fromReplay.nodes.map((n) => n.id).sort());
  });

  it('names external destinations from the DNS query logs, in both', () => {
    const names = (m: ReportModel) => m.nodes.filter((n) => n.names).map((n) => `${n.id}=${n.names!.join(',')}`).sort();
    expect(names(fromReplay)).toEqual(['ext:198.51.100.0/24=smtp.mail.example.org', 'ext:203.0.113.0/24=api.payments.example.net']);
    expect(names(fromState)).toEqual(names(fromReplay));
  });

  it('lists the same anomalies and responses', () => {
    expect(fromState.anomalies.map((a) => a.id).sort()).toEqual(fromReplay.anomalies.map((a) => a.id).sort());
    expect(fromState.actions.map((a) => `${a.id} ${a.outcome}`).sort()).toEqual(fromReplay.actions.map((a) => `${a.id} ${a.outcome}`).sort());
  });

  it('refuses a folder that holds no state, and no input at all', async () => {
    const empty = await runCli(['report', '--state', join(dir, 'nothing-here'), '--out', join(dir, 'o2')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no such folder');
    mkdirSync(join(dir, 'empty-state'));
    const noTable = await runCli(['report', '--state', join(dir, 'empty-state'), '--out', join(dir, 'o2')]);
    expect(noTable.code).toBe(2);
    expect(noTable.stderr).toContain('no boundwatch state there');
    const none = await runCli(['report', '--out', join(dir, 'o3')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--state DIR');
  });
});
