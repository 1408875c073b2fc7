/**
 * Flow records as parsed from the two input formats, before direction inference.
 * Times are epoch milliseconds throughout the flows code; ISO strings only at the edges.
 */
export const FLOW_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type FlowProtocol = (typeof FLOW_PROTOCOLS)[number];

export interface FlowRecord {
  src: string;
  dst: string;
  /** Absent in the JSON-lines format, which names only the destination port. */
  srcPort?: number;
  dstPort: number;
  protocol: FlowProtocol;
  bytes: number;
  packets: number;
  start: number;
  end: number;
  /** REJECT: a security group or network ACL dropped it (kept, but never counted as a working path). */
  action: 'ACCEPT' | 'REJECT';
  /**
   * The source format already says who initiated (JSON lines: src → dst:dstPort). VPC Flow Logs
   * records are per direction per interface and need inference (shared/flows/direction.ts).
   */
  oriented: boolean;
  /** VPC Flow Logs `tcp-flags`: OR of FIN 1, SYN 2, RST 4, SYN-ACK 18 over the capture window. */
  tcpFlags?: number;
  /** VPC Flow Logs `flow-direction`, relative to the interface that captured the record. */
  flowDirection?: 'ingress' | 'egress';
}

export const TcpFlag = { FIN: 1, SYN: 2, RST: 4, ACK: 16 } as const;

/** Counters for one parse run; reasons are stable keys that summaries and metrics use. */
export interface FlowParseStats {
  lines: number;
  records: number;
  /** Records deliberately not used: NODATA, SKIPDATA, protocols a NetworkPolicy cannot express. */
  skipped: Record<string, number>;
  /** Malformed input, by reason. */
  rejected: Record<string, number>;
  /** Records the VPC itself rejected (action REJECT); they are parsed and counted here. */
  networkRejected: number;
}

export function emptyParseStats(): FlowParseStats {
  return { lines: 0, records: 0, skipped: {}, rejected: {}, networkRejected: 0 };
}

export function bump(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

export function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) bump(into, k, v);
}
