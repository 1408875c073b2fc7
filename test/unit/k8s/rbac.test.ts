import { parseAllDocuments } from 'yaml';
import { EKS_GROUPS } from '#infra/aws/names';
import { ENFORCER_CLUSTER_ROLE, ENFORCER_GROUP, ENFORCER_RULES, INVENTORY_GROUP, INVENTORY_RULES, rbacManifests, renderRbacYaml } from '#shared/k8s/rbac';

const verbsFor = (rules: readonly { apiGroups: string[]; resources: string[]; verbs: string[] }[], group: string, resource: string) =>
  rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs).sort();

describe('boundwatch RBAC', () => {
  it('grants the enforcer exactly what enforcement and revert use', () => {
    expect(verbsFor(ENFORCER_RULES, 'networking.k8s.io', 'networkpolicies')).toEqual(['create', 'delete', 'get', 'list', 'patch']);
    expect(verbsFor(ENFORCER_RULES, '', 'pods')).toEqual(['delete', 'get', 'list', 'patch']);
    expect(verbsFor(ENFORCER_RULES, '', 'pods/eviction')).toEqual(['create']);
    for (const r of ['namespaces', 'services', 'nodes', 'serviceaccounts']) expect(verbsFor(ENFORCER_RULES, '', r)).toEqual(['get', 'list']);
    expect(verbsFor(ENFORCER_RULES, '', 'secrets')).toEqual(['delete', 'get']);
  });

  it('has no wildcards, no escalation verbs and no secret listing', () => {
    for (const rule of [...ENFORCER_RULES, ...INVENTORY_RULES]) {
      expect(rule.verbs).not.toEqual(expect.arrayContaining(['*']));
      expect(rule.resources).not.toEqual(expect.arrayContaining(['*']));
      expect(rule.apiGroups).not.toEqual(expect.arrayContaining(['*']));
      for (const v of ['escalate', 'bind', 'impersonate', 'watch', 'update', 'deletecollection']) expect(rule.verbs).not.toContain(v);
    }
    expect(verbsFor(ENFORCER_RULES, '', 'secrets')).not.toContain('list');
  });

  it('gives the inventory group read-only access and no secrets', () => {
    for (const rule of INVENTORY_RULES) expect(rule.verbs.every((v) => v === 'get' || v === 'list')).toBe(true);
    expect(verbsFor(INVENTORY_RULES, '', 'secrets')).toEqual([]);
    expect(verbsFor(INVENTORY_RULES, '', 'pods')).toEqual(['get', 'list']);
  });

  it('renders applicable YAML: two ClusterRoles bound to the two groups', () => {
    const docs = parseAllDocuments(renderRbacYaml()).map((d) => d.toJS() as { kind: string; metadata: { name: string }; subjects?: unknown });
    expect(docs).toEqual(rbacManifests());
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ClusterRole/boundwatch-enforcer',
      'ClusterRoleBinding/boundwatch-enforcer',
      'ClusterRole/boundwatch-inventory',
      'ClusterRoleBinding/boundwatch-inventory',
    ]);
    expect(docs[1]).toMatchObject({ roleRef: { kind: 'ClusterRole', name: ENFORCER_CLUSTER_ROLE }, subjects: [{ kind: 'Group', name: ENFORCER_GROUP }] });
    expect(docs[3]?.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: INVENTORY_GROUP }]);
    // EKS access entries refuse groups starting with system:.
    expect(ENFORCER_GROUP.startsWith('system:')).toBe(false);
  });

  it("names the same groups the CDK stack's access entries map the roles to", () => {
    expect(EKS_GROUPS).toEqual({ enforcer: ENFORCER_GROUP, inventory: INVENTORY_GROUP });
  });
});
