/**
 * Policy advice on the shop app: allows every observed flow, denies the rest, validates,
 * is stable, and makes the choices issue #5 asks for (stable selectors, DNS, cross-namespace
 * peers, host-network and node peers, external blocks, protected namespaces, EKS limits).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { normalizeInventory, type ClusterInventory } from '#shared/inventory/cluster';
import type { Edge } from '#shared/flows/graph';
import { advise } from '#shared/netpol/advise';
import { observeFlows } from '#shared/netpol/advise/observe';
import { buildAdvice, compressPorts, policyName } from '#shared/netpol/advise/policies';
import { adviceReport } from '#shared/netpol/advise/report';
import { auditFlows } from '#shared/netpol/audit-flows';
import { createEvaluator } from '#shared/netpol/evaluate';
import { validateNetworkPolicy } from '#shared/netpol/validate';
import { shopScenario, toJsonLines, toVpcCustom, toVpcV2 } from '#infra/local/scenario/shop-flows';

const scenario = shopScenario({ days: 2 });
const inventory = normalizeInventory(scenario.inventory);
const podOf = (workload: string) => inventory.pods.find((p) => `${p.namespace}/${p.owner?.name.replace(/-[a-z0-9]{9}$/, '')}` === workload) as ClusterInventory['pods'][number];

async function adviceFrom(lines: string[], inv: ClusterInventory = inventory) {
  const observed = await observeFlows([{ name: 'flows', lines }], inv);
  return { observed, advice: advise(inv, observed.edges, { window: observed.window }) };
}

describe('advice for the shop app', () => {
  let result: Awaited<ReturnType<typeof adviceFrom>>;
  beforeAll(async () => {
    result = await adviceFrom(toVpcV2(scenario));
  });

  it('writes a default deny per namespace and one allow policy per workload, none in kube-system', () => {
    const paths = result.advice.files.map((f) => f.path);
    expect(paths.filter((p) => p.endsWith('/default-deny.yaml'))).toEqual(['backoffice/default-deny.yaml', 'monitoring/default-deny.yaml', 'shop/default-deny.yaml']);
    expect(paths.filter((p) => p.startsWith('shop/allow-'))).toHaveLength(10);
    expect(paths.some((p) => p.startsWith('kube-system/'))).toBe(false);
    // node-exporter runs in the host network: no policy can select it.
    expect(paths.some((p) => p.includes('node-exporter'))).toBe(false);
    const deny = parse(result.advice.files.find((f) => f.path === 'shop/default-deny.yaml')?.content ?? '') as { spec: unknown };
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('every observed flow is allowed (checked pair by pair with the simulator)', () => {
    expect(result.advice.verified).toBe(true);
    expect(result.advice.check.deniedPairs).toBe(0);
    expect(result.advice.check.pairs).toBeGreaterThan(50);
    expect(result.advice.check.allowedPairs).toBe(result.advice.check.pairs);
  });

  it('denies what was never observed', () => {
    const ev = createEvaluator(inventory, result.advice.policies);
    const id = (w: string) => `${podOf(w).namespace}/${podOf(w).name}`;
    const denied: Array<[string, string | { ip: string }, number, 'TCP' | 'UDP']> = [
      [id('shop/recommendation'), id('backoffice/admin-api'), 8443, 'TCP'],
      [id('shop/frontend'), id('shop/payment'), 50051, 'TCP'],
      [id('shop/frontend'), id('shop/catalog'), 3551, 'TCP'],
      [id('shop/payment'), { ip: '8.8.8.8' }, 443, 'TCP'],
      [id('shop/catalog'), { ip: '203.0.113.10' }, 443, 'TCP'],
      [id('shop/cart'), id('kube-system/coredns'), 9153, 'TCP'],
      [id('backoffice/report-worker'), id('shop/payment'), 50051, 'TCP'],
    ];
    for (const [from, to, port, proto] of denied) expect([from, to, port, ev.evaluate(from, to, port, proto).allowed]).toEqual([from, to, port, false]);
    expect(ev.evaluate(id('shop/payment'), { ip: '203.0.113.10' }, 443, 'TCP').allowed).toBe(true);
    expect(ev.evaluate(id('shop/frontend'), id('shop/catalog'), 3550, 'TCP').allowed).toBe(true);
  });

  it('and, between workloads, allows nothing beyond what was observed', () => {
    expect(result.advice.unobserved).toEqual([]);
  });

  it('is valid as the API server checks it', () => {
    for (const f of result.advice.files) {
      const v = validateNetworkPolicy(parse(f.content), { inventory, eks: true });
      expect([f.path, v.errors]).toEqual([f.path, []]);
    }
  });

  it('uses minimal stable selectors: never a per-rollout label', () => {
    const all = result.advice.files.map((f) => f.content).join('\n');
    for (const unstable of ['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'pod-template-generation']) {
      expect(all).not.toContain(unstable);
    }
    const redis = parse(result.advice.files.find((f) => f.path === 'shop/allow-redis-cart.yaml')?.content ?? '') as { spec: { podSelector: unknown } };
    expect(redis.spec.podSelector).toEqual({ matchLabels: { app: 'redis-cart' } });
  });

  it('allows DNS to kube-dns by k8s-app on UDP and TCP 53, in kube-system by name', () => {
    const payment = parse(result.advice.files.find((f) => f.path === 'shop/allow-payment.yaml')?.content ?? '') as { spec: { egress: unknown[] } };
    expect(payment.spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [
        { protocol: 'TCP', port: 53 },
        { protocol: 'UDP', port: 53 },
      ],
    });
    expect(payment.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] });
  });

  it('selects cross-namespace peers by kubernetes.io/metadata.name and aggregates peers with the same ports', () => {
    const prom = parse(result.advice.files.find((f) => f.path === 'monitoring/allow-prometheus.yaml')?.content ?? '') as { spec: { egress: Array<{ to: unknown[]; ports: unknown[] }> } };
    const scrape = prom.spec.egress.find((r) => JSON.stringify(r.ports) === JSON.stringify([{ protocol: 'TCP', port: 9090 }]));
    expect(scrape?.to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'frontend' } } },
    ]);
    // The host-network node-exporter is reached by its node addresses.
    const nodes = prom.spec.egress.find((r) => JSON.stringify(r.ports) === JSON.stringify([{ protocol: 'TCP', port: 9100 }]));
    expect(nodes?.to).toEqual(['10.20.1.10/32', '10.20.2.10/32', '10.20.3.10/32'].map((cidr) => ({ ipBlock: { cidr } })));
  });

  it('needs no rule for kubelet probes from each pod\'s own node, and allows the load balancer by address', () => {
    const fe = parse(result.advice.files.find((f) => f.path === 'shop/allow-frontend.yaml')?.content ?? '') as { spec: { ingress: Array<{ from: unknown[]; ports: unknown[] }> } };
    const froms = JSON.stringify(fe.spec.ingress.map((r) => r.from));
    expect(froms).not.toContain('10.20.1.10');
    expect(fe.spec.ingress).toContainEqual({ from: [{ ipBlock: { cidr: '10.20.100.10/32' } }, { ipBlock: { cidr: '10.20.101.10/32' } }], ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(result.advice.build.notes.some((n) => n.kind === 'own-node')).toBe(true);
  });

  it('is deterministic and independent of the input format: byte-identical from v2, custom and JSON-lines flows', async () => {
    const again = await adviceFrom(toVpcV2(scenario));
    const custom = await adviceFrom(toVpcCustom(scenario));
    const json = await adviceFrom(toJsonLines(scenario));
    const bytes = (a: typeof result) => a.advice.files.map((f) => `${f.path}\n${f.content}`).join('\n');
    expect(bytes(again)).toBe(bytes(result));
    expect(bytes(custom)).toBe(bytes(result));
    expect(bytes(json)).toBe(bytes(result));
  });
});

describe('advice building blocks', () => {
  it('compresses ports into at most 24 ranges per protocol, reporting what it widened', () => {
    expect(compressPorts([80, 81, 82, 443])).toEqual({ ranges: [[80, 82], [443, 443]], widenedBy: 0 });
    const many = Array.from({ length: 40 }, (_, i) => 10_000 + i * 3);
    const { ranges, widenedBy } = compressPorts(many);
    expect(ranges.length).toBeLessThanOrEqual(24);
    expect(ranges.every(([a, b]) => a <= b)).toBe(true);
    for (const p of many) expect(ranges.some(([a, b]) => p >= a && p <= b)).toBe(true);
    expect(widenedBy).toBe(ranges.reduce((n, [a, b]) => n + (b - a + 1), 0) - many.length);
  });

  it('policy names are DNS-1123 subdomains', () => {
    expect(policyName('Shop_API v2')).toBe('shop-api-v2');
    expect(policyName('--x--')).toBe('x');
  });

  it('many external networks become "the internet", many ports become ranges, both reported; result stays valid and verified', async () => {
    const inv = normalizeInventory({
      namespaces: [{ name: 'app', labels: {} }],
      pods: [{ namespace: 'app', name: 'crawler-6d9f7c8b5-abcde', ip: '10.1.0.5', labels: { app: 'crawler', 'pod-template-hash': '6d9f7c8b5' }, owner: { kind: 'ReplicaSet', name: 'crawler-6d9f7c8b5' }, hostNetwork: false, ports: [] }],
      services: [],
      nodes: [],
    });
    const T = Date.parse('2024-05-01T10:00:00Z');
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      lines.push(JSON.stringify({ src: '10.1.0.5', dst: `198.51.${i}.7`, dstPort: 443, protocol: 'TCP', bytes: 10, packets: 1, start: new Date(T).toISOString(), end: new Date(T).toISOString() }));
      lines.push(JSON.stringify({ src: '10.1.0.5', dst: '203.0.113.9', dstPort: 20_000 + i * 7, protocol: 'TCP', bytes: 10, packets: 1, start: new Date(T).toISOString(), end: new Date(T).toISOString() }));
    }
    const { advice } = await adviceFrom(lines, inv);
    expect(advice.verified).toBe(true);
    const p = parse(advice.files.find((f) => f.path === 'app/allow-crawler.yaml')?.content ?? '') as { spec: { egress: Array<{ to: Array<{ ipBlock?: { cidr: string; except?: string[] } }>; ports: Array<{ port: number; endPort?: number }> }> } };
    const internet = p.spec.egress.find((r) => r.to.some((t) => t.ipBlock?.cidr === '0.0.0.0/0'));
    expect(internet?.to[0]?.ipBlock?.except).toContain('10.0.0.0/8');
    const ranged = p.spec.egress.find((r) => r.ports.length > 1);
    expect(ranged?.ports.length).toBeLessThanOrEqual(24);
    expect(advice.build.notes.map((n) => n.kind)).toEqual(expect.arrayContaining(['external-collapsed', 'ports-widened']));
    expect(advice.warnings.filter((w) => w.text.includes('unique TCP port combinations'))).toEqual([]);
  });

  it('reports selector overlap instead of hiding it', () => {
    const inv = normalizeInventory({
      namespaces: [{ name: 'app', labels: {} }],
      pods: [
        { namespace: 'app', name: 'a-1', ip: '10.1.0.1', labels: { tier: 'web' }, owner: { kind: 'ReplicaSet', name: 'a-6d9f7c8b5' }, hostNetwork: false, ports: [] },
        { namespace: 'app', name: 'b-1', ip: '10.1.0.2', labels: { tier: 'web' }, owner: { kind: 'ReplicaSet', name: 'b-5b8c9d7f6' }, hostNetwork: false, ports: [] },
      ],
      services: [],
      nodes: [],
    });
    const build = buildAdvice(inv, [] as Edge[]);
    expect(build.notes.filter((n) => n.kind === 'selector-overlap').map((n) => n.workload)).toEqual(['app/Deployment/a', 'app/Deployment/b']);
  });
});

describe('audit of a policy set against observed flows', () => {
  it('the advice audits clean on its own flows, and the canonical anomaly is what it would break', async () => {
    const { advice } = await adviceFrom(toVpcV2(scenario));
    const withAnomaly = shopScenario({ days: 2, anomaly: true });
    const observed = await observeFlows([{ name: 'flows', lines: toVpcV2(withAnomaly) }], inventory);
    const clean = auditFlows(inventory, advice.policies, (await observeFlows([{ name: 'f', lines: toVpcV2(scenario) }], inventory)).edges);
    expect(clean.totals.deniedPairs).toBe(0);
    expect(clean.totals.unusedRules).toBe(0);

    const audit = auditFlows(inventory, advice.policies, observed.edges);
    expect(audit.totals.deniedEdges).toBe(1);
    const shop = audit.namespaces.find((n) => n.namespace === 'shop');
    const backoffice = audit.namespaces.find((n) => n.namespace === 'backoffice');
    for (const ns of [shop, backoffice]) {
      expect(ns?.denied).toEqual([
        expect.objectContaining({ from: 'shop/Deployment/recommendation', to: 'backoffice/Deployment/admin-api', port: 8443, protocol: 'TCP', bytes: 60 * (40_000_000 + 2_000) }),
      ]);
    }
    expect(shop?.denied[0]?.reason).toMatch(/egress from shop\/recommendation-.* is isolated by shop\/default-deny, shop\/allow-recommendation/);
    expect(shop).toMatchObject({ policies: 11, ingressIsolated: shop?.pods, egressIsolated: shop?.pods });
  });

  it('without policies nothing is denied, and nothing is enumerated as blast radius where policy decides nothing', async () => {
    const observed = await observeFlows([{ name: 'flows', lines: toVpcV2(scenario) }], inventory);
    const audit = auditFlows(inventory, [], observed.edges);
    expect(audit.totals).toMatchObject({ deniedPairs: 0, unusedPaths: 0, unusedRules: 0 });
    expect(audit.namespaces.find((n) => n.namespace === 'shop')).toMatchObject({ ingressIsolated: 0, egressIsolated: 0 });
  });

  it('a broad policy shows its blast radius: paths allowed and never used, rules never used', async () => {
    const observed = await observeFlows([{ name: 'flows', lines: toVpcV2(scenario) }], inventory);
    const broad = validateNetworkPolicy({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'shop-internal', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }, { from: [{ ipBlock: { cidr: '192.0.2.0/24' } }] }] },
    }).policy;
    const audit = auditFlows(inventory, broad ? [broad] : [], observed.edges);
    const shop = audit.namespaces.find((n) => n.namespace === 'shop');
    // Every shop workload may reach every other on any port; only a few pairs were seen.
    expect(shop?.unusedPaths.some((u) => u.from === 'shop/Deployment/frontend' && u.to === 'shop/Deployment/payment' && u.port === undefined)).toBe(true);
    expect(shop?.unusedRules).toEqual(['shop/shop-internal ingress[1]']);
    // It isolates shop ingress: prometheus, the load balancer and kubelet... only kubelet (own node) survives.
    expect(shop?.denied.map((d) => d.from)).toEqual(expect.arrayContaining(['monitoring/StatefulSet/prometheus', 'vpc:10.20.100.10']));
    expect(shop?.denied.some((d) => d.from.startsWith('node:'))).toBe(false);
  });
});

describe('advice for addresses the flow logs name', () => {
  it('allows one IPv6 address as a /128 (never a /32) and survives zone ids', async () => {
    const { observed } = await adviceFrom(toVpcV2(scenario));
    const toPod = observed.edges.find((e) => e.srcKind === 'pod' && e.dstKind === 'pod' && e.dst.startsWith('shop/'))!;
    const fromVpc = (ip: string): Edge => {
      const { pairs: _pairs, ...rest } = toPod;
      return { ...rest, src: `vpc:${ip}`, srcKind: 'vpc' };
    };
    const edges = [...observed.edges, fromVpc('2001:db8:40::5'), fromVpc('fe80::1%eth0'), fromVpc('not-an-address')];
    const advice = advise(inventory, edges, { window: observed.window });
    const all = advice.files.map((f) => f.content).join('\n');
    expect(all).toContain('cidr: 2001:db8:40::5/128');
    expect(all).toContain('cidr: fe80::1/128');
    expect(all).not.toMatch(/:[0-9a-f]*\/32\b/);
    expect(all).not.toContain('not-an-address');
    for (const f of advice.files) expect([f.path, validateNetworkPolicy(parse(f.content), { inventory, eks: true }).errors]).toEqual([f.path, []]);
  });
});

describe('advice by DNS name and with a Baseline default deny', () => {
  const fixtureCluster = normalizeInventory(JSON.parse(readFileSync('test/fixtures/netpol/cluster.json', 'utf8')) as ClusterInventory);
  const T = '2026-11-02T10:00:00Z';
  const flow = (src: string, dst: string, dstPort: number) => JSON.stringify({ src, dst, dstPort, protocol: 'TCP', bytes: 100, packets: 2, start: T, end: T });
  // checkout reaches two Stripe addresses and never shows a lookup (its CoreDNS shares its node);
  // payments reaches one address nobody asked a name for.
  const lines = [flow('10.0.1.11', '198.51.100.7', 443), flow('10.0.1.11', '198.51.100.9', 443), flow('10.0.2.20', '203.0.113.50', 443)];
  const names: Record<string, string[]> = { '198.51.100.7': ['api.stripe.com'], '198.51.100.9': ['api.stripe.com', 'Not_A-Domain-Name!'] };
  const namesOf = (ip: string) => names[ip] ?? [];
  const checkout = 'shop/checkout-6d9f-fghij';

  async function named(extra: { baseline?: boolean } = {}) {
    const observed = await observeFlows([{ name: 'flows', lines }], fixtureCluster);
    return advise(fixtureCluster, observed.edges, { window: observed.window, namesOf, ...extra });
  }
  const file = (a: Awaited<ReturnType<typeof named>>, path: string) => parse(a.files.find((f) => f.path === path)?.content ?? 'null') as { kind: string; spec: Record<string, unknown> } | null;

  it('allows an external network by name when every address seen has one, and keeps an ipBlock otherwise; verified with the names', async () => {
    const a = await named();
    expect(a.verified).toBe(true);
    expect(file(a, 'shop/allow-checkout-6d9f-names.yaml')).toEqual(expect.objectContaining({
      apiVersion: 'networking.k8s.aws/v1alpha1',
      kind: 'ApplicationNetworkPolicy',
      spec: { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Egress'], egress: [{ to: [{ domainNames: ['api.stripe.com'] }], ports: [{ protocol: 'TCP', port: 443 }] }] },
    }));
    expect(a.files.find((f) => f.path === 'shop/allow-checkout-6d9f.yaml')?.content).not.toContain('198.51.100');
    expect(JSON.stringify(file(a, 'payments/allow-api-5c8b.yaml')?.spec)).toContain('203.0.113.0/24');
    // The simulator agrees only for the name: the bare address, or another name at the same address, stays denied.
    const ev = createEvaluator(fixtureCluster, a.policies);
    expect(ev.evaluate(checkout, { domain: 'api.stripe.com', ip: '198.51.100.7' }, 443, 'TCP').allowed).toBe(true);
    expect(ev.evaluate(checkout, { ip: '198.51.100.7' }, 443, 'TCP').allowed).toBe(false);
    expect(ev.evaluate(checkout, { domain: 'exfil.example', ip: '198.51.100.7' }, 443, 'TCP').allowed).toBe(false);
    // Without the names the same advice would not verify: the check really used them.
    const observed = await observeFlows([{ name: 'flows', lines }], fixtureCluster);
    expect(auditFlows(fixtureCluster, a.policies, observed.edges).totals.deniedPairs).toBe(2);
  });

  it('a workload allowed by name is allowed DNS to kube-dns though no lookup was in the flows', async () => {
    const a = await named();
    const allow = file(a, 'shop/allow-checkout-6d9f.yaml') as unknown as { spec: { egress: unknown[] } };
    expect(allow.spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }],
    });
    const ev = createEvaluator(fixtureCluster, a.policies);
    expect(ev.evaluate(checkout, 'kube-system/coredns-5d78-pqrst', 53, 'UDP').allowed).toBe(true);
    expect(a.build.notes.filter((n) => n.kind === 'dns-for-names').map((n) => n.workload)).toEqual(['shop/ReplicaSet/checkout-6d9f']);
    // payments has no name-based egress: nothing is added for it.
    expect(JSON.stringify(file(a, 'payments/allow-api-5c8b.yaml')?.spec)).not.toContain('kube-dns');
  });

  it('--baseline: one Baseline ClusterNetworkPolicy instead of a default-deny per namespace, DNS accepted before the deny', async () => {
    const a = await named({ baseline: true });
    expect(a.verified).toBe(true);
    expect(a.files.some((f) => f.path.endsWith('/default-deny.yaml'))).toBe(false);
    const cnp = file(a, '_cluster/boundwatch-default-deny.yaml') as unknown as { kind: string; spec: { tier: string; priority: number; subject: unknown; egress: Array<{ name: string; action: string }> } };
    expect(cnp.kind).toBe('ClusterNetworkPolicy');
    expect(cnp.spec).toMatchObject({ tier: 'Baseline', priority: 1000, subject: { namespaces: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] } } });
    expect(cnp.spec.egress.map((r) => `${r.name}:${r.action}`)).toEqual(['dns:Accept', 'default-deny:Deny']);
    const ev = createEvaluator(fixtureCluster, a.policies);
    // debug has no policy of its own: the Baseline decides it; monitoring's prometheus was never observed either.
    expect(ev.evaluate('shop/debug', 'kube-system/coredns-5d78-pqrst', 53, 'UDP').allowed).toBe(true);
    expect(ev.evaluate('shop/debug', 'payments/api-5c8b-klmno', 8443, 'TCP').allowed).toBe(false);
    expect(ev.evaluate('shop/debug', { ip: '8.8.8.8' }, 443, 'TCP').allowed).toBe(false);
    expect(a.warnings.filter((w) => w.file.startsWith('_cluster/'))).toEqual([]);
  });

  it('audit counts Accept rules of cluster policies no flow used, and not once a flow uses them', async () => {
    const a = await named({ baseline: true });
    const audit = async (extra: string[]) => auditFlows(fixtureCluster, a.policies, (await observeFlows([{ name: 'flows', lines: [...lines, ...extra] }], fixtureCluster)).edges, namesOf);
    const quiet = await audit([]);
    expect(quiet.clusterUnusedRules).toEqual(['ClusterNetworkPolicy boundwatch-default-deny egress[0]']);
    expect(quiet.totals.unusedRules).toBe(quiet.namespaces.reduce((n, x) => n + x.unusedRules.length, 1));
    // debug has no policy of its own: its lookup is accepted by the Baseline rule.
    const used = await audit([JSON.stringify({ src: '10.0.1.99', dst: '10.0.0.53', dstPort: 53, protocol: 'UDP', bytes: 80, packets: 1, start: T, end: T })]);
    expect(used.totals.deniedPairs).toBe(0);
    expect(used.clusterUnusedRules).toEqual([]);
  });

  it('the report names every policy in full, with its kind when it is not a NetworkPolicy', async () => {
    const observed = await observeFlows([{ name: 'flows', lines }], fixtureCluster);
    const a = advise(fixtureCluster, observed.edges, { namesOf, baseline: true });
    const text = adviceReport(a, observed, { outDir: 'advice' });
    expect(text).toMatch(/│ \(cluster\) +│ boundwatch-default-deny +│ deny all +│ 53\/TCP 53\/UDP kube-system\/kube-dns +│\n│ +│ \(Baseline ClusterNetworkPolicy\) +│ +│ then deny all +│/);
    expect(text).toMatch(/│ shop +│ allow-checkout-6d9f-names +│ - +│ 443\/TCP api\.stripe\.com +│\n│ +│ \(ApplicationNetworkPolicy\) +│/);
    expect(text).not.toContain('…');
  });
});
