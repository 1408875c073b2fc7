/**
 * `npm run eval`: the detection evaluation (evaluate.ts) at full size, printed as tables, with
 * the targets checked: every technique detected at MEDIUM or above, at most 5 false alarms at
 * MEDIUM or above per million benign events judged after learning, and none on the
 * look-new-but-benign events. Exits 1 when a target is missed.
 *
 * Both cluster models gate: the shop cluster and the platform cluster (evaluate.ts).
 *
 * Options: --days N (14) --scale X (0.4, machine-traffic factor) --seed N --model shop|platform --json FILE
 */
import { writeFileSync } from 'node:fs';
import Table from 'cli-table3';
import { EVAL_MODELS, evaluate, type EvalResult } from './evaluate';

const MAX_FALSE_ALARMS_PER_MILLION = 5;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const plain = process.stdout.isTTY ? {} : { style: { head: [], border: [] } };

function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function report(r: EvalResult): { text: string; failures: string[] } {
  const lines: string[] = [];
  const failures: string[] = [];
  const t = new Table({ head: ['technique', 'source', 'detected', 'severity', 'finding types', 'time to detect'], wordWrap: true, colWidths: [46, 8, 10, 10, 52, 10], ...plain });
  for (const x of r.techniques) {
    t.push([x.id, x.source, x.detected ? 'yes' : 'NO', x.severity ?? '-', x.findingTypes.join(', ') || '-', duration(x.timeToDetectMs)]);
    if (!x.detected) failures.push(`technique ${x.id} not detected at MEDIUM or above`);
    else if (x.expected && !x.expected.met) failures.push(`technique ${x.id} not raised at ${x.expected.severity} or above on ${x.expected.principal}`);
  }
  lines.push(`Cluster model: ${r.model}`);
  lines.push(`Techniques: ${r.techniques.filter((x) => x.detected).length}/${r.techniques.length} detected at MEDIUM or above; ${r.techniques.filter((x) => x.expected?.met).length}/${r.techniques.filter((x) => x.expected).length} at their expected severity on the expected principal`);
  lines.push(t.toString());

  const l = new Table({ head: ['look-new-but-benign event', 'events', 'alarms (MEDIUM+)'], ...plain });
  for (const x of r.lookalikes) {
    l.push([x.id, x.events, x.alarms.length]);
    if (x.alarms.length > 0) failures.push(`look-new-but-benign ${x.id} raised ${x.alarms.length} alarm(s)`);
    if (x.events === 0) failures.push(`look-new-but-benign ${x.id} produced no events`);
  }
  lines.push('', l.toString());

  lines.push(
    '',
    `Benign events: ${r.benignEvents.toLocaleString('en-US')} over ${r.days} days, of which ${r.benignJudged.toLocaleString('en-US')} judged after the ${r.learningDays}-day learning period; ${r.principals} principals.`,
    `False alarms at MEDIUM or above: ${r.falseAlarms.length} (${r.falseAlarmsPerMillion.toFixed(2)} per million benign judged events; target ≤ ${MAX_FALSE_ALARMS_PER_MILLION}).`,
  );
  for (const a of r.falseAlarms) lines.push(`  ${a.window.start} ${a.severity} ${a.principal.name}: ${a.findings.map((f) => f.type).join(', ')}`);
  lines.push(
    `Anomalies: ${r.anomalies.total} (${Object.entries(r.anomalies.bySeverity).map(([k, v]) => `${v} ${k}`).join(', ')}), including the learning period and the attacks.`,
    `Wall time ${(r.wallMs / 1000).toFixed(1)} s for ${r.events.toLocaleString('en-US')} events (${Math.round(r.events / (r.wallMs / 1000)).toLocaleString('en-US')} events/s, generation included).`,
  );
  lines.push(`HIGH or above on platform controllers during learning: ${r.platformHighDuringLearning.length} (target 0).`);
  for (const a of r.platformHighDuringLearning) {
    lines.push(`  ${a.window.start} ${a.severity} ${a.principal.name}: ${a.findings.map((f) => f.type).join(', ')}`);
    failures.push(`${a.severity} on platform controller ${a.principal.name} during learning`);
  }
  if (r.falseAlarmsPerMillion > MAX_FALSE_ALARMS_PER_MILLION) failures.push(`${r.falseAlarmsPerMillion.toFixed(2)} false alarms per million exceeds ${MAX_FALSE_ALARMS_PER_MILLION}`);
  if (r.benignJudged < 1_000_000) lines.push(`Note: fewer than a million benign judged events at this size; the rate is less precise.`);
  return { text: lines.join('\n'), failures };
}

function main(): void {
  const days = Number(arg('days') ?? 14);
  const scale = Number(arg('scale') ?? 0.4);
  const seed = arg('seed') !== undefined ? Number(arg('seed')) : undefined;
  const only = arg('model');
  const models = EVAL_MODELS.filter((m) => only === undefined || only === m);
  const failures: string[] = [];
  const results: Array<Record<string, unknown>> = [];
  for (const model of models) {
    process.stderr.write(`boundwatch eval (${model} cluster): ${days} days, machine-traffic scale ${scale}${seed !== undefined ? `, seed ${seed}` : ''}\n`);
    const r = evaluate({
      model,
      days,
      scale,
      ...(seed !== undefined ? { seed } : {}),
      onHour: (h, total, events) => {
        if (h % 24 === 0) process.stderr.write(`  day ${h / 24}/${total / 24}: ${events.toLocaleString('en-US')} events\n`);
      },
    });
    const out = report(r);
    process.stdout.write(`${out.text}\n\n`);
    failures.push(...out.failures.map((f) => `${model}: ${f}`));
    results.push({ ...r, falseAlarms: r.falseAlarms.map((a) => ({ id: a.id, principal: a.principal.name, severity: a.severity, window: a.window, types: a.findings.map((f) => f.type) })), lookalikes: r.lookalikes.map((x) => ({ id: x.id, events: x.events, alarms: x.alarms.length })), platformHighDuringLearning: r.platformHighDuringLearning.map((a) => a.id) });
  }
  const json = arg('json');
  if (json) writeFileSync(json, JSON.stringify(results, null, 2));
  if (failures.length) {
    process.stdout.write(`Targets missed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  } else process.stdout.write('All targets met on every cluster model.\n');
}

if (require.main === module) main();
