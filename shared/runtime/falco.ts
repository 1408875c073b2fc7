/**
 * Falco alerts as Falcosidekick forwards them (its SQS, SNS raw-JSON, Lambda, Kinesis and
 * CloudWatch Logs outputs all carry the same JSON): `{uuid, output, priority, rule, time,
 * source, tags[], hostname, output_fields{}}`. Falcosidekick itself drops a payload without a
 * priority, rule, time or output fields, and so do we. `output_fields` values are strings,
 * numbers, booleans or null; Falco prints `<NA>` for a field it could not fill.
 *
 * Workload identity comes from `k8s.ns.name`, `k8s.pod.name` and the pod UID (`k8s.pod.uid`,
 * or `k8smeta.pod.uid` from the k8smeta plugin); Falco knows no service account, so joining
 * to a principal happens later (shared/runtime/join.ts).
 */
import { z } from 'zod';
import { stableId } from '../events/ids';
import type { SequenceSignal, Severity } from '../events/schema';
import { ident, MAX_RECORD_CHARS, RuntimeIgnoreReason, RuntimeRejectReason, safeText, toIsoTime, uniqList, type ParsedRecord } from './signal';
import { isTechnique, orderedTactics, tacticOfFalcoTag, tacticOfTechnique } from './tactics';
import { describeIssues } from '../errors';

const FieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const FalcoPayload = z.object({
  uuid: z.string().max(100).optional(),
  output: z.string().default(''),
  priority: z.string().min(1),
  rule: z.string().min(1).max(300),
  time: z.string().min(1),
  source: z.string().max(100).optional(),
  tags: z.array(z.string().max(100)).max(100).optional(),
  hostname: z.string().max(253).optional(),
  output_fields: z.record(z.string(), FieldValue.or(z.array(FieldValue))).refine((o) => Object.keys(o).length > 0, 'output_fields is empty'),
});
export type FalcoPayload = z.infer<typeof FalcoPayload>;

/** Falco priorities (case-insensitive, `info` for informational) and the severity each becomes. */
const PRIORITY_SEVERITY: Record<string, Severity> = {
  emergency: 'CRITICAL',
  alert: 'CRITICAL',
  critical: 'CRITICAL',
  error: 'HIGH',
  warning: 'MEDIUM',
  notice: 'LOW',
  informational: 'LOW',
  info: 'LOW',
  debug: 'LOW',
};

export function falcoSeverity(priority: string): Severity | undefined {
  return PRIORITY_SEVERITY[priority.toLowerCase()];
}

function field(p: FalcoPayload, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = ident(p.output_fields[n]);
    if (v) return v;
  }
  return undefined;
}

/** Parses one Falcosidekick JSON record (a string, or already-parsed JSON). */
export function parseFalcoRecord(input: unknown): ParsedRecord {
  let raw = input;
  if (typeof input === 'string') {
    if (input.length > MAX_RECORD_CHARS) return { ok: false, reason: RuntimeRejectReason.tooLarge, detail: `record of ${input.length} characters` };
    try {
      raw = JSON.parse(input);
    } catch {
      return { ok: false, reason: RuntimeRejectReason.notJson, detail: 'Falco record is not JSON' };
    }
  }
  const parsed = FalcoPayload.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, reason: RuntimeRejectReason.notFalcoPayload, detail: `not a Falcosidekick payload (${describeIssues(parsed.error.issues, 1)})` };
  }
  return falcoSignal(parsed.data);
}

export function falcoSignal(p: FalcoPayload): ParsedRecord {
  const severity = falcoSeverity(p.priority);
  if (!severity) return { ok: false, reason: RuntimeRejectReason.notFalcoPayload, detail: `unknown Falco priority ${JSON.stringify(p.priority.slice(0, 20))}` };
  const time = toIsoTime(p.time);
  if (!time) return { ok: false, reason: RuntimeRejectReason.badTime, detail: 'Falco time is not a date' };
  if (p.rule.startsWith('Falco internal')) return { ok: 'ignored', reason: RuntimeIgnoreReason.falcoInternal };

  const tags = p.tags ?? [];
  const techniques = uniqList(tags.filter(isTechnique));
  const tactics = orderedTactics([...tags.map(tacticOfFalcoTag), ...techniques.map(tacticOfTechnique)].filter((t) => t !== undefined));
  const namespace = field(p, 'k8s.ns.name', 'k8smeta.ns.name');
  const pod = field(p, 'k8s.pod.name', 'k8smeta.pod.name');
  const podUid = field(p, 'k8s.pod.uid', 'k8smeta.pod.uid');
  const deployment = field(p, 'k8smeta.deployment.name');
  const containerId = field(p, 'container.id');
  const repo = field(p, 'container.image.repository');
  const tag = field(p, 'container.image.tag');
  const image = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
  const process = {
    ...(field(p, 'proc.name') ? { name: field(p, 'proc.name') } : {}),
    ...(field(p, 'proc.exepath', 'proc.exe') ? { executable: field(p, 'proc.exepath', 'proc.exe') } : {}),
    ...(safeText(p.output_fields['proc.cmdline']) ? { commandLine: safeText(p.output_fields['proc.cmdline']) } : {}),
    ...(field(p, 'proc.pname') ? { parent: field(p, 'proc.pname') } : {}),
  };
  const output = safeText(p.output) ?? p.rule;
  const signal: SequenceSignal = {
    // Falco's uuid identifies the alert; without one, what identifies it is its rule, time and container.
    id: p.uuid ? `falco:${p.uuid}` : `falco:${stableId('falco', p.rule, time, containerId ?? '', p.hostname ?? '', output)}`,
    layer: 'runtime',
    source: 'falco',
    type: p.rule,
    title: namespace && pod ? `${p.rule} in ${namespace}/${pod}` : p.rule,
    time,
    severity,
    tactics,
    techniques,
    baseline: `Falco rule "${safeText(p.rule, 120)}" (priority ${p.priority}) matched${image ? ` in image ${image}` : ''}: ${output}`,
    ...(namespace
      ? {
          workload: {
            namespace,
            ...(pod ? { pod } : {}),
            ...(podUid ? { podUid } : {}),
            ...(deployment ? { owner: { kind: 'Deployment', name: deployment } } : {}),
          },
        }
      : {}),
    ...(Object.keys(process).length ? { process } : {}),
    endpoints: uniqList([field(p, 'fd.rip'), field(p, 'fd.sip'), field(p, 'fd.sip.name', 'fd.rip.name')]),
    resources: [],
    join: 'unjoined',
  };
  return { ok: true, signals: [signal] };
}
