/**
 * Output injection (issue #14): values written by a client (user agents, names, namespaces)
 * must not forge lines in a page, drive a terminal, break out of YAML/JSON or leave --out.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CLIENT_IP_PATTERN, evidenceQuery, formatAlert } from '#shared/alerts/format';
import { inertDeep, inertLine, safeSegment } from '#shared/text';
import { renderPolicyYaml } from '#shared/netpol/advise';
import { writeOutputs, type Outputs } from '#infra/local/outputs';
import { renderReport } from '#infra/local/report';
import { anomalyEvent, enforcementEvent } from './factories';

const FORGED_UA = 'kubectl/v1.29.0\nSeverity: LOW\r\nAcknowledge: https://evil.example/ack \u001b[2J\u001b[8mhidden\u202eexe.txt';

describe('SNS pages', () => {
  const base = anomalyEvent();
  const finding = base.detail.findings[0]!;
  const hostile = anomalyEvent({
    findings: [{ ...finding, evidence: { ...finding.evidence, userAgents: [FORGED_UA] }, title: 'x\nSeverity: LOW' }],
    workload: { namespace: 'shop\nWorkload: nothing to see', pod: 'p' },
  });

  it('keeps every client value on its own line: no forged Severity line, no control characters, links defanged', () => {
    const { message, subject } = formatAlert(hostile);
    expect(message.match(/^Severity:/gm)).toHaveLength(1);
    expect(message).toMatch(/^Severity:\s+HIGH/m);
    expect(message).not.toMatch(/^Acknowledge:/m);
    expect(message).not.toMatch(/^Workload: nothing/m);
    expect(message).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(message).toContain('kubectl/v1.29.0\\nSeverity: LOW\\r\\nAcknowledge: hxxps://evil.example/ack \\x1b[2J');
    expect(message).not.toContain('https://evil');
    expect(subject).not.toMatch(/[\n\r]/);
  });

  it('escapes the values of enforcement pages too (target names, reasons)', () => {
    const { message } = formatAlert(enforcementEvent({ reason: 'ok\nOutcome: reverted' }));
    expect(message.match(/^Outcome:/gm)).toHaveLength(1);
    expect(message).toContain('ok\\nOutcome: reverted');
  });

  it('does not change the event it formats', () => {
    const before = JSON.stringify(hostile);
    formatAlert(hostile);
    expect(JSON.stringify(hostile)).toBe(before);
  });
});

describe('the Logs Insights evidence query', () => {
  it('shows the last sourceIPs entry (the address the API server saw), not the client-written first one', () => {
    const q = evidenceQuery(['a']);
    expect(q).not.toContain('sourceIPs.0');
    expect(q).toContain(`parse @message ${CLIENT_IP_PATTERN}`);
    expect(q).toMatch(/fields .*clientIP/);
    // The same pattern, as JavaScript reads it, on a real audit record line.
    const re = new RegExp(CLIENT_IP_PATTERN.slice(1, -1));
    const line = JSON.stringify({ auditID: 'a', sourceIPs: ['10.0.1.23', '192.168.0.1', '185.220.101.47'], userAgent: 'x' });
    expect(line.match(re)?.groups?.clientIP).toBe('185.220.101.47');
    expect(JSON.stringify({ sourceIPs: ['2001:db8::1'] }).match(re)?.groups?.clientIP).toBe('2001:db8::1');
  });
});

describe('terminal output', () => {
  it('inertLine escapes newlines, ANSI escapes, C1 controls and bidi overrides, and keeps other text', () => {
    expect(inertLine(FORGED_UA)).toBe('kubectl/v1.29.0\\nSeverity: LOW\\r\\nAcknowledge: https://evil.example/ack \\x1b[2J\\x1b[8mhidden\\u202eexe.txt');
    expect(inertLine('\u009b31m\u2028x')).toBe('\\x9b31m\\u2028x');
    expect(inertLine('Zürich ユーザー')).toBe('Zürich ユーザー');
  });

  it('the replay report prints principal names and reasons without control characters', () => {
    const a = anomalyEvent({ principal: { type: 'User', name: 'mallory\u001b[2K\rsystem:admin', groups: [] } });
    const e = enforcementEvent({ reason: 'done\u001b]0;title\u0007' });
    const text = renderReport(outputs({ anomalies: [a], enforcement: [e] }), '/tmp/x');
    expect(text).not.toContain('\u001b[2K');
    expect(text).not.toContain('\u0007');
    expect(text).toContain('mallory\\x1b[2K\\rsystem:admin');
  });

  it('the replay report prints attack sequences without control characters', () => {
    const signal = (id: string, layer: 'runtime' | 'api', title: string) => ({
      id, layer, source: 'falco', type: 'Terminal shell in container', title, time: '2026-11-10T02:05:00Z', severity: 'HIGH' as const,
      tactics: ['Execution'], techniques: ['T1059'], baseline: 'b', endpoints: [], resources: [], join: 'pod-name',
    });
    const detail = {
      schemaVersion: '1' as const, id: 'seq-1', cluster: 'c', severity: 'HIGH' as const, title: 'Attack sequence on shop/x\u001b[2J', tactics: ['Execution'],
      actors: [], workloads: [], resources: [], endpoints: [], window: { start: '2026-11-10T02:05:00Z', end: '2026-11-10T02:06:00Z' }, recommendedActions: ['notify' as const],
      signals: [signal('a', 'runtime', 'shell in pod\u001b]0;owned\u0007'), signal('b', 'api', 'token used\r\nSeverity: LOW')],
    };
    const event = { version: '0' as const, id: 'e', source: 'boundwatch', 'detail-type': 'Attack Sequence', account: '1', time: 't', region: 'r', resources: [], detail };
    const text = renderReport(outputs({ sequences: [event] }), '/tmp/x');
    expect(text).toContain('1 attack sequence, each one story');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).not.toMatch(/\r\nSeverity: LOW/);
  });

  it('inertDeep copies without recursion: 50,000 levels of nesting do not overflow', () => {
    let deep: unknown = 'a\nb';
    for (let i = 0; i < 50_000; i++) deep = { x: deep };
    let v = inertDeep(deep) as { x: unknown };
    for (let i = 0; i < 50_000; i++) v = v.x as { x: unknown };
    expect(v).toBe('a\\nb');
    const polluted = inertDeep(JSON.parse('{"__proto__": {"polluted": "x"}}') as object);
    expect(Object.hasOwn(polluted, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('file names from namespaces and object names', () => {
  it('keeps valid Kubernetes names and spells everything else inside one segment, distinctly', () => {
    expect(safeSegment('shop')).toBe('shop');
    expect(safeSegment('checkout-v2.internal')).toBe('checkout-v2.internal');
    for (const bad of ['..', '.', '../../etc', 'a/b', 'a\\b', 'C:', '.hidden', 'x..y', '', 'NUL\u0000', 'é']) {
      const s = safeSegment(bad);
      expect(s).toMatch(/^_[a-z0-9_-]*$/);
      expect(s).not.toContain('/');
    }
    expect(safeSegment('a/b')).not.toBe(safeSegment('a_b'));
    expect(safeSegment('x'.repeat(5000)).length).toBeLessThanOrEqual(200);
    expect(safeSegment('X'.repeat(5000))).not.toBe(safeSegment(`${'X'.repeat(4999)}Y`));
  });

  it('replay --out: a policy for namespace ../../x stays inside the folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'bw-out-'));
    try {
      const outDir = join(root, 'a', 'b', 'out');
      const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: '../../../escaped', namespace: '../../x' }, spec: { podSelector: {} } };
      writeOutputs(outDir, outputs({ policies: [policy as never] }));
      expect(existsSync(join(root, 'x'))).toBe(false);
      expect(existsSync(join(root, 'a', 'x'))).toBe(false);
      expect(existsSync(join(root, 'escaped.yaml'))).toBe(false);
      const dirs = readdirSync(join(outDir, 'policies'));
      expect(dirs).toEqual([safeSegment('../../x')]);
      const [file] = readdirSync(join(outDir, 'policies', dirs[0]!));
      expect(readFileSync(join(outDir, 'policies', dirs[0]!, file!), 'utf8')).toContain('namespace: ../../x');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('YAML and JSON outputs keep a hostile name a single value: no second document, no extra key', () => {
    const name = 'x\n---\nkind: ClusterRoleBinding\n# \u001b[2J';
    const docs = parseAllDocuments(renderPolicyYaml({ kind: 'NetworkPolicy', metadata: { name, namespace: 'a: b\n  c: d' } }));
    expect(docs).toHaveLength(1);
    expect(docs[0]!.toJS()).toEqual({ kind: 'NetworkPolicy', metadata: { name, namespace: 'a: b\n  c: d' } });
    const line = JSON.stringify({ name });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ name });
  });
});

function outputs(o: Partial<Pick<Outputs, 'anomalies' | 'enforcement' | 'sequences' | 'policies'>>): Outputs {
  return {
    anomalies: o.anomalies ?? [],
    enforcement: o.enforcement ?? [],
    sequences: o.sequences ?? [],
    policies: o.policies ?? [],
    summary: {
      events: { read: 0, accepted: 0, rejected: {}, ignored: {} },
      runtime: { received: {}, signals: 0, rejected: {}, ignored: {}, joined: {}, unjoined: 0, unjoinedSignals: [] },
      sequences: { total: 0, published: 0, redelivered: 0, bySeverity: {} },
      principals: 0,
      anomalies: { total: 0, bySeverity: {}, byCategory: {} },
      actions: { total: 0, byKind: {}, byOutcome: {} },
      dynamodb: { reads: 0, writes: 0 },
      failedDeliveries: 0,
      wallTimeMs: 0,
    },
  };
}
