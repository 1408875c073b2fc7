/**
 * Tighten egress against the test API server: a policy that allows the workload only its
 * baseline destinations (from the flow graph in DynamoDB) and DNS; the simulator says whether
 * the anomaly's destination is now blocked or still escapes through another policy; the
 * workload keeps running; the revert deletes the policy.
 */
import { flowGraphBaseline } from '#shared/enforce/baseline';
import { egressPolicyName } from '#shared/enforce/egress';
import { readClusterFacts } from '#shared/enforce/engine';
import { reachability } from '#shared/enforce/verify';
import { writeEdges } from '#shared/flows/graph-store';
import type { Edge } from '#shared/flows/graph';
import type { BehaviorAnomaly } from '#shared/events/schema';
import { CHECKOUT, SHOP_POLICIES, startHarness, stolenTokenAnomaly, type Harness } from './harness';

const WORKLOAD = 'shop/Deployment/checkout';

function exfiltration(overrides: Partial<BehaviorAnomaly> = {}): BehaviorAnomaly {
  const base = stolenTokenAnomaly();
  return stolenTokenAnomaly({
    id: 'c0000000-0000-4000-8000-000000000001',
    category: 'network',
    workload: { namespace: 'shop', pod: CHECKOUT, serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' }, labels: { app: 'checkout', tier: 'api' } },
    findings: [
      {
        ...base.findings[0]!,
        type: 'NewExternalNetwork',
        evidence: { flows: [{ src: '10.1.0.10', dst: '203.0.113.9', dstPort: 443, protocol: 'TCP', bytes: 9_000_000, packets: 7000 }], count: 1, sourceIPs: [], userAgents: [], baseline: 'talks to db and the payment gateway only' },
      },
    ],
    window: { start: '2026-03-01T11:00:00Z', end: '2026-03-01T11:30:00Z' },
    recommendedActions: ['tighten-egress', 'notify'],
    ...overrides,
  });
}

const BASELINE = {
  [WORKLOAD]: [
    { peer: 'shop/StatefulSet/db', port: 5432, protocol: 'TCP' as const },
    { peer: 'ext:198.51.100.0/24', port: 443, protocol: 'TCP' as const },
  ],
};

describe('tighten egress (apply)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('names a live policy it cannot read as residual uncertainty: the destination may still be allowed', async () => {
    h = await startHarness({ baseline: BASELINE, policies: [SHOP_POLICIES[0]!] });
    h.kube.api.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'future', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ action: 'Allow' }] } });
    const { planned } = await h.enforce(exfiltration());
    const a = planned[0]!.action;
    expect(a.changes.join('\n')).toMatch(/203.0.113.9 TCP 443 is blocked/);
    expect(a.changes.join('\n')).toMatch(/residual uncertainty: NetworkPolicy shop\/future could not be simulated/);
    expect(a.reason).toMatch(/^not verified: 1 live policy could not be simulated/);
    expect([a.outcome, a.partial]).toEqual(['failed', true]);
  });

  it('allows only DNS and the baseline; the anomaly destination is blocked when nothing else allows it', async () => {
    h = await startHarness({ baseline: BASELINE, policies: [SHOP_POLICIES[0]!] });
    const { planned } = await h.enforce(exfiltration());
    expect(planned.map((p) => p.action.action)).toEqual(['tighten-egress']);
    const a = planned[0]!.action;
    expect(a).toMatchObject({ outcome: 'applied', target: { kind: 'Deployment', namespace: 'shop', name: 'checkout' } });
    expect(a.reason).toBeUndefined();
    expect(a.changes.join('\n')).toMatch(/verified with the NetworkPolicy simulator against the live cluster: shop\/checkout-6d9f8b7c5d-abcde to 203.0.113.9 TCP 443 is blocked \(was allowed\)/);

    const live = await h.client.getNetworkPolicy('shop', egressPolicyName({ namespace: 'shop', kind: 'Deployment', name: 'checkout' }));
    expect(live?.spec).toMatchObject({
      podSelector: { matchLabels: { app: 'checkout' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { to: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      ],
    });
    // The workload keeps running and serving: its pods keep their labels.
    expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels?.app).toBe('checkout');

    await h.revert(a.id, 'release');
    expect(await h.client.getNetworkPolicy('shop', live!.metadata.name)).toBeNull();
    expect(h.actions().map((x) => x.outcome)).toEqual(['applied', 'reverted']);
  });

  it('reports what still escapes when another policy allows more (policies are additive)', async () => {
    h = await startHarness({ baseline: BASELINE });
    const { planned } = await h.enforce(exfiltration());
    const a = planned[0]!.action;
    expect(a.outcome).toBe('failed');
    expect(a.partial).toBe(true);
    expect(a.reason).toMatch(/still escapes: 1 of the anomaly's destinations/);
    const text = a.changes.join('\n');
    expect(text).toMatch(/other egress policies also select shop\/checkout-6d9f8b7c5d-abcde .*: shop\/checkout-egress/);
    expect(text).toMatch(/residual path: shop\/checkout-6d9f8b7c5d-abcde to 203.0.113.9 TCP 443 still allowed via shop\/checkout-egress egress\[1\]/);
  });

  it('never widens: a workload already limited in its egress only loses destinations', async () => {
    const baseline = {
      [WORKLOAD]: [
        { peer: 'shop/StatefulSet/db', port: 5432, protocol: 'TCP' as const },
        { peer: 'shop/Deployment/frontend', port: 80, protocol: 'TCP' as const },
        { peer: 'ext:192.0.2.10/32', port: 8443, protocol: 'TCP' as const },
      ],
    };
    // checkout-egress allows only the database and 443 out; not DNS, not the frontend, not 8443.
    h = await startHarness({ baseline, policies: SHOP_POLICIES });
    const before = await readClusterFacts(h.client);
    const { planned } = await h.enforce(exfiltration());
    const a = planned[0]!.action;
    const text = a.changes.join('\n');
    expect(text).toMatch(/DNS UDP 53, TCP 53 left out: shop\/checkout-6d9f8b7c5d-abcde may not reach it now/);
    expect(text).toMatch(/baseline destination shop\/Deployment\/frontend TCP 80 left out/);
    expect(text).toMatch(/baseline destination ext:192.0.2.10\/32 TCP 8443 left out/);
    const live = await h.client.getNetworkPolicy('shop', egressPolicyName({ namespace: 'shop', kind: 'Deployment', name: 'checkout' }));
    expect(JSON.stringify(live!.spec.egress)).not.toMatch(/8443|kube-dns|"port":80\b/);
    // The simulator over the whole cluster: every destination reachable after was reachable before.
    const after = await readClusterFacts(h.client);
    const key = (p: { peer: string; port: number; protocol: string }) => `${p.peer} ${p.protocol} ${p.port}`;
    const was = new Set(reachability(before.inventory, before.policies, `shop/${CHECKOUT}`).outbound.map(key));
    const now = reachability(after.inventory, after.policies, `shop/${CHECKOUT}`).outbound.map(key);
    expect(now.filter((p) => !was.has(p))).toEqual([]);
  });

  it('skips when the flow graph has no baseline for the workload (it would cut all egress)', async () => {
    h = await startHarness({ baseline: {} });
    const { planned } = await h.enforce(exfiltration());
    expect(planned[0]!.action).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/no baseline destinations for shop\/Deployment\/checkout/) });
    expect((await h.client.listNetworkPolicies({ namespace: 'shop' })).items).toHaveLength(2);
  });

  it('reads the baseline from the flow graph in DynamoDB: only edges first seen before the anomaly', async () => {
    h = await startHarness();
    const edge = (dst: string, port: number, first: string): Edge =>
      ({
        src: WORKLOAD, dst, port, protocol: 'TCP', srcKind: 'pod', dstKind: dst.startsWith('ext:') ? 'external' : 'pod',
        bytes: 10, bytesSent: 5, packets: 2, records: 1, first: Date.parse(first), last: Date.parse(first) + 1000,
        hourlySent: new Map(), services: new Set(), samples: new Map(), sampleCount: 0,
      }) as unknown as Edge;
    const deps = { client: h.ddb, tableName: h.tableName, cluster: 'prod-eks' };
    await writeEdges(deps, [edge('shop/StatefulSet/db', 5432, '2026-02-20T10:00:00Z'), edge('ext:203.0.113.0/24', 443, '2026-03-01T11:05:00Z')], 'batch-1', Date.parse('2026-03-01T11:05:00Z'), { ttlDays: 30, redeliveryHours: 6 });
    const dests = await flowGraphBaseline(deps).destinations(WORKLOAD, new Date('2026-03-01T11:00:00Z'));
    expect(dests).toEqual([{ peer: 'shop/StatefulSet/db', port: 5432, protocol: 'TCP' }]);
    expect(await flowGraphBaseline(deps).destinations('shop/Deployment/unknown', new Date())).toBeUndefined();
  });
});
