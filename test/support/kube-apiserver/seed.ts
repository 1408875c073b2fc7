/**
 * Loads a ClusterInventory (shared/inventory/cluster.ts) into the test API server as the
 * objects a real cluster would hold: namespaces (with their default ServiceAccount), nodes,
 * ServiceAccounts, running pods and services. Pods of a Deployment are owned by a ReplicaSet
 * `<deployment>-<pod-template-hash>`, as on a real cluster.
 */
import { createHash } from 'node:crypto';
import { ClusterInventory, type InventoryPod } from '#shared/inventory/cluster';
import type { z } from 'zod';
import type { JsonObject } from './patch';

interface Putter {
  put(obj: Record<string, unknown>): JsonObject;
}

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A pod-template-hash-like token, stable for a given input. */
export function templateHash(seed: string, length = 10): string {
  const digest = createHash('sha256').update(seed).digest();
  return [...digest.subarray(0, length)].map((b) => HASH_ALPHABET[b % HASH_ALPHABET.length]).join('');
}

function ownerReference(pod: InventoryPod): Record<string, unknown>[] | undefined {
  const owner = pod.owner;
  if (!owner) return undefined;
  const uid = (name: string, kind: string) => {
    const h = createHash('sha256').update(`${pod.namespace}/${kind}/${name}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const ref = (apiVersion: string, kind: string, name: string) => [{ apiVersion, kind, name, uid: uid(name, kind), controller: true, blockOwnerDeletion: true }];
  switch (owner.kind) {
    case 'Deployment': {
      // `checkout-6d9f8b7c5d-abcde` carries its ReplicaSet's hash; otherwise derive one.
      const m = pod.name.startsWith(`${owner.name}-`) ? pod.name.slice(owner.name.length + 1).match(/^([a-z0-9]+)-[a-z0-9]+$/) : null;
      return ref('apps/v1', 'ReplicaSet', `${owner.name}-${m ? m[1] : templateHash(`${pod.namespace}/${owner.name}`)}`);
    }
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      return ref('apps/v1', owner.kind, owner.name);
    case 'Job':
      return ref('batch/v1', 'Job', owner.name);
    case 'CronJob':
      return ref('batch/v1', 'Job', `${owner.name}-${29000000 + (parseInt(templateHash(owner.name, 4), 36) % 999999)}`);
    case 'Node':
      return ref('v1', 'Node', owner.name);
    default:
      return ref('v1', owner.kind, owner.name);
  }
}

export function podObject(pod: InventoryPod): Record<string, unknown> {
  const owners = ownerReference(pod);
  const containerName = pod.owner?.name && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(pod.owner.name) ? pod.owner.name : 'main';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, namespace: pod.namespace, ...(pod.uid ? { uid: pod.uid } : {}), labels: { ...pod.labels }, ...(owners ? { ownerReferences: owners } : {}) },
    spec: {
      serviceAccountName: pod.serviceAccount ?? 'default',
      ...(pod.nodeName ? { nodeName: pod.nodeName } : {}),
      ...(pod.hostNetwork ? { hostNetwork: true } : {}),
      restartPolicy: 'Always',
      dnsPolicy: pod.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
      containers: [
        {
          name: containerName,
          image: `registry.example.com/${containerName}:1.0.0`,
          ports: pod.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.port, protocol: p.protocol })),
        },
      ],
    },
    status: {
      phase: 'Running',
      podIP: pod.ip,
      podIPs: [{ ip: pod.ip }],
      ...(pod.hostIP ? { hostIP: pod.hostIP, hostIPs: [{ ip: pod.hostIP }] } : {}),
      conditions: [{ type: 'Ready', status: 'True' }],
      qosClass: 'BestEffort',
    },
  };
}

/** Seeds every object of `input` (validated and defaulted with the inventory schema). */
export function seedInventory(server: Putter, input: z.input<typeof ClusterInventory> | ClusterInventory): void {
  const inv = ClusterInventory.parse(input);
  const serviceAccounts = new Set<string>();
  for (const ns of inv.namespaces) {
    server.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: { ...ns.labels } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    serviceAccounts.add(`${ns.name}/default`);
  }
  for (const node of inv.nodes) {
    server.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', ...node.labels } },
      spec: {},
      status: {
        addresses: [
          { type: 'InternalIP', address: node.ip },
          { type: 'Hostname', address: node.name },
        ],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  }
  for (const pod of inv.pods) if (pod.serviceAccount) serviceAccounts.add(`${pod.namespace}/${pod.serviceAccount}`);
  for (const key of serviceAccounts) {
    const [namespace, name] = key.split('/') as [string, string];
    if (!inv.namespaces.some((n) => n.name === namespace)) continue;
    server.put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  }
  for (const pod of inv.pods) server.put(podObject(pod));
  seedOwners(server, inv.pods);
  for (const svc of inv.services) {
    server.put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: svc.name, namespace: svc.namespace },
      spec: {
        type: svc.type,
        ...(svc.clusterIP ? { clusterIP: svc.clusterIP, clusterIPs: [svc.clusterIP] } : {}),
        ...(svc.selector ? { selector: { ...svc.selector } } : {}),
        ports: svc.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol })),
        sessionAffinity: 'None',
      },
      status: { loadBalancer: {} },
    });
  }
}

/**
 * The apps/v1 owners of the seeded pods, as their controllers would have them: a Deployment
 * and its ReplicaSet (each pod's `ownerReferences` names it), StatefulSets and DaemonSets,
 * with as many desired and ready replicas as there are seeded pods.
 */
function seedOwners(server: Putter, pods: readonly InventoryPod[]): void {
  const owners = new Map<string, { kind: string; name: string; namespace: string; count: number; rs?: string }>();
  for (const pod of pods) {
    const refs = ownerReference(pod) as Array<{ kind: string; name: string }> | undefined;
    const ref = refs?.[0];
    if (!pod.owner || !ref || !['ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(ref.kind)) continue;
    const kind = pod.owner.kind === 'Deployment' ? 'Deployment' : ref.kind;
    const key = `${pod.namespace}/${kind}/${pod.owner.name}/${ref.name}`;
    const o = owners.get(key) ?? { kind, name: pod.owner.name, namespace: pod.namespace, count: 0, ...(kind === 'Deployment' ? { rs: ref.name } : {}) };
    o.count += 1;
    owners.set(key, o);
  }
  const status = (n: number) => ({ replicas: n, readyReplicas: n, availableReplicas: n });
  for (const o of owners.values()) {
    const metadata = { name: o.name, namespace: o.namespace };
    if (o.kind === 'DaemonSet') {
      server.put({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata, spec: {}, status: { desiredNumberScheduled: o.count, numberReady: o.count } });
      continue;
    }
    if (o.kind === 'StatefulSet') {
      server.put({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata, spec: { replicas: o.count }, status: status(o.count) });
      continue;
    }
    if (o.kind === 'Deployment') {
      const dep = server.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas: o.count }, status: status(o.count) });
      const uid = (dep.metadata as { uid?: string }).uid;
      server.put({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: o.rs, namespace: o.namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: o.name, uid, controller: true, blockOwnerDeletion: true }] },
        spec: { replicas: o.count },
        status: status(o.count),
      });
    } else {
      server.put({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata, spec: { replicas: o.count }, status: status(o.count) });
    }
  }
}
