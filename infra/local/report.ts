/** What a person reads after `replay` or `demo`: tables of anomalies and actions, and the counts. */
import Table from 'cli-table3';
import type { AttackSequence, BehaviorAnomaly, EnforcementAction } from '#shared/events/schema';
import { inertLine } from '#shared/text';
import type { Outputs } from './outputs';

/** Colour only on a terminal: piped output and files stay plain text. */
const style = () => (process.stdout.isTTY ? {} : { style: { head: [], border: [] } });

function anomaliesTable(anomalies: BehaviorAnomaly[]): string {
  const t = new Table({ head: ['severity', 'score', 'category', 'principal', 'findings', 'when (UTC)'], wordWrap: true, colWidths: [10, 7, 9, 44, 40, 22], ...style() });
  for (const a of anomalies) {
    // Names and titles carry request text: escaped, so they cannot move the cursor or forge rows.
    t.push([a.severity, a.score, a.category, inertLine(a.principal.name), a.findings.map((f) => inertLine(f.title)).join('\n'), inertLine(a.window.start.slice(0, 19).replace('T', ' '))]);
  }
  return t.toString();
}

function actionsTable(actions: EnforcementAction[]): string {
  const t = new Table({ head: ['action', 'target', 'mode', 'outcome', 'reason / changes'], wordWrap: true, colWidths: [14, 40, 9, 10, 60], ...style() });
  for (const a of actions) {
    const target = `${a.target.kind} ${a.target.namespace ? `${a.target.namespace}/` : ''}${a.target.name}`;
    t.push([a.action, inertLine(target), a.mode, a.outcome, a.reason !== undefined ? inertLine(a.reason) : a.changes.map((c) => inertLine(c)).join('\n')]);
  }
  return t.toString();
}

/** One row per sequence; its signals in event-time order, each with its layer and tactics. */
function sequencesTable(sequences: AttackSequence[]): string {
  const t = new Table({ head: ['severity', 'attack sequence', 'signals (event time, layer: what)'], wordWrap: true, colWidths: [10, 44, 90], ...style() });
  for (const q of sequences) {
    const steps = q.signals.map((s) => inertLine(`${s.time.slice(0, 19).replace('T', ' ')} ${s.layer}: ${s.title}${s.tactics.length ? ` [${s.tactics.join(', ')}]` : ''}`));
    t.push([q.severity, `${inertLine(q.title)}\n${inertLine(q.id)}`, steps.join('\n')]);
  }
  return t.toString();
}

export function renderReport(out: Outputs, outDir: string): string {
  const s = out.summary;
  const lines: string[] = [];
  const anomalies = out.anomalies.map((e) => e.detail as BehaviorAnomaly);
  const actions = out.enforcement.map((e) => e.detail as EnforcementAction);
  const rejected = Object.entries(s.events.rejected);
  if (s.events.read > 0 || !s.flows) lines.push(
    `Read ${s.events.read} audit events from ${s.principals} principals; accepted ${s.events.accepted}` +
      (rejected.length ? `, rejected ${rejected.reduce((n, [, v]) => n + v, 0)} (${rejected.map(([k, v]) => `${k}: ${v}`).join(', ')})` : '') +
      '.',
  );
  if (s.flows) {
    const f = s.flows;
    const bad = Object.entries(f.rejected);
    const skipped = Object.values(f.skipped).reduce((n, v) => n + v, 0);
    lines.push(
      `Read ${f.lines} flow lines: ${f.records} records into ${f.edges} flow-graph edge updates from ${f.workloads} workloads` +
        (skipped ? `; skipped ${skipped} (${Object.entries(f.skipped).map(([k, v]) => `${k}: ${v}`).join(', ')})` : '') +
        (bad.length ? `; rejected ${bad.reduce((n, [, v]) => n + v, 0)} (${bad.map(([k, v]) => `${k}: ${v}`).join(', ')})` : '') +
        '.',
    );
  }
  lines.push(`DynamoDB: ${s.dynamodb.reads} reads, ${s.dynamodb.writes} writes. Wall time ${(s.wallTimeMs / 1000).toFixed(1)} s.`);
  lines.push('');
  if (anomalies.length === 0) lines.push('No anomalies.');
  else {
    lines.push(`${anomalies.length} anomal${anomalies.length === 1 ? 'y' : 'ies'} (${Object.entries(s.anomalies.bySeverity).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ')}):`);
    lines.push(anomaliesTable(anomalies));
  }
  const sequences = out.sequences.map((e) => e.detail as AttackSequence);
  const rt = s.runtime;
  const runtimeRead = Object.values(rt.received).reduce((n, v) => n + v, 0);
  if (runtimeRead > 0) {
    const bad = Object.entries(rt.rejected);
    lines.push('');
    lines.push(
      `Runtime: ${runtimeRead} records and anomalies into ${rt.signals} signals` +
        (rt.unjoined ? `; ${rt.unjoined} not joined to a known workload (kept, listed in summary.json)` : '') +
        (bad.length ? `; rejected ${bad.reduce((n, [, v]) => n + v, 0)} (${bad.map(([k, v]) => `${k}: ${v}`).join(', ')})` : '') +
        '.',
    );
  }
  if (sequences.length > 0) {
    lines.push('');
    lines.push(`${sequences.length} attack sequence${sequences.length === 1 ? '' : 's'}, each one story:`);
    lines.push(sequencesTable(sequences));
  }
  lines.push('');
  if (actions.length === 0) lines.push('No enforcement actions.');
  else {
    lines.push(`${actions.length} enforcement action${actions.length === 1 ? '' : 's'}:`);
    lines.push(actionsTable(actions));
  }
  if (s.failedDeliveries > 0) lines.push(`\n${s.failedDeliveries} event deliveries failed after retries (see stderr).`);
  lines.push('');
  lines.push(`Outputs in ${outDir}: anomalies.jsonl, enforcement.jsonl, sequences.jsonl, summary.json${out.policies.length ? `, policies/ (${out.policies.length} NetworkPolic${out.policies.length === 1 ? 'y' : 'ies'})` : ''}.`);
  return lines.join('\n') + '\n';
}
