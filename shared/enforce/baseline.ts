/**
 * Where "tighten egress" learns what a workload normally talks to: the flow graph
 * (shared/flows/graph-store.ts), one edge per (destination, port, protocol). Only edges first
 * seen before the anomaly's window count as baseline, so the destination that raised the
 * anomaly is not allowed back in by its own evidence.
 */
import { readEdgesFrom, type GraphStoreDeps } from '../flows/graph-store';
import type { Protocol } from '../netpol-api/types';

export interface BaselineDestination {
  /** A flow-graph peer key: `ns/Kind/name`, `node:<name>`, `vpc:<ip>` or `ext:<cidr>`. */
  peer: string;
  port: number;
  protocol: Protocol;
}

export interface BaselineSource {
  /** Destinations `workload` (`ns/Kind/name`) used before `before`; undefined when the graph knows nothing of it. */
  destinations(workload: string, before: Date): Promise<BaselineDestination[] | undefined>;
}

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

export function flowGraphBaseline(deps: GraphStoreDeps): BaselineSource {
  return {
    async destinations(workload, before) {
      const edges = await readEdgesFrom(deps, workload);
      if (edges.length === 0) return undefined;
      const cutoff = before.toISOString();
      return edges
        .filter((e) => e.firstSeen !== '' && e.firstSeen < cutoff && PROTOCOLS.has(e.protocol))
        .map((e) => ({ peer: e.dst, port: e.port, protocol: e.protocol as Protocol }));
    },
  };
}

/** A fixed baseline, for callers that already hold the destinations. */
export function staticBaseline(byWorkload: Record<string, BaselineDestination[]>): BaselineSource {
  return { destinations: (workload) => Promise.resolve(byWorkload[workload]) };
}
