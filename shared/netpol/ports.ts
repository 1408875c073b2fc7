/**
 * Port matching (shared/netpol/README.md#ports). An entry matches when the protocol is equal
 * (default TCP) and the port is absent (all ports of that protocol), equal, or within
 * `port..endPort`. A named port is resolved on the destination pod's container ports and only
 * when the container port's protocol equals the rule's; a name that does not resolve matches
 * nothing (the rule still isolates). External and ipBlock-only destinations have no names.
 */
import type { Protocol } from '#shared/netpol-api/types';
import type { NetworkPolicyPort } from '#shared/netpol-api/types';
import type { ClusterNetworkPolicyPort } from '#shared/netpol-api/cluster-types';

export interface NamedContainerPort {
  name?: string | undefined;
  port: number;
  protocol: Protocol;
}

/** The number a name stands for on one pod, for one protocol. */
export function resolveNamedPort(name: string, protocol: Protocol, podPorts: readonly NamedContainerPort[] | undefined): number | undefined {
  return podPorts?.find((p) => p.name === name && p.protocol === protocol)?.port;
}

export function portEntryMatches(
  entry: NetworkPolicyPort,
  port: number,
  protocol: Protocol,
  destPorts: readonly NamedContainerPort[] | undefined,
): boolean {
  if (entry.protocol !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'number') {
    return entry.endPort !== undefined ? port >= entry.port && port <= entry.endPort : port === entry.port;
  }
  return resolveNamedPort(entry.port, protocol, destPorts) === port;
}

/** A rule's `ports`: absent or empty matches every port and protocol; entries are ORed. */
export function rulePortsMatch(
  ports: readonly NetworkPolicyPort[] | undefined,
  port: number,
  protocol: Protocol,
  destPorts: readonly NamedContainerPort[] | undefined,
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((entry) => portEntryMatches(entry, port, protocol, destPorts));
}

/**
 * Splits a rule's port match for one (port, protocol) into the part that holds for every
 * destination and the named entries whose answer depends on the destination pod.
 */
export function classifyPorts(
  ports: readonly NetworkPolicyPort[] | undefined,
  port: number,
  protocol: Protocol,
): { matchesAll: boolean; names: string[] } {
  if (!ports || ports.length === 0) return { matchesAll: true, names: [] };
  const names: string[] = [];
  for (const entry of ports) {
    if (typeof entry.port === 'string') {
      if (entry.protocol === protocol) names.push(entry.port);
    } else if (portEntryMatches(entry, port, protocol, undefined)) {
      return { matchesAll: true, names: [] };
    }
  }
  return { matchesAll: false, names };
}

export function describePort(port: number, protocol: Protocol, name?: string): string {
  return name ? `${protocol}/${port} (${name})` : `${protocol}/${port}`;
}

/**
 * One ClusterNetworkPolicy port entry (EKS ClusterNetworkPolicyPort: portNumber, portRange
 * with start..end inclusive, namedPort). EKS's schema does not make the three fields exclusive
 * and its controller turns every set field into its own port (pkg/resolvers/
 * clusternetworkpolicy_resolver.go, convertCNPPortsToNPPorts), so they are ORed here. A named
 * port carries no protocol: it stands for the destination's container port of that name, for
 * the protocol that container port has (upstream v1alpha2 destinationNamedPort).
 */
export function clusterPortEntryMatches(
  entry: ClusterNetworkPolicyPort,
  port: number,
  protocol: Protocol,
  destPorts: readonly NamedContainerPort[] | undefined,
): boolean {
  if (entry.portNumber && entry.portNumber.protocol === protocol && entry.portNumber.port === port) return true;
  if (entry.portRange && entry.portRange.protocol === protocol && port >= entry.portRange.start && port <= entry.portRange.end) return true;
  return entry.namedPort !== undefined && resolveNamedPort(entry.namedPort, protocol, destPorts) === port;
}

/** A cluster rule's `ports`: absent matches every port and protocol ("the rule does not filter traffic via port"). */
export function clusterRulePortsMatch(
  ports: readonly ClusterNetworkPolicyPort[] | undefined,
  port: number,
  protocol: Protocol,
  destPorts: readonly NamedContainerPort[] | undefined,
): boolean {
  if (!ports) return true;
  return ports.some((entry) => clusterPortEntryMatches(entry, port, protocol, destPorts));
}

/** classifyPorts for a cluster rule: what holds for every destination, and the names resolved per destination. */
export function classifyClusterPorts(
  ports: readonly ClusterNetworkPolicyPort[] | undefined,
  port: number,
  protocol: Protocol,
): { matchesAll: boolean; names: string[] } {
  if (!ports) return { matchesAll: true, names: [] };
  const names: string[] = [];
  for (const entry of ports) {
    const { namedPort, ...numeric } = entry;
    if (clusterPortEntryMatches(numeric, port, protocol, undefined)) return { matchesAll: true, names: [] };
    if (namedPort !== undefined) names.push(namedPort);
  }
  return { matchesAll: false, names };
}
