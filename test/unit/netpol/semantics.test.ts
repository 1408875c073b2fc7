/**
 * One describe block per section of shared/netpol/README.md (validation is in
 * validate.test.ts). Each test states a rule of that document as a
 * probe and its expected answer, and most also check the reason names the right policy/rule.
 */
import { applyDefaults } from '#shared/netpol/defaults';
import { selectorMatches } from '#shared/netpol/selector';
import { RawNetworkPolicy } from '#shared/netpol-api/types';
import { validateNetworkPolicy } from '#shared/netpol/validate';
import { allowed, cluster, engine, policy } from './factories';

const NS = 'kubernetes.io/metadata.name';

function base(extra: { services?: unknown[] } = {}) {
  return cluster({
    namespaces: [{ name: 'x', labels: { team: 'red' } }, { name: 'y', labels: { team: 'blue' } }, 'z', 'kube-system'],
    pods: [
      { id: 'x/a', ip: '10.1.0.1', nodeName: 'n1', hostIP: '10.20.0.1', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] },
      { id: 'x/b', ip: '10.1.0.2', nodeName: 'n2', hostIP: '10.20.0.2', ports: [{ name: 'http', port: 8080 }] },
      { id: 'x/c', ip: '10.1.0.3', nodeName: 'n1', hostIP: '10.20.0.1', labels: { app: 'c', tier: 'db' }, ports: [{ name: 'serve-81-udp', port: 81, protocol: 'UDP' }] },
      { id: 'y/a', ip: '10.1.1.1', nodeName: 'n1', hostIP: '10.20.0.1' },
      { id: 'y/b', ip: '10.1.1.2', nodeName: 'n2', hostIP: '10.20.0.2', labels: { app: 'b', tier: 'db' } },
      { id: 'z/a', ip: '10.1.2.1', nodeName: 'n2', hostIP: '10.20.0.2' },
      {
        id: 'kube-system/coredns',
        ip: '10.1.3.1',
        labels: { 'k8s-app': 'kube-dns' },
        ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }],
      },
      { id: 'kube-system/agent-n1', ip: '10.20.0.1', hostNetwork: true, nodeName: 'n1', hostIP: '10.20.0.1', labels: { app: 'agent' } },
      { id: 'kube-system/agent-n2', ip: '10.20.0.2', hostNetwork: true, nodeName: 'n2', hostIP: '10.20.0.2', labels: { app: 'agent' } },
    ],
    nodes: [
      { name: 'n1', ip: '10.20.0.1' },
      { name: 'n2', ip: '10.20.0.2' },
    ],
    ...extra,
  });
}

const denyIngress = (ns: string, podSelector: object = {}) => policy(`${ns}/deny-ingress`, { podSelector, policyTypes: ['Ingress'] });
const denyEgress = (ns: string, podSelector: object = {}) => policy(`${ns}/deny-egress`, { podSelector, policyTypes: ['Egress'] });
const EXT = { ip: '203.0.113.9' };

describe('data model and defaults', () => {
  test('podSelector {} selects every pod of the policy namespace and none elsewhere', () => {
    const e = engine(base(), [denyIngress('x')]);
    expect(allowed(e, 'y/a', 'x/a')).toBe(false);
    expect(allowed(e, 'y/a', 'x/c')).toBe(false);
    expect(allowed(e, 'x/a', 'y/a')).toBe(true);
    expect(e.isolation('y/a')).toEqual({ ingress: [], egress: [] });
  });

  test('policyTypes absent with egress rules defaults to [Ingress, Egress]: the egress-only policy also denies all ingress', () => {
    const p = policy('x/egress-only', { podSelector: { matchLabels: { app: 'a' } }, egress: [{ to: [{ podSelector: {} }] }] });
    expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const e = engine(base(), [p]);
    expect(allowed(e, 'x/a', 'x/b')).toBe(true);
    expect(allowed(e, 'x/a', 'y/a')).toBe(false);
    const r = e.evaluate('x/b', 'x/a', 80);
    expect(r.allowed).toBe(false);
    expect(r.reason).toContain('ingress to x/a is isolated by x/egress-only');
  });

  test('`egress: []` without policyTypes does not isolate egress (only ingress)', () => {
    const p = policy('x/empty-egress', { podSelector: {}, egress: [] });
    expect(p.spec.policyTypes).toEqual(['Ingress']);
    const e = engine(base(), [p]);
    expect(allowed(e, 'x/a', 'z/a')).toBe(true);
    expect(allowed(e, 'z/a', 'x/a')).toBe(false);
  });

  test('an empty policyTypes list is defaulted like an absent one', () => {
    expect(policy('x/p', { podSelector: {}, policyTypes: [] }).spec.policyTypes).toEqual(['Ingress']);
    expect(policy('x/p', { podSelector: {}, policyTypes: [], egress: [{}] }).spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  test('explicit policyTypes are kept as written', () => {
    expect(policy('x/p', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }).spec.policyTypes).toEqual(['Egress']);
  });

  test('ports[].protocol defaults to TCP', () => {
    const p = policy('x/p', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
    expect(p.spec.ingress![0]!.ports![0]).toEqual({ protocol: 'TCP', port: 80 });
    const e = engine(base(), [p]);
    expect(allowed(e, 'y/a', 'x/a', 80, 'TCP')).toBe(true);
    expect(allowed(e, 'y/a', 'x/a', 80, 'UDP')).toBe(false);
  });

  test('applyDefaults fills what the API server would and keeps absent lists absent', () => {
    const raw = RawNetworkPolicy.parse({ metadata: { name: 'p' }, spec: { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] } });
    const p = applyDefaults(raw, 'x');
    expect(p).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'x' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
    });
  });
});

describe('isolation and how rules combine', () => {
  test('isolation is per direction: an ingress policy leaves the pod free to send', () => {
    const e = engine(base(), [denyIngress('x', { matchLabels: { app: 'a' } })]);
    expect(allowed(e, 'x/a', 'y/a')).toBe(true);
    expect(allowed(e, 'y/a', 'x/a')).toBe(false);
    expect(e.isolation('x/a')).toEqual({ ingress: ['x/deny-ingress'], egress: [] });
  });

  test('a pod with no selecting policy is not isolated: everything is allowed', () => {
    const r = engine(base(), []).evaluate(EXT, 'x/a', 443);
    expect(r.allowed).toBe(true);
    expect(r.ingress.kind).toBe('not-isolated');
  });

  test('policies are additive: each allow adds, order does not matter', () => {
    const allowB = policy('x/allow-b', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }] }] });
    const allowY = policy('x/allow-y', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS]: 'y' } } }] }] });
    for (const set of [[denyIngress('x'), allowB, allowY], [allowY, allowB, denyIngress('x')]]) {
      const e = engine(base(), set);
      expect(allowed(e, 'x/b', 'x/a')).toBe(true);
      expect(allowed(e, 'y/b', 'x/a')).toBe(true);
      expect(allowed(e, 'x/c', 'x/a')).toBe(false);
      expect(allowed(e, 'z/a', 'x/a')).toBe(false);
    }
    const r = engine(base(), [denyIngress('x'), allowB, allowY]).evaluate('x/b', 'x/a', 80);
    expect(r.ingress).toMatchObject({ kind: 'allowed-by-rule', policy: 'x/allow-b', direction: 'ingress', rule: 0 });
  });

  test('a policy with an empty rule list only isolates', () => {
    const r = engine(base(), [denyIngress('x')]).evaluate('x/b', 'x/a', 80);
    expect(r.ingress).toMatchObject({ kind: 'isolated', allowed: false, isolatedBy: ['x/deny-ingress'] });
  });

  test('both ends must allow: a client-side egress deny wins over a server-side allow', () => {
    const allowAllIn = policy('y/allow-all-in', { podSelector: {}, ingress: [{}] });
    const e = engine(base(), [denyEgress('x', { matchLabels: { app: 'a' } }), allowAllIn]);
    const r = e.evaluate('x/a', 'y/a', 80);
    expect(r.allowed).toBe(false);
    expect(r.ingress.allowed).toBe(true);
    expect(r.egress).toMatchObject({ kind: 'isolated', isolatedBy: ['x/deny-egress'] });
    expect(r.reason).toMatch(/^denied on TCP\/80: egress from x\/a is isolated by x\/deny-egress/);
  });

  test('connections are judged by who initiates them: the reverse direction is its own question', () => {
    const e = engine(base(), [denyIngress('x', { matchLabels: { app: 'a' } })]);
    expect(allowed(e, 'x/a', 'x/b')).toBe(true);
    expect(allowed(e, 'x/b', 'x/a')).toBe(false);
  });

  test("traffic from the pod's own node is always allowed in, by its address or a host-network pod on it", () => {
    const e = engine(base(), [denyIngress('x')]);
    const r = e.evaluate({ ip: '10.20.0.1' }, 'x/a', 80);
    expect(r).toMatchObject({ allowed: true, ingress: { kind: 'own-node', node: '10.20.0.1' } });
    expect(allowed(e, 'kube-system/agent-n1', 'x/a')).toBe(true);
    // Another node is just another address: isolated.
    expect(allowed(e, { ip: '10.20.0.2' }, 'x/a')).toBe(false);
    expect(allowed(e, 'kube-system/agent-n2', 'x/a')).toBe(false);
  });

  test('host-network pods are node traffic: never isolated, never matched by selectors', () => {
    const selectAgents = policy('kube-system/deny-agents', { podSelector: { matchLabels: { app: 'agent' } }, policyTypes: ['Ingress', 'Egress'] });
    const fromAnyPod = policy('x/from-any-pod', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });
    const e = engine(base(), [selectAgents, fromAnyPod]);
    const toAgent = e.evaluate('x/b', 'kube-system/agent-n2', 80);
    expect(toAgent).toMatchObject({ allowed: true, ingress: { kind: 'not-a-pod' } });
    expect(e.evaluate('kube-system/agent-n1', 'y/a', 80).egress.kind).toBe('not-a-pod');
    // namespaceSelector {} matches every pod, but not the host-network agent on another node.
    expect(allowed(e, 'kube-system/agent-n2', 'x/a')).toBe(false);
    expect(allowed(e, 'kube-system/coredns', 'x/a')).toBe(true);
  });

  test('loopback is undefined, never true or false; the matrix reports it as undefined too', () => {
    const e = engine(base(), [denyIngress('x')]);
    const r = e.evaluate('x/a', { ip: '10.1.0.1' }, 80);
    expect(r.allowed).toBe('undefined');
    expect(r.reason).toMatch(/^undefined: loopback/);
    const m = e.matrix(80);
    const a = m.pods.indexOf('x/a');
    expect(m.allowed(a, a)).toBe('undefined');
    // Two host-network pods on one node share an address: also loopback.
    const twoOnN1 = cluster({
      pods: [
        { id: 'k/h1', ip: '10.20.0.1', hostNetwork: true, nodeName: 'n1' },
        { id: 'k/h2', ip: '10.20.0.1', hostNetwork: true, nodeName: 'n1' },
      ],
    });
    const m2 = engine(twoOnN1, []).matrix(80);
    expect(m2.allowed(0, 1)).toBe('undefined');
    expect(m2.countAllowed()).toBe(0);
  });
});

describe('rules: ports AND peers, entries OR', () => {
  const rule = policy('x/rule', {
    podSelector: { matchLabels: { app: 'a' } },
    ingress: [
      { from: [{ podSelector: { matchLabels: { app: 'b' } } }, { namespaceSelector: { matchLabels: { team: 'blue' } } }], ports: [{ port: 80 }, { port: 443 }] },
      { from: [{ podSelector: { matchLabels: { app: 'c' } } }], ports: [{ port: 5432 }] },
    ],
  });
  const e = engine(base(), [rule]);

  test('ports and from are ANDed within a rule', () => {
    expect(allowed(e, 'x/b', 'x/a', 80)).toBe(true);
    expect(allowed(e, 'x/b', 'x/a', 81)).toBe(false);
    expect(allowed(e, 'x/c', 'x/a', 80)).toBe(false);
  });

  test('entries within ports are ORed, entries within from are ORed', () => {
    expect(allowed(e, 'x/b', 'x/a', 443)).toBe(true);
    expect(allowed(e, 'y/a', 'x/a', 443)).toBe(true);
  });

  test('several rules are ORed, and the reason names the rule that matched', () => {
    const r = e.evaluate('x/c', 'x/a', 5432);
    expect(r.ingress).toMatchObject({ policy: 'x/rule', rule: 1 });
    expect(r.reason).toContain('ingress allowed by x/rule ingress[1]');
  });

  test('ports absent or [] match every port and protocol', () => {
    for (const ports of [undefined, []]) {
      const p = policy('x/all-ports', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], ...(ports ? { ports } : {}) }] });
      const e2 = engine(base(), [p]);
      expect(allowed(e2, 'x/b', 'x/a', 9999, 'SCTP')).toBe(true);
      expect(allowed(e2, 'x/b', 'x/a', 53, 'UDP')).toBe(true);
    }
  });

  test('from absent or [] matches every source, external addresses included; `ingress: [{}]` allows all', () => {
    const e2 = engine(base(), [policy('x/allow-all', { podSelector: {}, ingress: [{}] })]);
    expect(allowed(e2, EXT, 'x/a', 22)).toBe(true);
    const e3 = engine(base(), [policy('x/allow-80', { podSelector: {}, ingress: [{ from: [], ports: [{ port: 80 }] }] })]);
    expect(allowed(e3, EXT, 'x/a', 80)).toBe(true);
    expect(allowed(e3, EXT, 'x/a', 22)).toBe(false);
  });

  test('`ingress: []` allows nothing, not even external addresses', () => {
    const e2 = engine(base(), [policy('x/none', { podSelector: {}, ingress: [], policyTypes: ['Ingress'] })]);
    expect(allowed(e2, EXT, 'x/a', 80)).toBe(false);
    expect(allowed(e2, 'x/b', 'x/a', 80)).toBe(false);
  });
});

describe('peers', () => {
  const peerPolicy = (from: object[]) => engine(base(), [policy('x/p', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from }] })]);
  const sources = ['x/b', 'x/c', 'y/a', 'y/b', 'z/a', 'kube-system/coredns'];
  const reach = (e: ReturnType<typeof peerPolicy>) => sources.filter((s) => allowed(e, s, 'x/a') === true);

  test.each([
    ['{podSelector: S} selects S in the policy namespace only', [{ podSelector: { matchLabels: { app: 'b' } } }], ['x/b']],
    ['{namespaceSelector: N} selects all pods in matching namespaces', [{ namespaceSelector: { matchLabels: { team: 'blue' } } }], ['y/a', 'y/b']],
    ['{namespaceSelector: N, podSelector: S} in one item is AND', [{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: { app: 'b' } } }], ['y/b']],
    ['{namespaceSelector: N}, {podSelector: S} as two items is OR', [{ namespaceSelector: { matchLabels: { team: 'blue' } } }, { podSelector: { matchLabels: { app: 'b' } } }], ['x/b', 'y/a', 'y/b']],
    ['{namespaceSelector: {}, podSelector: S} is S in any namespace', [{ namespaceSelector: {}, podSelector: { matchLabels: { tier: 'db' } } }], ['x/c', 'y/b']],
    ['{namespaceSelector: {}} is every pod in the cluster', [{ namespaceSelector: {} }], sources],
    ['{podSelector: {}} is every pod in the policy namespace', [{ podSelector: {} }], ['x/b', 'x/c']],
    ['{ipBlock} selects addresses, pod IPs included', [{ ipBlock: { cidr: '10.1.1.0/24', except: ['10.1.1.2/32'] } }], ['y/a']],
  ])('%s', (_name, from, expected) => {
    expect(reach(peerPolicy(from))).toEqual(expected);
  });

  test('selector peers never match node addresses, external addresses or Service ClusterIPs', () => {
    const e = peerPolicy([{ namespaceSelector: {} }]);
    expect(allowed(e, { ip: '10.20.0.2' }, 'x/a')).toBe(false);
    expect(allowed(e, EXT, 'x/a')).toBe(false);
    const withSvc = cluster({
      pods: [
        { id: 'x/a', ip: '10.1.0.1', labels: { app: 'a' } },
        { id: 'x/client', ip: '10.1.0.9' },
        { id: 'y/web', ip: '10.1.1.5', labels: { app: 'web' }, ports: [{ port: 8080 }] },
      ],
      services: [{ namespace: 'y', name: 'web', clusterIP: '172.20.0.10', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }],
    });
    // Egress to "pods in y" is about the backend pod, reached through the Service.
    const viaSvc = engine(withSvc, [policy('x/egress-y', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { [NS]: 'y' } } }] }] })]);
    expect(allowed(viaSvc, 'x/client', { ip: '172.20.0.10' }, 80)).toBe(true);
  });

  test('namespaceSelector uses namespace labels; kubernetes.io/metadata.name is always there', () => {
    expect(reach(peerPolicy([{ namespaceSelector: { matchLabels: { [NS]: 'z' } } }]))).toEqual(['z/a']);
  });

  test('a misspelt namespace key such as k8s.io/metadata.name matches nothing, and validation warns', () => {
    const spec = { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'k8s.io/metadata.name': 'y' } } }] }] };
    expect(reach(peerPolicy(spec.ingress[0]!.from))).toEqual([]);
    const v = validateNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'x' }, spec });
    expect(v.errors).toEqual([]);
    expect(v.warnings.join('\n')).toContain('did you mean "kubernetes.io/metadata.name"');
  });

  describe('label selector operators', () => {
    const labels = { app: 'web', tier: 'front' };
    test.each([
      ['matchLabels equal', { matchLabels: { app: 'web' } }, true],
      ['matchLabels different value', { matchLabels: { app: 'db' } }, false],
      ['matchLabels missing key', { matchLabels: { env: 'prod' } }, false],
      ['In with the value', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'web'] }] }, true],
      ['In needs the key present', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, false],
      ['NotIn with a listed value', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
      ['NotIn with another value', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] }, true],
      ['NotIn matches a missing key', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, true],
      ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
      ['Exists on a missing key', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, false],
      ['DoesNotExist on a missing key', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, true],
      ['DoesNotExist on a present key', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
      ['matchLabels AND matchExpressions', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, false],
      ['{} matches everything', {}, true],
    ] as const)('%s', (_n, selector, want) => {
      expect(selectorMatches(selector as never, labels)).toBe(want);
    });

    test('NotIn on a label some namespaces lack selects those namespaces (evaluation)', () => {
      // z and kube-system have no `team` label: NotIn [red] selects them and blue y.
      expect(reach(peerPolicy([{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['red'] }] } }]))).toEqual([
        'y/a',
        'y/b',
        'z/a',
        'kube-system/coredns',
      ]);
    });
  });
});

describe('ipBlock', () => {
  const egressTo = (to: object[], podSelector: object = { matchLabels: { app: 'a' } }) =>
    policy(`x/egress-${Math.random().toString(36).slice(2, 7)}`, { podSelector, policyTypes: ['Egress'], egress: [{ to }] });

  test('cidr minus except, for external addresses', () => {
    const e = engine(base(), [egressTo([{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] } }])]);
    expect(allowed(e, 'x/a', { ip: '203.0.113.9' })).toBe(true);
    expect(allowed(e, 'x/a', { ip: '203.0.113.200' })).toBe(false);
    expect(allowed(e, 'x/a', { ip: '198.51.100.1' })).toBe(false);
  });

  test('ipBlock matches pod IPs too (conformance: egress to a server in a CIDR block)', () => {
    const e = engine(base(), [egressTo([{ ipBlock: { cidr: '10.1.1.2/32' } }])]);
    expect(allowed(e, 'x/a', 'y/b')).toBe(true);
    expect(allowed(e, 'x/a', 'y/a')).toBe(false);
    const ingress = engine(base(), [policy('x/in', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.1.1.0/24' } }] }] })]);
    expect(allowed(ingress, 'y/a', 'x/a')).toBe(true);
    expect(allowed(ingress, 'z/a', 'x/a')).toBe(false);
  });

  test('union beats except: another peer, rule or policy allowing the address wins', () => {
    const samePolicy = engine(base(), [egressTo([{ ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.1.2/32'] } }, { ipBlock: { cidr: '10.1.1.2/32' } }])]);
    expect(allowed(samePolicy, 'x/a', 'y/b')).toBe(true);
    const twoPolicies = engine(base(), [egressTo([{ ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.1.2/32'] } }]), egressTo([{ podSelector: {}, namespaceSelector: {} }])]);
    expect(allowed(twoPolicies, 'x/a', 'y/b')).toBe(true);
    const exceptOnly = engine(base(), [egressTo([{ ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.1.2/32'] } }])]);
    expect(allowed(exceptOnly, 'x/a', 'y/b')).toBe(false);
    expect(allowed(exceptOnly, 'x/a', 'y/a')).toBe(true);
  });

  test('a CIDR with host bits set means its network (as the legacy parser reads it)', () => {
    const e = engine(base(), [egressTo([{ ipBlock: { cidr: '10.1.1.77/24' } }])]);
    expect(allowed(e, 'x/a', 'y/b')).toBe(true);
  });

  test('IPv4 blocks never match IPv6 addresses and the reverse', () => {
    const e = engine(base(), [egressTo([{ ipBlock: { cidr: '0.0.0.0/0' } }])]);
    expect(allowed(e, 'x/a', { ip: '2001:db8::1' })).toBe(false);
    const e6 = engine(base(), [egressTo([{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:ff::/48'] } }])]);
    expect(allowed(e6, 'x/a', { ip: '2001:db8::1' })).toBe(true);
    expect(allowed(e6, 'x/a', { ip: '2001:db8:ff::1' })).toBe(false);
    expect(allowed(e6, 'x/a', { ip: '203.0.113.9' })).toBe(false);
  });

  test('NAT caveat: an ipBlock of a Service ClusterIP does not open the Service (policy sees the pod)', () => {
    const inv = cluster({
      pods: [
        { id: 'x/client', ip: '10.1.0.9' },
        { id: 'y/web', ip: '10.1.1.5', labels: { app: 'web' }, ports: [{ port: 8080 }] },
      ],
      services: [{ namespace: 'y', name: 'web', clusterIP: '172.20.0.10', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }],
    });
    const e = engine(inv, [egressTo([{ ipBlock: { cidr: '172.20.0.10/32' } }], {})]);
    const r = e.evaluate('x/client', { ip: '172.20.0.10' }, 80);
    expect(r.allowed).toBe(false);
    expect(r.reason).toContain('y/web');
  });
});

describe('ports, named ports, endPort, protocols', () => {
  test('an ingress named port resolves on the target pod: one name, different numbers per pod', () => {
    const e = engine(base(), [policy('x/http', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] })]);
    expect(allowed(e, 'y/a', 'x/a', 80)).toBe(true);
    expect(allowed(e, 'y/a', 'x/a', 8080)).toBe(false);
    expect(allowed(e, 'y/a', 'x/b', 8080)).toBe(true);
    expect(allowed(e, 'y/a', 'x/b', 80)).toBe(false);
    // x/c has no port named http: the rule matches nothing there, and still isolates it.
    expect(allowed(e, 'y/a', 'x/c', 80)).toBe(false);
  });

  test('an egress named port resolves on the destination pod and never matches an external address', () => {
    const e = engine(base(), [policy('y/egress-http', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] })]);
    expect(allowed(e, 'y/a', 'x/a', 80)).toBe(true);
    expect(allowed(e, 'y/a', 'x/b', 8080)).toBe(true);
    expect(allowed(e, 'y/a', 'x/b', 80)).toBe(false);
    expect(allowed(e, 'y/a', EXT, 80)).toBe(false);
  });

  test('a named port whose container protocol differs matches nothing but still isolates', () => {
    const e = engine(base(), [policy('x/wrong-proto', { podSelector: {}, ingress: [{ ports: [{ protocol: 'TCP', port: 'serve-81-udp' }] }] })]);
    expect(allowed(e, 'y/a', 'x/c', 81, 'TCP')).toBe(false);
    expect(allowed(e, 'y/a', 'x/c', 81, 'UDP')).toBe(false);
    const right = engine(base(), [policy('x/right-proto', { podSelector: {}, ingress: [{ ports: [{ protocol: 'UDP', port: 'serve-81-udp' }] }] })]);
    expect(allowed(right, 'y/a', 'x/c', 81, 'UDP')).toBe(true);
  });

  test('a probe on a port name resolves it on the destination, and fails clearly when it cannot', () => {
    const e = engine(base(), []);
    expect(e.evaluate('y/a', 'x/b', 'http').port).toBe(8080);
    expect(() => e.evaluate('y/a', 'x/c', 'http')).toThrow('port "http" does not name a TCP container port of x/c');
  });

  test('endPort makes an inclusive range; port alone is exact; no port is every port of the protocol', () => {
    const e = engine(base(), [
      policy('x/range', {
        podSelector: {},
        ingress: [{ ports: [{ port: 32000, endPort: 32768 }, { port: 53, protocol: 'UDP' }, { protocol: 'SCTP' }] }],
      }),
    ]);
    expect([31999, 32000, 32500, 32768, 32769].map((p) => allowed(e, 'y/a', 'x/a', p))).toEqual([false, true, true, true, false]);
    expect(allowed(e, 'y/a', 'x/a', 53, 'UDP')).toBe(true);
    expect(allowed(e, 'y/a', 'x/a', 54, 'UDP')).toBe(false);
    expect(allowed(e, 'y/a', 'x/a', 7, 'SCTP')).toBe(true);
  });

  test('a rule for one protocol never opens another, and an SCTP-only policy still isolates TCP', () => {
    const e = engine(base(), [policy('x/sctp', { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] })]);
    expect(allowed(e, 'y/a', 'x/a', 80, 'SCTP')).toBe(true);
    expect(allowed(e, 'y/a', 'x/a', 80, 'TCP')).toBe(false);
    expect(allowed(e, 'y/a', 'x/a', 80, 'UDP')).toBe(false);
  });
});

describe('default-deny and allow-all patterns', () => {
  const patterns = {
    denyIngress: policy('x/deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
    denyEgress: policy('x/deny-egress', { podSelector: {}, policyTypes: ['Egress'] }),
    denyBoth: policy('x/deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    allowIngress: policy('x/allow-ingress', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] }),
    allowEgress: policy('x/allow-egress', { podSelector: {}, egress: [{}], policyTypes: ['Egress'] }),
  };
  const io = (...ps: (typeof patterns)[keyof typeof patterns][]) => {
    const e = engine(base(), ps);
    return { in: allowed(e, 'y/a', 'x/a'), out: allowed(e, 'x/a', 'y/a'), inside: allowed(e, 'x/a', 'x/b') };
  };

  test.each([
    ['deny all ingress', [patterns.denyIngress], { in: false, out: true, inside: false }],
    ['deny all egress', [patterns.denyEgress], { in: true, out: false, inside: false }],
    ['deny both', [patterns.denyBoth], { in: false, out: false, inside: false }],
    ['allow all ingress overrides a deny', [patterns.denyBoth, patterns.allowIngress], { in: true, out: false, inside: false }],
    ['allow all egress overrides a deny', [patterns.denyBoth, patterns.allowEgress], { in: false, out: true, inside: false }],
    ['allow both overrides deny both', [patterns.denyBoth, patterns.allowIngress, patterns.allowEgress], { in: true, out: true, inside: true }],
  ] as const)('%s', (_n, set, want) => {
    expect(io(...set)).toEqual(want);
  });

  test('no cluster-wide default deny: a namespace policy leaves other namespaces open', () => {
    const e = engine(base(), [patterns.denyBoth]);
    expect(allowed(e, 'y/a', 'z/a')).toBe(true);
  });

  test('quarantine implication: a deny policy cannot take back what another policy allows', () => {
    const allowFromY = policy('x/allow-from-y', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS]: 'y' } } }] }] });
    const quarantine = policy('x/quarantine-a', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Ingress', 'Egress'] });
    const e = engine(base(), [allowFromY, quarantine]);
    expect(allowed(e, 'y/a', 'x/a')).toBe(true);
    // ...but it does isolate the direction that had no policy.
    expect(allowed(e, 'x/a', 'y/a')).toBe(false);
  });
});

describe('DNS egress', () => {
  const dnsRule = {
    to: [{ namespaceSelector: { matchLabels: { [NS]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
  };

  test('a default-deny egress policy blocks DNS', () => {
    const e = engine(base(), [denyEgress('x')]);
    expect(allowed(e, 'x/a', 'kube-system/coredns', 53, 'UDP')).toBe(false);
  });

  test('the recommended rule opens UDP and TCP 53 to the cluster DNS pods only', () => {
    const e = engine(base(), [denyEgress('x'), policy('x/allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [dnsRule] })]);
    expect(allowed(e, 'x/a', 'kube-system/coredns', 53, 'UDP')).toBe(true);
    expect(allowed(e, 'x/a', 'kube-system/coredns', 53, 'TCP')).toBe(true);
    expect(allowed(e, 'x/a', { ip: '8.8.8.8' }, 53, 'UDP')).toBe(false);
    expect(allowed(e, 'x/a', 'kube-system/coredns', 'dns', 'UDP')).toBe(true);
  });

  test('a port-only DNS rule allows 53 to any resolver, external ones included, and validation says so', () => {
    const spec = { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }] };
    const e = engine(base(), [policy('x/port-only-dns', spec)]);
    expect(allowed(e, 'x/a', { ip: '8.8.8.8' }, 53, 'UDP')).toBe(true);
    const v = validateNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'x' }, spec });
    expect(v.warnings.join('\n')).toContain('spec.egress[0]: allows port 53 to any destination');
  });

  test('NodeLocal DNSCache on the node needs an ipBlock', () => {
    const withoutBlock = engine(base(), [denyEgress('x'), policy('x/allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [dnsRule] })]);
    expect(allowed(withoutBlock, 'x/a', { ip: '169.254.20.10' }, 53, 'UDP')).toBe(false);
    const withBlock = engine(base(), [
      denyEgress('x'),
      policy('x/allow-nodelocal', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '169.254.20.10/32' } }], ports: [{ protocol: 'UDP', port: 53 }] }] }),
    ]);
    expect(allowed(withBlock, 'x/a', { ip: '169.254.20.10' }, 53, 'UDP')).toBe(true);
  });
});

describe('other simulator notes', () => {
  const inv = () =>
    cluster({
      pods: [
        { id: 'x/client', ip: '10.1.0.9' },
        { id: 'y/web-1', ip: '10.1.1.5', labels: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
        { id: 'y/web-2', ip: '10.1.1.6', labels: { app: 'web', canary: 'true' }, ports: [{ name: 'http', port: 8081 }] },
      ],
      nodes: [{ name: 'n1', ip: '10.20.0.1' }],
      services: [
        { namespace: 'y', name: 'web', clusterIP: '172.20.0.10', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
        { namespace: 'y', name: 'web-fixed', clusterIP: '172.20.0.11', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      ],
    });

  test('a Service is evaluated on each backend pod, on the resolved targetPort', () => {
    const allow = policy('y/allow-http', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] });
    const r = engine(inv(), [allow]).evaluate('x/client', { ip: '172.20.0.10' }, 80);
    expect(r.allowed).toBe(true);
    expect(r.backends!.map((b) => [b.to.label, b.port])).toEqual([
      ['y/web-1', 8080],
      ['y/web-2', 8081],
    ]);
    expect(engine(inv(), [allow]).evaluate('x/client', { service: 'y/web' }, 'http').allowed).toBe(true);
  });

  test('a Service is allowed only when every backend is; the reason names the denied ones', () => {
    const only8080 = policy('y/only-8080', { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] });
    const r = engine(inv(), [only8080]).evaluate('x/client', { ip: '172.20.0.10' }, 80);
    expect(r.allowed).toBe(false);
    expect(r.reason).toContain('1 of 2 backends denied (y/web-2)');
    // The policy port is the container port: allowing the Service port 80 opens nothing.
    const port80 = policy('y/port-80', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
    expect(engine(inv(), [port80]).evaluate('x/client', { service: 'y/web-fixed' }, 80).allowed).toBe(false);
  });

  test('a Service port that does not exist is an error, not a deny', () => {
    expect(() => engine(inv(), []).evaluate('x/client', { service: 'y/web' }, 443)).toThrow('service y/web has no TCP port 443');
  });

  test('egress to node addresses (API server, kubelet) and IMDS needs an explicit ipBlock', () => {
    const deny = policy('x/deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
    const toNodes = policy('x/to-nodes', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }, { ipBlock: { cidr: '169.254.169.254/32' } }], ports: [{ port: 443 }, { port: 80 }] }],
    });
    expect(allowed(engine(inv(), [deny]), 'x/client', { ip: '10.20.0.1' }, 443)).toBe(false);
    expect(allowed(engine(inv(), [deny]), 'x/client', { ip: '169.254.169.254' }, 80)).toBe(false);
    expect(allowed(engine(inv(), [deny, toNodes]), 'x/client', { ip: '10.20.0.1' }, 443)).toBe(true);
    expect(allowed(engine(inv(), [deny, toNodes]), 'x/client', { ip: '169.254.169.254' }, 80)).toBe(true);
  });

  test('unknown endpoints are errors that name the problem', () => {
    const e = engine(inv(), []);
    expect(() => e.evaluate('x/nope', 'x/client', 80)).toThrow('pod x/nope is not in the cluster inventory');
    expect(() => e.evaluate({ ip: '300.1.1.1' }, 'x/client', 80)).toThrow('"300.1.1.1" is neither ns/pod nor an IP address');
    expect(() => e.evaluate({ service: 'y/web' }, 'x/client', 80)).toThrow('cannot be a source');
  });
});
