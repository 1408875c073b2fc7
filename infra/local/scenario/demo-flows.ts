/**
 * The demo's network side: the shop's pod-to-pod traffic as VPC Flow Logs records over the last
 * three days of the demo, ending with the canonical network anomaly (a microservice suddenly
 * sending gigabytes to an internal admin API it never used). The inventory is the shop's, with
 * the pods the audit scenario talks about named as the audit scenario names them, so both halves
 * describe one cluster.
 */
import type { ClusterInventory } from '#shared/inventory/cluster';
import { shopScenario, toVpcV2 } from './shop-flows';
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
