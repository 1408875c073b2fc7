/**
 * A cluster matching the demo scenario (infra/local/scenario/demo-cluster.ts): the shop
 * namespace with the checkout pod whose token the scenario steals, the cart, a payments
 * service, CoreDNS, and the shop's own policies (the frontend path into checkout, checkout's
 * egress). Seeded into the test API server by the runtime and end-to-end tests.
 */
import type { z } from 'zod';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { CHECKOUT_POD } from '#infra/local/scenario/demo-cluster';

const NODES = [
  { name: 'ip-10-20-1-5.ec2.internal', ip: '10.20.1.5' },
  { name: 'ip-10-20-2-7.ec2.internal', ip: '10.20.2.7' },
  { name: 'ip-10-20-3-9.ec2.internal', ip: '10.20.3.9' },
];

export const DEMO_CHECKOUT_LABELS = { app: 'checkout', 'app.kubernetes.io/name': 'checkout', 'pod-template-hash': '7c9d5b8f6' };

export function demoClusterInventory(): z.input<typeof ClusterInventory> {
  return {
    namespaces: [{ name: 'shop' }, { name: 'kube-system' }],
    nodes: NODES.map((n) => ({ ...n, labels: {} })),
    pods: [
      // The uid the demo's recorded tokens name (authentication.kubernetes.io/pod-uid): the same pod.
      { namespace: 'shop', name: CHECKOUT_POD, uid: `uid-${CHECKOUT_POD}`, ip: '10.20.2.31', labels: DEMO_CHECKOUT_LABELS, serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' }, nodeName: NODES[1]!.name, hostIP: NODES[1]!.ip, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'cart-6b7f8d9c4-p9z8m', ip: '10.20.3.22', labels: { app: 'cart', 'pod-template-hash': '6b7f8d9c4' }, serviceAccount: 'cart', owner: { kind: 'Deployment', name: 'cart' }, nodeName: NODES[2]!.name, hostIP: NODES[2]!.ip, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'payments-5c6d7e8f9-q1w2e', ip: '10.20.3.40', labels: { app: 'payments', 'pod-template-hash': '5c6d7e8f9' }, serviceAccount: 'payments', owner: { kind: 'Deployment', name: 'payments' }, nodeName: NODES[2]!.name, hostIP: NODES[2]!.ip, ports: [{ name: 'https', port: 8443, protocol: 'TCP' }] },
      { namespace: 'kube-system', name: 'coredns-5d78c9869d-abcde', ip: '10.20.1.40', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '5d78c9869d' }, serviceAccount: 'coredns', owner: { kind: 'Deployment', name: 'coredns' }, nodeName: NODES[0]!.name, hostIP: NODES[0]!.ip, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    ],
    services: [
      { namespace: 'shop', name: 'checkout', type: 'ClusterIP', clusterIP: '172.20.0.10', selector: { app: 'checkout' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'payments', type: 'ClusterIP', clusterIP: '172.20.0.11', selector: { app: 'payments' }, ports: [{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] },
    ],
  };
}

export const DEMO_POLICIES = [
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'checkout-from-cart', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cart' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'checkout-egress', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'payments' } } }], ports: [{ protocol: 'TCP', port: 8443 }] }] },
  },
];
