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

export interface Decision {
  server: Side;
  client: Side;
  by: InferredBy;
}

const PROTO_INDEX: Record<string, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/** The direct evidence about one connection: tcp-flags, then the inventory. Undefined when neither decides. */
export function decideByEvidence(records: readonly FlowRecord[], a: Side, b: Side, protocol: FlowProtocol, hints: PortHints): Decision | undefined {
  const pick = (server: Side, by: InferredBy): Decision => ({ server, client: server === a ? b : a, by });
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
  return undefined;
}

/** The statistical fallbacks: fan-in within the batch, port ranges, the lower port. */
export function decideByFallback(a: Side, b: Side, fanA: number, fanB: number): Decision {
  const pick = (server: Side, by: InferredBy): Decision => ({ server, client: server === a ? b : a, by });
  if (fanA >= 2 && fanA >= 2 * fanB) return pick(a, InferredBy.fanIn);
  if (fanB >= 2 && fanB >= 2 * fanA) return pick(b, InferredBy.fanIn);
  const ca = portClass(a.port);
  const cb = portClass(b.port);
  if (ca !== cb) return pick(ca < cb ? a : b, InferredBy.portClass);
  if (a.port !== b.port) return pick(a.port < b.port ? a : b, InferredBy.lowerPort);
  return pick(a.ip < b.ip ? a : b, InferredBy.lowerPort);
}

/**
 * Called once per record with its connection's orientation: `isRequest` when the record runs
 * client → server. No object is built per record: this runs on every flow record.
 */
export type OrientVisitor = (
  r: FlowRecord,
  client: string,
  clientPort: number | undefined,
  server: string,
  port: number,
  isRequest: boolean,
  by: InferredBy,
) => void;

/** Orients JSON-lines records, folding replies (see the module comment) into their request. */
function orientDeclared(records: readonly FlowRecord[], hints: PortHints, visit: OrientVisitor): void {
  // Ports each (src → dst) pair was declared on, to find the request a reply belongs to.
  const forward = new Map<string, number[]>();
  for (const r of records) {
    const k = `${r.protocol}|${r.src}|${r.dst}`;
    const list = forward.get(k) ?? [];
    if (!list.includes(r.dstPort)) list.push(r.dstPort);
    forward.set(k, list);
  }
  for (const r of records) {
    const reverse = forward.get(`${r.protocol}|${r.dst}|${r.src}`);
    if (reverse && !hints.listens(r.dst, r.dstPort, r.protocol, r.start)) {
      // The opposite record's port, if src serves it (inventory) or it is clearly a service port.
      const servedBySrc = reverse
        .filter((q) => hints.listens(r.src, q, r.protocol, r.start) || (portClass(r.dstPort) === 2 && portClass(q) < 2))
        .sort((x, y) => x - y)[0];
      if (servedBySrc !== undefined) {
        visit(r, r.dst, r.dstPort, r.src, servedBySrc, false, InferredBy.pairedReply);
        continue;
      }
    }
    visit(r, r.src, r.srcPort, r.dst, r.dstPort, true, InferredBy.declared);
  }
}

interface Group {
  records: FlowRecord[];
  a: number;
  b: number;
}

/**
 * Orients a batch of records, calling `visit` for each. Records must all come from one batch:
 * the fan-in and the pairing of both directions only see what is in it.
 */
export function orientEach(records: readonly FlowRecord[], hints: PortHints, visit: OrientVisitor): void {
  const declared: FlowRecord[] = [];
  // Endpoints as numbers (interned address, port, protocol); connections keyed by the unordered pair.
  const ipIds = new Map<string, number>();
  const idOf = (ip: string): number => {
    let id = ipIds.get(ip);
    if (id === undefined) {
      id = ipIds.size;
      ipIds.set(ip, id);
    }
    return id;
  };
  const groups = new Map<number, Map<number, Group>>();
  const ordered: Group[] = [];
  const srcNums: number[] = [];
  const dstNums: number[] = [];
  for (const r of records) {
    if (r.oriented || r.srcPort === undefined) {
      declared.push(r);
      continue;
    }
    const p = PROTO_INDEX[r.protocol] ?? 3;
    const a = (idOf(r.src) * 65536 + r.srcPort) * 4 + p;
    const b = (idOf(r.dst) * 65536 + r.dstPort) * 4 + p;
    srcNums.push(a);
    dstNums.push(b);
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    let inner = groups.get(lo);
    if (!inner) {
      inner = new Map();
      groups.set(lo, inner);
    }
    const g = inner.get(hi);
    if (g) g.records.push(r);
    else {
      const group: Group = { records: [r], a, b };
      inner.set(hi, group);
      ordered.push(group);
    }
  }
  if (declared.length > 0) orientDeclared(declared, hints, visit);

  const emit = (g: Group, d: Decision) => {
    for (const r of g.records) {
      const isRequest = r.dst === d.server.ip && r.dstPort === d.server.port && !(r.src === d.server.ip && r.srcPort === d.server.port);
      visit(r, d.client.ip, d.client.port, d.server.ip, d.server.port, isRequest, d.by);
    }
  };
  const undecided: Array<{ g: Group; a: Side; b: Side }> = [];
  for (const g of ordered) {
    const first = g.records[0] as FlowRecord;
    const a: Side = { ip: first.src, port: first.srcPort as number };
    const b: Side = { ip: first.dst, port: first.dstPort };
    const d = decideByEvidence(g.records, a, b, first.protocol, hints);
    if (d) emit(g, d);
    else undecided.push({ g, a, b });
  }
  if (undecided.length === 0) return;
  // Fan-in: distinct peer endpoints, counted only for the endpoints still undecided.
  const peers = new Map<number, Set<number>>();
  for (const u of undecided) {
    peers.set(u.g.a, new Set());
    peers.set(u.g.b, new Set());
  }
  for (let i = 0; i < srcNums.length; i++) {
    const s = srcNums[i] as number;
    const t = dstNums[i] as number;
    peers.get(s)?.add(t);
    peers.get(t)?.add(s);
  }
  for (const u of undecided) emit(u.g, decideByFallback(u.a, u.b, peers.get(u.g.a)?.size ?? 0, peers.get(u.g.b)?.size ?? 0));
}

/** Orients a batch of records into one object per record (see orientEach). */
export function orientFlows(records: readonly FlowRecord[], hints: PortHints = NO_HINTS): OrientedFlow[] {
  const out: OrientedFlow[] = [];
  orientEach(records, hints, (r, client, clientPort, server, port, isRequest, by) => {
    out.push({
      client, server, port, protocol: r.protocol, bytesSent: isRequest ? r.bytes : 0, bytesReceived: isRequest ? 0 : r.bytes,
      packets: r.packets, start: r.start, end: r.end, action: r.action, inferredBy: by,
      ...(clientPort !== undefined ? { clientPort } : {}),
    });
  });
  return out;
}
