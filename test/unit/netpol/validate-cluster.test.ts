/**
 * ClusterNetworkPolicy / ApplicationNetworkPolicy validation as the API server answers for
 * EKS's CRDs (github.com/aws/amazon-network-policy-controller-k8s config/crd/bases/*):
 * schema errors and CEL messages with their field paths, one line per problem.
 */
import { validateDocument } from '#shared/netpol/report';
import { validateApplicationNetworkPolicy, validateClusterNetworkPolicy } from '#shared/netpol/validate-cluster';

const cnp = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.aws/v1alpha1', kind: 'ClusterNetworkPolicy', metadata: { name: 'p' }, spec });
const good = { tier: 'Admin', priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] };

describe('ClusterNetworkPolicy', () => {
  test('a valid policy is accepted and defaulted (protocol TCP)', () => {
    const v = validateClusterNetworkPolicy(cnp({ ...good, ingress: [{ action: 'Accept', from: [{ namespaces: {} }], ports: [{ portNumber: { port: 80 } }] }] }));
    expect(v.errors).toEqual([]);
    expect(v.policy!.spec.ingress![0]!.ports![0]!.portNumber).toEqual({ port: 80, protocol: 'TCP' });
  });

  test.each([
    ['tier enum', { ...good, tier: 'Platform' }, 'spec.tier: Unsupported value: "Platform": supported values: "Admin", "Baseline"'],
    ['priority maximum', { ...good, priority: 1001 }, 'spec.priority: Invalid value: 1001: should be less than or equal to 1000'],
    ['priority required', { tier: 'Admin', subject: { namespaces: {} } }, 'spec.priority: Required value'],
    ['subject has exactly one field', { ...good, subject: { namespaces: {}, pods: { namespaceSelector: {}, podSelector: {} } } }, 'spec.subject: Too many: 2: must have at most 1 items'],
    ['action enum (Allow is the guide\'s prose, Accept the schema)', { ...good, egress: [{ action: 'Allow', to: [{ namespaces: {} }] }] }, 'spec.egress[0].action: Unsupported value: "Allow": supported values: "Accept", "Deny", "Pass"'],
    ['to needs one peer', { ...good, egress: [{ action: 'Deny', to: [] }] }, 'spec.egress[0].to: Invalid value: 0: should have at least 1 items'],
    [
      'port range CEL rule',
      { ...good, egress: [{ action: 'Deny', to: [{ namespaces: {} }], ports: [{ portRange: { start: 90, end: 80 } }] }] },
      'spec.egress[0].ports[0].portRange: Invalid value: "object": Start port must be less than End port',
    ],
    [
      'domainNames only with Accept (CEL rule)',
      { ...good, egress: [{ action: 'Deny', to: [{ domainNames: ['example.com'] }] }] },
      'spec.egress[0]: Invalid value: "object": domainNames peer can only be used with Accept action',
    ],
  ])('%s', (_name, spec, message) => {
    const v = validateClusterNetworkPolicy(cnp(spec));
    expect(v.errors.map((e) => e.message)).toContain(message);
    expect(v.policy).toBeUndefined();
  });

  test('netpol validate: one line per problem, unknown fields rejected in strict mode', () => {
    const r = validateDocument({ source: { file: 'p.yaml', doc: 1, multi: false }, object: cnp({ ...good, priority: -1, tier: 'X', extra: 1 }) });
    expect(r.status).toBe('invalid');
    expect(r.errors).toEqual([
      'spec.tier: Unsupported value: "X": supported values: "Admin", "Baseline"',
      'spec.priority: Invalid value: -1: should be greater than or equal to 0',
      'unknown field "spec.extra"',
    ]);
  });
});

describe('ApplicationNetworkPolicy', () => {
  const anp = (egress: unknown[]) => ({ apiVersion: 'networking.k8s.aws/v1alpha1', kind: 'ApplicationNetworkPolicy', metadata: { name: 'a', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress } });

  test('domain names are checked against the CRD pattern and exclusive with other peer fields', () => {
    const v = validateApplicationNetworkPolicy(anp([{ to: [{ domainNames: ['*.s3.amazonaws.com', 'bad name'], ipBlock: { cidr: '10.0.0.0/8' } }] }]));
    const messages = v.errors.map((e) => e.message);
    expect(messages).toContain('spec.egress[0].to[0]: Invalid value: "object": ipBlock and domainNames are mutually exclusive');
    expect(messages.some((m) => m.startsWith('spec.egress[0].to[0].domainNames[1]: Invalid value: "bad name": spec.egress[0].to[0].domainNames[1] in body should match'))).toBe(true);
    expect(messages).toHaveLength(2);
  });

  test('a valid one is accepted with a note that names need DNS and Auto Mode', () => {
    const v = validateApplicationNetworkPolicy(anp([{ to: [{ domainNames: ['api.stripe.com'] }], ports: [{ port: 443 }] }]));
    expect(v.errors).toEqual([]);
    expect(v.policy!.spec.egress![0]!.ports![0]).toEqual({ port: 443, protocol: 'TCP' });
    expect(v.warnings.some((w) => w.includes('Auto Mode'))).toBe(true);
  });
});
