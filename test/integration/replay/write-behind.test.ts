/**
 * Replay's write-behind (infra/local/runtime.ts, replayWriteAfterMs): the process is the
 * table's only writer, so writing profiles once at the end, once an event-time hour (--state),
 * or after every payload, as an instance without a cache would, must find exactly the same
 * anomalies, responses and sequences; only the number of writes differs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLocalConfig } from '#infra/local/load-config';
import { runPipeline } from '#infra/local/pipeline';
import type { Outputs } from '#infra/local/outputs';
import { DEMO_CLUSTER, demoAuditLines } from '#infra/local/scenario/demo-cluster';
import { scenario } from '#test/eval/scenario/scenario';

/** Everything a replay reports except how it got there (DynamoDB request counts, wall times). */
function findings(out: Outputs): unknown {
  const { dynamodb: _d, wallTimeMs: _w, ...summary } = out.summary;
  // An Enforcement Action's envelope carries the wall-clock time it was put on the bus.
  const events = (list: Outputs['anomalies']) => list.map(({ time: _t, ...e }) => e);
  return { anomalies: events(out.anomalies), enforcement: events(out.enforcement), sequences: events(out.sequences), policies: out.policies, summary };
}

describe('replay write-behind', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-write-behind-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, () => string[]]> = [
    ['the demo (baselines, then stolen credentials and enforcement)', demoAuditLines],
    // Two evaluation days at a twentieth of the scale (about 17,000 events): kubelets, controllers, CI and people, over midnight.
    ['two days of the evaluation cluster', () => [...scenario({ days: 2, scale: 0.02 }).hours].flatMap((h) => h.map((x) => JSON.stringify(x.e)))],
  ];

  it.each(cases)('%s: the same outputs whenever profiles are written', async (name, lines) => {
    const file = join(dir, `${name.length}.jsonl`);
    const all = lines();
    writeFileSync(file, all.join('\n') + '\n');
    const config = defaultLocalConfig(DEMO_CLUSTER);
    const now = () => new Date('2026-11-20T00:00:00Z');
    const run = (extra: { writeAfterMs?: number; statePath?: string }) => runPipeline({ auditFiles: [file], flowFiles: [] }, { config, enforce: 'dry-run', now, ...extra });
    const atEnd = await run({});
    const hourly = await run({ statePath: join(dir, `state-${name.length}`) });
    const everyPayload = await run({ writeAfterMs: 0 });
    expect(atEnd.summary.events.accepted).toBeGreaterThan(all.length * 0.9);
    expect(atEnd.anomalies.length).toBeGreaterThan(0);
    expect(findings(hourly)).toEqual(findings(atEnd));
    expect(findings(everyPayload)).toEqual(findings(atEnd));
    // The knob did something: writing after every payload writes far more.
    expect(everyPayload.summary.dynamodb.writes).toBeGreaterThan(atEnd.summary.dynamodb.writes * 1.5);
  }, 300_000);
});
