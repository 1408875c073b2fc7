/**
 * What Amazon EKS's VPC CNI network policy agent does not enforce (shared/netpol/README.md#amazon-eks,
 * from the EKS user guide's "Considerations" for network policies). These are warnings, not errors: the API server
 * accepts such policies, the cluster just behaves differently from the specification.
 */
import type { ClusterInventory, InventoryPod } from '#shared/inventory/cluster';
import { parseCidr, parseIp } from './ip';
import { selectorMatches } from './selector';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '#shared/netpol-api/types';

/** EKS caps each ingress/egress rule at 24 unique port combinations per protocol. */
export const EKS_MAX_PORT_COMBINATIONS = 24;
const LIST_AT_MOST = 5;

/** Unique (port, endPort) combinations per protocol in one rule's ports list. */
export function portCombinations(ports: readonly NetworkPolicyPort[]): Map<string, number> {
  const byProtocol = new Map<string, Set<string>>();
  for (const p of ports) {
    const set = byProtocol.get(p.protocol) ?? new Set<string>();
    set.add(`${p.port ?? '*'}:${p.endPort ?? ''}`);
    byProtocol.set(p.protocol, set);
  }
  return new Map([...byProtocol].map(([proto, set]) => [proto, set.size]));
}

function listPods(pods: readonly InventoryPod[]): string {
  const names = pods.slice(0, LIST_AT_MOST).map((p) => `${p.namespace}/${p.name}`);
  return pods.length > LIST_AT_MOST ? `${names.join(', ')} and ${pods.length - LIST_AT_MOST} more` : names.join(', ');
}

/** Pods of the inventory the policy selects (host-network pods included: EKS ignores them too). */
export function selectedPods(policy: NetworkPolicy, inventory: ClusterInventory): InventoryPod[] {
  return inventory.pods.filter(
    (p) => p.namespace === policy.metadata.namespace && selectorMatches(policy.spec.podSelector, p.labels ?? {}),
  );
}

function clusterFamily(inventory: ClusterInventory): 4 | 6 | undefined {
  const families = new Set(inventory.pods.filter((p) => !p.hostNetwork).map((p) => parseIp(p.ip)?.family));
  families.delete(undefined);
  return families.size === 1 ? families.values().next().value : undefined;
}

/**
 * EKS warnings for one defaulted policy. Without an inventory only the rule-level limits are
 * checked; with one, the pods the policy selects are checked too.
 */
export function eksWarnings(policy: NetworkPolicy, inventory?: ClusterInventory): string[] {
  const warnings: string[] = [];
  const family = inventory ? clusterFamily(inventory) : undefined;
  const directions = [
    ['ingress', policy.spec.ingress ?? [], 'from'],
    ['egress', policy.spec.egress ?? [], 'to'],
  ] as const;
  for (const [dir, rules, peerField] of directions) {
    rules.forEach((rule, i) => {
      const ports = rule.ports ?? [];
      for (const [protocol, count] of portCombinations(ports)) {
        if (count > EKS_MAX_PORT_COMBINATIONS) {
          warnings.push(
            `EKS: spec.${dir}[${i}].ports: ${count} unique ${protocol} port combinations; the VPC CNI network policy agent supports at most ${EKS_MAX_PORT_COMBINATIONS} per protocol in one ${dir} rule (aws/containers-roadmap#2481)`,
          );
        }
      }
      ports.forEach((p, j) => {
        if (typeof p.port === 'string') {
          warnings.push(
            `EKS: spec.${dir}[${i}].ports[${j}].port: named port "${p.port}": the VPC CNI network policy controller has been reported not to resolve named ports on the target pod (amazon-network-policy-controller-k8s#71, #81); prefer the port number`,
          );
        }
      });
      const peers: readonly NetworkPolicyPeer[] = (dir === 'ingress' ? policy.spec.ingress?.[i]?.from : policy.spec.egress?.[i]?.to) ?? [];
      peers.forEach((peer, k) => {
        const cidr = peer.ipBlock ? parseCidr(peer.ipBlock.cidr) : undefined;
        if (cidr && family && cidr.family !== family) {
          warnings.push(
            `EKS: spec.${dir}[${i}].${peerField}[${k}].ipBlock.cidr: an IPv${cidr.family} CIDR in an IPv${family} cluster is ignored (EKS enforces one address family per cluster)`,
          );
        }
      });
    });
  }
  if (inventory) {
    const pods = selectedPods(policy, inventory);
    const ownerless = pods.filter((p) => !p.owner && !p.hostNetwork);
    if (ownerless.length) {
      warnings.push(
        `EKS: selects ${ownerless.length} pod(s) without an owner (${listPods(ownerless)}): the VPC CNI does not apply network policies to standalone pods without metadata.ownerReferences`,
      );
    }
  }
  return warnings;
}
