/** What a person reads after `replay` or `demo`: tables of anomalies and actions, and the counts. */
import type { AttackSequence, BehaviorAnomaly, EnforcementAction } from '#shared/events/schema';
import { inertLine } from '#shared/text';
import type { Outputs } from './outputs';

/**
 * The report's tables, drawn here rather than by cli-table3: its cells measure their whole text
 * for a debug line on every line they draw, character by character for multi-line text, so
 * seven actions with their API-call lines took 25 s of CPU to print. Cells are broken to the
 * column's width first (words, then anything longer than the column), so nothing is cut.
 */
export function fitCell(text: string, colWidth: number): string[] {
  const width = Math.max(1, colWidth - 2);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let cur = '';
    for (const word of line.split(' ')) {
      const next = cur === '' ? word : `${cur} ${word}`;
      if (next.length <= width) {
        cur = next;
        continue;
      }
      if (cur !== '') out.push(cur);
      cur = word;
      while (cur.length > width) {
        out.push(cur.slice(0, width));
        cur = cur.slice(width);
      }
    }
    out.push(cur);
  }
  return out;
}

/** A boxed table of fixed column widths (each width counts one space of padding on either side). */
export function drawTable(head: string[], widths: number[], rows: Array<Array<string | number>>): string {
  const rule = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w)).join(m) + r;
  const body = (cells: Array<string | number>) => {
    const lines = cells.map((c, i) => fitCell(String(c), widths[i]!));
    const height = Math.max(...lines.map((l) => l.length));
    return Array.from({ length: height }, (_, k) => '│' + lines.map((l, i) => ` ${(l[k] ?? '').padEnd(widths[i]! - 2)} `).join('│') + '│');
  };
  const out = [rule('┌', '┬', '┐'), ...body(head)];
  for (const r of rows) out.push(rule('├', '┼', '┤'), ...body(r));
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}

function anomaliesTable(anomalies: BehaviorAnomaly[]): string {
  const rows = anomalies.map((a) =>
    // Names and titles carry request text: escaped, so they cannot move the cursor or forge rows.
    [a.severity, a.score, a.category, inertLine(a.principal.name), a.findings.map((f) => inertLine(f.title)).join('\n'), inertLine(a.window.start.slice(0, 19).replace('T', ' '))],
  );
  return drawTable(['severity', 'score', 'category', 'principal', 'findings', 'when (UTC)'], [10, 7, 9, 44, 40, 22], rows);
}

function actionsTable(actions: EnforcementAction[]): string {
  const rows = actions.map((a) => {
    const target = `${a.target.kind} ${a.target.namespace ? `${a.target.namespace}/` : ''}${a.target.name}`;
    return [a.action, inertLine(target), a.mode, a.outcome, a.reason !== undefined ? inertLine(a.reason) : a.changes.map((c) => inertLine(c)).join('\n')];
  });
  return drawTable(['action', 'target', 'mode', 'outcome', 'reason / changes'], [14, 40, 9, 10, 60], rows);
}

/** One row per sequence; its signals in event-time order, each with its layer and tactics. */
function sequencesTable(sequences: AttackSequence[]): string {
  const rows = sequences.map((q) => {
    const steps = q.signals.map((s) => inertLine(`${s.time.slice(0, 19).replace('T', ' ')} ${s.layer}: ${s.title}${s.tactics.length ? ` [${s.tactics.join(', ')}]` : ''}`));
    return [q.severity, `${inertLine(q.title)}\n${inertLine(q.id)}`, steps.join('\n')];
  });
  return drawTable(['severity', 'attack sequence', 'signals (event time, layer: what)'], [10, 44, 90], rows);
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
