/**
 * ClusterNetworkPolicy and ApplicationNetworkPolicy semantics, one test per rule, each citing
 * where the rule comes from:
 * - [CNP-EKS] github.com/aws/amazon-network-policy-controller-k8s api/v1alpha1/clusternetworkpolicy_types.go
 *   and config/crd/bases/networking.k8s.aws_clusternetworkpolicies.yaml;
 * - [ANP-EKS] the same repository, api/v1alpha1/applicationnetworkpolicy_types.go;
 * - [CNP-UP] github.com/kubernetes-sigs/network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go
 *   (Tier, Priority, Action, peer doc comments);
 * - [NP] k8s.io/api networking/v1 types.go (NetworkPolicy isolation and own-node ingress).
 */
import { domainMatches } from '#shared/netpol-api/cluster-types';
import { allowed, anp, cluster, cnp, engine, policy } from './factories';

const NS = 'kubernetes.io/metadata.name';

function base() {
  return cluster({
    namespaces: [{ name: 'shop', labels: { env: 'prod' } }, { name: 'dev', labels: { env: 'dev' } }, 'kube-system'],
    pods: [
      { id: 'shop/web', ip: '10.1.0.1', nodeName: 'n1', hostIP: '10.20.0.1', labels: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
      { id: 'shop/db', ip: '10.1.0.2', nodeName: 'n2', hostIP: '10.20.0.2', labels: { app: 'db', quarantine: 'true' }, ports: [{ name: 'pg', port: 5432 }] },
      { id: 'dev/tool', ip: '10.1.1.1', nodeName: 'n1', hostIP: '10.20.0.1', labels: { app: 'tool' } },
      { id: 'kube-system/coredns', ip: '10.1.3.1', labels: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
      { id: 'kube-system/agent-n1', ip: '10.20.0.1', hostNetwork: true, nodeName: 'n1', hostIP: '10.20.0.1', labels: { app: 'agent' } },
    ],
    nodes: [
      { name: 'n1', ip: '10.20.0.1' },
      { name: 'n2', ip: '10.20.0.2' },
    ],
  });
}

const ALL_NS = { namespaces: {} };
const prodPods = { pods: { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: {} } };
const EXT = { ip: '203.0.113.9' };

describe('tiers and actions', () => {
  test('[CNP-UP Tier] an Admin Deny cannot be overridden by a NetworkPolicy that allows the same traffic', () => {
    const e = engine(base(), [
      cnp('deny-dev', { tier: 'Admin', priority: 10, subject: ALL_NS, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { env: 'dev' } } }] }] }),
      policy('shop/allow-all', { podSelector: {}, ingress: [{}] }),
    ]);
    const r = e.evaluate('dev/tool', 'shop/web', 8080);
    expect(r.allowed).toBe(false);
    expect(r.ingress).toMatchObject({ kind: 'cluster-rule', tier: 'Admin', policy: 'ClusterNetworkPolicy deny-dev', action: 'Deny', rule: 0 });
  });

  test('[CNP-UP Action Accept] an Admin Accept allows even where a NetworkPolicy isolates the pod', () => {
    const e = engine(base(), [
      cnp('accept-dns', { tier: 'Admin', priority: 1, subject: ALL_NS, egress: [{ action: 'Accept', to: [{ pods: { namespaceSelector: { matchLabels: { [NS]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } } }], ports: [{ portNumber: { protocol: 'UDP', port: 53 } }] }] }),
      policy('shop/deny-egress', { podSelector: {}, policyTypes: ['Egress'] }),
    ]);
    expect(allowed(e, 'shop/web', 'kube-system/coredns', 53, 'UDP')).toBe(true);
    expect(e.evaluate('shop/web', 'kube-system/coredns', 53, 'UDP').egress.kind).toBe('cluster-rule');
    // Other ports are not accepted by the rule and fall to the NetworkPolicy, which denies.
    expect(allowed(e, 'shop/web', 'kube-system/coredns', 54, 'UDP')).toBe(false);
  });

  test('[CNP-UP Action Accept, egress] an egress Accept does not bypass the destination ingress', () => {
    const e = engine(base(), [
      cnp('accept-all-egress', { tier: 'Admin', priority: 1, subject: ALL_NS, egress: [{ action: 'Accept', to: [ALL_NS] }] }),
      policy('shop/deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
    ]);
    const r = e.evaluate('dev/tool', 'shop/web', 8080);
    expect(r.allowed).toBe(false);
    expect(r.egress.kind).toBe('cluster-rule');
    expect(r.ingress.kind).toBe('isolated');
    expect(r.reason).toContain('accepted by Admin ClusterNetworkPolicy accept-all-egress');
  });

  test('[CNP-UP Priority] the lower priority value is evaluated first; the first matching rule decides', () => {
    const deny = cnp('deny', { tier: 'Admin', priority: 20, subject: ALL_NS, ingress: [{ action: 'Deny', from: [ALL_NS] }] });
    const accept = cnp('accept', { tier: 'Admin', priority: 10, subject: ALL_NS, ingress: [{ action: 'Accept', from: [prodPods] }] });
    const e = engine(base(), [deny, accept]);
    expect(allowed(e, 'shop/web', 'shop/db')).toBe(true);
    expect(allowed(e, 'dev/tool', 'shop/db')).toBe(false);
    const swapped = engine(base(), [{ ...deny, spec: { ...deny.spec, priority: 5 } }, accept]);
    expect(allowed(swapped, 'shop/web', 'shop/db')).toBe(false);
  });

  test('[CNP-UP Ingress] within one policy, rules are evaluated in the order written', () => {
    const e = engine(base(), [
      cnp('ordered', { tier: 'Admin', priority: 1, subject: ALL_NS, ingress: [{ action: 'Accept', from: [prodPods] }, { action: 'Deny', from: [ALL_NS] }] }),
    ]);
    expect(e.evaluate('shop/web', 'shop/db', 5432).ingress).toMatchObject({ kind: 'cluster-rule', rule: 0, action: 'Accept' });
    expect(e.evaluate('dev/tool', 'shop/db', 5432).ingress).toMatchObject({ kind: 'cluster-rule', rule: 1, action: 'Deny' });
  });

  test('[CNP-UP Action Pass] Pass skips the rest of the Admin tier and hands over to NetworkPolicy', () => {
    const e = engine(base(), [
      cnp('pass-prod', { tier: 'Admin', priority: 1, subject: ALL_NS, ingress: [{ action: 'Pass', from: [prodPods] }] }),
      cnp('deny-all', { tier: 'Admin', priority: 2, subject: ALL_NS, ingress: [{ action: 'Deny', from: [ALL_NS] }] }),
    ]);
    // No NetworkPolicy and no Baseline: passed traffic is allowed by default.
    const r = e.evaluate('shop/web', 'shop/db', 5432);
    expect(r.allowed).toBe(true);
    expect(r.ingress).toMatchObject({ kind: 'not-isolated', passedBy: [{ policy: 'ClusterNetworkPolicy pass-prod', action: 'Pass' }] });
    expect(allowed(e, 'dev/tool', 'shop/db', 5432)).toBe(false);
  });

  test('[CNP-UP Tier] Baseline applies only to pods no NetworkPolicy isolates in that direction', () => {
    const baseline = cnp('default-deny', { tier: 'Baseline', priority: 100, subject: ALL_NS, ingress: [{ action: 'Deny', from: [ALL_NS] }] });
    expect(allowed(engine(base(), [baseline]), 'shop/web', 'shop/db', 5432)).toBe(false);
    const np = policy('shop/db-from-web', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] });
    const e = engine(base(), [baseline, np]);
    expect(e.evaluate('shop/web', 'shop/db', 5432).ingress).toMatchObject({ kind: 'allowed-by-rule', policy: 'shop/db-from-web' });
    // The NetworkPolicy's decision is final for the pods it isolates: Baseline is not consulted.
    expect(e.evaluate('dev/tool', 'shop/db', 5432).ingress.kind).toBe('isolated');
  });

  test('[CNP-UP Tier] with no tier deciding, the default allows', () => {
    const e = engine(base(), [cnp('unrelated', { tier: 'Baseline', priority: 1, subject: ALL_NS, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { env: 'none' } } }] }] })]);
    const r = e.evaluate('dev/tool', 'shop/web', 8080);
    expect(r.allowed).toBe(true);
    expect(r.ingress.text).toContain('default allow');
  });
});

describe('subjects and peers', () => {
  test('[CNP-EKS ClusterNetworkPolicySubject] subject by namespaces selects every pod of those namespaces', () => {
    const e = engine(base(), [cnp('iso-dev', { tier: 'Admin', priority: 1, subject: { namespaces: { matchLabels: { env: 'dev' } } }, egress: [{ action: 'Deny', to: [ALL_NS] }] })]);
    expect(allowed(e, 'dev/tool', 'shop/web', 8080)).toBe(false);
    expect(allowed(e, 'shop/web', 'shop/db', 5432)).toBe(true);
  });

  test('[CNP-EKS NamespacedPod] subject by pods is namespaceSelector AND podSelector (a quarantine label)', () => {
    const quarantine = cnp('quarantine', {
      tier: 'Admin',
      priority: 0,
      subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { quarantine: 'true' } } } },
      ingress: [{ action: 'Deny', from: [ALL_NS] }],
      egress: [{ action: 'Deny', to: [ALL_NS] }, { action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }],
    });
    const e = engine(base(), [quarantine, policy('shop/allow-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] })]);
    expect(allowed(e, 'shop/web', 'shop/db', 5432)).toBe(false);
    expect(allowed(e, 'shop/db', 'shop/web', 8080)).toBe(false);
    expect(allowed(e, 'shop/db', EXT, 443)).toBe(false);
    expect(allowed(e, 'shop/web', 'dev/tool', 80)).toBe(true);
  });

  test('[CNP-UP ClusterNetworkPolicySubject] host-network pods are never subjects', () => {
    const e = engine(base(), [cnp('deny-all-egress', { tier: 'Admin', priority: 1, subject: ALL_NS, egress: [{ action: 'Deny', to: [ALL_NS] }] })]);
    expect(allowed(e, 'kube-system/agent-n1', 'shop/web', 8080)).toBe(true);
    expect(allowed(e, 'kube-system/coredns', 'shop/web', 8080)).toBe(false);
  });

  test('[CNP-UP ClusterNetworkPolicyIngressPeer] ingress peers are pods: node and external sources never match', () => {
    const e = engine(base(), [cnp('deny-in', { tier: 'Admin', priority: 1, subject: ALL_NS, ingress: [{ action: 'Deny', from: [ALL_NS] }] })]);
    expect(allowed(e, 'kube-system/agent-n1', 'shop/web', 8080)).toBe(true);
    expect(allowed(e, EXT, 'shop/web', 8080)).toBe(true);
    expect(allowed(e, 'dev/tool', 'shop/web', 8080)).toBe(false);
  });

  test('[CNP-UP Networks] networks match external addresses and pod addresses inside the cluster alike', () => {
    const e = engine(base(), [cnp('deny-10', { tier: 'Admin', priority: 1, subject: ALL_NS, egress: [{ action: 'Deny', to: [{ networks: ['10.1.0.0/24', '203.0.113.0/24'] }] }] })]);
    expect(allowed(e, 'dev/tool', 'shop/web', 8080)).toBe(false);
    expect(allowed(e, 'dev/tool', EXT, 443)).toBe(false);
    expect(allowed(e, 'dev/tool', 'kube-system/coredns', 53, 'UDP')).toBe(true);
    expect(allowed(e, 'dev/tool', { ip: '198.51.100.1' }, 443)).toBe(true);
  });

  test('[CNP-UP Nodes] a nodes peer matches the addresses of the nodes its label selector selects', () => {
    const p = cnp('deny-nodes', { tier: 'Admin', priority: 1, subject: ALL_NS, egress: [{ action: 'Deny', to: [{ networks: ['192.0.2.0/24'] }] }] });
    // `nodes` is upstream v1alpha2 (experimental) and not in EKS's CRD, so it is set on the parsed object.
    p.spec.egress![0]!.to = [{ nodes: {} }];
    const e = engine(base(), [p]);
    expect(allowed(e, 'shop/web', { ip: '10.20.0.2' }, 10250)).toBe(false);
    expect(allowed(e, 'shop/web', 'kube-system/agent-n1', 10250)).toBe(false);
    expect(allowed(e, 'shop/web', 'shop/db', 5432)).toBe(true);
    expect(allowed(e, 'shop/web', { ip: '192.0.2.1' }, 10250)).toBe(true);
  });

  test('[CNP-EKS ClusterNetworkPolicyPort] portNumber, portRange (inclusive) and namedPort (resolved on the destination)', () => {
    const deny = (ports: unknown[]) =>
      engine(base(), [cnp('p', { tier: 'Admin', priority: 1, subject: ALL_NS, ingress: [{ action: 'Deny', from: [ALL_NS], ports }] })]);
    expect(allowed(deny([{ portNumber: { port: 8080 } }]), 'dev/tool', 'shop/web', 8080)).toBe(false);
    expect(allowed(deny([{ portNumber: { port: 8080 } }]), 'dev/tool', 'shop/web', 8080, 'UDP')).toBe(true);
    expect(allowed(deny([{ portRange: { start: 8000, end: 8080 } }]), 'dev/tool', 'shop/web', 8080)).toBe(false);
    expect(allowed(deny([{ portRange: { start: 8000, end: 8079 } }]), 'dev/tool', 'shop/web', 8080)).toBe(true);
    expect(allowed(deny([{ namedPort: 'http' }]), 'dev/tool', 'shop/web', 8080)).toBe(false);
    expect(allowed(deny([{ namedPort: 'http' }]), 'dev/tool', 'shop/db', 8080)).toBe(true);
  });
});

describe('ApplicationNetworkPolicy', () => {
  test('[ANP-EKS DomainName] exact names and *. wildcards of one or more whole labels', () => {
    expect(domainMatches('kubernetes.io', 'kubernetes.io')).toBe(true);
    expect(domainMatches('kubernetes.io', 'www.kubernetes.io')).toBe(false);
    expect(domainMatches('*.kubernetes.io', 'www.kubernetes.io')).toBe(true);
    expect(domainMatches('*.kubernetes.io', 'latest.blog.kubernetes.io')).toBe(true);
    expect(domainMatches('*.kubernetes.io', 'kubernetes.io')).toBe(false);
    expect(domainMatches('*.kubernetes.io', 'my-kubernetes.io')).toBe(false);
    expect(domainMatches('API.Stripe.com.', 'api.stripe.com')).toBe(true);
  });

  test('[ANP-EKS Egress] domain-name egress allows the named destination and isolates the pod like a NetworkPolicy', () => {
    const e = engine(base(), [anp('shop/web-egress', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ domainNames: ['*.s3.amazonaws.com'] }], ports: [{ port: 443 }] }] })]);
    const ok = e.evaluate('shop/web', { domain: 'bucket.s3.amazonaws.com', ip: '52.216.1.1' }, 443);
    expect(ok.allowed).toBe(true);
    expect(ok.egress).toMatchObject({ kind: 'allowed-by-rule', policy: 'ApplicationNetworkPolicy shop/web-egress', rule: 0 });
    expect(allowed(e, 'shop/web', { domain: 'evil.example.com', ip: '198.51.100.7' }, 443)).toBe(false);
    // The same address without a name is not matched by a domain peer.
    expect(allowed(e, 'shop/web', { ip: '52.216.1.1' }, 443)).toBe(false);
  });

  test('[ANP-EKS spec] ApplicationNetworkPolicy and NetworkPolicy are additive in one tier', () => {
    const e = engine(base(), [
      anp('shop/names', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ domainNames: ['api.stripe.com'] }] }] }),
      policy('shop/to-db', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }] }),
    ]);
    expect(allowed(e, 'shop/web', { domain: 'api.stripe.com' }, 443)).toBe(true);
    expect(allowed(e, 'shop/web', 'shop/db', 5432)).toBe(true);
    expect(allowed(e, 'shop/web', 'dev/tool', 80)).toBe(false);
    expect(e.evaluate('shop/web', 'dev/tool', 80).egress).toMatchObject({
      kind: 'isolated',
      isolatedBy: ['ApplicationNetworkPolicy shop/names', 'shop/to-db'],
    });
  });

  test('[CNP-EKS domainNames] an Admin Accept by name lets named egress through a Baseline deny', () => {
    const e = engine(base(), [
      cnp('saas', { tier: 'Admin', priority: 5, subject: ALL_NS, egress: [{ action: 'Accept', to: [{ domainNames: ['api.stripe.com'] }] }] }),
      cnp('deny-internet', { tier: 'Baseline', priority: 5, subject: ALL_NS, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] }),
    ]);
    expect(allowed(e, 'shop/web', { domain: 'api.stripe.com', ip: '198.51.100.20' }, 443)).toBe(true);
    expect(allowed(e, 'shop/web', { ip: '198.51.100.20' }, 443)).toBe(false);
  });
});

/**
 * The same probe (dev/tool → shop/db on TCP/5432, ingress side) decided by each tier, as the
 * documented order says it must be: Admin → NetworkPolicy/ApplicationNetworkPolicy → Baseline
 * → default allow ([CNP-UP Tier]).
 */
describe('truth table across tiers', () => {
  const adminDeny = cnp('admin-deny', { tier: 'Admin', priority: 10, subject: prodPods, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { env: 'dev' } } }] }] });
  const adminPass = cnp('admin-pass', { tier: 'Admin', priority: 10, subject: prodPods, ingress: [{ action: 'Pass', from: [{ namespaces: { matchLabels: { env: 'dev' } } }] }] });
  const adminAccept = cnp('admin-accept', { tier: 'Admin', priority: 5, subject: prodPods, ingress: [{ action: 'Accept', from: [{ namespaces: { matchLabels: { env: 'dev' } } }] }] });
  const npAllow = policy('shop/db-from-dev', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } } }] }] });
  const npDeny = policy('shop/db-deny', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] });
  const baselineDeny = cnp('baseline-deny', { tier: 'Baseline', priority: 10, subject: ALL_NS, ingress: [{ action: 'Deny', from: [ALL_NS] }] });
  const baselineAccept = cnp('baseline-accept', { tier: 'Baseline', priority: 1, subject: ALL_NS, ingress: [{ action: 'Accept', from: [ALL_NS] }] });

  test.each([
    ['Admin Deny beats a NetworkPolicy allow', [adminDeny, npAllow], false, { kind: 'cluster-rule', tier: 'Admin', action: 'Deny' }],
    ['Admin Deny beats a Baseline accept', [adminDeny, baselineAccept], false, { kind: 'cluster-rule', tier: 'Admin' }],
    ['Admin Accept beats a NetworkPolicy deny', [adminAccept, npDeny, adminDeny], true, { kind: 'cluster-rule', policy: 'ClusterNetworkPolicy admin-accept' }],
    ['Admin Pass, then NetworkPolicy allow', [adminPass, npAllow, baselineDeny], true, { kind: 'allowed-by-rule', policy: 'shop/db-from-dev', passedBy: [{ action: 'Pass' }] }],
    ['Admin Pass, then NetworkPolicy deny', [adminPass, npDeny, baselineAccept], false, { kind: 'isolated', isolatedBy: ['shop/db-deny'] }],
    ['Admin Pass, no NetworkPolicy, Baseline deny', [adminPass, baselineDeny], false, { kind: 'cluster-rule', tier: 'Baseline', action: 'Deny' }],
    ['Baseline deny without a NetworkPolicy', [baselineDeny], false, { kind: 'cluster-rule', tier: 'Baseline' }],
    ['Baseline deny with a NetworkPolicy that allows', [baselineDeny, npAllow], true, { kind: 'allowed-by-rule', policy: 'shop/db-from-dev' }],
    ['Baseline deny with a NetworkPolicy that selects the pod but allows nothing', [baselineDeny, npDeny], false, { kind: 'isolated' }],
    ['Baseline accept before a Baseline deny', [baselineDeny, baselineAccept], true, { kind: 'cluster-rule', policy: 'ClusterNetworkPolicy baseline-accept' }],
    ['nothing decides: default allow', [], true, { kind: 'not-isolated' }],
  ] as const)('%s', (_name, policies, expected, verdict) => {
    const e = engine(base(), [...policies]);
    const r = e.evaluate('dev/tool', 'shop/db', 5432);
    expect(r.allowed).toBe(expected);
    expect(r.ingress).toMatchObject(verdict);
    // The matrix answers the same on the same probe.
    const m = e.matrix(5432);
    expect(m.allowed(m.pods.indexOf('dev/tool'), m.pods.indexOf('shop/db'))).toBe(expected);
  });
});
