/**
 * The upstream conformance cases (kubernetes test/e2e/network/netpol/network_policy.go) as
 * truth tables over the full model (x, y, z × a, b, c). Each case states the expected table
 * the way upstream does (everything reachable, then the exceptions) and checks both the
 * explaining evaluator and the fast matrix against it, loopback ignored as upstream does.
 */
import type { Protocol } from '#shared/netpol-api/types';
import type { NetworkPolicy } from '#shared/netpol-api/types';
import { Reachability, compare, e2eInventory, gen } from './e2e-model';

const NS_LABEL = 'kubernetes.io/metadata.name';

interface Case {
  name: string;
  policies: NetworkPolicy[];
  port: number;
  protocol?: Protocol;
  expect: Reachability;
  inventory?: ReturnType<typeof e2eInventory>;
}

const allowAllReach = () => new Reachability();
const nsY = { namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } } };
const podA = { matchLabels: { pod: 'a' } };

const cases: Case[] = [
  {
    name: "should support a 'default-deny-ingress' policy",
    policies: [gen('deny-ingress', 'x', {}, { ingress: [] })],
    port: 80,
    expect: new Reachability().expectPeer({}, { namespace: 'x' }, false),
  },
  {
    name: "should support a 'default-deny-all' policy",
    policies: [gen('deny-all', 'x', {}, { ingress: [], egress: [] })],
    port: 80,
    expect: new Reachability().expectPeer({}, { namespace: 'x' }, false).expectPeer({ namespace: 'x' }, {}, false),
  },
  {
    name: 'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    policies: [gen('x-a-allows-x-b', 'x', podA, { ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
  },
  {
    name: 'should enforce policy to allow ingress traffic for a target',
    policies: [
      gen('deny-all', 'x', {}, { ingress: [] }),
      gen('allow-all-to-a', 'x', podA, { ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] }),
    ],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', true).expectAllIngress('x/b', false).expectAllIngress('x/c', false),
  },
  {
    name: 'should enforce policy to allow ingress traffic from pods in all namespaces',
    policies: [gen('allow-from-another-ns', 'x', podA, { ingress: [{ from: [{ namespaceSelector: { matchLabels: {} } }] }] })],
    port: 80,
    expect: allowAllReach(),
  },
  {
    name: 'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    policies: [gen('allow-client-a-via-ns-selector', 'x', podA, { ingress: [{ from: [nsY] }] })],
    port: 80,
    expect: new Reachability().expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false),
  },
  {
    name: 'should enforce policy based on PodSelector with MatchExpressions',
    policies: [
      gen('x-a-allows-x-b', 'x', podA, {
        ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }],
      }),
    ],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
  },
  {
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions',
    policies: [
      gen('allow-ns-y-match-selector', 'x', podA, {
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'In', values: ['y'] }] } }] }],
      }),
    ],
    port: 80,
    expect: new Reachability().expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false),
  },
  {
    name: 'should enforce policy based on PodSelector or NamespaceSelector',
    policies: [
      gen('allow-ns-y-match-selector', 'x', podA, {
        ingress: [
          {
            from: [
              { namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'NotIn', values: ['x'] }] } },
              { podSelector: { matchLabels: { pod: 'b' } } },
            ],
          },
        ],
      }),
    ],
    port: 80,
    expect: new Reachability().expect('x/a', 'x/a', false).expect('x/c', 'x/a', false),
  },
  {
    name: 'should enforce policy based on PodSelector and NamespaceSelector',
    policies: [
      gen('allow-ns-y-podselector-and-nsselector', 'x', podA, {
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'NotIn', values: ['x'] }] },
                podSelector: { matchLabels: { pod: 'b' } },
              },
            ],
          },
        ],
      }),
    ],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false).expect('y/b', 'x/a', true).expect('z/b', 'x/a', true),
  },
  {
    name: 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    policies: [
      gen('allow-ns-y-z-pod-b-c', 'x', podA, {
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'NotIn', values: ['x'] }] },
                podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
              },
            ],
          },
        ],
      }),
    ],
    port: 80,
    expect: new Reachability()
      .expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false)
      .expect('y/a', 'x/a', false)
      .expect('z/a', 'x/a', false),
  },
  {
    name: 'should enforce policy based on any PodSelectors',
    policies: [
      gen('allow-ns-x-pod-b-c', 'x', podA, {
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }, { podSelector: { matchLabels: { pod: 'c' } } }] }],
      }),
    ],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expect('x/c', 'x/a', true),
  },
  {
    name: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    policies: [gen('allow-ns-y-pod-a-via-namespace-pod-selector', 'x', podA, { ingress: [{ from: [{ ...nsY, podSelector: podA }] }] })],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false).expect('y/a', 'x/a', true),
  },
  {
    name: 'should enforce policy based on Ports',
    policies: [gen('allow-client-a-via-ns-selector', 'x', podA, { ingress: [{ from: [nsY], ports: [{ port: 81, protocol: 'TCP' }] }] })],
    port: 81,
    expect: new Reachability()
      .expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false)
      .expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true)
      .expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false),
  },
  ...(() => {
    const allow81 = gen('allow-client-a-via-ns-selector', 'x', podA, { ingress: [{ from: [nsY], ports: [{ port: 81, protocol: 'TCP' }] }] });
    const allow80 = gen('allow-client-a-via-ns-selector-80', 'x', podA, { ingress: [{ from: [nsY], ports: [{ port: 80, protocol: 'TCP' }] }] });
    const allowTable = () =>
      new Reachability()
        .expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false)
        .expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true)
        .expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
    return [
      { name: 'should enforce multiple, stacked policies with overlapping podSelectors (81 allowed)', policies: [allow81], port: 81, expect: allowTable() },
      { name: 'should enforce multiple, stacked policies with overlapping podSelectors (80 denied)', policies: [allow81], port: 80, expect: new Reachability().expectAllIngress('x/a', false) },
      { name: 'should enforce multiple, stacked policies with overlapping podSelectors (80 unblocked)', policies: [allow81, allow80], port: 80, expect: allowTable() },
    ];
  })(),
  {
    name: 'should support allow-all policy (80)',
    policies: [gen('allow-all', 'x', {}, { ingress: [{}] })],
    port: 80,
    expect: allowAllReach(),
  },
  {
    name: 'should support allow-all policy (81)',
    policies: [gen('allow-all', 'x', {}, { ingress: [{}] })],
    port: 81,
    expect: allowAllReach(),
  },
  {
    name: 'should allow ingress access on one named port (81 open)',
    policies: [gen('allow-all', 'x', {}, { ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    port: 81,
    expect: allowAllReach(),
  },
  {
    name: 'should allow ingress access on one named port (80 blocked)',
    policies: [gen('allow-all', 'x', {}, { ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    port: 80,
    expect: new Reachability().expectPeer({}, { namespace: 'x' }, false),
  },
  {
    name: 'should allow ingress access from namespace on one named port (80)',
    policies: [gen('allow-client-a-via-ns-selector-80', 'x', podA, { ingress: [{ from: [nsY], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }] })],
    port: 80,
    expect: new Reachability().expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false),
  },
  {
    name: 'should allow ingress access from namespace on one named port (81 blocked for all)',
    policies: [gen('allow-client-a-via-ns-selector-80', 'x', podA, { ingress: [{ from: [nsY], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }] })],
    port: 81,
    expect: new Reachability().expectAllIngress('x/a', false),
  },
  {
    name: 'should allow egress access on one named port (80)',
    policies: [gen('allow-egress', 'x', {}, { egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
    port: 80,
    expect: allowAllReach(),
  },
  {
    name: 'should allow egress access on one named port (81 blocked)',
    policies: [gen('allow-egress', 'x', {}, { egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
    port: 81,
    expect: new Reachability().expectPeer({ namespace: 'x' }, {}, false),
  },
  {
    name: 'should enforce updated policy (allow all)',
    policies: [gen('allow-all-mutate-to-deny-all', 'x', {}, { ingress: [{}] })],
    port: 81,
    expect: allowAllReach(),
  },
  {
    name: 'should enforce updated policy (updated to deny all)',
    policies: [gen('allow-all-mutate-to-deny-all', 'x', {}, { ingress: [] })],
    port: 81,
    expect: new Reachability().expectPeer({}, { namespace: 'x' }, false),
  },
  {
    name: 'should allow ingress access from updated namespace (before the label)',
    policies: [gen('allow-client-a-via-ns-selector', 'x', podA, { ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }] })],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false),
  },
  {
    name: 'should allow ingress access from updated namespace (after the label)',
    inventory: e2eInventory({ nsLabels: { y: { ns2: 'updated' } } }),
    policies: [gen('allow-client-a-via-ns-selector', 'x', podA, { ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }] })],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false).expectPeer({ namespace: 'y' }, {}, true),
  },
  {
    name: 'should allow ingress access from updated pod (after the label)',
    inventory: e2eInventory({ podLabels: { 'x/b': { pod2: 'updated' } } }),
    policies: [gen('allow-client-a-via-pod-selector', 'x', podA, { ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }] })],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
  },
  {
    name: 'should allow ingress access from updated pod (before the label)',
    policies: [gen('allow-client-a-via-pod-selector', 'x', podA, { ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }] })],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false),
  },
  {
    name: 'should deny ingress from pods on other namespaces',
    policies: [gen('deny-empty-policy', 'x', {}, { ingress: [{ from: [{ podSelector: { matchLabels: {} } }] }] })],
    port: 80,
    expect: new Reachability().expectPeer({ namespace: 'y' }, { namespace: 'x' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x' }, false),
  },
  {
    name: 'should deny ingress access to updated pod (after the label)',
    inventory: e2eInventory({ podLabels: { 'x/a': { target: 'isolated' } } }),
    policies: [gen('deny-ingress-via-label-selector', 'x', { matchLabels: { target: 'isolated' } }, { ingress: [] })],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false),
  },
  {
    name: 'should deny egress from pods based on PodSelector',
    policies: [gen('deny-egress-pod-a', 'x', podA, { egress: [] })],
    port: 80,
    expect: new Reachability().expectAllEgress('x/a', false),
  },
  {
    name: 'should deny egress from all pods in a namespace',
    policies: [gen('deny-egress-ns-x', 'x', {}, { egress: [] })],
    port: 80,
    expect: new Reachability().expectPeer({ namespace: 'x' }, {}, false),
  },
  ...(() => {
    const policy = gen('allow-client-a-via-pod-selector', 'x', podA, {
      ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
      egress: [{ ports: [{ port: 80 }] }],
    });
    return [
      {
        name: 'should work with Ingress, Egress specified together (80)',
        policies: [policy],
        port: 80,
        expect: new Reachability().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
      },
      {
        name: 'should work with Ingress, Egress specified together (81)',
        policies: [policy],
        port: 81,
        expect: new Reachability().expectAllIngress('x/a', false).expectAllEgress('x/a', false).expect('x/b', 'x/a', true),
      },
    ];
  })(),
  {
    name: 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    policies: [
      gen('allow-to-ns-y-pod-a', 'x', podA, { egress: [{ to: [{ ...nsY, podSelector: podA }] }] }),
      gen('allow-from-xa-on-ya-match-selector', 'y', podA, {
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'x' } }, podSelector: podA }] }],
      }),
      gen('allow-from-xa-on-yb-match-selector', 'y', { matchLabels: { pod: 'b' } }, {
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'x' } }, podSelector: podA }] }],
      }),
    ],
    port: 80,
    expect: new Reachability()
      .expectPeer({ namespace: 'x', pod: 'a' }, {}, false)
      .expectPeer({}, { namespace: 'y', pod: 'a' }, false)
      .expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y', pod: 'a' }, true)
      .expectPeer({}, { namespace: 'y', pod: 'b' }, false),
  },
  {
    name: 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    policies: [gen('allow-to-ns-y-pod-a', 'x', podA, { egress: [{ to: [{ ...nsY, podSelector: podA }] }] })],
    port: 80,
    expect: new Reachability().expectAllEgress('x/a', false).expect('x/a', 'y/a', true),
  },
  {
    name: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol (TCP)',
    policies: [gen('allow-ingress-by-proto', 'x', podA, { ingress: [{ ports: [{ protocol: 'TCP' }] }] })],
    port: 80,
    expect: allowAllReach(),
  },
  {
    name: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol (UDP denied)',
    policies: [gen('allow-ingress-by-proto', 'x', podA, { ingress: [{ ports: [{ protocol: 'TCP' }] }] })],
    port: 80,
    protocol: 'UDP',
    expect: new Reachability().expectPeer({}, { namespace: 'x', pod: 'a' }, false),
  },
  {
    name: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence (before)',
    policies: [gen('allow-ingress-port-80', 'x', {}, { ingress: [{ ports: [{ port: 80 }] }] })],
    port: 81,
    expect: new Reachability().expectPeer({}, { namespace: 'x' }, false),
  },
  {
    name: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence (after)',
    policies: [gen('allow-ingress-port-80', 'x', {}, { ingress: [{ ports: [{ port: 80 }] }] }), gen('allow-ingress', 'x', {}, { ingress: [{}] })],
    port: 81,
    expect: allowAllReach(),
  },
  {
    name: 'should enforce multiple egress policies with egress allow-all policy taking precedence (before)',
    policies: [gen('allow-egress-port-80', 'x', {}, { egress: [{ ports: [{ port: 80 }] }] })],
    port: 81,
    expect: new Reachability().expectPeer({ namespace: 'x' }, {}, false),
  },
  {
    name: 'should enforce multiple egress policies with egress allow-all policy taking precedence (after)',
    policies: [gen('allow-egress-port-80', 'x', {}, { egress: [{ ports: [{ port: 80 }] }] }), gen('allow-egress', 'x', {}, { egress: [{}] })],
    port: 81,
    expect: allowAllReach(),
  },
  {
    name: 'should stop enforcing policies after they are deleted (while present)',
    policies: [gen('deny-all', 'x', {}, { ingress: [], egress: [] })],
    port: 80,
    expect: new Reachability().expectPeer({ namespace: 'x' }, {}, false).expectPeer({}, { namespace: 'x' }, false),
  },
  {
    name: 'should stop enforcing policies after they are deleted (deleted)',
    policies: [],
    port: 80,
    expect: allowAllReach(),
  },
  {
    name: 'should allow egress access to server in CIDR block',
    policies: [gen('allow-client-a-via-cidr-egress-rule', 'x', podA, { egress: [{ to: [{ ipBlock: { cidr: '10.0.2.2/32' } }] }] })],
    port: 80,
    expect: new Reachability().expectAllEgress('x/a', false).expect('x/a', 'y/b', true),
  },
  {
    name: 'should enforce except clause while egress access to server in CIDR block',
    // makeLargeCIDRForIP: the /4 around the pod IP, except the pod's own /32.
    policies: [gen('allow-client-a-via-cidr-egress-rule', 'x', podA, { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/4', except: ['10.0.1.2/32'] } }] }] })],
    port: 80,
    expect: new Reachability().expect('x/a', 'x/b', false),
  },
  {
    name: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (after the update)',
    policies: [gen('allow-client-a-via-cidr-egress-rule', 'x', podA, { egress: [{ to: [{ ipBlock: { cidr: '10.0.1.2/32' } }] }] })],
    port: 80,
    expect: new Reachability().expectAllEgress('x/a', false).expect('x/a', 'x/b', true),
  },
  {
    name: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    policies: [gen('allow-egress-for-target', 'x', podA, { egress: [{}] }), gen('deny-ingress-via-label-selector', 'x', podA, { ingress: [] })],
    port: 80,
    expect: new Reachability().expectAllIngress('x/a', false),
  },
  {
    name: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    policies: [
      gen('deny-ingress', 'x', {}, { ingress: [] }),
      gen('allow-only-sctp-ingress-on-port-81', 'x', podA, { ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] }),
    ],
    port: 81,
    expect: new Reachability().expectPeer({}, { namespace: 'x' }, false),
  },
  {
    name: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    policies: [gen('allow-only-sctp-ingress-on-port-80', 'x', podA, { ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] })],
    port: 81,
    expect: new Reachability().expectAllIngress('x/a', false),
  },
  {
    name: 'should not allow access by TCP when a policy specifies only UDP',
    policies: [gen('allow-only-udp-ingress-on-port-81', 'x', podA, { ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] })],
    port: 81,
    expect: new Reachability().expectAllIngress('x/a', false),
  },
  {
    name: 'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    policies: [gen('allow-client-a-via-ns-selector-for-immutable-ns-label', 'x', podA, { ingress: [{ from: [nsY] }] })],
    port: 80,
    expect: new Reachability().expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false),
  },
  {
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    policies: [
      gen('allow-ns-y-match-selector-for-immutable-ns-label', 'x', podA, {
        egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'NotIn', values: ['y'] }] } }] }],
      }),
    ],
    port: 80,
    expect: new Reachability().expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y' }, false),
  },
  // UDP and SCTP variants of the suite.
  ...(['UDP', 'SCTP'] as const).flatMap((protocol) => [
    {
      name: `${protocol}: should support a 'default-deny-ingress' policy`,
      policies: [gen('deny-all', 'x', {}, { ingress: [] })],
      port: 80,
      protocol,
      expect: new Reachability().expectPeer({}, { namespace: 'x' }, false),
    },
    {
      name: `${protocol}: should enforce policy based on Ports`,
      policies: [gen('allow-ingress-on-port-81-ns-x', 'x', podA, { ingress: [{ from: [nsY], ports: [{ port: 81, protocol }] }] })],
      port: 81,
      protocol,
      expect: new Reachability().expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false),
    },
    {
      name: `${protocol}: should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector`,
      policies: [gen('allow-ns-y-pod-a-via-namespace-pod-selector', 'x', podA, { ingress: [{ from: [{ ...nsY, podSelector: podA }] }] })],
      port: 80,
      protocol,
      expect: new Reachability().expectAllIngress('x/a', false).expect('y/a', 'x/a', true),
    },
  ]),
];

describe('upstream e2e NetworkPolicy suite as truth tables (x, y, z × a, b, c; 80/81 over TCP, UDP, SCTP)', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { mismatches, table } = compare(c.inventory ?? e2eInventory(), c.policies, c.port, c.protocol ?? 'TCP', c.expect);
    if (mismatches.length) throw new Error(`${mismatches.join('\n')}\n\nobserved (. allowed, X denied, ! wrong):\n${table}`);
    expect(mismatches).toEqual([]);
  });

  test('the suite covers every protocol and both ports', () => {
    expect(new Set(cases.map((c) => c.protocol ?? 'TCP'))).toEqual(new Set(['TCP', 'UDP', 'SCTP']));
    expect(new Set(cases.map((c) => c.port))).toEqual(new Set([80, 81]));
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });
});
