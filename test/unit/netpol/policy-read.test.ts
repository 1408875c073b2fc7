/**
 * Reading live and stored policies into the one typed object per kind (shared/netpol-api): the
 * API server's defaults applied, list items without apiVersion and kind, and every object that
 * does not read reported with its name, labels and annotations, never dropped.
 */
import { quarantineClusterPolicy, quarantinePolicy } from '#shared/enforce/quarantine';
import { tightenPolicy } from '#shared/enforce/egress';
import { readPolicies, readPolicy, unreadableRef } from '#shared/netpol-api/read';
import { ClusterNetworkPolicySchema, NetworkPolicySchema } from '#shared/netpol-api/schema';
import { parseNetworkPolicy } from '#shared/netpol/validate';

const meta = { name: 'web', namespace: 'shop', labels: { team: 'a' }, annotations: { note: 'x' }, uid: 'u-1', resourceVersion: '7', generation: 2, managedFields: [{ manager: 'kubectl' }], creationTimestamp: '2026-01-01T00:00:00Z' };

describe('NetworkPolicy', () => {
  it('reads a list item as the API sends it: kind assumed, server metadata kept where typed, the rest dropped', () => {
    const r = readPolicy('NetworkPolicy', { metadata: meta, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    expect(r).toEqual({
      policy: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'web', namespace: 'shop', labels: { team: 'a' }, annotations: { note: 'x' }, uid: 'u-1', resourceVersion: '7', generation: 2 },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
    });
  });

  it('applies the API server defaults as the validator does: protocol TCP, policyTypes from the rules', () => {
    const manifest = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'eg', namespace: 'shop' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } };
    const r = readPolicy('NetworkPolicy', manifest);
    expect(r).toEqual({ policy: parseNetworkPolicy(manifest) });
    expect('policy' in r && r.policy.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{ ports: [{ protocol: 'TCP', port: 53 }] }] });
  });

  it('reports a field it does not know (a newer API\'s) instead of dropping it, keeping the labels and annotations', () => {
    const r = readPolicies('NetworkPolicy', [
      { metadata: meta, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], action: 'Deny' }] } },
      { metadata: { name: 'ok', namespace: 'shop' }, spec: { podSelector: {} } },
    ]);
    expect(r.items.map((p) => p.metadata.name)).toEqual(['ok']);
    expect(r.unreadable).toEqual([{ kind: 'NetworkPolicy', name: 'web', namespace: 'shop', labels: { team: 'a' }, annotations: { note: 'x' }, problems: expect.stringContaining('spec.ingress.0') }]);
    expect(unreadableRef(r.unreadable[0]!)).toBe('NetworkPolicy shop/web');
  });

  it.each([
    ['a protocol outside the enum', { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP' }] }] }, 'spec.ingress.0.ports.0.protocol'],
    ['a selector operator outside the enum', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Like' }] } }, 'spec.podSelector.matchExpressions.0.operator'],
    ['a policy type outside the enum', { podSelector: {}, policyTypes: ['Sideways'] }, 'spec.policyTypes.0'],
    ['no podSelector', {}, 'spec.podSelector'],
  ])('reports %s', (_what, spec, path) => {
    const r = readPolicies('NetworkPolicy', [{ metadata: { name: 'x', namespace: 'shop' }, spec }]);
    expect(r.items).toEqual([]);
    expect(r.unreadable[0]!.problems).toContain(path);
  });

  it('reports what is not an object at all, by a placeholder name', () => {
    expect(readPolicies('NetworkPolicy', ['junk', null]).unreadable.map(unreadableRef)).toEqual(['NetworkPolicy ?', 'NetworkPolicy ?']);
  });

  it('what enforcement writes is read back unchanged (the schema is the type)', () => {
    const q = quarantinePolicy('shop', 'checkout-1', 'a1b2c3d4-0000-4000-8000-000000000001', 'anom-1', '2026-01-01T01:00:00Z', { podUid: 'u', restore: { app: 'checkout' } });
    const t = tightenPolicy({ namespace: 'shop', kind: 'Deployment', name: 'checkout' }, { id: 'a1b2c3d4-0000-4000-8000-000000000002', kind: 'tighten-egress', target: { namespace: 'shop' }, expiresAt: '2026-01-01T01:00:00Z' } as never, 'anom-1', { matchLabels: { app: 'checkout' } }, [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'TCP', port: 443 }] }]);
    for (const p of [q, t]) expect(NetworkPolicySchema.parse(JSON.parse(JSON.stringify(p)))).toEqual(p);
    const c = quarantineClusterPolicy('shop', 'checkout-1', 'a1b2c3d4-0000-4000-8000-000000000001', 'anom-1', '2026-01-01T01:00:00Z');
    expect(ClusterNetworkPolicySchema.parse(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });
});

describe('ClusterNetworkPolicy', () => {
  const cnp = (spec: object) => ({ apiVersion: 'networking.k8s.aws/v1alpha1', kind: 'ClusterNetworkPolicy', metadata: { name: 'future', labels: { team: 'a' } }, spec });
  const subject = { pods: { namespaceSelector: {}, podSelector: {} } };

  it('reads one, defaulting port protocols to TCP', () => {
    const r = readPolicy('ClusterNetworkPolicy', cnp({ tier: 'Admin', priority: 5, subject, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }], ports: [{ portNumber: { port: 443 } }] }] }));
    expect('policy' in r && r.policy.spec.egress?.[0]?.ports).toEqual([{ portNumber: { protocol: 'TCP', port: 443 } }]);
  });

  it('reports an action or a field it does not know, by name, with no namespace', () => {
    const r = readPolicies('ClusterNetworkPolicy', [cnp({ tier: 'Admin', priority: 5, subject, ingress: [{ action: 'Teleport', from: [] }] })]);
    expect(r.items).toEqual([]);
    expect(r.unreadable[0]).toMatchObject({ kind: 'ClusterNetworkPolicy', name: 'future', labels: { team: 'a' }, problems: expect.stringContaining('spec.ingress.0.action') });
    expect(r.unreadable[0]).not.toHaveProperty('namespace');
    expect(unreadableRef(r.unreadable[0]!)).toBe('ClusterNetworkPolicy future');
  });
});
