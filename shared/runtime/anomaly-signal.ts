/**
 * boundwatch's own anomalies as signals of attack sequences: audit-log anomalies (`api`),
 * flow anomalies (`network`) and DNS findings (`dns`), each with the baselines that made it
 * unusual. They arrive as the `Behavior Anomaly` events every detector publishes.
 */
import { BehaviorAnomaly, DetailType, EVENT_SOURCE, type SequenceSignal, type SignalLayer } from '../events/schema';
import { RuntimeRejectReason, safeText, uniqList, type ParsedRecord } from './signal';
import { orderedTactics, tacticOfTechnique } from './tactics';

export function isAnomalyEvent(event: unknown): boolean {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return e?.source === EVENT_SOURCE && e['detail-type'] === DetailType.anomaly;
}

function layerOf(category: string): SignalLayer {
  return category === 'network' ? 'network' : category === 'dns' ? 'dns' : 'api';
}

function withoutGroups({ groups: _groups, ...ref }: BehaviorAnomaly['principal']): NonNullable<SequenceSignal['actor']> {
  return ref;
}

export function anomalySignal(a: BehaviorAnomaly): SequenceSignal {
  const techniques = uniqList(a.findings.flatMap((f) => f.mitre));
  const endpoints =
    a.category === 'network'
      ? a.findings.flatMap((f) => (f.evidence.flows ?? []).map((fl) => fl.dst))
      : a.findings.flatMap((f) => f.evidence.sourceIPs);
  return {
    id: `anomaly:${a.id}`,
    layer: layerOf(a.category),
    source: 'boundwatch',
    type: uniqList(a.findings.map((f) => f.type)).join('+'),
    title: a.findings.map((f) => f.title).join('; ').slice(0, 300),
    time: a.window.start,
    severity: a.severity,
    tactics: orderedTactics(techniques.map(tacticOfTechnique).filter((t) => t !== undefined)),
    techniques,
    baseline: safeText(uniqList(a.findings.map((f) => f.evidence.baseline)).join(' '), 600) ?? '',
    ...(a.workload ? { workload: a.workload } : {}),
    principal: a.principal.name,
    actor: withoutGroups(a.principal),
    endpoints: uniqList(endpoints),
    resources: uniqList(a.findings.flatMap((f) => f.evidence.objects ?? [])),
    join: 'anomaly',
  };
}

/** A `Behavior Anomaly` EventBridge event as a signal. */
export function parseAnomalyEvent(event: unknown): ParsedRecord {
  const detail = BehaviorAnomaly.safeParse((event as { detail?: unknown } | null)?.detail);
  if (!detail.success) return { ok: false, reason: RuntimeRejectReason.unknownEvent, detail: 'invalid Behavior Anomaly detail' };
  return { ok: true, signals: [anomalySignal(detail.data)] };
}
