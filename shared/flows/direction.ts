/**
 * Connection direction and destination-port inference.
 *
 * VPC Flow Logs write one record per direction per interface, with ephemeral ports above 1024
 * on either side and servers that listen on high ports (gRPC on 50051, say): the lower port is
 * not the service port. Records of one connection (both directions, several capture windows)
 * are grouped by their unordered endpoint pair, and one decision is made per connection, from
 * the strongest evidence available:
 *   1. tcp-flags: SYN without ACK comes from the client, SYN-ACK from the server;
 *   2. the inventory: the side whose address declares the port (container port, Service port
 *      or target port) is the server, when only one side does;
 *   3. fan-in within the batch: a server port talks to many peer endpoints, a client's
 *      ephemeral port to one;
 *   4. port ranges: well-known (< 1024) beats registered (1024-32767) beats ephemeral (>= 32768);
 *   5. last resort, the lower port (counted separately, so that reports show how much was guessed).
 * Both directions then fold into one oriented flow per record: request bytes count as sent,
 * reply bytes as received, so an edge carries the connection's traffic once.
 *
 * JSON-lines records are oriented by their format; a record that is really a reply (dst does
 * not serve dstPort, and the opposite record exists with a port src serves) is folded back.
 */
import { TcpFlag, type FlowProtocol, type FlowRecord } from './types';

export const InferredBy = {
  declared: 'declared',
  tcpFlags: 'tcp-flags',
  inventory: 'inventory',
  fanIn: 'fan-in',
  portClass: 'port-class',
  lowerPort: 'lower-port',
  pairedReply: 'paired-reply',
} as const;
export type InferredBy = (typeof InferredBy)[keyof typeof InferredBy];

export interface OrientedFlow {
  client: string;
  server: string;
  clientPort?: number;
  /** The service port on the server. */
  port: number;
  protocol: FlowProtocol;
  /** Client → server. */
  bytesSent: number;
  /** Server → client. */
  bytesReceived: number;
  packets: number;
  start: number;
  end: number;
  action: FlowRecord['action'];
  inferredBy: InferredBy;
}

export interface PortHints {
  /** Whether `ip` serves `port` at time `at` (from the inventory). */
  listens(ip: string, port: number, protocol: FlowProtocol, at: number): boolean;
}

const NO_HINTS: PortHints = { listens: () => false };

/** 0 well-known, 1 registered, 2 ephemeral (Linux ip_local_port_range starts at 32768). */
export function portClass(port: number): 0 | 1 | 2 {
  return port < 1024 ? 0 : port < 32768 ? 1 : 2;
}

/** Which side the flags say is the server: 'src' or 'dst' of this record, or undefined. */
export function serverSideFromFlags(flags: number | undefined): 'src' | 'dst' | undefined {
  if (flags === undefined) return undefined;
  if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK)) return 'src';
  if (flags & TcpFlag.SYN) return 'dst';
  return undefined;
}

interface Side {
  ip: string;
  port: number;
}

const endpointId = (ip: string, port: number, protocol: string): string => `${protocol}|${ip}|${port}`;

const PROTO_INDEX: Record<string, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/** Decides the server side of one connection; `a` and `b` are its two endpoints. */
export function decideServer(
  records: readonly FlowRecord[],
  a: Side,
  b: Side,
  protocol: FlowProtocol,
  hints: PortHints,
  fan: () => ReadonlyMap<string, number>,
): { server: Side; client: Side; by: InferredBy } {
  const pick = (server: Side, by: InferredBy) => ({ server, client: server === a ? b : a, by });
  if (protocol === 'TCP') {
    let vote: Side | undefined;
    let conflict = false;
    for (const r of records) {
      const side = serverSideFromFlags(r.tcpFlags);
      if (!side) continue;
      const ip = side === 'src' ? r.src : r.dst;
      const port = side === 'src' ? (r.srcPort as number) : r.dstPort;
      const s = ip === a.ip && port === a.port ? a : b;
      if (vote && vote !== s) conflict = true;
      vote = s;
    }
    if (vote && !conflict) return pick(vote, InferredBy.tcpFlags);
  }
  const at = records[0]?.start ?? 0;
  const aListens = hints.listens(a.ip, a.port, protocol, at);
  const bListens = hints.listens(b.ip, b.port, protocol, at);
  if (aListens !== bListens) return pick(aListens ? a : b, InferredBy.inventory);
  const fans = fan();
  const fa = fans.get(endpointId(a.ip, a.port, protocol)) ?? 0;
  const fb = fans.get(endpointId(b.ip, b.port, protocol)) ?? 0;
  if (fa >= 2 && fa >= 2 * fb) return pick(a, InferredBy.fanIn);
  if (fb >= 2 && fb >= 2 * fa) return pick(b, InferredBy.fanIn);
  const ca = portClass(a.port);
  const cb = portClass(b.port);
  if (ca !== cb) return pick(ca < cb ? a : b, InferredBy.portClass);
  if (a.port !== b.port) return pick(a.port < b.port ? a : b, InferredBy.lowerPort);
  return pick(a.ip < b.ip ? a : b, InferredBy.lowerPort);
}

/** Distinct peer endpoints per endpoint over the unoriented records of a batch. */
function fanIn(records: readonly FlowRecord[]): Map<string, number> {
  const peers = new Map<string, Set<string>>();
  const add = (self: string, peer: string) => {
    let s = peers.get(self);
    if (!s) {
      s = new Set();
      peers.set(self, s);
    }
    s.add(peer);
  };
  for (const r of records) {
    const s = endpointId(r.src, r.srcPort as number, r.protocol);
    const d = endpointId(r.dst, r.dstPort, r.protocol);
    add(s, d);
    add(d, s);
  }
  const out = new Map<string, number>();
  for (const [k, v] of peers) out.set(k, v.size);
  return out;
}

function oriented(r: FlowRecord, client: Side, server: Side, isRequest: boolean, by: InferredBy): OrientedFlow {
  return {
    client: client.ip,
    server: server.ip,
    clientPort: client.port,
    port: server.port,
    protocol: r.protocol,
    bytesSent: isRequest ? r.bytes : 0,
    bytesReceived: isRequest ? 0 : r.bytes,
    packets: r.packets,
    start: r.start,
    end: r.end,
    action: r.action,
    inferredBy: by,
  };
}

/** Orients JSON-lines records, folding replies (see the module comment) into their request. */
function orientDeclared(records: readonly FlowRecord[], hints: PortHints, out: OrientedFlow[]): void {
  // Ports each (src → dst) pair was declared on, to find the request a reply belongs to.
  const forward = new Map<string, number[]>();
  for (const r of records) {
    const k = `${r.protocol}|${r.src}|${r.dst}`;
    const list = forward.get(k) ?? [];
    if (!list.includes(r.dstPort)) list.push(r.dstPort);
    forward.set(k, list);
  }
  for (const r of records) {
    const base: OrientedFlow = {
      client: r.src, server: r.dst, port: r.dstPort, protocol: r.protocol, bytesSent: r.bytes, bytesReceived: 0,
      packets: r.packets, start: r.start, end: r.end, action: r.action, inferredBy: InferredBy.declared,
      ...(r.srcPort !== undefined ? { clientPort: r.srcPort } : {}),
    };
    const reverse = forward.get(`${r.protocol}|${r.dst}|${r.src}`);
    if (reverse && !hints.listens(r.dst, r.dstPort, r.protocol, r.start)) {
      // The opposite record's port, if src serves it (inventory) or it is clearly a service port.
      const servedBySrc = reverse
        .filter((q) => hints.listens(r.src, q, r.protocol, r.start) || (portClass(r.dstPort) === 2 && portClass(q) < 2))
        .sort((x, y) => x - y)[0];
      if (servedBySrc !== undefined) {
        out.push({
          ...base, client: r.dst, server: r.src, clientPort: r.dstPort, port: servedBySrc, bytesSent: 0, bytesReceived: r.bytes,
          inferredBy: InferredBy.pairedReply,
        });
        continue;
      }
    }
    out.push(base);
  }
}

/**
 * Orients a batch of records. Records must all come from one batch: the fan-in and the
 * pairing of both directions only see what is in it.
 */
export function orientFlows(records: readonly FlowRecord[], hints: PortHints = NO_HINTS): OrientedFlow[] {
  const out: OrientedFlow[] = [];
  const declared: FlowRecord[] = [];
  // Connections keyed by their unordered endpoint pair, with interned addresses (no strings per record).
  const ipIds = new Map<string, number>();
  const idOf = (ip: string): number => {
    let id = ipIds.get(ip);
    if (id === undefined) {
      id = ipIds.size;
      ipIds.set(ip, id);
    }
    return id;
  };
  const groups = new Map<number, Map<number, FlowRecord[]>>();
  const ordered: FlowRecord[][] = [];
  const unoriented: FlowRecord[] = [];
  for (const r of records) {
    if (r.oriented || r.srcPort === undefined) {
      declared.push(r);
      continue;
    }
    unoriented.push(r);
    const a = (idOf(r.src) * 65536 + r.srcPort) * 4 + (PROTO_INDEX[r.protocol] ?? 3);
    const b = (idOf(r.dst) * 65536 + r.dstPort) * 4 + (PROTO_INDEX[r.protocol] ?? 3);
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    let inner = groups.get(lo);
    if (!inner) {
      inner = new Map();
      groups.set(lo, inner);
    }
    const g = inner.get(hi);
    if (g) g.push(r);
    else {
      const list = [r];
      inner.set(hi, list);
      ordered.push(list);
    }
  }
  if (declared.length > 0) orientDeclared(declared, hints, out);
  if (ordered.length === 0) return out;
  // Fan-in is only computed when some connection needs it.
  let fan: Map<string, number> | undefined;
  const lazyFan = () => (fan ??= fanIn(unoriented));
  for (const group of ordered) {
    const first = group[0] as FlowRecord;
    const a: Side = { ip: first.src, port: first.srcPort as number };
    const b: Side = { ip: first.dst, port: first.dstPort };
    const { server, client, by } = decideServer(group, a, b, first.protocol, hints, lazyFan);
    for (const r of group) {
      const isRequest = r.dst === server.ip && r.dstPort === server.port && !(r.src === server.ip && r.srcPort === server.port);
      out.push(oriented(r, client, server, isRequest, by));
    }
  }
  return out;
}
