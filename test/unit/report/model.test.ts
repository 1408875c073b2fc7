/**
 * The report model: every verdict comes from the simulator over the observed pod pairs, the
 * advised view adds the advice's allowed-but-unused paths, and the advice diff names what each
 * advised policy keeps. The page itself is tested in a real browser (test/e2e/report-browser).
 */
import { observeFlows } from '#shared/netpol/advise/observe';
import { advise } from '#shared/netpol/advise';
import { buildReportModel, edgeId } from '#shared/report/model';
import { renderReportHtml, scriptSafeJson } from '#shared/report/html';
import type { BehaviorAnomaly, EnforcementAction } from '#shared/events/schema';
import { cluster, policy } from '../netpol/factories';

const inv = cluster({
  pods: [
    { id: 'shop/frontend-1', ip: '10.0.0.1', labels: { app: 'frontend' }, owner: { kind: 'Deployment', name: 'frontend' } },
    { id: 'shop/cart-1', ip: '10.0.0.2', labels: { app: 'cart' }, owner: { kind: 'Deployment', name: 'cart' } },
    { id: 'shop/db-1', ip: '10.0.0.3', labels: { app: 'db' }, owner: { kind: 'Deployment', name: 'db' } },
    { id: 'ops/admin-1', ip: '10.0.1.1', labels: { app: 'admin' }, owner: { kind: 'Deployment', name: 'admin' } },
  ],
});

const flow = (src: string, dst: string, dstPort: number, srcPort = 40000) =>
  JSON.stringify({ src, dst, srcPort, dstPort, protocol: 'TCP', bytes: 1000, packets: 10, start: '2026-11-10T10:00:00Z', end: '2026-11-10T10:00:10Z' });

async function edgesOf(lines: string[]) {
  return (await observeFlows([{ name: 'flows', lines }], inv)).edges;
}

const anomaly = (over: Partial<BehaviorAnomaly> = {}): BehaviorAnomaly =>
  ({
    schemaVersion: '1',
    id: 'a1',
    cluster: 'c',
    category: 'api',
    severity: 'CRITICAL',
    score: 90,
    principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:cart', groups: [] },
    workload: { namespace: 'shop', pod: 'cart-1', serviceAccount: 'cart', owner: { kind: 'Deployment', name: 'cart' }, labels: {} },
    findings: [{ type: 'SecretsAccessed', title: 'Secrets read', description: 'read 12 secrets', mitre: ['T1552.007'], evidence: { auditIDs: [], count: 12, sourceIPs: [], userAgents: [], baseline: 'for 9 days it only listed pods in shop' } }],
    window: { start: '2026-11-10T12:00:00Z', end: '2026-11-10T12:05:00Z' },
    recommendedActions: [],
    ...over,
  });

describe('report model', () => {
  it('decides every observed edge with the simulator: denied edges carry the isolating policy, allowed ones the deciding rule', async () => {
    const edges = await edgesOf([flow('10.0.0.1', '10.0.0.2', 8080), flow('10.0.0.2', '10.0.0.3', 5432), flow('10.0.0.2', '10.0.1.1', 443)]);
    const deny = policy('ops/deny-all-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
    const allowDb = policy('shop/db-from-cart', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cart' } } }], ports: [{ port: 5432 }] }] });
    const m = buildReportModel({ cluster: 'c', generatedAt: new Date(0), anomalies: [], actions: [], inventory: inv, edges, currentPolicies: [deny, allowDb] });
    const byTarget = (t: string) => m.edges.find((e) => e.target === t)!;
    expect(byTarget('ops/Deployment/admin').current).toEqual({ allowed: false, reason: expect.stringContaining('isolated by ops/deny-all-ingress') });
    expect(byTarget('shop/Deployment/db').current!.allowed).toBe(true);
    expect(byTarget('shop/Deployment/db').current!.reason).toContain('shop/db-from-cart');
    expect(byTarget('shop/Deployment/cart').current!.reason).toMatch(/not isolated/);
    expect(m.totals.deniedCurrent).toBe(1);
    expect(m.nodes.find((n) => n.id === 'ops/Deployment/admin')!.policies.current).toEqual(['ops/deny-all-ingress']);
    // A workload with no flows is still drawn: the inventory names it.
    expect(m.nodes.map((n) => n.id)).toContain('shop/Deployment/frontend');
  });

  it('adds the advised view: observed edges stay allowed, allowed paths nobody used are listed, and each advised policy names what it keeps', async () => {
    const edges = await edgesOf([flow('10.0.0.1', '10.0.0.2', 8080), flow('10.0.0.2', '10.0.0.3', 5432)]);
    const advice = advise(inv, edges);
    expect(advice.verified).toBe(true);
    const m = buildReportModel({ cluster: 'c', generatedAt: new Date(0), anomalies: [], actions: [], inventory: inv, edges, currentPolicies: [], advisedPolicies: advice.policies });
    const observed = m.edges.filter((e) => e.observed);
    expect(observed.every((e) => e.advised?.allowed === true)).toBe(true);
    const keeps = m.advice.flatMap((a) => a.keeps);
    for (const e of observed) expect(keeps).toContain(e.id);
    expect(m.advice.every((a) => a.blocks.length === 0)).toBe(true);
    expect(m.edges.filter((e) => !e.observed).every((e) => e.advised?.allowed === true && e.current === undefined)).toBe(true);
  });

  it('blocks in the advice diff are the observed edges the advised set denies where that policy isolates', async () => {
    const edges = await edgesOf([flow('10.0.0.1', '10.0.0.2', 8080), flow('10.0.1.1', '10.0.0.2', 9090)]);
    const only = policy('shop/cart-from-frontend', { podSelector: { matchLabels: { app: 'cart' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }] }] });
    const m = buildReportModel({ cluster: 'c', generatedAt: new Date(0), anomalies: [], actions: [], inventory: inv, edges, currentPolicies: [], advisedPolicies: [only] });
    const entry = m.advice.find((a) => a.policy === 'shop/cart-from-frontend')!;
    expect(entry.keeps).toEqual([edgeId('shop/Deployment/frontend', 'shop/Deployment/cart', 8080, 'TCP')]);
    expect(entry.blocks).toEqual([edgeId('ops/Deployment/admin', 'shop/Deployment/cart', 9090, 'TCP')]);
  });

  it('orders anomalies by time, keeps the baseline sentence, and offers release only for actions that changed something', () => {
    const later = anomaly({ id: 'a2', window: { start: '2026-11-10T13:00:00Z', end: '2026-11-10T13:00:00Z' } });
    const earlier = anomaly();
    const action = (outcome: EnforcementAction['outcome'], mode: EnforcementAction['mode']): EnforcementAction => ({
      schemaVersion: '1', id: `act-${outcome}`, anomalyId: 'a1', cluster: 'c', action: 'quarantine', target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' }, mode, outcome, changes: ['label'], expiresAt: '2026-11-10T14:00:00Z',
    });
    const m = buildReportModel({ cluster: 'c', generatedAt: new Date(0), anomalies: [later, earlier], actions: [action('applied', 'apply'), action('planned', 'dry-run')], edges: [], currentPolicies: [] });
    expect(m.anomalies.map((a) => a.id)).toEqual(['a1', 'a2']);
    expect(m.anomalies[0]!.findings[0]!.baseline).toBe('for 9 days it only listed pods in shop');
    expect(m.anomalies[0]!.workload).toBe('shop/Deployment/cart');
    expect(m.actions.map((a) => a.release)).toEqual(['boundwatch release act-applied', undefined]);
    expect(m.totals.bySeverity.CRITICAL).toBe(2);
  });
});

describe('report page', () => {
  it('carries attacker-chosen names only as script-safe JSON: no element can be closed or opened from the data', () => {
    const hostile = anomaly({ principal: { type: 'User', name: '</script><img src=x onerror=alert(1)>', groups: [] } });
    const m = buildReportModel({ cluster: '<b>c</b>', generatedAt: new Date(0), anomalies: [hostile], actions: [], edges: [], currentPolicies: [] });
    const html = renderReportHtml(m, { script: 'var s = "</script>";' });
    expect(html).not.toContain('</script><img');
    expect(html).not.toContain('<img');
    expect(html).toContain('<title>boundwatch report — &lt;b&gt;c&lt;/b&gt;</title>');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    const data = html.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/)![1]!;
    expect(JSON.parse(data).anomalies[0].principal).toBe('</script><img src=x onerror=alert(1)>');
    expect(scriptSafeJson('\u2028&')).toBe('"\\u2028\\u0026"');
  });
});
