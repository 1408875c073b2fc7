/**
 * The cluster inventory (shared/inventory/cluster.ts) read from a live API server: what
 * functions/inventory snapshots and what `--cluster` files hold. Only objects the inventory
 * can use are kept: pods that have an IP and are not finished (a finished pod's IP may already
 * belong to another pod), nodes that have an address.
 */
import type { V1Namespace, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { ClusterInventory, type InventoryNode, type InventoryPod, type InventoryService } from './cluster';
import { workloadOf } from './workload';
import type { ClusterClient } from '../k8s/client';

export type InventorySource = Pick<ClusterClient, 'listNamespaces' | 'listPods' | 'listServices' | 'listNodes'>;

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);
const protocol = (p: string | undefined): 'TCP' | 'UDP' | 'SCTP' => (p && PROTOCOLS.has(p) ? (p as 'TCP' | 'UDP' | 'SCTP') : 'TCP');

/**
 * The workload that owns a pod, by its controller ownerReference and the inventory's workload
 * rules (workloadOf): a ReplicaSet `<deployment>-<pod-template-hash>` is reported as its
 * Deployment and a CronJob's Job as its CronJob, since those are what people name.
 */
export function podOwner(pod: V1Pod): { kind: string; name: string } | undefined {
  const refs = pod.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  if (!ref) return undefined;
  const w = workloadOf({ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', labels: pod.metadata?.labels ?? {}, owner: { kind: ref.kind, name: ref.name } });
  return { kind: w.kind, name: w.name };
}

export function toInventoryPod(pod: V1Pod): InventoryPod | undefined {
  const ip = pod.status?.podIP;
  const phase = pod.status?.phase;
  if (!ip || !pod.metadata?.name || !pod.metadata.namespace || phase === 'Succeeded' || phase === 'Failed') return undefined;
  const owner = podOwner(pod);
  return {
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    ip,
    labels: { ...(pod.metadata.labels ?? {}) },
    ...(pod.spec?.serviceAccountName ? { serviceAccount: pod.spec.serviceAccountName } : {}),
    ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
    ...(owner ? { owner } : {}),
    hostNetwork: pod.spec?.hostNetwork === true,
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(pod.status?.hostIP ? { hostIP: pod.status.hostIP } : {}),
    ports: (pod.spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.containerPort, protocol: protocol(p.protocol) })),
    ),
  };
}

export function toInventoryService(svc: V1Service): InventoryService | undefined {
  if (!svc.metadata?.name || !svc.metadata.namespace) return undefined;
  const clusterIP = svc.spec?.clusterIP;
  return {
    namespace: svc.metadata.namespace,
    name: svc.metadata.name,
    type: svc.spec?.type ?? 'ClusterIP',
    // Headless services say "None", which is not an address.
    ...(clusterIP && clusterIP !== 'None' ? { clusterIP } : {}),
    ...(svc.spec?.selector ? { selector: { ...svc.spec.selector } } : {}),
    ports: (svc.spec?.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
      protocol: protocol(p.protocol),
    })),
  };
}

export function toInventoryNode(node: V1Node): InventoryNode | undefined {
  const addresses = node.status?.addresses ?? [];
  const ip = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'ExternalIP')?.address;
  if (!node.metadata?.name || !ip) return undefined;
  return { name: node.metadata.name, ip, labels: { ...(node.metadata.labels ?? {}) } };
}

function toInventoryNamespace(ns: V1Namespace): { name: string; labels: Record<string, string> } | undefined {
  if (!ns.metadata?.name) return undefined;
  return { name: ns.metadata.name, labels: { ...(ns.metadata.labels ?? {}) } };
}

const defined = <T>(x: T | undefined): x is T => x !== undefined;

/** Reads namespaces, pods, services and nodes (four paginated lists) into a ClusterInventory. */
export async function inventoryFromCluster(client: InventorySource): Promise<ClusterInventory> {
  const [namespaces, pods, services, nodes] = await Promise.all([client.listNamespaces(), client.listPods(), client.listServices(), client.listNodes()]);
  return ClusterInventory.parse({
    namespaces: namespaces.map(toInventoryNamespace).filter(defined),
    pods: pods.map(toInventoryPod).filter(defined),
    services: services.map(toInventoryService).filter(defined),
    nodes: nodes.map(toInventoryNode).filter(defined),
  });
}
