/**
 * `boundwatch netpol simulate` and `netpol validate` end to end: the bundled command line over
 * hand-written files (test/fixtures/netpol), with the exit codes of README.md#command-line:
 * 0 success, 1 invalid manifests, 2 bad usage or unreadable input.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '#test/support/cli';

// Each test spawns the bundled CLI; on a loaded machine that alone can take seconds.
jest.setTimeout(60_000);

const F = 'test/fixtures/netpol';
const simulate = (...extra: string[]) =>
  runCli(['netpol', 'simulate', '--cluster', `${F}/cluster.json`, '--policies', `${F}/policies`, '--probes', `${F}/probes.json`, ...extra]);
const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('boundwatch netpol simulate', () => {
  test('answers each probe with its own fields plus allowed and reason', async () => {
    const r = await simulate();
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(12);
    expect(out.map((l) => l.allowed)).toEqual([true, true, false, true, false, true, false, false, true, true, true, true]);
    expect(out[0]).toEqual({
      from: 'shop/web-7d9f-abcde',
      to: 'shop/checkout-6d9f-fghij',
      port: 8080,
      protocol: 'TCP',
      allowed: true,
      reason: 'allowed on TCP/8080: egress allowed by shop/web-to-checkout egress[0]; ingress allowed by shop/checkout ingress[0]',
    });
    expect(out[2]!.reason).toContain('egress from shop/web-7d9f-abcde is isolated by shop/default-deny, shop/web-to-checkout, shop/allow-dns');
    // The named port is resolved on the destination; the probe keeps what the user wrote.
    expect(out[3]).toMatchObject({ port: 'http', allowed: true });
    expect(out[3]!.reason).toContain('TCP/8080 (http)');
    // Loopback: false for true/false consumers, with the reason saying it is undefined.
    expect(out[7]).toMatchObject({ allowed: false });
    expect(out[7]!.reason).toMatch(/^undefined: loopback/);
    // kubelet on the pod's own node; a Service through its backend on the targetPort.
    expect(out[8]!.reason).toContain('traffic from its own node 10.20.1.5');
    expect(out[9]!.reason).toContain('service payments/api TCP/443 → targetPort 8443');
    expect(r.stderr).toContain('boundwatch: 9 policies from test/fixtures/netpol/policies, 2 other documents skipped; 12 probes');
  });

  test('--explain adds the verdict of each direction', async () => {
    const r = await simulate('--explain');
    expect(r.code).toBe(0);
    const [first, , third] = lines(r.stdout);
    expect(first!.egress).toMatchObject({ kind: 'allowed-by-rule', policy: 'shop/web-to-checkout', direction: 'egress', rule: 0 });
    expect(first!.ingress).toMatchObject({ kind: 'allowed-by-rule', policy: 'shop/checkout', direction: 'ingress', rule: 0 });
    expect(third!.egress).toMatchObject({ kind: 'isolated', isolatedBy: ['shop/default-deny', 'shop/web-to-checkout', 'shop/allow-dns'] });
  });

  test('probes it cannot answer get an error line, the rest are answered, and it exits 2', async () => {
    const r = await runCli(['netpol', 'simulate', '--cluster', `${F}/cluster.json`, '--policies', `${F}/policies`, '--probes', `${F}/probes-bad.json`]);
    expect(r.code).toBe(2);
    const out = lines(r.stdout);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ allowed: true });
    expect(out[1]).toEqual({ from: 'shop/nope', to: 'shop/checkout-6d9f-fghij', port: 8080, error: 'probe 1: pod shop/nope is not in the cluster inventory' });
    expect(out[2]!.error).toBe('probe 2: port: must be a port number (1-65535) or a port name');
    expect(out[3]!.error).toBe('probe 3: protocol: must be TCP, UDP or SCTP');
    expect(r.stderr).toContain(`boundwatch: ${F}/probes-bad.json: 3 of 4 probes could not be answered (first: probe 1: pod shop/nope is not in the cluster inventory)`);
  });

  test('invalid policy documents are reported on stderr and left out; the valid ones still apply', async () => {
    const r = await runCli(['netpol', 'simulate', '--cluster', `${F}/cluster.json`, '--policies', `${F}/invalid`, '--probes', `${F}/probes.json`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${F}/invalid/mixed.yaml#2 NetworkPolicy/shop/bad-ports is not used: spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive (and 3 more; see netpol validate)`);
    expect(r.stderr).toContain(`${F}/invalid/typo.yaml: unknown field "spec.ingress[0].form"`);
    // good-before denies all ingress in shop: external to web is now denied.
    expect(lines(r.stdout)[3]).toMatchObject({ allowed: false });
  });

  test.each([
    ['a missing option', ['netpol', 'simulate', '--policies', `${F}/policies`, '--probes', `${F}/probes.json`], /required option '--cluster <file>' not specified/],
    ['a missing cluster file', ['netpol', 'simulate', '--cluster', `${F}/nope.json`, '--policies', `${F}/policies`, '--probes', `${F}/probes.json`], /nope\.json: no such file or directory/],
    ['a cluster file that is not an inventory', ['netpol', 'simulate', '--cluster', `${F}/probes.json`, '--policies', `${F}/policies`, '--probes', `${F}/probes.json`], /probes\.json: not a cluster inventory: /],
    ['probes that are not a list', ['netpol', 'simulate', '--cluster', `${F}/cluster.json`, '--policies', `${F}/policies`, '--probes', `${F}/cluster.json`], /cluster\.json: expected a JSON array of probes/],
    ['a policies path that does not exist', ['netpol', 'simulate', '--cluster', `${F}/cluster.json`, '--policies', `${F}/nowhere`, '--probes', `${F}/probes.json`], /nowhere: no such file or directory/],
  ])('exits 2 with one clear line for %s', async (_name, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('boundwatch netpol validate', () => {
  test('valid manifests: one line per document and a summary, exit 0', async () => {
    const r = await runCli(['netpol', 'validate', `${F}/policies`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${F}/policies/00-default-deny.yaml#1 NetworkPolicy/shop/default-deny: OK\n`);
    expect(r.stdout).toContain(`${F}/policies/20-dns.json NetworkPolicy/shop/allow-dns: OK\n`);
    expect(r.stdout).toContain(`${F}/policies/nested/50-not-policies.yaml#1 Deployment/shop/web: skipped (not a NetworkPolicy)`);
    expect(r.stdout).toContain('warning: EKS: spec.ingress[0].ports[0].port: named port "https"');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('11 documents: 9 valid, 0 invalid, 2 skipped; 1 warning');
  });

  test('--cluster adds warnings about the selected pods', async () => {
    const r = await runCli(['netpol', 'validate', `${F}/policies`, '--cluster', `${F}/cluster.json`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('EKS: selects 1 pod(s) without an owner (shop/debug)');
  });

  test('invalid manifests: kube-apiserver messages per document, the others still checked, exit 1', async () => {
    const r = await runCli(['netpol', 'validate', `${F}/invalid`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${F}/invalid/mixed.yaml#1 NetworkPolicy/shop/good-before: OK`);
    expect(r.stdout).toContain(
      [
        `${F}/invalid/mixed.yaml#2 NetworkPolicy/shop/bad-ports: INVALID, 4 errors`,
        '  error: spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        '  error: spec.ingress[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
        '  error: spec.ingress[0].from[0]: Required value: must specify a peer',
        '  error: spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes',
      ].join('\n'),
    );
    expect(r.stdout).toMatch(/mixed\.yaml#3 \?: INVALID, 1 error\n {2}error: invalid YAML: line 30, column 1: /);
    expect(r.stdout).toContain(`${F}/invalid/mixed.yaml#4 NetworkPolicy/shop/good-after: OK`);
    expect(r.stdout).toContain(`${F}/invalid/typo.yaml NetworkPolicy/shop/typo: INVALID, 1 error\n  error: unknown field "spec.ingress[0].form"`);
    expect(r.stdout).toContain('8 documents: 3 valid, 5 invalid, 0 skipped; 0 warnings');
    expect(r.stderr).toBe(`boundwatch: 5 of 8 documents in ${F}/invalid are invalid\n`);
  });

  test('--field-validation warn accepts unknown fields with a warning', async () => {
    const r = await runCli(['netpol', 'validate', `${F}/invalid/typo.yaml`, '--field-validation', 'warn']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning: unknown field "spec.ingress[0].form"');
  });

  test('--output json gives the structured report', async () => {
    const r = await runCli(['netpol', 'validate', `${F}/invalid/mixed.yaml`, '-o', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toEqual({ documents: 4, valid: 2, invalid: 2, skipped: 0, warnings: 0 });
    expect(report.documents[1].fieldErrors[0]).toEqual({
      field: 'spec.ingress[0].ports[0].port',
      type: 'FieldValueInvalid',
      badValue: 0,
      detail: 'must be between 1 and 65535, inclusive',
      message: 'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    });
  });

  test('a manifest without a namespace needs --namespace, as kubectl -n would supply it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-netpol-cli-'));
    writeFileSync(join(dir, 'p.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n');
    const without = await runCli(['netpol', 'validate', dir]);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('error: metadata.namespace: Required value');
    expect(without.stdout).toContain('hint: manifests without metadata.namespace need --namespace NS');
    const withNs = await runCli(['netpol', 'validate', dir, '-n', 'shop']);
    expect(withNs.code).toBe(0);
    expect(withNs.stdout).toContain('NetworkPolicy/?/deny: OK');
  });

  test.each([
    ['a path that does not exist', ['netpol', 'validate', `${F}/nope`], /nope: no such file or directory/],
    ['a folder without manifests', ['netpol', 'validate', 'test/e2e'], /test\/e2e: no \*\.yaml, \*\.yml or \*\.json files in this folder/],
    ['no path', ['netpol', 'validate'], /missing required argument 'path'/],
    ['an unknown --field-validation mode', ['netpol', 'validate', `${F}/policies`, '--field-validation', 'loose'], /Allowed choices are strict, warn, ignore/],
  ])('exits 2 for %s', async (_name, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('--help exits 0 and names the options', async () => {
    const r = await runCli(['netpol', 'validate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--field-validation <mode>');
    expect(r.stdout).toContain('--cluster <file>');
  });
});

describe('boundwatch netpol simulate and audit with the EKS kinds (ClusterNetworkPolicy tiers, ApplicationNetworkPolicy)', () => {
  const tiers = ['--cluster', `${F}/cluster.json`, '--policies', `${F}/tiers`];

  test('simulate decides each probe tier by tier and names the deciding rule of which object, both directions', async () => {
    const r = await runCli(['netpol', 'simulate', ...tiers, '--probes', `${F}/probes-tiers.json`, '--explain']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('5 policies from test/fixtures/netpol/tiers');
    const out = lines(r.stdout);
    expect(out.map((l) => l.allowed)).toEqual([true, false, false, true, false, false, false, true]);
    // Admin Deny on ingress, and the Baseline default deny on the egress side, each named.
    expect(out[1]!.ingress).toMatchObject({ kind: 'cluster-rule', tier: 'Admin', policy: 'ClusterNetworkPolicy platform-guardrails', rule: 1, ruleName: 'no-debug-pods-in-payments', action: 'Deny' });
    expect(out[1]!.egress).toMatchObject({ kind: 'cluster-rule', tier: 'Baseline', policy: 'ClusterNetworkPolicy cluster-default-deny', rule: 1, action: 'Deny' });
    expect(out[2]!.reason).toContain('denied by Admin ClusterNetworkPolicy platform-guardrails (priority 10) egress[0] "no-public-dns" Deny');
    // Egress by DNS name: the ApplicationNetworkPolicy allows api.stripe.com, not another name at a neighbouring address.
    expect(out[3]!.reason).toContain('egress allowed by ApplicationNetworkPolicy shop/checkout-egress egress[0]');
    expect(out[4]!.reason).toContain('isolated by ApplicationNetworkPolicy shop/checkout-egress');
    // Admin Pass hands the scrape on; no NetworkPolicy decides it, so the Baseline deny does.
    expect(out[6]!.ingress).toMatchObject({ kind: 'cluster-rule', tier: 'Baseline', passedBy: [expect.objectContaining({ tier: 'Admin', action: 'Pass', rule: 0 })] });
    expect(out[7]!.egress).toMatchObject({ kind: 'cluster-rule', tier: 'Baseline', ruleName: 'dns', action: 'Accept' });
  });

  test('audit lists observed flows an Admin Deny cuts, with the rule, apart from what namespaces could fix', async () => {
    const r = await runCli(['netpol', 'audit', '--flows', `${F}/flows-tiers.jsonl`, ...tiers, '--json']);
    expect(r.code).toBe(0);
    const audit = JSON.parse(r.stdout) as { policies: number; totals: { deniedEdges: number }; adminCuts: Array<{ from: string; to: string; port: number; adminDeny: string }> };
    expect(audit.policies).toBe(5);
    expect(audit.totals.deniedEdges).toBe(3);
    expect(audit.adminCuts.map((c) => [c.from, c.port, c.adminDeny])).toEqual([
      ['shop/App/debug', 8443, 'ClusterNetworkPolicy platform-guardrails ingress[1] "no-debug-pods-in-payments"'],
      ['shop/ReplicaSet/web-7d9f', 53, 'ClusterNetworkPolicy platform-guardrails egress[0] "no-public-dns"'],
    ]);
    const text = await runCli(['netpol', 'audit', '--flows', `${F}/flows-tiers.jsonl`, ...tiers]);
    expect(text.stdout).toMatch(/Cut by an Admin-tier ClusterNetworkPolicy Deny, whatever the namespaces allow \(2\)/);
  });

  test('an invalid ClusterNetworkPolicy is reported with the API server wording and left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-tiers-'));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: bad}\nspec: {tier: Middle, priority: 1, subject: {namespaces: {}}}\n');
    const r = await runCli(['netpol', 'simulate', '--cluster', `${F}/cluster.json`, '--policies', dir, '--probes', `${F}/probes-tiers.json`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/bad\.yaml ClusterNetworkPolicy\/bad is not used: spec\.tier: Unsupported value: "Middle"/);
    expect(r.stderr).toContain('0 policies from');
  });

  test('advise --baseline --dns: one Baseline default deny, egress by name where every address has one, verified; audit agrees only with the names', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bw-advise-names-'));
    const input = ['--flows', `${F}/flows-names.jsonl`, '--cluster', `${F}/cluster.json`];
    const r = await runCli(['netpol', 'advise', ...input, '--baseline', '--dns', `${F}/dns-names.jsonl`, '--out', out, '--json']);
    expect(r.code).toBe(0);
    // Bad query log lines are counted, not fatal.
    expect(r.stderr).toContain('DNS: 2 queries read, names for 2 addresses; rejected: 1 not-json, 1 bad-name');
    const advice = JSON.parse(r.stdout) as { verification: { verified: boolean }; files: string[] };
    expect(advice.verification.verified).toBe(true);
    expect(advice.files).toContain('_cluster/boundwatch-default-deny.yaml');
    const yaml = (rel: string) => readFileSync(join(out, rel), 'utf8');
    expect(existsSync(join(out, 'shop/default-deny.yaml'))).toBe(false);
    const baseline = yaml('_cluster/boundwatch-default-deny.yaml');
    expect(baseline).toMatch(/kind: ClusterNetworkPolicy[\s\S]*tier: Baseline[\s\S]*name: dns\n\s+action: Accept[\s\S]*k8s-app: kube-dns[\s\S]*name: default-deny\n\s+action: Deny/);
    // checkout's two Stripe addresses are one name; payments' unnamed address stays an ipBlock.
    expect(yaml('shop/allow-checkout-6d9f-names.yaml')).toMatch(/kind: ApplicationNetworkPolicy[\s\S]*domainNames:\n\s+- api.stripe.com/);
    expect(yaml('shop/allow-checkout-6d9f.yaml')).not.toContain('198.51.100');
    expect(yaml('payments/allow-api-5c8b.yaml')).toContain('cidr: 203.0.113.0/24');
    // The written set, read back as a user would apply it: clean with the names, the Stripe flows cut without them.
    const withNames = await runCli(['netpol', 'audit', ...input, '--policies', out, '--dns', `${F}/dns-names.jsonl`, '--json']);
    expect(withNames.code).toBe(0);
    expect((JSON.parse(withNames.stdout) as { totals: { deniedPairs: number } }).totals.deniedPairs).toBe(0);
    const without = await runCli(['netpol', 'audit', ...input, '--policies', out, '--json']);
    const audit = JSON.parse(without.stdout) as { totals: { deniedPairs: number }; namespaces: Array<{ denied: Array<{ to: string; reason: string }> }> };
    expect(audit.totals.deniedPairs).toBe(2);
    expect(audit.namespaces.flatMap((n) => n.denied).map((d) => d.to)).toContain('ext:198.51.100.0/24');
  });
});
