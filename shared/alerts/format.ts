/**
 * Human-readable alerts for boundwatch events: what the notify function publishes to SNS (email,
 * HTTPS, pagers) and what the local runtime prints. Pure: the same event always gives the same
 * text. Everything an on-call engineer needs to decide is in the message: who, what, what was
 * normal, where the evidence is (a ready-to-run CloudWatch Logs Insights query) and, for an
 * enforcement action, what changed and how to release it.
 */
import {
  DetailType,
  type AnomalyEvent,
  type BehaviorAnomaly,
  type EnforcementAction,
  type EnforcementEvent,
  type Finding,
  type FlowEvidence,
  type SequenceEvent,
} from '../events/schema';
import { redactSecrets } from './redact';
import { defangLinks, inertDeep, inertLine } from '../text';

export interface FormattedAlert {
  /** SNS Subject: printable ASCII, one line, at most 100 characters. */
  subject: string;
  message: string;
  /** SNS message attributes, so subscribers can filter (e.g. page only on CRITICAL). */
  attributes: Record<string, string>;
}

export interface FormatOptions {
  /** Cluster name -> its audit log group; default `/aws/eks/<cluster>/cluster`. */
  auditLogGroups?: Readonly<Record<string, string>> | undefined;
}

export const SUBJECT_MAX = 100;
/** SNS accepts 256 KB; stay well below so attributes and encoding never push us over. */
export const MESSAGE_MAX = 200 * 1024;
/** Logs Insights queries are limited to 10,000 characters; 100 audit ids stay far below. */
export const MAX_QUERY_IDS = 100;
const MAX_LIST = 10;
const MAX_FLOWS = 10;
/** How far around the anomaly window the suggested query looks, for clock skew and context. */
const QUERY_MARGIN_MS = 5 * 60 * 1000;
/** Logs Insights pattern capturing the last entry of an audit record's sourceIPs as clientIP. */
export const CLIENT_IP_PATTERN = '/"sourceIPs":\\[(?:"[^"]*",)*"(?<clientIP>[^"]*)"\\]/';

type AlertEvent = AnomalyEvent | EnforcementEvent | SequenceEvent;

export function formatAlert(raw: AlertEvent, opts: FormatOptions = {}): FormattedAlert {
  // Every value of the event may come from a request: one line each, no links (see shared/text.ts).
  const event = inertDeep(raw, (s) => defangLinks(inertLine(s)));
  if (event['detail-type'] === DetailType.enforcement) return formatEnforcement(event);
  if (event['detail-type'] === DetailType.sequence) return formatSequence(event);
  return formatAnomaly(event, opts);
}

/** The default audit log group EKS writes control plane logs to. */
export function defaultAuditLogGroup(cluster: string): string {
  return `/aws/eks/${cluster}/cluster`;
}

/**
 * A CloudWatch Logs Insights query that lists the audit events behind an anomaly. Audit ids are
 * UUIDs, but they come from the log, so quotes and backslashes are escaped all the same.
 */
export function evidenceQuery(auditIDs: readonly string[]): string {
  const ids = auditIDs.slice(0, MAX_QUERY_IDS).map((id) => `"${id.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
  return [
    // The client writes every sourceIPs entry but the last (X-Forwarded-For); the last is the
    // address the API server saw. Insights has no "last element", so a pattern picks it.
    `parse @message ${CLIENT_IP_PATTERN}`,
    '| fields @timestamp, user.username, verb, objectRef.resource, objectRef.namespace, objectRef.name, responseStatus.code, clientIP, userAgent',
    `| filter auditID in [${ids.join(', ')}]`,
    '| sort @timestamp asc',
  ].join('\n');
}

function formatAnomaly(event: AnomalyEvent, opts: FormatOptions): FormattedAlert {
  const a = event.detail;
  const types = unique(a.findings.map((f) => f.type));
  const subject = toSubject(
    `[boundwatch] ${a.severity} ${types.join(', ')} by ${a.principal.name} in ${a.cluster}`,
  );

  const lines: string[] = [];
  lines.push(`boundwatch detected a ${a.severity} behavior anomaly in cluster ${a.cluster}.`, '');
  lines.push(...table([
    ['Severity', `${a.severity} (score ${a.score} of 100)`],
    ['Cluster', `${a.cluster} (account ${event.account}, ${event.region})`],
    ['Category', a.category === 'api' ? 'api (Kubernetes audit log)' : 'network (flow records)'],
    ['Principal', describePrincipal(a)],
    ...(a.principal.arn && a.principal.arn !== a.principal.name ? [['Principal ARN', a.principal.arn] as [string, string]] : []),
    ...(a.principal.sessionName ? [['Session', a.principal.sessionName] as [string, string]] : []),
    ...(a.principal.groups?.length ? [['Groups', list(a.principal.groups)] as [string, string]] : []),
    ['Workload', describeWorkload(a)],
    ['Window', `${a.window.start} to ${a.window.end}`],
    ['Anomaly id', a.id],
  ]));

  lines.push('', `Findings (${a.findings.length})`);
  a.findings.forEach((f, i) => lines.push('', ...describeFinding(f, i + 1)));

  lines.push('', 'Recommended actions');
  lines.push(a.recommendedActions.length ? `  ${a.recommendedActions.join(', ')}` : '  review; no automatic action is recommended');

  const auditIDs = unique(a.findings.flatMap((f) => f.evidence.auditIDs ?? []));
  if (auditIDs.length > 0) {
    const logGroup = opts.auditLogGroups?.[a.cluster] ?? defaultAuditLogGroup(a.cluster);
    const [from, to] = queryRange(a.window);
    lines.push('', 'Evidence: CloudWatch Logs Insights');
    lines.push(`  Log group:  ${logGroup}`);
    lines.push(`  Time range: ${from} to ${to}`);
    if (auditIDs.length > MAX_QUERY_IDS) lines.push(`  (the query lists the first ${MAX_QUERY_IDS} of ${auditIDs.length} audit events)`);
    lines.push('', indent(evidenceQuery(auditIDs), '  '));
  }

  lines.push('', footer(a.cluster));
  return {
    subject,
    message: finish(lines),
    attributes: { kind: 'anomaly', severity: a.severity, cluster: a.cluster, category: a.category },
  };
}

/**
 * An attack sequence is one page telling one story: who and what, then each signal in event
 * order with its layer, tactics and the baseline it broke, so nobody has to stitch N alerts.
 */
function formatSequence(event: SequenceEvent): FormattedAlert {
  const q = event.detail;
  const subject = toSubject(`[boundwatch] ${q.severity} attack sequence: ${q.title.replace(/^Attack sequence on /, '')} in ${q.cluster}`);
  const lines: string[] = [];
  lines.push(`boundwatch linked ${q.signals.length} signals from ${unique(q.signals.map((s) => s.layer)).join(', ')} into one ${q.severity} attack sequence in cluster ${q.cluster}.`, '');
  lines.push(...table([
    ['Severity', `${q.severity} (${q.tactics.length} distinct tactics)`],
    ['Cluster', `${q.cluster} (account ${event.account}, ${event.region})`],
    ['Tactics', q.tactics.join(' -> ')],
    ['Actors', list(q.actors.map((a) => `${a.name} (${a.type})`))],
    ['Workloads', list(q.workloads.map((w) => `${w.namespace}/${w.pod ?? w.owner?.name ?? w.serviceAccount ?? ''}${w.owner ? ` (${w.owner.kind} ${w.owner.name})` : ''}`))],
    ...(q.endpoints.length ? [['Endpoints', list(q.endpoints)] as [string, string]] : []),
    ...(q.resources.length ? [['Objects', list(q.resources)] as [string, string]] : []),
    ['Window', `${q.window.start} to ${q.window.end}`],
    ['Sequence id', q.id],
  ]));
  lines.push('', 'The story, in event order');
  q.signals.forEach((s, i) => {
    lines.push('', `  ${i + 1}. ${s.time}  [${s.layer} / ${s.source}] ${s.severity} ${s.title}`);
    lines.push(`     Type: ${s.type}${s.tactics.length ? `; tactics: ${s.tactics.join(', ')}` : ''}${s.techniques.length ? ` (${s.techniques.join(', ')})` : ''}`);
    if (s.process?.commandLine || s.process?.name) lines.push(`     Process: ${s.process.commandLine ?? s.process.name}${s.process.parent ? ` (parent ${s.process.parent})` : ''}`);
    if (s.endpoints.length) lines.push(`     Endpoints: ${list(s.endpoints)}`);
    if (s.baseline) lines.push(`     Why unusual: ${s.baseline}`);
  });
  lines.push('', 'Recommended actions');
  lines.push(`  ${q.recommendedActions.join(', ')}`);
  lines.push('', footer(q.cluster));
  return { subject, message: finish(lines), attributes: { kind: 'sequence', severity: q.severity, cluster: q.cluster } };
}

function formatEnforcement(event: EnforcementEvent): FormattedAlert {
  const e = event.detail;
  const target = describeTarget(e);
  const modeTag = e.mode === 'dry-run' ? 'DRY-RUN ' : '';
  const outcome = e.partial ? `${e.outcome} (partial)` : e.outcome;
  const subject = toSubject(`[boundwatch] ${modeTag}${e.action} ${outcome}: ${target} in ${e.cluster}`);

  const lines: string[] = [];
  lines.push(`boundwatch enforcement: ${e.action} on ${target} was ${outcome} (${e.mode}).`, '');
  lines.push(...table([
    ['Action', e.action],
    ['Outcome', outcome],
    ['Mode', e.mode === 'dry-run' ? 'dry-run (nothing was changed)' : 'apply'],
    ['Cluster', `${e.cluster} (account ${event.account}, ${event.region})`],
    ['Target', target],
    ...(e.target.arn ? [['Target ARN', e.target.arn] as [string, string]] : []),
    ...(e.reason ? [['Reason', e.reason] as [string, string]] : []),
    ...(e.expiresAt ? [['Expires', `${e.expiresAt} (reverts automatically)`] as [string, string]] : []),
    ['Action id', e.id],
    ['Anomaly id', e.anomalyId],
  ]));

  lines.push('', e.mode === 'dry-run' ? 'Changes that would be made' : 'Changes');
  lines.push(...(e.changes.length ? e.changes.map((c) => `  - ${c}`) : ['  (none)']));

  lines.push('', ...nextSteps(e));
  lines.push('', footer(e.cluster));
  return {
    subject,
    message: finish(lines),
    attributes: { kind: 'enforcement', action: e.action, outcome: e.outcome, mode: e.mode, cluster: e.cluster, ...(e.partial ? { partial: 'true' } : {}) },
  };
}

function nextSteps(e: EnforcementAction): string[] {
  switch (e.partial ? 'partial' : e.outcome) {
    case 'applied':
      return [
        'To end this action early and revert its changes:',
        `  boundwatch release ${e.id}`,
      ];
    case 'partial':
      return [
        'Part of the action holds and part does not (see Reason and Changes): what remains open',
        'needs a person. What was changed stays until expiry; to revert it now:',
        `  boundwatch release ${e.id}`,
      ];
    case 'planned':
      return [
        'This was a dry run. To let boundwatch apply actions like this one, set the cluster\'s',
        '"enforcement" to "apply" in the boundwatch configuration and redeploy.',
      ];
    case 'failed':
      return [
        'The action failed; nothing is guaranteed to have changed. Check the enforce function\'s',
        'logs for this action id, and the anomaly, which still stands.',
      ];
    case 'reverted':
      return ['The action has been reverted; the target is back to its state before the action.'];
    case 'skipped':
      return e.reason?.startsWith('held:')
        ? ['The action was held back and queued (see Reason): boundwatch re-evaluates it and announces the result.', 'Until then nothing was changed, and the anomaly still stands: act on it yourself if it cannot wait.']
        : ['The action was skipped (see Reason); the anomaly still stands.'];
  }
}

function describePrincipal(a: BehaviorAnomaly): string {
  const p = a.principal;
  return `${p.name} (${p.type}${p.namespace ? `, namespace ${p.namespace}` : ''})`;
}

function describeWorkload(a: BehaviorAnomaly): string {
  const w = a.workload;
  if (!w) return '(none identified)';
  const parts = [w.pod ? `${w.namespace}/${w.pod}` : `namespace ${w.namespace}`];
  if (w.owner) parts.push(`${w.owner.kind} ${w.owner.name}`);
  if (w.serviceAccount) parts.push(`service account ${w.serviceAccount}`);
  return parts.join(', ');
}

function describeTarget(e: EnforcementAction): string {
  const t = e.target;
  return `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
}

function describeFinding(f: Finding, n: number): string[] {
  const ev = f.evidence;
  const out = [`${n}. ${f.title} [${f.type}]${f.mitre.length ? ` MITRE ATT&CK ${f.mitre.join(', ')}` : ''}`];
  if (f.description) out.push(...wrap(f.description, '   '));
  out.push(`   Events:          ${ev.count}`);
  if (ev.sourceIPs.length) out.push(`   Source IPs:      ${list(ev.sourceIPs)}`);
  if (ev.userAgents.length) out.push(`   User agents:     ${list(ev.userAgents)}`);
  out.push(`   What was normal: ${ev.baseline || '(no baseline yet)'}`);
  if (ev.flows?.length) {
    out.push('   Flows:');
    for (const fl of ev.flows.slice(0, MAX_FLOWS)) out.push(`     - ${describeFlow(fl)}`);
    if (ev.flows.length > MAX_FLOWS) out.push(`     ... and ${ev.flows.length - MAX_FLOWS} more`);
  }
  return out;
}

function describeFlow(fl: FlowEvidence): string {
  const peer = fl.peer ? ` (${fl.peer})` : '';
  const when = fl.start ? ` from ${fl.start}${fl.end ? ` to ${fl.end}` : ''}` : '';
  return `${fl.src} -> ${fl.dst}:${fl.dstPort}/${fl.protocol}${peer}, ${fl.bytes} bytes, ${fl.packets} packets${when}`;
}

function footer(cluster: string): string {
  return `-- boundwatch, cluster ${cluster}. Filter what pages you with SNS subscription filter policies on the message attributes (kind, severity, cluster).`;
}

function queryRange(w: { start: string; end: string }): [string, string] {
  const start = Date.parse(w.start);
  const end = Date.parse(w.end);
  if (Number.isNaN(start) || Number.isNaN(end)) return [w.start, w.end];
  return [new Date(start - QUERY_MARGIN_MS).toISOString(), new Date(end + QUERY_MARGIN_MS).toISOString()];
}

function table(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`);
}

function list(values: readonly string[]): string {
  const shown = values.slice(0, MAX_LIST).join(', ');
  return values.length > MAX_LIST ? `${shown} and ${values.length - MAX_LIST} more` : shown;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** Wraps long prose at about 96 columns; explicit line breaks in the input are kept. */
function wrap(text: string, prefix: string, width = 96): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(prefix + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(prefix + line);
  }
  return out;
}

/** Redacts, then caps the size: a huge event must still page, with a pointer to the rest. */
function finish(lines: string[]): string {
  const text = redactSecrets(lines.join('\n'));
  if (Buffer.byteLength(text, 'utf8') <= MESSAGE_MAX) return text;
  const note = '\n\n[message truncated; the full event is on the boundwatch event bus and in the function logs]';
  let cut = text.slice(0, MESSAGE_MAX - note.length);
  while (Buffer.byteLength(cut + note, 'utf8') > MESSAGE_MAX) cut = cut.slice(0, -1024);
  return cut + note;
}

/**
 * SNS subjects must be printable ASCII on one line, at most 100 characters, and must not be
 * empty. Names from the cluster may carry anything, so normalize rather than reject.
 */
export function toSubject(text: string): string {
  const ascii = redactSecrets(text)
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (ascii.length <= SUBJECT_MAX) return ascii || '[boundwatch] alert';
  return `${ascii.slice(0, SUBJECT_MAX - 3).trimEnd()}...`;
}
