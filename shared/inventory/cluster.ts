/**
 * The cluster inventory (`--cluster FILE`, README.md#boundwatch-netpol-simulate, and what functions/inventory snapshots):
 * namespaces, pods, services and nodes. Only namespace names and pod namespace/name/ip are
 * required; unknown fields are ignored so that richer exports still load.
 */
import { z } from 'zod';

const Labels = z.record(z.string(), z.string());
const Protocol = z.enum(['TCP', 'UDP', 'SCTP']);

export const ContainerPort = z.object({
  name: z.string().optional(),
  port: z.number().int().min(1).max(65535),
  protocol: Protocol.default('TCP'),
});

export const InventoryNamespace = z.object({
  name: z.string().min(1),
  labels: Labels.default({}),
});

export const InventoryPod = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  ip: z.string().min(1),
  labels: Labels.default({}),
  /** metadata.uid: what runtime sensors and bound tokens name a pod by. */
  uid: z.string().optional(),
  serviceAccount: z.string().optional(),
  owner: z.object({ kind: z.string(), name: z.string() }).optional(),
  hostNetwork: z.boolean().default(false),
  nodeName: z.string().optional(),
  hostIP: z.string().optional(),
  ports: z.array(ContainerPort).default([]),
});

export const InventoryService = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  type: z.string().default('ClusterIP'),
  clusterIP: z.string().optional(),
  selector: Labels.optional(),
  ports: z
    .array(
      z.object({
        name: z.string().optional(),
        port: z.number().int(),
        targetPort: z.union([z.number().int(), z.string()]).optional(),
        protocol: Protocol.default('TCP'),
      }),
    )
    .default([]),
});

export const InventoryNode = z.object({
  name: z.string().min(1),
  ip: z.string().min(1),
  labels: Labels.default({}),
});

export const ClusterInventory = z.object({
  namespaces: z.array(InventoryNamespace),
  pods: z.array(InventoryPod).default([]),
  services: z.array(InventoryService).default([]),
  nodes: z.array(InventoryNode).default([]),
});

export type ClusterInventory = z.infer<typeof ClusterInventory>;
export type InventoryPod = z.infer<typeof InventoryPod>;
export type InventoryNamespace = z.infer<typeof InventoryNamespace>;
export type InventoryService = z.infer<typeof InventoryService>;
export type InventoryNode = z.infer<typeof InventoryNode>;

/**
 * Every namespace carries the immutable `kubernetes.io/metadata.name` label on a real API
 * server (KEP-2161); hand-written inventories often omit it, so it is added here.
 */
export function normalizeInventory(inv: ClusterInventory): ClusterInventory {
  return {
    ...inv,
    namespaces: inv.namespaces.map((ns) => ({
      ...ns,
      labels: { ...ns.labels, 'kubernetes.io/metadata.name': ns.name },
    })),
  };
}
