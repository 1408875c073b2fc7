/**
 * Replay benchmark (README.md#performance):
 * - `replay.eventsPerSec`: `boundwatch replay` end to end (the pipeline the CLI runs: file
 *   reading, CloudWatch-sized payloads, the embedded DynamoDB-compatible server, ingest,
 *   detection, the bus, dry-run enforcement, outputs) over a realistic multi-day audit log: the
 *   evaluation's cluster model (controllers, kubelets, CI, people, attacks), written as JSON lines.
 * - `replay.floorEventsPerSec`: the same file read and JSON-parsed line by line, in the same run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '#shared/config';
import { readLines } from '#infra/local/input/files';
import { runPipeline } from '#infra/local/pipeline';
import { scenario } from '#test/eval/scenario/scenario';
import type { BenchSection } from './types';

const DAYS = Number(process.env.BENCH_REPLAY_DAYS ?? 2);

export async function bench(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-replay-'));
  try {
    const file = join(dir, 'audit.jsonl');
    const lines: string[] = [];
    for (const hour of scenario({ days: DAYS }).hours) for (const x of hour) lines.push(JSON.stringify(x.e));
    writeFileSync(file, lines.join('\n') + '\n');
    const events = lines.length;
    lines.length = 0;

    const floorStart = process.hrtime.bigint();
    let parsed = 0;
    for await (const { line } of readLines(file)) if (line && JSON.parse(line)) parsed += 1;
    const floorSec = Number(process.hrtime.bigint() - floorStart) / 1e9;

    const config = parseConfig({ clusters: [{ name: 'bench', auditLogGroup: '/aws/eks/bench/cluster' }] });
    const start = process.hrtime.bigint();
    const out = await runPipeline({ auditFiles: [file], flowFiles: [] }, { config, enforce: 'dry-run', progress: false });
    const sec = Number(process.hrtime.bigint() - start) / 1e9;
    const eventsPerSec = events / sec;
    const floorEventsPerSec = parsed / floorSec;
    return {
      title: `Replay: boundwatch replay over ${DAYS} days of the evaluation cluster (${events.toLocaleString('en-US')} audit events), one process`,
      rows: [
        ['replay end to end (read, payloads, ingest, detect, bus, dry-run enforcement, outputs)', `${Math.round(eventsPerSec).toLocaleString('en-US')} events/s (${sec.toFixed(1)} s)`],
        ['floor (read lines + JSON.parse)', `${Math.round(floorEventsPerSec).toLocaleString('en-US')} events/s`],
        ['ratio floor / replay', `${(floorEventsPerSec / eventsPerSec).toFixed(1)}×`],
        ['anomalies, enforcement actions', `${out.anomalies.length}, ${out.enforcement.length}`],
      ],
      results: {
        'replay.eventsPerSec': Math.round(eventsPerSec),
        'replay.floorEventsPerSec': Math.round(floorEventsPerSec),
        'replay.ratioToFloor': Number((floorEventsPerSec / eventsPerSec).toFixed(2)),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
