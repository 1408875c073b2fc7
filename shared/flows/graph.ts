/**
 * The flow graph: flows aggregated per (source peer, destination peer, port, protocol), where a
 * peer is a workload (`namespace/Kind/name`), a node (`node:<name>`), a VPC address
 * (`vpc:<ip>`) or an external network (`ext:<cidr>`). Pure: shared/flows/graph-store.ts
 * persists it, the detectors and the policy advisor read it.
 */
import type { FlowEvidence } from '../events/schema';
import type { Endpoint, EndpointKind } from '../inventory/resolve';
import { workloadKey } from '../inventory/workload';
import type { OrientedFlow } from './direction';
import type { FlowProtocol } from './types';

export const HOUR_MS = 60 * 60 * 1000;

/** A flow with both ends resolved; `port` is the port on the destination (Service ports mapped to targets). */
export interface ResolvedFlow extends OrientedFlow {
  src: Endpoint;
  dst: Endpoint;
  /** `namespace/name` when the destination address was a Service ClusterIP. */
  service?: string;
}

const peerKeys = new WeakMap<Endpoint, string>();

/** The graph key of an endpoint (cached per endpoint object: resolution reuses them). */
export function peerKey(e: Endpoint): string {
  let k = peerKeys.get(e);
  if (k !== undefined) return k;
  switch (e.kind) {
    case 'pod':
      k = workloadKey(e.workload);
      break;
    case 'node':
      k = `node:${e.node}`;
      break;
    case 'vpc':
      k = `vpc:${e.ip}`;
      break;
    case 'external':
      k = `ext:${e.network}`;
      break;
  }
  peerKeys.set(e, k);
  return k;
}

interface Sample {
  src: string;
  dst: string;
  bytes: number;
  packets: number;
  start: number;
  end: number;
}

export interface Edge {
  src: string;
  dst: string;
  port: number;
  protocol: FlowProtocol;
  srcKind: EndpointKind;
  dstKind: EndpointKind;
  /** Both directions of the connections. */
  bytes: number;
  /** Client → server only: what the source sent. */
  bytesSent: number;
  packets: number;
  /** Flow records folded in. */
  records: number;
  first: number;
  last: number;
  /** Bytes sent per hour (hour index = epoch ms / 1 h), for volume baselines. */
  hourlySent: Map<number, number>;
  /** One endpoint of each side as seen (the first), for pod, service account and labels. */
  srcEndpoint: Endpoint;
  dstEndpoint: Endpoint;
  services: Set<string>;
  /** Per (client address, server address): the connections behind the edge, for evidence. */
  samples: Map<string, Map<string, Sample>>;
  sampleCount: number;
  /**
   * Every distinct pair of resolved ends (pod `ns/name`, else the address), with counts: only
   * when the builder tracks pairs (policy advice verifies each of them with the simulator).
   */
  pairs?: Map<string, ObservedPair>;
}

export interface ObservedPair {
  /** `ns/name` for a pod (host-network pods included), else the address. */
  src: string;
  dst: string;
  records: number;
  bytes: number;
}

/** How the simulator names an endpoint: a pod by `ns/name`, anything else by address. */
export function endpointRef(e: Endpoint): string {
  return e.kind === 'pod' ? `${e.namespace}/${e.pod}` : e.ip;
}

const MAX_SAMPLES = 8;
const PROTO_INDEX: Record<string, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/**
 * Aggregates resolved flows; rejected (action REJECT) flows are counted, never turned into
 * edges. Keys are interned numbers rather than concatenated strings: this runs per record.
 */
export class FlowGraphBuilder {
  constructor(private readonly opts: { trackPairs?: boolean } = {}) {}

  private readonly index = new Map<number, Map<number, Edge>>();
  private readonly peerIds = new Map<string, number>();
  private readonly all: Edge[] = [];
  rejectedFlows = 0;
  flows = 0;

  private idOf(key: string): number {
    let id = this.peerIds.get(key);
    if (id === undefined) {
      id = this.peerIds.size;
      this.peerIds.set(key, id);
    }
    return id;
  }

  add(f: ResolvedFlow): void {
    this.addResolved(f, f.src, f.dst, f.port, f.service);
  }

  /** `add` without building a ResolvedFlow: the oriented flow plus its resolved ends. */
  addResolved(f: OrientedFlow, srcEp: Endpoint, dstEp: Endpoint, port: number, service?: string): void {
    this.addParts(f.client, f.server, f.protocol, f.bytesSent, f.bytesReceived, f.packets, f.start, f.end, f.action, srcEp, dstEp, port, service);
  }

  /** The per-record path, with primitive arguments: no object is built per record. */
  addParts(
    client: string,
    server: string,
    protocol: FlowProtocol,
    bytesSent: number,
    bytesReceived: number,
    packets: number,
    start: number,
    end: number,
    action: OrientedFlow['action'],
    srcEp: Endpoint,
    dstEp: Endpoint,
    port: number,
    service?: string,
  ): void {
    if (action === 'REJECT') {
      this.rejectedFlows += 1;
      return;
    }
    this.flows += 1;
    const src = peerKey(srcEp);
    const dst = peerKey(dstEp);
    const pair = this.idOf(src) * 1_048_576 + this.idOf(dst);
    let byPort = this.index.get(pair);
    if (!byPort) {
      byPort = new Map();
      this.index.set(pair, byPort);
    }
    const pk = port * 4 + (PROTO_INDEX[protocol] ?? 3);
    let e = byPort.get(pk);
    if (!e) {
      e = {
        src, dst, port, protocol, srcKind: srcEp.kind, dstKind: dstEp.kind,
        bytes: 0, bytesSent: 0, packets: 0, records: 0, first: start, last: end,
        hourlySent: new Map(), srcEndpoint: srcEp, dstEndpoint: dstEp, services: new Set(), samples: new Map(), sampleCount: 0,
      };
      byPort.set(pk, e);
      this.all.push(e);
    }
    e.bytes += bytesSent + bytesReceived;
    e.bytesSent += bytesSent;
    e.packets += packets;
    e.records += 1;
    if (start < e.first) e.first = start;
    if (end > e.last) e.last = end;
    if (bytesSent > 0) {
      const h = Math.floor(start / HOUR_MS);
      e.hourlySent.set(h, (e.hourlySent.get(h) ?? 0) + bytesSent);
    }
    if (service !== undefined) e.services.add(service);
    let byServer = e.samples.get(client);
    let s = byServer?.get(server);
    if (!s && e.sampleCount < MAX_SAMPLES) {
      s = { src: client, dst: server, bytes: 0, packets: 0, start, end };
      if (!byServer) {
        byServer = new Map();
        e.samples.set(client, byServer);
      }
      byServer.set(server, s);
      e.sampleCount += 1;
    }
    if (s) {
      s.bytes += bytesSent + bytesReceived;
      s.packets += packets;
      if (start < s.start) s.start = start;
      if (end > s.end) s.end = end;
    }
    if (this.opts.trackPairs) {
      const a = endpointRef(srcEp);
      const b = endpointRef(dstEp);
      const key = `${a}>${b}`;
      e.pairs ??= new Map();
      const p = e.pairs.get(key);
      if (p) {
        p.records += 1;
        p.bytes += bytesSent + bytesReceived;
      } else e.pairs.set(key, { src: a, dst: b, records: 1, bytes: bytesSent + bytesReceived });
    }
  }

  get size(): number {
    return this.all.length;
  }

  /** Edges in a stable order (by source, destination, port, protocol). */
  list(): Edge[] {
    return [...this.all].sort((a, b) => compareEdges(a, b));
  }
}

export function compareEdges(a: Pick<Edge, 'src' | 'dst' | 'port' | 'protocol'>, b: Pick<Edge, 'src' | 'dst' | 'port' | 'protocol'>): number {
  if (a.src !== b.src) return a.src < b.src ? -1 : 1;
  if (a.dst !== b.dst) return a.dst < b.dst ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  return a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

/** Flow evidence for an edge: the largest connections by bytes, addresses and counts only. */
export function edgeEvidence(e: Edge, max = 5): FlowEvidence[] {
  return [...e.samples.values()]
    .flatMap((m) => [...m.values()])
    .sort((a, b) => b.bytes - a.bytes || (a.src + a.dst < b.src + b.dst ? -1 : 1))
    .slice(0, max)
    .map((s) => ({
      src: s.src,
      dst: s.dst,
      dstPort: e.port,
      protocol: e.protocol,
      bytes: s.bytes,
      packets: s.packets,
      start: new Date(s.start).toISOString(),
      end: new Date(s.end).toISOString(),
      peer: e.dst,
    }));
}
