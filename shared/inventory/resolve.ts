/**
 * IP → endpoint resolution against inventory snapshots kept with validity intervals.
 *
 * Pod IPs are reused within minutes of a pod's deletion, so an address is resolved at the time
 * of the flow: each snapshot is valid from its `takenAt` until the next one (the first also
 * covers earlier times, the last stays valid), and consecutive snapshots that agree on what an
 * address is merge into one interval. Order of resolution for an address at a time:
 *   1. a Service ClusterIP → the Service's backend pods (selector) and the target port;
 *   2. a pod IP → that pod (and its workload);
 *   3. a node IP → a host-network pod on that node declaring the port, else the node;
 *   4. the VPC's CIDRs (configurable; private address space by default) → "vpc";
 *   5. anything else → external, aggregated to a network (/24 for IPv4, /48 for IPv6).
 */
import type { ClusterInventory, InventoryPod, InventoryService } from './cluster';
import { canonicalAddress, CidrSet, DEFAULT_PRIVATE_CIDRS, networkOf } from './net';
import { workloadKey, workloadOf, type WorkloadId } from './workload';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface InventorySnapshot {
  /** Epoch milliseconds. */
  takenAt: number;
  inventory: ClusterInventory;
}

export interface PodEndpoint {
  kind: 'pod';
  ip: string;
  namespace: string;
  pod: string;
  workload: WorkloadId;
  serviceAccount?: string;
  owner?: { kind: string; name: string };
  labels: Record<string, string>;
  nodeName?: string;
  hostNetwork: boolean;
}
export interface NodeEndpoint {
  kind: 'node';
  ip: string;
  node: string;
}
export interface VpcEndpoint {
  kind: 'vpc';
  ip: string;
  /** The configured VPC range the address falls in. */
  cidr: string;
}
export interface ExternalEndpoint {
  kind: 'external';
  ip: string;
  /** The aggregated network, e.g. 203.0.113.0/24. */
  network: string;
}
export type Endpoint = PodEndpoint | NodeEndpoint | VpcEndpoint | ExternalEndpoint;
export type EndpointKind = Endpoint['kind'];

export interface Resolution {
  endpoint: Endpoint;
  /** The port on the endpoint: a Service port maps to its backend's target port. */
  port?: number | undefined;
  /** `namespace/name` of the Service a ClusterIP resolved through. */
  service?: string;
}

export interface ResolveOptions {
  /** Addresses in these ranges that are not pods or nodes are "vpc"; default: private address space. */
  vpcCidrs?: readonly string[];
  externalPrefixV4?: number;
  externalPrefixV6?: number;
  /**
   * When no snapshot covers a flow's time for an address (the pod lived between two snapshots),
   * the nearest interval within this many milliseconds is used. Default 10 minutes.
   */
  graceMs?: number;
}

interface Interval<T> {
  from: number;
  to: number;
  id: string;
  value: T;
}

class IntervalIndex<T> {
  readonly byKey = new Map<string, Interval<T>[]>();

  add(key: string, from: number, to: number, id: string, value: T): void {
    let list = this.byKey.get(key);
    if (!list) {
      list = [];
      this.byKey.set(key, list);
    }
    const last = list[list.length - 1];
    // Same identity in consecutive snapshots: one longer interval (keeps the first value seen).
    if (last && last.id === id && last.to === from) {
      last.to = to;
      return;
    }
    list.push({ from, to, id, value });
  }

  get(key: string, at: number, graceMs: number): T | undefined {
    const list = this.byKey.get(key);
    if (!list) return undefined;
    let nearest: Interval<T> | undefined;
    let nearestGap = Infinity;
    for (const iv of list) {
      if (at >= iv.from && at < iv.to) return iv.value;
      const gap = at < iv.from ? iv.from - at : at - iv.to;
      if (gap < nearestGap) {
        nearestGap = gap;
        nearest = iv;
      }
    }
    return nearest && nearestGap <= graceMs ? nearest.value : undefined;
  }
}

interface PodInfo {
  endpoint: PodEndpoint;
  /** `port/PROTOCOL` the pod serves: declared container ports and the target ports of its Services. */
  listens: Set<string>;
  namedPorts: Map<string, number>;
}

interface ServiceInfo {
  key: string;
  service: InventoryService;
  backends: PodInfo[];
}

const portKey = (port: number, protocol: string): string => `${port}/${protocol}`;

function podEndpoint(pod: InventoryPod, ip: string): PodEndpoint {
  return {
    kind: 'pod',
    ip,
    namespace: pod.namespace,
    pod: pod.name,
    workload: workloadOf(pod),
    ...(pod.serviceAccount ? { serviceAccount: pod.serviceAccount } : {}),
    ...(pod.owner ? { owner: { kind: pod.owner.kind, name: pod.owner.name } } : {}),
    labels: pod.labels ?? {},
    ...(pod.nodeName ? { nodeName: pod.nodeName } : {}),
    hostNetwork: pod.hostNetwork ?? false,
  };
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false; // selector-less Services have manual endpoints
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** A Service port's target on one backend pod: a number, a container port name, or the port itself. */
export function targetPortOn(svcPort: InventoryService['ports'][number], namedPorts: ReadonlyMap<string, number>): number | undefined {
  const t = svcPort.targetPort;
  if (t === undefined) return svcPort.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  return namedPorts.get(`${t}/${svcPort.protocol}`);
}

/** Builds the per-snapshot view: pods by IP, host-network pods by node IP, Services by ClusterIP. */
function indexSnapshot(inv: ClusterInventory): {
  pods: Map<string, PodInfo>;
  hostPods: Map<string, PodInfo[]>;
  nodes: Map<string, string>;
  services: Map<string, ServiceInfo>;
} {
  const pods = new Map<string, PodInfo>();
  const hostPods = new Map<string, PodInfo[]>();
  const byNamespace = new Map<string, PodInfo[]>();
  for (const pod of inv.pods) {
    const ip = canonicalAddress(pod.hostNetwork && pod.hostIP ? pod.hostIP : pod.ip);
    if (!ip) continue; // pending pods without an address
    const info: PodInfo = { endpoint: podEndpoint(pod, ip), listens: new Set(), namedPorts: new Map() };
    for (const p of pod.ports ?? []) {
      info.listens.add(portKey(p.port, p.protocol));
      if (p.name) info.namedPorts.set(`${p.name}/${p.protocol}`, p.port);
    }
    if (pod.hostNetwork) {
      const list = hostPods.get(ip) ?? [];
      list.push(info);
      hostPods.set(ip, list);
    } else {
      pods.set(ip, info);
    }
    const nsList = byNamespace.get(pod.namespace) ?? [];
    nsList.push(info);
    byNamespace.set(pod.namespace, nsList);
  }
  const nodes = new Map<string, string>();
  for (const n of inv.nodes) {
    const ip = canonicalAddress(n.ip);
    if (ip) nodes.set(ip, n.name);
  }
  const services = new Map<string, ServiceInfo>();
  for (const svc of inv.services) {
    const backends = (byNamespace.get(svc.namespace) ?? []).filter((p) => selects(svc.selector, p.endpoint.labels));
    // A Service's target ports are ports its backends serve, declared or not.
    for (const b of backends) {
      for (const sp of svc.ports) {
        const target = targetPortOn(sp, b.namedPorts);
        if (target !== undefined) b.listens.add(portKey(target, sp.protocol));
      }
    }
    const ip = svc.clusterIP && svc.clusterIP !== 'None' ? canonicalAddress(svc.clusterIP) : undefined;
    if (ip) services.set(ip, { key: `${svc.namespace}/${svc.name}`, service: svc, backends });
  }
  return { pods, hostPods, nodes, services };
}

/** Inventory snapshots over time, answering "what was this address at that moment". */
export class InventoryTimeline {
  private readonly pods = new IntervalIndex<PodInfo>();
  private readonly hostPods = new IntervalIndex<PodInfo[]>();
  private readonly nodes = new IntervalIndex<string>();
  private readonly services = new IntervalIndex<ServiceInfo>();
  private readonly vpc: CidrSet;
  private readonly prefixV4: number;
  private readonly prefixV6: number;
  private readonly graceMs: number;
  private readonly classified = new Map<string, Endpoint>();
  private readonly nodeEndpoints = new Map<string, NodeEndpoint>();
  private readonly serviceTargets = new Map<ServiceInfo, PodInfo>();
  readonly snapshots: readonly InventorySnapshot[];

  constructor(snapshots: readonly InventorySnapshot[], opts: ResolveOptions = {}) {
    this.vpc = new CidrSet(opts.vpcCidrs ?? DEFAULT_PRIVATE_CIDRS);
    this.prefixV4 = opts.externalPrefixV4 ?? 24;
    this.prefixV6 = opts.externalPrefixV6 ?? 48;
    this.graceMs = opts.graceMs ?? 10 * 60 * 1000;
    this.snapshots = [...snapshots].sort((a, b) => a.takenAt - b.takenAt);
    this.snapshots.forEach((snap, i) => {
      const from = i === 0 ? -Infinity : snap.takenAt;
      const to = i === this.snapshots.length - 1 ? Infinity : (this.snapshots[i + 1] as InventorySnapshot).takenAt;
      const idx = indexSnapshot(snap.inventory);
      for (const [ip, info] of idx.pods) this.pods.add(ip, from, to, `${info.endpoint.namespace}/${info.endpoint.pod}`, info);
      for (const [ip, list] of idx.hostPods) {
        this.hostPods.add(ip, from, to, list.map((p) => `${p.endpoint.namespace}/${p.endpoint.pod}`).sort().join(','), list);
      }
      for (const [ip, name] of idx.nodes) this.nodes.add(ip, from, to, name, name);
      for (const [ip, svc] of idx.services) {
        const sig = `${svc.key}|${svc.backends.map((b) => `${b.endpoint.namespace}/${b.endpoint.pod}`).sort().join(',')}`;
        this.services.add(ip, from, to, sig, svc);
      }
    });
  }

  get isEmpty(): boolean {
    return this.snapshots.length === 0;
  }

  /** Whether `ip` serves `port` at `at` (declared container port, Service target port or Service port). */
  listens(ip: string, port: number, protocol: Protocol, at: number): boolean {
    const key = portKey(port, protocol);
    const pod = this.pods.get(ip, at, this.graceMs);
    if (pod) return pod.listens.has(key);
    const svc = this.services.get(ip, at, this.graceMs);
    if (svc) return svc.service.ports.some((p) => p.port === port && p.protocol === protocol);
    const host = this.hostPods.get(ip, at, this.graceMs);
    return host ? host.some((p) => p.listens.has(key)) : false;
  }

  /** The pod with this IP at `at` (host-network pods are not returned: they share the node's IP). */
  podAt(ip: string, at: number): PodEndpoint | undefined {
    return this.pods.get(ip, at, this.graceMs)?.endpoint;
  }

  /** What `ip` was at `at`; `port` (on that address) picks Service targets and host-network pods. */
  resolve(ip: string, at: number, port?: number, protocol: Protocol = 'TCP'): Resolution {
    const svc = this.services.get(ip, at, this.graceMs);
    if (svc && svc.backends.length > 0) {
      const viaService = this.throughService(svc, port, protocol);
      if (viaService) return viaService;
    }
    const pod = this.pods.get(ip, at, this.graceMs);
    if (pod) return { endpoint: pod.endpoint, port };
    const host = this.hostPods.get(ip, at, this.graceMs);
    if (host && port !== undefined) {
      const key = portKey(port, protocol);
      let serving: PodInfo | undefined;
      for (const p of host) if (p.listens.has(key) && (!serving || p.endpoint.pod < serving.endpoint.pod)) serving = p;
      if (serving) return { endpoint: serving.endpoint, port };
    }
    const node = this.nodes.get(ip, at, this.graceMs) ?? host?.[0]?.endpoint.nodeName;
    if (node) return { endpoint: this.nodeEndpoint(ip, node), port };
    return { endpoint: this.classify(ip), port };
  }

  private nodeEndpoint(ip: string, node: string): NodeEndpoint {
    const key = `${ip}|${node}`;
    let e = this.nodeEndpoints.get(key);
    if (!e) {
      e = { kind: 'node', ip, node };
      this.nodeEndpoints.set(key, e);
    }
    return e;
  }

  /** VPC or external, for addresses the inventory does not know. Cached: it is time-independent. */
  classify(ip: string): VpcEndpoint | ExternalEndpoint {
    let e = this.classified.get(ip) as VpcEndpoint | ExternalEndpoint | undefined;
    if (e) return e;
    const cidr = this.vpc.match(ip);
    e = cidr ? { kind: 'vpc', ip, cidr } : { kind: 'external', ip, network: networkOf(ip, this.prefixV4, this.prefixV6) };
    if (this.classified.size > 200_000) this.classified.clear();
    this.classified.set(ip, e);
    return e;
  }

  private throughService(svc: ServiceInfo, port: number | undefined, protocol: Protocol): Resolution | undefined {
    let backend = this.serviceTargets.get(svc);
    if (!backend) {
      // Backends of one Service are normally one workload; when not, the largest one stands for it.
      const byWorkload = new Map<string, PodInfo[]>();
      for (const b of svc.backends) {
        const k = workloadKey(b.endpoint.workload);
        byWorkload.set(k, [...(byWorkload.get(k) ?? []), b]);
      }
      const [, members] = [...byWorkload].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0] as [string, PodInfo[]];
      backend = [...members].sort((a, b) => a.endpoint.pod.localeCompare(b.endpoint.pod))[0]!;
      this.serviceTargets.set(svc, backend);
    }
    if (port === undefined) return { endpoint: backend.endpoint, service: svc.key };
    const sp = svc.service.ports.find((p) => p.port === port && p.protocol === protocol);
    if (!sp) return undefined;
    const target = targetPortOn(sp, backend.namedPorts);
    if (target === undefined) return undefined;
    return { endpoint: backend.endpoint, port: target, service: svc.key };
  }
}

/** A timeline of one inventory, valid at all times (the `--cluster FILE` case). */
export function timelineOf(inventory: ClusterInventory, opts: ResolveOptions = {}): InventoryTimeline {
  return new InventoryTimeline([{ takenAt: 0, inventory }], opts);
}
