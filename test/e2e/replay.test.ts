/**
 * `boundwatch replay` end to end, through the bundled CLI: every supported input kind gives
 * the four outputs (README.md#command-line, Outputs), and bad input exits 2 with one clear line.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeAwslogsData, type CloudWatchLogsData } from '#shared/audit/cloudwatch';
import { BehaviorAnomaly, EnforcementAction } from '#shared/events/schema';
import { validateNetworkPolicy } from '#shared/netpol/validate';
import { parse } from 'yaml';
import { demoAuditLines, CHECKOUT_POD } from '#infra/local/scenario/demo-cluster';
import { runCli } from '#test/support/cli';
import { demoFlows } from '#infra/local/scenario/demo-flows';

const lines = demoAuditLines();
const dir = mkdtempSync(join(tmpdir(), 'bw-replay-'));

function payloads(perPayload: number): CloudWatchLogsData[] {
  const out: CloudWatchLogsData[] = [];
  for (let i = 0; i < lines.length; i += perPayload) {
    out.push({
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/aws/eks/demo-eks/cluster',
      logStream: 'kube-apiserver-audit-0123456789abcdef0123456789abcdef',
      subscriptionFilters: ['boundwatch'],
      logEvents: lines.slice(i, i + perPayload).map((message, j) => ({ id: String(i + j).padStart(56, '0'), timestamp: 0, message })),
    });
  }
  return out;
}

const inputs: Record<string, string> = {
  'audit JSON lines': 'audit.jsonl',
  'decoded CloudWatch payloads': 'payloads.jsonl',
  'Lambda subscription events, gzipped': 'lambda-events.jsonl.gz',
  'an EventList document': 'eventlist.json',
};

beforeAll(() => {
  writeFileSync(join(dir, 'audit.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'payloads.jsonl'), payloads(400).map((p) => JSON.stringify(p)).join('\n') + '\n');
  writeFileSync(join(dir, 'lambda-events.jsonl.gz'), gzipSync(payloads(250).map((p) => JSON.stringify(encodeAwslogsData(p))).join('\n')));
  writeFileSync(join(dir, 'eventlist.json'), JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: lines.map((l) => JSON.parse(l)) }, null, 2));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ clusters: [{ name: 'demo-eks', auditLogGroup: '/aws/eks/demo-eks/cluster' }] }));
});

const readJsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe.each(Object.entries(inputs))('replay over %s', (_kind, file) => {
  const out = join(dir, `out-${file}`);
  let result: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    result = await runCli(['replay', '--audit', join(dir, file), '--out', out, '--config', join(dir, 'config.json')]);
  }, 120_000);

  it('exits 0 and prints what it found', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Read ${lines.length} audit events`);
    expect(result.stdout).toContain('system:serviceaccount:shop:checkout');
  });

  it('writes anomalies.jsonl as EventBridge targets receive them', () => {
    const events = readJsonl(join(out, 'anomalies.jsonl'));
    // The demo's three attacks: a stolen pod token, a replayed SSO session, CI keys planting a DaemonSet.
    expect(events).toHaveLength(3);
    const e = events.find((x) => x.detail.principal.name === 'system:serviceaccount:shop:checkout');
    expect(e).toMatchObject({ version: '0', source: 'boundwatch', 'detail-type': 'Behavior Anomaly', resources: [] });
    expect(Object.keys(e).sort()).toEqual(['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version']);
    const detail = BehaviorAnomaly.parse(e.detail);
    expect(detail.severity).toBe('CRITICAL');
    expect(detail.findings.map((f) => f.type)).toContain('SecretsAccessed');
    expect(detail.findings[0]!.evidence.baseline).toMatch(/requests/);
    // Evidence carries ids and addresses, never bodies.
    expect(JSON.stringify(e)).not.toContain('requestObject');
  });

  it('writes enforcement.jsonl with the planned dry-run revocation of the stolen token (its pod, not a quarantine)', () => {
    const all = readJsonl(join(out, 'enforcement.jsonl')).map((x) => EnforcementAction.parse(x.detail));
    const sa = all.filter((a) => a.target.kind === 'ServiceAccount');
    expect(sa).toHaveLength(1);
    expect(sa[0]).toMatchObject({ action: 'revoke-credentials', mode: 'dry-run', outcome: 'planned', target: { namespace: 'shop', name: 'checkout' } });
    expect(sa[0]!.changes.join('\n')).toContain(`pod shop/${CHECKOUT_POD}`);
    expect(all.filter((a) => a.action === 'quarantine')).toEqual([]);
  });

  it('writes no NetworkPolicy: nothing of the audit-only demo is isolated (every policy written is valid)', () => {
    const files = existsSync(join(out, 'policies', 'shop')) ? readdirSync(join(out, 'policies', 'shop')) : [];
    expect(files).toEqual([]);
    for (const f of files) expect(validateNetworkPolicy(parse(readFileSync(join(out, 'policies', 'shop', f), 'utf8'))).errors).toEqual([]);
  });

  it('writes summary.json with the counts', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.events).toMatchObject({ read: lines.length, accepted: lines.length, rejected: {} });
    expect(s.principals).toBe(10);
    expect(s.anomalies).toMatchObject({ total: 3, bySeverity: { CRITICAL: 3 } });
    expect(s.actions).toMatchObject({ total: readJsonl(join(out, 'enforcement.jsonl')).length, byKind: { 'revoke-credentials': 3 } });
    expect(s.dynamodb.writes).toBeGreaterThan(0);
    expect(s.dynamodb.writes).toBeLessThan(lines.length / 10);
    expect(typeof s.wallTimeMs).toBe('number');
  });
});

describe('replay input errors', () => {
  it.each([
    ['a missing file', ['replay', '--audit', join(dir, 'nope.jsonl')], /nope\.jsonl: cannot read audit/],
    ['an unrecognizable file', ['replay', '--audit', join(dir, 'garbage.txt')], /garbage\.txt: not a recognised audit input/],
    ['an empty file', ['replay', '--audit', join(dir, 'empty.jsonl')], /empty\.jsonl: file is empty/],
    ['no input at all', ['replay'], /at least one of --audit, --flows or --runtime/],
    ['a bad --enforce', ['replay', '--audit', join(dir, 'audit.jsonl'), '--enforce', 'yes'], /--enforce/],
    ['an invalid config', ['replay', '--audit', join(dir, 'audit.jsonl'), '--config', join(dir, 'bad-config.json')], /bad-config\.json: clusters\.0\.enforcement/],
  ])('exits 2 with one clear line on %s', async (_name, args, message) => {
    writeFileSync(join(dir, 'garbage.txt'), 'hello\nthis is not audit data\n');
    writeFileSync(join(dir, 'empty.jsonl'), '');
    writeFileSync(join(dir, 'bad-config.json'), JSON.stringify({ clusters: [{ name: 'x', auditLogGroup: 'g', enforcement: 'always' }] }));
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('counts malformed lines inside a good file and reports them, without failing', async () => {
    const f = join(dir, 'mixed.jsonl');
    writeFileSync(f, [lines[0], '{"kind": 0}', 'not json', lines[1]!.slice(0, 80) + '[Truncated...]', lines[2]].join('\n'));
    const out = join(dir, 'out-mixed');
    const r = await runCli(['replay', '--audit', f, '--out', out]);
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.events).toMatchObject({ read: 5, accepted: 2, rejected: { 'not-audit-event': 1, 'not-json': 1, truncated: 1 } });
    expect(r.stdout).toMatch(/rejected 3/);
  });
});

describe('replay with --flows and --cluster', () => {
  const { inventory, flowLines } = demoFlows();
  const flowFile = join(dir, 'flows.log');
  const clusterFile = join(dir, 'cluster.json');
  const out = join(dir, 'out-flows');
  let result: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    // A bad line among the VPC Flow Logs records: counted, never fatal.
    writeFileSync(flowFile, [...flowLines.slice(0, 10), '2 123456789012 eni-0 not-an-ip 10.0.0.1 1 2 6 1 1 1 2 ACCEPT OK', ...flowLines.slice(10)].join('\n') + '\n');
    writeFileSync(clusterFile, JSON.stringify(inventory));
    result = await runCli(['replay', '--flows', flowFile, '--cluster', clusterFile, '--out', out, '--config', join(dir, 'config.json')]);
  }, 120_000);

  it('ingests the flows through the real handler and reports the network anomaly', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const anomalies = readJsonl(join(out, 'anomalies.jsonl'));
    expect(anomalies.map((e) => e.detail.category)).toEqual(['network']);
    const detail = BehaviorAnomaly.parse(anomalies[0].detail);
    expect(detail.workload).toMatchObject({ namespace: 'shop', owner: { kind: 'Deployment', name: 'recommendation' } });
    expect(detail.findings.every((f) => (f.evidence.flows ?? []).length > 0 && f.evidence.auditIDs === undefined)).toBe(true);
  });

  it('counts the flows in summary.json, with the bad line rejected by reason', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.flows.lines).toBe(flowLines.length + 1);
    expect(Object.values(s.flows.rejected as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1);
    expect(s.flows.records).toBeGreaterThan(10_000);
    expect(s.anomalies.byCategory).toEqual({ network: 1 });
  });

  it('exits 2 naming the file when the inventory is not one', async () => {
    const bad = join(dir, 'not-inventory.json');
    writeFileSync(bad, JSON.stringify({ pods: [] }));
    const r = await runCli(['replay', '--flows', flowFile, '--cluster', bad, '--out', join(dir, 'out-bad-inv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not-inventory\.json: not a cluster inventory/);
  });
});

describe('replay with --dns: per-workload DNS findings', () => {
  const { inventory } = demoFlows();
  const pod = (prefix: string) => inventory.pods.find((p) => p.namespace === 'shop' && p.name.startsWith(prefix))!;
  const checkout = pod('checkout-');
  const cart = pod('cart-');
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  const query = (srcaddr: string, name: string, at: number) =>
    JSON.stringify({ version: '1.100000', query_timestamp: new Date(at).toISOString(), query_name: `${name}.`, query_type: 'A', query_class: 'IN', rcode: 'NOERROR', answers: [], srcaddr, srcport: '40000', transport: 'UDP' });
  const out = join(dir, 'out-dns');
  let result: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    const learn: string[] = [];
    for (let t = t0; t < t0 + 2 * 86_400_000; t += 600_000) {
      learn.push(query(checkout.ip, 'api.payments.example.net', t), query(cart.ip, 'd3c33hcgiwev3.cloudfront.net', t), query(cart.ip, 'sts.us-east-1.amazonaws.com', t + 1));
    }
    const attackAt = t0 + 2 * 86_400_000 + 3_600_000;
    // The compromised pod exfiltrates base32 chunks; cart keeps its usual CDN and AWS lookups.
    const attack = Array.from({ length: 40 }, (_, i) => query(checkout.ip, `${Buffer.from(`card-${i}-4111111111111111-${i * 7919}`).toString('hex').slice(0, 12)}${'mzxw6ytboi2dkmjrgeytcmjrgeytcmjr'.slice(i % 8)}${i}.x${i % 5}.exfil-c2.net`, attackAt + i * 1000));
    attack.push(query(cart.ip, 'd3c33hcgiwev3.cloudfront.net', attackAt), query(cart.ip, 'abcdef0123456789abcdef0123456789.gr7.us-east-1.eks.amazonaws.com', attackAt + 5), 'not json at all');
    writeFileSync(join(dir, 'dns-learn.jsonl'), learn.join('\n') + '\n');
    writeFileSync(join(dir, 'dns-attack.jsonl'), attack.join('\n') + '\n');
    writeFileSync(join(dir, 'dns-cluster.json'), JSON.stringify(inventory));
    writeFileSync(join(dir, 'no-flows.log'), '\n');
    result = await runCli([
      'replay', '--flows', join(dir, 'no-flows.log'), '--cluster', join(dir, 'dns-cluster.json'),
      '--dns', join(dir, 'dns-learn.jsonl'), join(dir, 'dns-attack.jsonl'), '--out', out, '--config', join(dir, 'config.json'),
    ]);
  }, 120_000);

  it('reports a DNS tunnelling finding for the attacking workload and none for benign lookups', () => {
    expect(result.code).toBe(0);
    const dnsAnomalies = readJsonl(join(out, 'anomalies.jsonl')).map((e) => BehaviorAnomaly.parse(e.detail)).filter((a) => a.findings.some((f) => f.type.startsWith('Dns')));
    expect(dnsAnomalies).toHaveLength(1);
    const a = dnsAnomalies[0]!;
    expect(a.category).toBe('network');
    expect(a.workload).toMatchObject({ namespace: 'shop', pod: checkout.name });
    expect(a.findings.map((f) => f.type).sort()).toEqual(['DnsNewDomain', 'DnsTunneling']);
    const tunnel = a.findings.find((f) => f.type === 'DnsTunneling')!;
    expect(tunnel.mitre).toEqual(['T1071.004', 'T1048']);
    expect(tunnel.evidence.queryNames!.every((n) => n.endsWith('.exfil-c2.net'))).toBe(true);
    expect(tunnel.evidence.baseline).toMatch(/looked up 1 domain\(s\): example\.net/);
  });

  it('counts queries, the bad line and the workloads in summary.json', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    // Workloads are counted per delivery (2 in each file), as flows count theirs.
    expect(s.dns).toMatchObject({ queries: 3 * 288 + 42, rejected: { 'not-json': 1 }, workloads: 4, redelivered: 0, anomalies: 1 });
  });

  it('a second replay of the same query logs with --state is a redelivery: nothing judged or published twice', async () => {
    const state = join(dir, 'dns-state');
    const args = (o: string) => [
      'replay', '--flows', join(dir, 'no-flows.log'), '--cluster', join(dir, 'dns-cluster.json'), '--dns', join(dir, 'dns-learn.jsonl'), join(dir, 'dns-attack.jsonl'),
      '--state', state, '--out', join(dir, o), '--config', join(dir, 'config.json'),
    ];
    expect((await runCli(args('out-dns-1'))).code).toBe(0);
    expect((await runCli(args('out-dns-2'))).code).toBe(0);
    const second = JSON.parse(readFileSync(join(dir, 'out-dns-2', 'summary.json'), 'utf8'));
    expect(second.dns).toMatchObject({ redelivered: 4, anomalies: 0 });
    expect(readFileSync(join(dir, 'out-dns-2', 'anomalies.jsonl'), 'utf8')).not.toContain('DnsTunneling');
  }, 120_000);
});
