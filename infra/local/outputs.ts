/**
 * The outputs of `replay` and `demo` (README.md#command-line, Outputs), written to `--out`:
 * anomalies.jsonl, enforcement.jsonl and sequences.jsonl (each line exactly as an EventBridge
 * target receives it; a sequence once, as last published), policies/<namespace>/<name>.yaml,
 * and summary.json.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { safeSegment } from '#shared/text';
import type { NetworkPolicy } from '#shared/netpol-api/types';
import type { RuntimeIngestReport } from '#shared/runtime/ingest';
import type { BusEvent } from './bus';

export interface Summary {
  events: {
    read: number;
    accepted: number;
    rejected: Record<string, number>;
    ignored: Record<string, number>;
  };
  /** Present when flows were replayed. */
  flows?: {
    lines: number;
    records: number;
    rejected: Record<string, number>;
    skipped: Record<string, number>;
    /** Records the VPC itself rejected (action REJECT): counted, never turned into paths. */
    networkRejected: number;
    edges: number;
    workloads: number;
    anomalies: number;
  };
  /** Present when Resolver query logs were replayed (`--dns`): what ingest-dns read and found. */
  dns?: { queries: number; rejected: Record<string, number>; unattributed: number; workloads: number; redelivered: number; anomalies: number };
  /** What ingest-runtime read: the `--runtime` files and the anomalies the bus routed to it. */
  runtime: Pick<RuntimeIngestReport, 'received' | 'signals' | 'rejected' | 'ignored' | 'joined' | 'unjoined' | 'unjoinedSignals'>;
  /** Attack sequences: distinct stories, and how often they were published (a story that grows is published again). */
  sequences: { total: number; published: number; redelivered: number; bySeverity: Record<string, number> };
  principals: number;
  anomalies: { total: number; bySeverity: Record<string, number>; byCategory: Record<string, number> };
  actions: { total: number; byKind: Record<string, number>; byOutcome: Record<string, number> };
  dynamodb: { reads: number; writes: number };
  /** Deliveries the local bus gave up on after retries (never silently lost). */
  failedDeliveries: number;
  wallTimeMs: number;
}

export interface Outputs {
  anomalies: BusEvent[];
  enforcement: BusEvent[];
  /** Each attack sequence once, as last published. */
  sequences: BusEvent[];
  policies: NetworkPolicy[];
  summary: Summary;
}

const jsonl = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');

export function writeOutputs(outDir: string, out: Outputs): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'anomalies.jsonl'), jsonl(out.anomalies));
  writeFileSync(join(outDir, 'enforcement.jsonl'), jsonl(out.enforcement));
  writeFileSync(join(outDir, 'sequences.jsonl'), jsonl(out.sequences));
  // Policies of an earlier run in the same folder would be mistaken for this run's.
  rmSync(join(outDir, 'policies'), { recursive: true, force: true });
  for (const p of out.policies) {
    // Namespace and name come from the audit log: `../../etc` must stay a file inside --out.
    const dir = join(outDir, 'policies', safeSegment(p.metadata.namespace));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${safeSegment(p.metadata.name)}.yaml`), stringify(p, { lineWidth: 0 }));
  }
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(out.summary, null, 2) + '\n');
}
