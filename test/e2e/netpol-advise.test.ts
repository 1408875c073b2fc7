/**
 * `boundwatch netpol advise` and `netpol audit` end to end over the shop app's files: the real
 * command-line entry (`main` of infra/local/cli.ts, exit codes of README.md#command-line) with real
 * files in a temporary folder.
 * Runs in-process, so that the tests can read stdout and stderr without spawning.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeInventory } from '#shared/inventory/cluster';
import { createEvaluator } from '#shared/netpol/evaluate';
import { loadPolicies } from '#infra/local/input/netpol';
import { writeShopFiles, type ShopFiles } from '#test/support/shop-app';

import { main } from '#infra/local/cli';

jest.setTimeout(120_000);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort();
const snapshot = (dir: string) => yamlFiles(dir).map((f) => `${f}\n${readFileSync(join(dir, f), 'utf8')}`).join('\n');

describe('boundwatch netpol advise', () => {
  let work: string;
  let shop: ShopFiles;
  let outDir: string;
  let first: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'bw-advise-'));
    shop = writeShopFiles(join(work, 'shop'), { days: 3 });
    outDir = join(work, 'out');
    first = await cli(['netpol', 'advise', '--flows', shop.v2, '--cluster', shop.cluster, '--out', outDir]);
  });

  it('writes <namespace>/<name>.yaml and a report, exit 0', () => {
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    const files = yamlFiles(outDir);
    expect(files).toEqual(expect.arrayContaining(['shop/default-deny.yaml', 'shop/allow-frontend.yaml', 'backoffice/allow-admin-api.yaml', 'monitoring/allow-prometheus.yaml']));
    expect(files.some((f) => f.startsWith('kube-system'))).toBe(false);
    expect(first.stdout).toContain('every observed flow is allowed');
    expect(first.stdout).toMatch(/Allowed but never observed \(0 workload paths\)/);
    expect(first.stderr).toMatch(/policies written to/);
  });

  it('passes netpol validate', async () => {
    const v = await cli(['netpol', 'validate', outDir]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('allows every observed flow and denies unobserved pairs (netpol simulate)', async () => {
    const pod = (prefix: string) => shop.scenario.inventory.pods.find((p) => p.name.startsWith(prefix)) as { namespace: string; name: string };
    const id = (prefix: string) => `${pod(prefix).namespace}/${pod(prefix).name}`;
    const probes = [
      { from: id('frontend-'), to: id('catalog-'), port: 3550, protocol: 'TCP' },
      { from: id('checkout-'), to: id('payment-'), port: 50051, protocol: 'TCP' },
      { from: id('payment-'), to: { ip: '203.0.113.11' }, port: 443, protocol: 'TCP' },
      { from: id('cart-'), to: { service: 'kube-system/kube-dns' }, port: 53, protocol: 'UDP' },
      { from: id('recommendation-'), to: id('admin-api-'), port: 8443, protocol: 'TCP' },
      { from: id('frontend-'), to: id('payment-'), port: 50051, protocol: 'TCP' },
      { from: id('email-'), to: { ip: '203.0.113.11' }, port: 443, protocol: 'TCP' },
      { from: id('catalog-'), to: id('redis-cart-'), port: 6379, protocol: 'TCP' },
    ];
    writeFileSync(join(work, 'probes.json'), JSON.stringify(probes));
    const r = await cli(['netpol', 'simulate', '--cluster', shop.cluster, '--policies', outDir, '--probes', join(work, 'probes.json')]);
    expect(r.code).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { allowed: boolean });
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, true, false, false, false, false]);
  });

  it('and every observed flow of the inputs, pair by pair', async () => {
    const inventory = normalizeInventory(shop.scenario.inventory);
    const set = await loadPolicies(outDir);
    const ev = createEvaluator(inventory, set.policies.map((p) => p.policy));
    const podByIp = new Map(inventory.pods.filter((p) => !p.hostNetwork).map((p) => [p.ip, `${p.namespace}/${p.name}`]));
    const denied = shop.scenario.connections.filter((c) => ev.evaluate(podByIp.get(c.client) ?? { ip: c.client }, podByIp.get(c.server) ?? { ip: c.server }, c.serverPort, c.protocol).allowed === false);
    expect(denied).toEqual([]);
  });

  it('is byte-identical across runs and input formats (v2, custom with header, gzipped JSON lines)', async () => {
    const again = join(work, 'again');
    const fromOthers = join(work, 'others');
    expect((await cli(['netpol', 'advise', '--flows', shop.v2, '--cluster', shop.cluster, '--out', again])).code).toBe(0);
    expect((await cli(['netpol', 'advise', '--flows', shop.custom, shop.jsonGz, '--cluster', shop.cluster, '--out', fromOthers])).code).toBe(0);
    expect(snapshot(again)).toBe(snapshot(outDir));
    expect(snapshot(fromOthers)).toBe(snapshot(outDir));
  });

  it('removes its own stale files, never anyone else\'s', async () => {
    const dir = join(work, 'stale');
    expect((await cli(['netpol', 'advise', '--flows', shop.v2, '--cluster', shop.cluster, '--out', dir])).code).toBe(0);
    writeFileSync(join(dir, 'shop', 'allow-gone.yaml'), readFileSync(join(dir, 'shop', 'allow-cart.yaml'), 'utf8').replaceAll('allow-cart', 'allow-gone'));
    writeFileSync(join(dir, 'shop', 'mine.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: mine, namespace: shop}\nspec: {podSelector: {}}\n');
    expect((await cli(['netpol', 'advise', '--flows', shop.v2, '--cluster', shop.cluster, '--out', dir])).code).toBe(0);
    expect(existsSync(join(dir, 'shop', 'allow-gone.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'shop', 'mine.yaml'))).toBe(true);
  });

  it('--json reports the same verification as data', async () => {
    const r = await cli(['netpol', 'advise', '--flows', shop.v2, '--cluster', shop.cluster, '--out', join(work, 'json'), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { verification: { verified: boolean; denied: number; pairs: number }; files: string[]; input: { records: number } };
    expect(report.verification).toMatchObject({ verified: true, denied: 0 });
    expect(report.files).toHaveLength(yamlFiles(outDir).length);
    expect(report.input.records).toBeGreaterThan(1000);
  });

  it.each([
    ['a missing inventory', (f: ShopFiles) => ['--flows', f.v2, '--cluster', join(f.dir, 'missing.json')], /missing\.json: no such file or directory/],
    ['flows without a usable record', (f: ShopFiles, empty: string) => ['--flows', empty, '--cluster', f.cluster], /no usable flow records in 2 lines \(rejected: field-count 1\)/],
    ['a bad --vpc-cidr', (f: ShopFiles) => ['--flows', f.v2, '--cluster', f.cluster, '--vpc-cidr', '10.0.0.0/33'], /--vpc-cidr.*must be a CIDR/],
    ['a bad --format', (f: ShopFiles) => ['--flows', f.v2, '--cluster', f.cluster, '--format', '${srcaddr} ${colour}'], /unknown field\(s\) colour/],
  ])('%s: one clear line on stderr, exit 2', async (_case, args, message) => {
    const empty = join(work, 'empty.log');
    writeFileSync(empty, 'garbage line\n\n');
    const r = await cli(['netpol', 'advise', ...args(shop, empty), '--out', join(work, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('boundwatch netpol audit', () => {
  let work: string;
  let shop: ShopFiles;
  let attack: ShopFiles;
  let policies: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'bw-audit-'));
    shop = writeShopFiles(join(work, 'benign'), { days: 3 });
    attack = writeShopFiles(join(work, 'attack'), { days: 3, anomaly: true });
    policies = join(work, 'policies');
    expect((await cli(['netpol', 'advise', '--flows', shop.v2, '--cluster', shop.cluster, '--out', policies])).code).toBe(0);
  });

  it('the advice audits clean against the flows it came from', async () => {
    const r = await cli(['netpol', 'audit', '--flows', shop.v2, '--cluster', shop.cluster, '--policies', policies, '--json']);
    expect(r.code).toBe(0);
    const audit = JSON.parse(r.stdout) as { totals: { deniedPairs: number; unusedRules: number; unusedPaths: number; observedPairs: number } };
    expect(audit.totals).toMatchObject({ deniedPairs: 0, unusedRules: 0, unusedPaths: 0 });
    expect(audit.totals.observedPairs).toBeGreaterThan(50);
  });

  it('reports what would break, per namespace: the admin-API transfer the policies would have stopped', async () => {
    const r = await cli(['netpol', 'audit', '--flows', attack.v2, '--cluster', attack.cluster, '--policies', policies]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/What would break: observed flows the policies deny \(1\)/);
    expect(r.stdout).toMatch(/shop\/Deployment\/recommendation.*backoffice\/Deployment\/admin-api.*8443\/TCP/s);
    expect(r.stdout).toMatch(/Per namespace/);
    expect(r.stderr).toMatch(/1 observed flow\(s\) denied/);
    const strict = await cli(['netpol', 'audit', '--flows', attack.v2, '--cluster', attack.cluster, '--policies', policies, '--fail-on-denied']);
    expect(strict.code).toBe(1);
  });

  it('shows the blast radius of broad policies', async () => {
    const broad = join(work, 'broad.yaml');
    writeFileSync(
      broad,
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-all-in-shop, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress: [{from: [{podSelector: {}}]}]\n  egress: [{}]\n',
    );
    const r = await cli(['netpol', 'audit', '--flows', shop.v2, '--cluster', shop.cluster, '--policies', broad, '--json']);
    expect(r.code).toBe(0);
    const audit = JSON.parse(r.stdout) as { namespaces: Array<{ namespace: string; unusedPaths: Array<{ from: string; to: string; port?: number }>; denied: Array<{ from: string }> }> };
    const ns = audit.namespaces.find((n) => n.namespace === 'shop');
    expect(ns?.unusedPaths.some((u) => u.from === 'shop/Deployment/catalog' && u.to === 'shop/Deployment/payment' && u.port === undefined)).toBe(true);
    expect(ns?.denied.map((d) => d.from)).toEqual(expect.arrayContaining(['monitoring/StatefulSet/prometheus']));
  });

  it('unreadable policies are exit 2', async () => {
    const r = await cli(['netpol', 'audit', '--flows', shop.v2, '--cluster', shop.cluster, '--policies', join(work, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope/);
  });
});
