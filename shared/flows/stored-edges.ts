/**
 * Flow-graph edges read back from the table (graph-store.ts keeps workload-level edges with
 * counters, not the pods behind them) turned into the graph's Edge shape, so that the report and
 * advice can work from a kept state instead of the flow files. Each workload end is represented
 * by one of its pods in the inventory (NetworkPolicies select a workload's pods by the labels they
 * share, so one pod stands for all). An edge with an end the inventory no longer has is left out
 * and named, rather than drawn with a verdict about a pod that does not exist.
 */
import type { ClusterInventory, InventoryPod } from '../inventory/cluster';
import { canonicalAddress } from '../inventory/net';
import type { Endpoint, EndpointKind } from '../inventory/resolve';
import { parseWorkloadKey, workloadKey, workloadOf } from '../inventory/workload';
import { endpointRef, type Edge, type ObservedPair } from './graph';
import type { StoredEdge } from './graph-store';
import type { FlowProtocol } from './types';

const PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);
const KINDS: ReadonlySet<string> = new Set(['pod', 'node', 'vpc', 'external']);

export interface StoredEdgesResult {
  edges: Edge[];
  /** Edges left out (a protocol or kind this version does not know), with why. */
  skipped: Array<{ edge: string; reason: string }>;
  /** Ends without a pod or node in the inventory: their edges are left out. */
  unresolved: string[];
}

function podEndpoint(pod: InventoryPod): Endpoint {
  return {
    kind: 'pod', ip: pod.ip, namespace: pod.namespace, pod: pod.name, workload: workloadOf(pod),
    ...(pod.serviceAccount ? { serviceAccount: pod.serviceAccount } : {}),
    ...(pod.owner ? { owner: pod.owner } : {}),
    labels: pod.labels, ...(pod.nodeName ? { nodeName: pod.nodeName } : {}), hostNetwork: pod.hostNetwork,
  };
}

/** The endpoint standing for a graph key (`ns/Kind/name`, `node:`, `vpc:`, `ext:`), if any. */
function endpointOf(key: string, kind: string, podsByWorkload: ReadonlyMap<string, InventoryPod>, inventory: ClusterInventory): Endpoint | undefined {
  if (key.startsWith('node:')) {
    const name = key.slice('node:'.length);
    const node = inventory.nodes.find((n) => n.name === name);
    return node ? { kind: 'node', ip: node.ip, node: name } : undefined;
  }
  if (key.startsWith('vpc:')) return { kind: 'vpc', ip: key.slice('vpc:'.length), cidr: '' };
  if (key.startsWith('ext:')) {
    const network = key.slice('ext:'.length);
    const ip = canonicalAddress(network.split('/')[0] ?? '');
    return ip ? { kind: 'external', ip, network } : undefined;
  }
  if (kind !== 'pod' || !parseWorkloadKey(key)) return undefined;
  const pod = podsByWorkload.get(key);
  return pod ? podEndpoint(pod) : undefined;
}

export function edgesFromStored(stored: readonly StoredEdge[], inventory: ClusterInventory): StoredEdgesResult {
  const podsByWorkload = new Map<string, InventoryPod>();
  // The first running pod of each workload, in a stable order, stands for the workload.
  const pods = [...inventory.pods].sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
  for (const pod of pods) {
    const key = workloadKey(workloadOf(pod));
    if (!podsByWorkload.has(key)) podsByWorkload.set(key, pod);
  }
  const out: StoredEdgesResult = { edges: [], skipped: [], unresolved: [] };
  const unresolved = new Set<string>();
  for (const s of stored) {
    const id = `${s.src} -> ${s.dst}:${s.port}/${s.protocol}`;
    if (!PROTOCOLS.has(s.protocol)) {
      out.skipped.push({ edge: id, reason: `unknown protocol ${JSON.stringify(s.protocol)}` });
      continue;
    }
    if (!KINDS.has(s.srcKind) || !KINDS.has(s.dstKind)) {
      out.skipped.push({ edge: id, reason: 'unknown endpoint kind' });
      continue;
    }
    const src = endpointOf(s.src, s.srcKind, podsByWorkload, inventory);
    const dst = endpointOf(s.dst, s.dstKind, podsByWorkload, inventory);
    if (!src) unresolved.add(s.src);
    if (!dst) unresolved.add(s.dst);
    if (!src || !dst) continue;
    const pair: ObservedPair = { src: endpointRef(src), dst: endpointRef(dst), records: s.records, bytes: s.bytes };
    out.edges.push({
      src: s.src, dst: s.dst, port: s.port, protocol: s.protocol as FlowProtocol,
      srcKind: s.srcKind as EndpointKind, dstKind: s.dstKind as EndpointKind,
      bytes: s.bytes, bytesSent: s.bytesSent, packets: s.packets, records: s.records,
      first: Date.parse(s.firstSeen) || 0, last: Date.parse(s.lastSeen) || 0,
      hourlySent: new Map(), srcEndpoint: src, dstEndpoint: dst,
      services: new Set(), samples: new Map(), sampleCount: 0, pairs: new Map([[`${pair.src}>${pair.dst}`, pair]]),
    });
  }
  out.unresolved = [...unresolved].sort();
  return out;
}
