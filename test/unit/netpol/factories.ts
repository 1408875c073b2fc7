/** Small builders for hand-made clusters and policies in the netpol tests. */
import { ClusterInventory, normalizeInventory } from '#shared/inventory/cluster';
import { type Evaluator, createEvaluator } from '#shared/netpol/evaluate';
import type { NetworkPolicy, Protocol } from '#shared/netpol-api/types';
import { parseNetworkPolicy } from '#shared/netpol/validate';
import {
  APPLICATION_NETWORK_POLICY_API_VERSION,
  type AnyNetworkPolicy,
  type ApplicationNetworkPolicy,
  CLUSTER_NETWORK_POLICY_API_VERSION,
  type ClusterNetworkPolicy,
  type ClusterNetworkPolicySpec,
} from '#shared/netpol-api/cluster-types';
import { parseApplicationNetworkPolicy, parseClusterNetworkPolicy } from '#shared/netpol/validate-cluster';

export interface PodSpec {
  /** `ns/name`. */
  id: string;
  ip: string;
  labels?: Record<string, string>;
  hostNetwork?: boolean;
  nodeName?: string;
  hostIP?: string;
  owner?: { kind: string; name: string } | null;
  ports?: Array<{ name?: string; port: number; protocol?: Protocol }>;
}

export function cluster(spec: {
  namespaces?: Array<string | { name: string; labels?: Record<string, string> }>;
  pods: PodSpec[];
  nodes?: Array<{ name: string; ip: string }>;
  services?: unknown[];
}): ClusterInventory {
  const nsNames = new Set(spec.pods.map((p) => p.id.split('/')[0]!));
  const namespaces = (spec.namespaces ?? [...nsNames]).map((n) => (typeof n === 'string' ? { name: n } : n));
  return normalizeInventory(
    ClusterInventory.parse({
      namespaces,
      pods: spec.pods.map((p) => {
        const [namespace, name] = p.id.split('/');
        return {
          namespace,
          name,
          ip: p.ip,
          labels: p.labels ?? { app: name },
          hostNetwork: p.hostNetwork ?? false,
          ...(p.nodeName ? { nodeName: p.nodeName } : {}),
          ...(p.hostIP ? { hostIP: p.hostIP } : {}),
          ...(p.owner === null ? {} : { owner: p.owner ?? { kind: 'Deployment', name } }),
          ports: p.ports ?? [],
        };
      }),
      nodes: spec.nodes ?? [],
      services: spec.services ?? [],
    }),
  );
}

/** A NetworkPolicy from a raw spec, validated and defaulted like one read from a file. */
export function policy(id: string, spec: Record<string, unknown>): NetworkPolicy {
  const [namespace, name] = id.split('/');
  return parseNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
}

/** A ClusterNetworkPolicy (networking.k8s.aws/v1alpha1) as a test writes it, parsed like one read from a file. */
export function cnp(name: string, spec: Omit<ClusterNetworkPolicySpec, 'ingress' | 'egress'> & { ingress?: unknown[]; egress?: unknown[] }): ClusterNetworkPolicy {
  return parseClusterNetworkPolicy({ apiVersion: CLUSTER_NETWORK_POLICY_API_VERSION, kind: 'ClusterNetworkPolicy', metadata: { name }, spec });
}

/** An ApplicationNetworkPolicy (networking.k8s.aws/v1alpha1), parsed like one read from a file. */
export function anp(id: string, spec: Record<string, unknown>): ApplicationNetworkPolicy {
  const [namespace, name] = id.split('/');
  return parseApplicationNetworkPolicy({ apiVersion: APPLICATION_NETWORK_POLICY_API_VERSION, kind: 'ApplicationNetworkPolicy', metadata: { name, namespace }, spec });
}

export function engine(inv: ClusterInventory, policies: AnyNetworkPolicy[]): Evaluator {
  return createEvaluator(inv, policies);
}

/** Shorthand: `allowed` of one probe. */
export function allowed(e: Evaluator, from: Parameters<Evaluator['evaluate']>[0], to: Parameters<Evaluator['evaluate']>[1], port: number | string = 80, protocol: Protocol = 'TCP') {
  return e.evaluate(from, to, port, protocol).allowed;
}
