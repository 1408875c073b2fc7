/**
 * The API server's validation (shared/netpol/README.md#validation), rule by rule, with the exact field paths
 * and messages kube-apiserver prints (field.Error.Error()), plus the warnings we add.
 */
import { type ValidateOptions, validateNetworkPolicy } from '#shared/netpol/validate';
import { cluster } from './factories';

function np(spec: unknown, metadata: Record<string, unknown> = { name: 'p', namespace: 'x' }) {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec };
}
const messages = (obj: unknown, opts?: ValidateOptions) => validateNetworkPolicy(obj, opts).errors.map((e) => e.message);
const ingressPort = (port: Record<string, unknown>) => np({ podSelector: {}, ingress: [{ ports: [port] }] });
const ingressPeer = (peer: Record<string, unknown>) => np({ podSelector: {}, ingress: [{ from: [peer] }] });

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const KEY_NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('validation rule 1: object metadata', () => {
  test('a valid policy has no errors and comes back defaulted', () => {
    const v = validateNetworkPolicy(np({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }));
    expect(v.errors).toEqual([]);
    expect(v.policy?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 80 }] }] });
  });

  test('the name must be a DNS-1123 subdomain', () => {
    expect(messages(np({ podSelector: {} }, { name: 'Bad_Name', namespace: 'x' }))).toEqual([`metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`]);
    expect(messages(np({ podSelector: {} }, { name: 'allow.dns-v2', namespace: 'x' }))).toEqual([]);
    const long = 'a'.repeat(254);
    expect(messages(np({ podSelector: {} }, { name: long, namespace: 'x' }))).toEqual([`metadata.name: Invalid value: "${long}": must be no more than 253 characters`]);
    expect(messages(np({ podSelector: {} }, { name: 'a'.repeat(253), namespace: 'x' }))).toEqual([]);
  });

  test('a name (or generateName) is required', () => {
    expect(messages(np({ podSelector: {} }, { namespace: 'x' }))).toEqual(['metadata.name: Required value: name or generateName is required']);
    expect(messages(np({ podSelector: {} }, { generateName: 'Web-', namespace: 'x' }))).toEqual([
      `metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`,
      'metadata.name: Required value: name or generateName is required',
    ]);
  });

  test('the namespace is required and must be a DNS-1123 label', () => {
    expect(messages(np({ podSelector: {} }, { name: 'p' }))).toEqual(['metadata.namespace: Required value']);
    expect(messages(np({ podSelector: {} }, { name: 'p' }), { defaultNamespace: 'x' })).toEqual([]);
    expect(messages(np({ podSelector: {} }, { name: 'p', namespace: 'My_NS' }))).toEqual([`metadata.namespace: Invalid value: "My_NS": ${LABEL_MSG}`]);
    expect(messages(np({ podSelector: {} }, { name: 'p', namespace: 'a.b' }))).toEqual(['metadata.namespace: Invalid value: "a.b": must not contain dots']);
  });

  test('metadata labels and annotation keys are checked', () => {
    expect(messages(np({ podSelector: {} }, { name: 'p', namespace: 'x', labels: { 'bad key': 'v', ok: 'bad value!' } }))).toEqual([
      `metadata.labels: Invalid value: "bad key": ${KEY_NAME_MSG}`,
      `metadata.labels: Invalid value: "bad value!": ${VALUE_MSG}`,
    ]);
    expect(messages(np({ podSelector: {} }, { name: 'p', namespace: 'x', annotations: { 'Example.com/Note': 'fine', '/x': 'v' } }))).toEqual([
      'metadata.annotations: Invalid value: "/x": prefix part must be non-empty',
    ]);
  });
});

describe('validation rule 2: label selectors', () => {
  const sel = (podSelector: unknown) => np({ podSelector });

  test('label keys must be qualified names', () => {
    expect(messages(sel({ matchLabels: { '-app': 'a' } }))).toEqual([`spec.podSelector.matchLabels: Invalid value: "-app": ${KEY_NAME_MSG}`]);
    expect(messages(sel({ matchLabels: { 'a/b/c': 'a' } }))).toEqual([
      `spec.podSelector.matchLabels: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]);
    expect(messages(sel({ matchLabels: { 'Example.com/app': 'a' } }))).toEqual([`spec.podSelector.matchLabels: Invalid value: "Example.com/app": prefix part ${SUBDOMAIN_MSG}`]);
    expect(messages(sel({ matchLabels: { 'app.kubernetes.io/name': 'web' } }))).toEqual([]);
  });

  test('matchLabels values must be label values', () => {
    expect(messages(sel({ matchLabels: { app: 'web server' } }))).toEqual([`spec.podSelector.matchLabels: Invalid value: "web server": ${VALUE_MSG}`]);
    expect(messages(sel({ matchLabels: { app: 'v'.repeat(64) } }))[0]).toBe(`spec.podSelector.matchLabels: Invalid value: "${'v'.repeat(64)}": must be no more than 63 bytes`);
    expect(messages(sel({ matchLabels: { app: '' } }))).toEqual([]);
  });

  test('operators must be In, NotIn, Exists or DoesNotExist', () => {
    expect(messages(sel({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['a'] }] }))).toEqual([
      'spec.podSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator',
    ]);
  });

  test('In and NotIn need values; Exists and DoesNotExist forbid them', () => {
    expect(messages(sel({ matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }))).toEqual([
      "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
    expect(messages(sel({ matchExpressions: [{ key: 'app', operator: 'NotIn' }] }))).toEqual([
      "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
    expect(messages(sel({ matchExpressions: [{ key: 'app', operator: 'Exists', values: ['a'] }] }))).toEqual([
      "spec.podSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ]);
    expect(messages(sel({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }))).toEqual([]);
  });

  test('expression keys and values are checked, in peers too', () => {
    expect(
      messages(ingressPeer({ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['red', 'not valid'] }] }, podSelector: { matchLabels: { '': 'x' } } })),
    ).toEqual([
      'spec.ingress[0].from[0].podSelector.matchLabels: Invalid value: "": name part must be non-empty',
      `spec.ingress[0].from[0].podSelector.matchLabels: Invalid value: "": ${KEY_NAME_MSG}`,
      `spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values[1]: Invalid value: "not valid": ${VALUE_MSG}`,
    ]);
  });

  test('on update, invalid expression values are tolerated when the old podSelector already had them', () => {
    const bad = sel({ matchExpressions: [{ key: 'app', operator: 'In', values: ['not valid'] }] });
    expect(messages(bad)).toHaveLength(1);
    expect(messages(bad, { old: bad })).toEqual([]);
    expect(messages(bad, { old: sel({}) })).toHaveLength(1);
  });
});

describe('validation rules 3-7: ports', () => {
  test('3: protocol must be TCP, UDP or SCTP', () => {
    expect(messages(ingressPort({ protocol: 'ICMP' }))).toEqual(['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']);
    expect(messages(ingressPort({ protocol: 'tcp', port: 80 }))).toEqual(['spec.ingress[0].ports[0].protocol: Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"']);
  });

  test('4: a numeric port is 1-65535', () => {
    expect(messages(ingressPort({ port: 0 }))).toEqual(['spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']);
    expect(messages(ingressPort({ port: 65536 }))).toEqual(['spec.ingress[0].ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive']);
    expect(messages(ingressPort({ port: 65535 }))).toEqual([]);
  });

  test('5: endPort must be >= port and itself a valid port', () => {
    expect(messages(ingressPort({ port: 100, endPort: 99 }))).toEqual(['spec.ingress[0].ports[0].endPort: Invalid value: 100: must be greater than or equal to `port`']);
    expect(messages(ingressPort({ port: 100, endPort: 70000 }))).toEqual(['spec.ingress[0].ports[0].endPort: Invalid value: 70000: must be between 1 and 65535, inclusive']);
    expect(messages(ingressPort({ port: 0, endPort: -1 }))).toEqual([
      'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ingress[0].ports[0].endPort: Invalid value: 0: must be greater than or equal to `port`',
      'spec.ingress[0].ports[0].endPort: Invalid value: -1: must be between 1 and 65535, inclusive',
    ]);
    expect(messages(ingressPort({ port: 32000, endPort: 32000 }))).toEqual([]);
  });

  test('6: a named port forbids endPort and must be a valid port name', () => {
    expect(messages(ingressPort({ port: 'http', endPort: 90 }))).toEqual(['spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric']);
    expect(messages(ingressPort({ port: 'a-very-long-port-name' }))).toEqual(['spec.ingress[0].ports[0].port: Invalid value: "a-very-long-port-name": must be no more than 15 characters']);
    expect(messages(ingressPort({ port: 'HTTP' }))).toEqual([
      'spec.ingress[0].ports[0].port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ingress[0].ports[0].port: Invalid value: "HTTP": must contain at least one letter (a-z)',
    ]);
    expect(messages(ingressPort({ port: '8080' }))).toEqual(['spec.ingress[0].ports[0].port: Invalid value: "8080": must contain at least one letter (a-z)']);
    expect(messages(ingressPort({ port: 'web--ui' }))).toEqual(['spec.ingress[0].ports[0].port: Invalid value: "web--ui": must not contain consecutive hyphens']);
    expect(messages(ingressPort({ port: '-http' }))).toEqual(['spec.ingress[0].ports[0].port: Invalid value: "-http": must not begin or end with a hyphen']);
    expect(messages(ingressPort({ port: 'serve-80-tcp' }))).toEqual([]);
  });

  test('7: endPort without port is invalid', () => {
    expect(messages(ingressPort({ endPort: 90 }))).toEqual(['spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified']);
  });

  test('egress ports get the same checks at their own path', () => {
    expect(messages(np({ podSelector: {}, egress: [{}, { ports: [{ port: 0 }] }] }))).toEqual(['spec.egress[1].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']);
  });
});

describe('validation rules 8-11: peers and ipBlock', () => {
  test('8: an empty peer is invalid', () => {
    expect(messages(ingressPeer({}))).toEqual(['spec.ingress[0].from[0]: Required value: must specify a peer']);
    expect(messages(np({ podSelector: {}, egress: [{ to: [{}] }] }))).toEqual(['spec.egress[0].to[0]: Required value: must specify a peer']);
  });

  test('9: ipBlock cannot be combined with a selector; pod and namespace selectors can', () => {
    expect(messages(ingressPeer({ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }))).toEqual(['spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer']);
    expect(messages(ingressPeer({ namespaceSelector: {}, podSelector: {} }))).toEqual([]);
  });

  test('10: cidr is required and must be a CIDR', () => {
    expect(messages(ingressPeer({ ipBlock: {} }))).toEqual(['spec.ingress[0].from[0].ipBlock.cidr: Required value']);
    expect(messages(ingressPeer({ ipBlock: { cidr: '' } }))).toEqual(['spec.ingress[0].from[0].ipBlock.cidr: Required value']);
    expect(messages(ingressPeer({ ipBlock: { cidr: '10.0.0.1' } }))).toEqual([
      'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.1": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
    expect(messages(ingressPeer({ ipBlock: { cidr: '10.0.0.0/33' } }))).toHaveLength(1);
    expect(messages(ingressPeer({ ipBlock: { cidr: 'fe80::/10' } }))).toEqual([]);
  });

  test('10: the legacy parser accepts leading zeros and host bits, with the API server warnings', () => {
    const v = validateNetworkPolicy(ingressPeer({ ipBlock: { cidr: '010.1.2.3/8' } }));
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual(
      expect.arrayContaining([
        'spec.ingress[0].from[0].ipBlock.cidr: CIDR value "010.1.2.3/8" is ambiguous in this context (should be "10.0.0.0/8" or "010.1.2.3/32"?)',
        'spec.ingress[0].from[0].ipBlock.cidr: non-standard CIDR value "010.1.2.3/8" will be considered invalid in a future Kubernetes release: use "10.0.0.0/8"',
      ]),
    );
  });

  test('10: strict CIDR validation rejects them, except values kept from the old object on update', () => {
    expect(messages(ingressPeer({ ipBlock: { cidr: '10.1.2.3/8' } }), { strictCIDR: true })).toEqual([
      'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.1.2.3/8": must not have bits set beyond the prefix length',
    ]);
    expect(messages(ingressPeer({ ipBlock: { cidr: '10.01.0.0/16' } }), { strictCIDR: true })).toEqual([
      'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.01.0.0/16": must not have leading 0s in IP or prefix length',
    ]);
    const old = ingressPeer({ ipBlock: { cidr: '10.1.2.3/8' } });
    expect(messages(np({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.1.2.3/8' } }] }] }), { strictCIDR: true, old })).toEqual([]);
  });

  test('11: each except must be a strict subset of cidr', () => {
    const ex = (cidr: string, except: string[]) => messages(ingressPeer({ ipBlock: { cidr, except } }));
    expect(ex('10.0.0.0/8', ['10.1.0.0/16', '10.2.3.4/32'])).toEqual([]);
    expect(ex('10.0.0.0/8', ['10.0.0.0/8'])).toEqual(['spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`']);
    expect(ex('10.0.0.0/16', ['10.0.0.0/8'])).toEqual(['spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`']);
    expect(ex('10.0.0.0/8', ['192.168.0.0/16'])).toEqual(['spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`']);
    expect(ex('10.0.0.0/8', ['fd00::/64'])).toEqual(['spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "fd00::/64": must be a strict subset of `cidr`']);
    expect(ex('10.0.0.0/8', ['10.1.0.0'])).toEqual([
      'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
  });
});

describe('validation rule 12: policyTypes', () => {
  test('at most two entries, printed as kube-apiserver prints the list', () => {
    expect(messages(np({ podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] }))).toEqual([
      'spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes',
    ]);
  });

  test('each entry is Ingress or Egress', () => {
    expect(messages(np({ podSelector: {}, policyTypes: ['Ingress', 'ingress'] }))).toEqual([
      'spec.policyTypes[1]: Unsupported value: "ingress": supported values: "Ingress", "Egress"',
    ]);
  });

  test('duplicates are not rejected (but we warn); an empty list is defaulted', () => {
    const dup = validateNetworkPolicy(np({ podSelector: {}, policyTypes: ['Ingress', 'Ingress'] }));
    expect(dup.errors).toEqual([]);
    expect(dup.warnings).toContain('spec.policyTypes: lists a type twice (Ingress, Ingress)');
    expect(validateNetworkPolicy(np({ podSelector: {}, policyTypes: [] })).policy?.spec.policyTypes).toEqual(['Ingress']);
  });
});

describe('validation rule 13: what is not validated', () => {
  test.each([
    ['contradicting policies and overlapping rules', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }, { ports: [{ port: 80 }, { port: 79, endPort: 81 }] }] }],
    ['a named port no pod has', { podSelector: {}, ingress: [{ ports: [{ port: 'nonexistent' }] }] }],
    ['an empty ingress list with Ingress in policyTypes (a deny)', { podSelector: {}, ingress: [], policyTypes: ['Ingress'] }],
    ['selectors naming namespaces and pods that do not exist', { podSelector: { matchLabels: { app: 'ghost' } }, egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nowhere' } } }] }] }],
  ])('%s is accepted', (_name, spec) => {
    expect(messages(np(spec))).toEqual([]);
  });
});

describe('decoding: wrong types, unknown fields, not a NetworkPolicy', () => {
  test('wrong JSON types are decode errors, flagged malformed (kube-apiserver answers 400)', () => {
    const v = validateNetworkPolicy(np({ podSelector: { matchLabels: { version: 1.0 } }, ingress: [{ ports: [{ port: true }] }] }));
    expect(v.malformed).toBe(true);
    expect(v.errors.map((e) => e.message)).toEqual([
      'spec.podSelector.matchLabels[version]: Invalid value: 1: must be a string',
      'spec.ingress[0].ports[0].port: Invalid value: true: must be an integer or a string',
    ]);
    expect(validateNetworkPolicy(np({ podSelector: {}, ingress: { from: [] } })).errors[0]!.message).toBe(
      'spec.ingress: Invalid value: {"from":[]}: must be a list',
    );
  });

  test('null means absent, as in kube JSON', () => {
    const v = validateNetworkPolicy(np({ podSelector: null, ingress: [{ from: null, ports: null }], policyTypes: null }));
    expect(v.errors).toEqual([]);
    expect(v.policy?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] });
  });

  test('unknown fields are listed with kube-style warnings, and the rest still validates', () => {
    const v = validateNetworkPolicy(np({ podSelector: {}, ingress: [{ form: [{ podSelector: {} }] }], egres: [] }));
    expect(v.unknownFields).toEqual(['spec.ingress[0].form', 'spec.egres']);
    expect(v.warnings).toEqual(expect.arrayContaining(['unknown field "spec.ingress[0].form"', 'unknown field "spec.egres"']));
    expect(v.errors).toEqual([]);
    // The misspelt `form` is dropped: the rule allows everything, which is why strict mode matters.
    expect(v.policy?.spec.ingress).toEqual([{}]);
  });

  test('another apiVersion or kind, or no object at all, is rejected', () => {
    expect(messages({ ...np({ podSelector: {} }), apiVersion: 'extensions/v1beta1' })).toEqual([
      'apiVersion: Invalid value: "extensions/v1beta1": must be networking.k8s.io/v1',
    ]);
    expect(messages({ ...np({ podSelector: {} }), kind: 'Pod' })).toEqual(['kind: Invalid value: "Pod": must be NetworkPolicy']);
    expect(validateNetworkPolicy('text')).toMatchObject({ malformed: true, errors: [{ field: '<root>', message: '<root>: Invalid value: "text": must be an object' }] });
  });

  test('errors carry type, field, badValue and detail for a 422 Status', () => {
    const [err] = validateNetworkPolicy(ingressPort({ port: 0 })).errors;
    expect(err).toEqual({
      field: 'spec.ingress[0].ports[0].port',
      type: 'FieldValueInvalid',
      badValue: 0,
      detail: 'must be between 1 and 65535, inclusive',
      message: 'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    });
    const [req] = validateNetworkPolicy(ingressPeer({})).errors;
    expect(req).toEqual({ field: 'spec.ingress[0].from[0]', type: 'FieldValueRequired', detail: 'must specify a peer', message: 'spec.ingress[0].from[0]: Required value: must specify a peer' });
  });

  test('errors come in kube-apiserver order: metadata, podSelector, ingress, egress, policyTypes', () => {
    const v = validateNetworkPolicy(
      np(
        {
          podSelector: { matchLabels: { '-x': 'a' } },
          ingress: [{ ports: [{ port: 0 }], from: [{}] }],
          egress: [{ to: [{ ipBlock: { cidr: 'nope' } }] }],
          policyTypes: ['Sideways'],
        },
        { name: 'p' },
      ),
    );
    expect(v.errors.map((e) => e.field)).toEqual([
      'metadata.namespace',
      'spec.podSelector.matchLabels',
      'spec.ingress[0].ports[0].port',
      'spec.ingress[0].from[0]',
      'spec.egress[0].to[0].ipBlock.cidr',
      'spec.policyTypes[0]',
    ]);
  });
});

describe('warnings: accepted, but worth knowing', () => {
  const w = (spec: unknown, opts?: ValidateOptions) => validateNetworkPolicy(np(spec), opts).warnings;

  test('a missing podSelector selects every pod', () => {
    expect(w({ ingress: [] })).toContain('spec.podSelector: not set; it means {} and selects every pod in namespace x');
  });

  test('egress rules without policyTypes also deny all ingress', () => {
    expect(w({ podSelector: {}, egress: [{ ports: [{ port: 443 }] }] }).join('\n')).toContain('defaults to [Ingress, Egress], so this policy also denies all ingress');
    expect(w({ podSelector: {}, egress: [{ ports: [{ port: 443 }] }], policyTypes: ['Egress'] }).join('\n')).not.toContain('also denies all ingress');
  });

  test('an empty egress list without policyTypes does not isolate egress', () => {
    expect(w({ podSelector: {}, egress: [] }).join('\n')).toContain('does not isolate egress');
  });

  test('rules of a direction missing from policyTypes have no effect', () => {
    expect(w({ podSelector: {}, ingress: [{}], policyTypes: ['Egress'] })).toContain(
      'spec.ingress: has rules but policyTypes does not include Ingress; these rules have no effect',
    );
  });

  describe('EKS VPC CNI', () => {
    const ports = (n: number, protocol = 'TCP') => Array.from({ length: n }, (_, i) => ({ port: 1000 + i, protocol }));

    test('more than 24 unique port combinations per protocol in one rule', () => {
      expect(w({ podSelector: {}, ingress: [{ ports: ports(24) }] }).filter((x) => x.startsWith('EKS'))).toEqual([]);
      expect(w({ podSelector: {}, ingress: [{ ports: [...ports(24), ...ports(24, 'UDP')] }] }).filter((x) => x.startsWith('EKS'))).toEqual([]);
      expect(w({ podSelector: {}, egress: [{}, { ports: ports(25) }] }).filter((x) => x.startsWith('EKS'))).toEqual([
        'EKS: spec.egress[1].ports: 25 unique TCP port combinations; the VPC CNI network policy agent supports at most 24 per protocol in one egress rule (aws/containers-roadmap#2481)',
      ]);
      // Repeats do not count twice; ranges count as one combination each.
      expect(w({ podSelector: {}, ingress: [{ ports: [...ports(24), ...ports(24), { port: 1, endPort: 10 }] }] }).filter((x) => x.startsWith('EKS'))).toHaveLength(1);
    });

    test('named ports', () => {
      expect(w({ podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] }).join('\n')).toContain('EKS: spec.ingress[0].ports[0].port: named port "http"');
    });

    test('pods without an owner are not enforced (needs the inventory)', () => {
      const inv = cluster({
        pods: [
          { id: 'x/standalone', ip: '10.0.0.1', owner: null },
          { id: 'x/managed', ip: '10.0.0.2' },
          { id: 'y/other', ip: '10.0.0.3', owner: null },
        ],
      });
      expect(w({ podSelector: {} }, { inventory: inv }).filter((x) => x.startsWith('EKS'))).toEqual([
        'EKS: selects 1 pod(s) without an owner (x/standalone): the VPC CNI does not apply network policies to standalone pods without metadata.ownerReferences',
      ]);
      expect(w({ podSelector: {} }).filter((x) => x.startsWith('EKS'))).toEqual([]);
    });

    test('rules of the other address family are ignored', () => {
      const inv = cluster({ pods: [{ id: 'x/a', ip: '10.0.0.1' }] });
      expect(w({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32' } }] }] }, { inventory: inv }).filter((x) => x.startsWith('EKS'))).toEqual([
        'EKS: spec.egress[0].to[0].ipBlock.cidr: an IPv6 CIDR in an IPv4 cluster is ignored (EKS enforces one address family per cluster)',
      ]);
    });

    test('can be turned off', () => {
      expect(w({ podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] }, { eks: false }).some((x) => x.startsWith('EKS'))).toBe(false);
    });
  });
});
