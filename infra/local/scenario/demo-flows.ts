/**
 * The demo's network side: the shop's pod-to-pod traffic as VPC Flow Logs records over the last
 * three days of the demo, ending with the canonical network anomaly (a microservice suddenly
 * sending gigabytes to an internal admin API it never used). The inventory is the shop's, with
 * the pods the audit scenario talks about named as the audit scenario names them, so both halves
 * describe one cluster.
 */
import type { ClusterInventory } from '#shared/inventory/cluster';
import { PAYMENT_API, SMTP_RELAY, shopScenario, toVpcV2 } from './shop-flows';
import { BENIGN_DAYS, CHECKOUT_POD, DEMO_START } from './demo-cluster';

const FLOW_DAYS = 3;

/** Shop pod name prefix → the name the audit scenario uses for that pod. */
const AUDIT_NAMES: Record<string, string> = {
  'shop/checkout-': CHECKOUT_POD,
  'shop/cart-': 'cart-6b7f8d9c4-p9z8m',
  'kube-system/coredns-': 'coredns-5d78c9869d-xk2qp',
};

export function demoFlows(): { inventory: ClusterInventory; flowLines: string[] } {
  const start = new Date(DEMO_START + (BENIGN_DAYS + 1 - FLOW_DAYS) * 86_400_000).toISOString();
  const s = shopScenario({ days: FLOW_DAYS, anomaly: true, start });
  const renamed = new Set<string>();
  const pods = s.inventory.pods.map((p) => {
    const prefix = Object.keys(AUDIT_NAMES).find((k) => `${p.namespace}/${p.name}`.startsWith(k));
    if (!prefix || renamed.has(prefix)) return p;
    renamed.add(prefix);
    return { ...p, name: AUDIT_NAMES[prefix]! };
  });
  return { inventory: { ...s.inventory, pods }, flowLines: toVpcV2(s) };
}

/** Names the shop's external destinations answer to, as the VPC resolver logs them. */
const DEMO_NAMES: Array<{ name: string; cname?: string; addresses: readonly string[] }> = [
  { name: 'api.payments.example.net', cname: 'edge.payments.example.net', addresses: PAYMENT_API },
  { name: 'smtp.mail.example.org', addresses: [SMTP_RELAY] },
];

/**
 * Route 53 Resolver query log lines for the demo's flow days: CoreDNS forwarding the shop's
 * lookups of its payment API and mail relay every ten minutes (on EKS the resolver sees CoreDNS,
 * not the pod that asked).
 */
export function demoDnsLines(inventory: ClusterInventory): string[] {
  const coredns = inventory.pods.find((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns'))?.ip ?? '10.0.0.2';
  const start = DEMO_START + (BENIGN_DAYS + 1 - FLOW_DAYS) * 86_400_000;
  const lines: string[] = [];
  for (let t = start; t < start + FLOW_DAYS * 86_400_000; t += 600_000) {
    for (const d of DEMO_NAMES) {
      const answers = [
        ...(d.cname ? [{ Rdata: `${d.cname}.`, Type: 'CNAME', Class: 'IN' }] : []),
        ...d.addresses.map((ip) => ({ Rdata: ip, Type: 'A', Class: 'IN' })),
      ];
      lines.push(JSON.stringify({
        version: '1.100000', account_id: '111122223333', region: 'us-east-1', vpc_id: 'vpc-0demo',
        query_timestamp: new Date(t).toISOString().replace('.000Z', 'Z'), query_name: `${d.name}.`, query_type: 'A', query_class: 'IN',
        rcode: 'NOERROR', answers, srcaddr: coredns, srcport: '53124', transport: 'UDP', srcids: { instance: 'i-0demo0coredns0node' },
      }));
    }
  }
  return lines;
}
