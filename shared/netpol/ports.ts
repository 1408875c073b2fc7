/**
 * Port matching (shared/netpol/README.md#ports). An entry matches when the protocol is equal
 * (default TCP) and the port is absent (all ports of that protocol), equal, or within
 * `port..endPort`. A named port is resolved on the destination pod's container ports and only
 * when the container port's protocol equals the rule's; a name that does not resolve matches
 * nothing (the rule still isolates). External and ipBlock-only destinations have no names.
 */
import type { Protocol } from './types';
import type { NetworkPolicyPort } from './types';

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
