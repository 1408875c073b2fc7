/**
 * Combines one principal's findings into Behavior Anomaly events (shared/events/README.md): one anomaly
 * per principal per time window, scored 0–100, with a stable id so that redelivery of the same
 * payload re-detects the same anomaly under the same id.
 */
import { SCHEMA_VERSION, type ActionKind, type BehaviorAnomaly, type Finding, type Severity } from '../events/schema';
import { stableId } from '../events/ids';
import type { Principal } from '../audit/principal';
import type { DetectedFinding } from './engine';
import { MINUTE_MS } from './config';
import { redactSecrets } from '../alerts/redact';

const MAX_IDS = 20;
const MAX_LIST = 10;

const MEDIUM_SCORE = 40;

export function severityOf(score: number): Severity {
  if (score >= 85) return 'CRITICAL';
  if (score >= 65) return 'HIGH';
  if (score >= MEDIUM_SCORE) return 'MEDIUM';
  return 'LOW';
}

/**
 * Highest finding score, raised a little for every further distinct finding type (corroboration).
 * Context findings (all below MEDIUM) corroborate but never add up to an alarm on their own.
 */
export function combinedScore(scores: number[], distinctTypes: number): number {
  const max = Math.max(0, ...scores);
  const raised = Math.min(100, max + 5 * Math.max(0, distinctTypes - 1));
  return max < MEDIUM_SCORE ? Math.min(raised, MEDIUM_SCORE - 1) : raised;
}

/** User agents are the client's to write: evidence keeps a bounded, secret-free rendering. */
const MAX_USER_AGENT = 256;
export function evidenceUserAgent(ua: string | undefined): string | undefined {
  return ua === undefined ? undefined : redactSecrets(ua.length > MAX_USER_AGENT ? `${ua.slice(0, MAX_USER_AGENT)}…` : ua);
}

function uniq(values: Array<string | undefined>, cap = MAX_LIST): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort().slice(0, cap);
}

function recommendedActions(principal: Principal, findings: DetectedFinding[]): ActionKind[] {
  const actions: ActionKind[] = [];
  const boundPod = findings.some((f) => f.facts.features.boundPod);
  if (principal.type === 'ServiceAccount' && boundPod) actions.push('quarantine');
  if (principal.type === 'ServiceAccount' || principal.type === 'IAMRole' || principal.type === 'IAMUser') actions.push('revoke-credentials');
  actions.push('notify');
  return actions;
}

function workloadOf(principal: Principal, findings: DetectedFinding[]): BehaviorAnomaly['workload'] {
  if (!principal.serviceAccount) return undefined;
  const bound = findings.find((f) => f.facts.features.boundPod)?.facts.features;
  return {
    namespace: principal.serviceAccount.namespace,
    serviceAccount: principal.serviceAccount.name,
    ...(bound?.boundPod ? { pod: bound.boundPod } : {}),
    ...(bound?.boundPodUid ? { podUid: bound.boundPodUid } : {}),
  };
}

function forwardedEvidence(fs: DetectedFinding[]): { forwardedFor?: string[] } {
  const hops = uniq(fs.flatMap((f) => f.facts.features.forwardedFor ?? []));
  return hops.length > 0 ? { forwardedFor: hops } : {};
}

const WRITE_VERBS = new Set(['create', 'update', 'patch']);

function createdName(requestObject: unknown): string | undefined {
  const name = (requestObject as { metadata?: { name?: unknown } } | null | undefined)?.metadata?.name;
  return typeof name === 'string' && name.length > 0 && name.length <= 253 ? name : undefined;
}

/** The objects a finding's requests wrote (`namespace/resource/name`): what attack sequences follow. */
function writtenObjects(fs: DetectedFinding[]): string[] {
  return uniq(
    fs.map((f) => {
      const ref = f.facts.event.objectRef;
      if (!ref?.resource || ref.subresource || !WRITE_VERBS.has(f.facts.event.verb)) return undefined;
      // A create's objectRef may lack the name; the request object has it.
      const name = ref.name ?? createdName(f.facts.event.requestObject);
      return name ? `${ref.namespace ?? ''}/${ref.resource}/${name}` : undefined;
    }),
  );
}

export function buildAnomalies(cluster: string, principal: Principal, findings: DetectedFinding[], windowMinutes: number): BehaviorAnomaly[] {
  if (findings.length === 0) return [];
  const windowMs = windowMinutes * MINUTE_MS;
  const byWindow = new Map<number, DetectedFinding[]>();
  for (const f of findings) {
    const bucket = Math.floor(f.facts.timeMs / windowMs) * windowMs;
    byWindow.set(bucket, [...(byWindow.get(bucket) ?? []), f]);
  }
  const anomalies: BehaviorAnomaly[] = [];
  for (const [bucket, group] of [...byWindow.entries()].sort((a, b) => a[0] - b[0])) {
    const byKey = new Map<string, DetectedFinding[]>();
    for (const f of group) byKey.set(`${f.type}|${f.subject}`, [...(byKey.get(`${f.type}|${f.subject}`) ?? []), f]);
    const keys = [...byKey.keys()].sort();
    const out: Finding[] = keys.map((k) => {
      const fs = byKey.get(k)!;
      const head = fs[0]!;
      const objects = writtenObjects(fs);
      return {
        type: head.type,
        title: head.title,
        description: head.description,
        mitre: head.mitre,
        evidence: {
          auditIDs: uniq(fs.map((f) => f.facts.event.auditID), MAX_IDS),
          count: fs.length,
          sourceIPs: uniq(fs.map((f) => f.facts.features.sourceIP)),
          ...forwardedEvidence(fs),
          userAgents: uniq(fs.map((f) => evidenceUserAgent(f.facts.features.userAgent))),
          baseline: head.baseline,
          ...(objects.length ? { objects } : {}),
        },
      };
    });
    const score = combinedScore(
      group.map((f) => f.score),
      new Set(group.map((f) => f.type)).size,
    );
    const times = group.map((f) => f.facts.timeMs);
    const workload = workloadOf(principal, group);
    anomalies.push({
      schemaVersion: SCHEMA_VERSION,
      id: stableId('anomaly', cluster, principal.key, bucket, ...keys),
      cluster,
      category: 'api',
      severity: severityOf(score),
      score,
      principal: principal.ref,
      ...(workload ? { workload } : {}),
      findings: out,
      window: { start: new Date(Math.min(...times)).toISOString(), end: new Date(Math.max(...times)).toISOString() },
      recommendedActions: recommendedActions(principal, group),
    });
  }
  return anomalies;
}
