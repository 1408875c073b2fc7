/** Simulator-based verification: paths before and after a quarantine, residual allowances, what NetworkPolicy cannot block. */
import { quarantinePolicy, QUARANTINE_LABEL } from '#shared/enforce/quarantine';
import { isolationReport, reachability, withPodLabels, withPolicy } from '#shared/enforce/verify';
import { ClusterInventory } from '#shared/inventory/cluster';
import { parseNetworkPolicy } from '#shared/netpol/validate';
import { readPolicies } from '#shared/netpol-api/read';

const inv = ClusterInventory.parse({
  namespaces: [{ name: 'shop' }, { name: 'monitoring' }],
  nodes: [{ name: 'n1', ip: '10.20.1.5' }],
  pods: [
    { namespace: 'shop', name: 'checkout-1', ip: '10.1.0.10', labels: { app: 'checkout' }, nodeName: 'n1', hostIP: '10.20.1.5', ports: [{ port: 8080 }] },
    { namespace: 'shop', name: 'frontend-1', ip: '10.1.0.20', labels: { app: 'frontend' }, nodeName: 'n1', ports: [{ port: 80 }] },
    { namespace: 'shop', name: 'db-0', ip: '10.1.0.30', labels: { app: 'db' }, ports: [{ port: 5432 }] },
    { namespace: 'shop', name: 'agent-1', ip: '10.20.1.5', labels: { app: 'agent' }, hostNetwork: true, nodeName: 'n1' },
    { namespace: 'monitoring', name: 'prom-0', ip: '10.1.0.40', labels: { app: 'prom' } },
  ],
});

const p = (name: string, spec: Record<string, unknown>) => parseNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec });
const allowFrontend = p('checkout-in', { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080 }] }] });
const token = 'abcdef0123456789';
const deny = parseNetworkPolicy(quarantinePolicy('shop', 'checkout-1', 'abcdef01-2345-6789-0000-000000000000', 'a', '2026-03-01T13:00:00Z'));
const quarantined = withPodLabels(inv, 'shop/checkout-1', { [QUARANTINE_LABEL]: token });

describe('verification with the simulator', () => {
  it('finds paths before a quarantine and none after', () => {
    const before = reachability(inv, [allowFrontend], 'shop/checkout-1');
    expect(before.inbound.map((x) => x.peer)).toEqual(expect.arrayContaining(['shop/frontend-1']));
    expect(before.inbound.map((x) => x.peer)).not.toContain('shop/db-0');
    expect(before.outbound.map((x) => x.peer)).toEqual(expect.arrayContaining(['shop/db-0', '198.51.100.7']));

    const r = isolationReport(quarantined, withPolicy([allowFrontend], deny), 'shop/checkout-1', 'shop/' + deny.metadata.name);
    expect(r.residual).toEqual([]);
    expect(r.outbound).toEqual([]);
    expect(r.inbound).toEqual([]);
    // Its own node (kubelet, host-network pods there) is always allowed: reported, not hidden.
    expect(r.inherent[0]).toMatch(/own node 10.20.1.5 .*host-network pods there: shop\/agent-1/);
  });

  it('a deny policy without the relabel leaves the existing allow in place (policies are additive)', () => {
    const denyOnPod = p('deny', { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Ingress', 'Egress'] });
    const r = isolationReport(inv, [allowFrontend, denyOnPod], 'shop/checkout-1', 'shop/deny');
    expect(r.residual).toEqual(expect.arrayContaining([expect.stringMatching(/policy shop\/checkout-in ingress\[0\] still selects the pod and allows pods app=frontend on TCP 8080/)]));
    expect(r.inbound.map((x) => x.peer)).toEqual(['shop/frontend-1']);
  });

  it('reports a policy selecting every pod of the namespace as residual, with the peers it lets in', () => {
    const all = p('allow-monitoring', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] });
    const r = isolationReport(quarantined, withPolicy([all], deny), 'shop/checkout-1', 'shop/' + deny.metadata.name);
    expect(r.residual[0]).toMatch(/policy shop\/allow-monitoring ingress\[0\] still selects the pod and allows namespaces kubernetes.io\/metadata.name=monitoring on all ports/);
    expect(r.residual[1]).toMatch(/residual path to the pod via shop\/allow-monitoring ingress\[0\]: monitoring\/prom-0/);
  });

  it('reads live policies as the API sends them (list items carry no apiVersion or kind)', () => {
    const live = { metadata: { name: 'checkout-in', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] } };
    expect(readPolicies('NetworkPolicy', [live]).items[0]!.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });
});
