/**
 * The evaluation: the scenario (test/eval/scenario) through the real detection code — the
 * same pure core ingestion runs per payload (detectPayload), with profiles kept in memory
 * instead of DynamoDB — then every anomaly attributed: to the technique whose requests are in
 * its evidence, to a look-new-but-benign event, or to nothing (a false alarm).
 */
import type { ParsedAuditEvent } from '#shared/audit/event';
import { DAY_MS, DetectionConfig } from '#shared/detect/config';
import { compileIntel } from '#shared/detect/ip-list';
import { analysedStage, detectPayload, groupByPrincipal, type HandedProfile } from '#shared/detect/ingest';
import { severityRank, type BehaviorAnomaly, type Severity } from '#shared/events/schema';
import { stableId } from '#shared/events/ids';
import { platformScenario } from '#test/eval/scenario/platform-cluster';
import { scenario, type ScenarioOptions } from '#test/eval/scenario/scenario';
import { TOR_EXITS, type Technique } from '#test/eval/scenario/techniques';

/** The cluster models: the shop cluster (scenario.ts) and the busier platform cluster (platform-cluster.ts). */
export const EVAL_MODELS = ['shop', 'platform'] as const;
export type EvalModel = (typeof EVAL_MODELS)[number];

export interface EvalOptions extends ScenarioOptions {
  model?: EvalModel;
  /** Length of one CloudWatch payload (events of this span are ingested together). */
  payloadMinutes?: number;
  detection?: Partial<DetectionConfig>;
  onHour?: (hour: number, totalHours: number, events: number) => void;
  onAnomaly?: (a: BehaviorAnomaly) => void;
}

export interface TechniqueResult {
  id: string;
  title: string;
  source: Technique['source'];
  events: number;
  detected: boolean;
  severity?: Severity;
  findingTypes: string[];
  /** From the technique's first request to the first request that raised a MEDIUM+ finding. */
  timeToDetectMs?: number;
  /** What the technique must raise, and whether it did: at least that severity, on that principal. */
  expected?: { severity: Severity; principal: string; met: boolean };
}

export interface EvalResult {
  model: EvalModel;
  days: number;
  learningDays: number;
  events: number;
  attackEvents: number;
  benignEvents: number;
  /** Benign events after the cluster's learning period: the false-alarm denominator. */
  benignJudged: number;
  principals: number;
  anomalies: { total: number; bySeverity: Record<Severity, number> };
  techniques: TechniqueResult[];
  falseAlarms: BehaviorAnomaly[];
  falseAlarmsPerMillion: number;
  lookalikes: Array<{ id: string; events: number; alarms: BehaviorAnomaly[] }>;
  /** HIGH or CRITICAL anomalies on the platform's own controllers while the cluster learned (must be none). */
  platformHighDuringLearning: BehaviorAnomaly[];
  wallMs: number;
}

/** The detection configuration of the evaluation: defaults, plus the Tor exit list the scenario's attacker uses. */
export function evalDetection(overrides: Partial<DetectionConfig> = {}): DetectionConfig {
  return DetectionConfig.parse({ ipLists: [{ name: 'tor-exits', kind: 'tor', entries: TOR_EXITS }], ...overrides });
}

const atLeastMedium = (a: BehaviorAnomaly) => severityRank(a.severity) >= severityRank('MEDIUM');

export function evaluate(opts: EvalOptions = {}): EvalResult {
  const started = Date.now();
  const detection = evalDetection(opts.detection);
  const intel = compileIntel(detection);
  const model = opts.model ?? 'shop';
  const { info, hours } = model === 'platform' ? platformScenario(opts) : scenario(opts);
  const payloadMs = (opts.payloadMinutes ?? 5) * 60_000;
  const learningEnd = info.start + detection.clusterLearningDays * DAY_MS;
  const cluster = model === 'platform' ? 'eval-platform-eks' : 'eval-eks';

  const profiles = new Map<string, HandedProfile>();
  const groups = new Map<string, HandedProfile>();
  let clusterFirstSeen = Infinity;
  const labels = new Map<string, string>();
  const attackTimes = new Map<string, number>();
  const counts = { events: 0, attack: 0, benign: 0, judged: 0 };
  const lookalikeEvents = new Map<string, number>();
  const techniqueEvents = new Map<string, number>();
  const anomalies: BehaviorAnomaly[] = [];
  let payloadSeq = 0;

  const ingest = (batch: ParsedAuditEvent[]) => {
    if (batch.length === 0) return;
    let first = Infinity;
    for (const p of batch) if (p.timeMs < first) first = p.timeMs;
    clusterFirstSeen = Math.min(clusterFirstSeen, first);
    const byPrincipal = groupByPrincipal(batch);
    const out = detectPayload(byPrincipal, { profiles, groups, clusterFirstSeen }, { cluster, detection, intel, batchId: stableId('eval-payload', payloadSeq++), batchFirst: first, groupMaterial: false });
    anomalies.push(...out.anomalies);
    if (opts.onAnomaly) for (const a of out.anomalies) opts.onAnomaly(a);
    for (const p of out.principals) profiles.set(p.key, { profile: p.profile, version: p.version + 1, digests: p.digests });
    for (const g of out.groups) groups.set(g.key, { profile: g.profile, version: g.version + 1, digests: g.digests });
  };

  let hour = 0;
  const totalHours = info.days * 24;
  for (const events of hours) {
    let batch: ParsedAuditEvent[] = [];
    let batchEnd = -Infinity;
    for (const { t, e, label } of events) {
      counts.events += 1;
      if (label?.startsWith('attack:')) {
        counts.attack += 1;
        const id = label.slice('attack:'.length);
        labels.set(e.auditID, label);
        attackTimes.set(e.auditID, t);
        techniqueEvents.set(id, (techniqueEvents.get(id) ?? 0) + 1);
      } else {
        counts.benign += 1;
        if (t >= learningEnd) counts.judged += 1;
        if (label) {
          labels.set(e.auditID, label);
          const id = label.slice('lookalike:'.length);
          lookalikeEvents.set(id, (lookalikeEvents.get(id) ?? 0) + 1);
        }
      }
      if (!analysedStage(e)) continue;
      if (t >= batchEnd) {
        ingest(batch);
        batch = [];
        batchEnd = Math.floor(t / payloadMs) * payloadMs + payloadMs;
      }
      batch.push({ ok: true, event: e, timeMs: t });
    }
    ingest(batch);
    opts.onHour?.(++hour, totalHours, counts.events);
  }

  // Attribution.
  const bySeverity: Record<Severity, number> = { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
  const techniqueHits = new Map<string, { anomalies: BehaviorAnomaly[]; firstDetect?: number }>();
  const lookalikeAlarms = new Map<string, BehaviorAnomaly[]>();
  const falseAlarms: BehaviorAnomaly[] = [];
  for (const a of anomalies) {
    bySeverity[a.severity] += 1;
    const ids = a.findings.flatMap((f) => f.evidence.auditIDs ?? []);
    const attacks = new Set<string>();
    const looks = new Set<string>();
    for (const id of ids) {
      const l = labels.get(id);
      if (l?.startsWith('attack:')) attacks.add(l.slice(7));
      else if (l?.startsWith('lookalike:')) looks.add(l.slice(10));
    }
    if (attacks.size > 0) {
      for (const tech of attacks) {
        const hit = techniqueHits.get(tech) ?? { anomalies: [] };
        hit.anomalies.push(a);
        if (atLeastMedium(a)) {
          for (const id of ids) {
            if (labels.get(id) !== `attack:${tech}`) continue;
            const t = attackTimes.get(id)!;
            if (hit.firstDetect === undefined || t < hit.firstDetect) hit.firstDetect = t;
          }
        }
        techniqueHits.set(tech, hit);
      }
      continue;
    }
    if (!atLeastMedium(a) || Date.parse(a.window.start) < learningEnd) continue;
    falseAlarms.push(a);
    for (const l of looks) lookalikeAlarms.set(l, [...(lookalikeAlarms.get(l) ?? []), a]);
  }

  const techniques: TechniqueResult[] = info.techniques.map((tech) => {
    const hit = techniqueHits.get(tech.id);
    const medium = (hit?.anomalies ?? []).filter(atLeastMedium);
    const top = medium.sort((x, y) => severityRank(y.severity) - severityRank(x.severity))[0];
    const want = tech.expect;
    const named = (name: string) => (want!.principal.endsWith('*') ? name.startsWith(want!.principal.slice(0, -1)) : name === want!.principal);
    const met = want !== undefined && medium.some((a) => named(a.principal.name) && severityRank(a.severity) >= severityRank(want.severity));
    let firstTime = Infinity;
    for (const [id, l] of labels) if (l === `attack:${tech.id}`) firstTime = Math.min(firstTime, attackTimes.get(id)!);
    return {
      id: tech.id,
      title: tech.title,
      source: tech.source,
      events: techniqueEvents.get(tech.id) ?? 0,
      detected: medium.length > 0,
      ...(top ? { severity: top.severity } : {}),
      findingTypes: [...new Set(medium.flatMap((a) => a.findings.map((f) => f.type)))].sort(),
      ...(hit?.firstDetect !== undefined ? { timeToDetectMs: hit.firstDetect - firstTime } : {}),
      ...(want ? { expected: { ...want, met } } : {}),
    };
  });

  const controllers = new Set(info.platformControllers ?? []);
  const platformHighDuringLearning = anomalies.filter((a) => controllers.has(a.principal.name) && Date.parse(a.window.start) < learningEnd && severityRank(a.severity) >= severityRank('HIGH'));

  return {
    model,
    platformHighDuringLearning,
    days: info.days,
    learningDays: detection.clusterLearningDays,
    events: counts.events,
    attackEvents: counts.attack,
    benignEvents: counts.benign,
    benignJudged: counts.judged,
    principals: profiles.size,
    anomalies: { total: anomalies.length, bySeverity },
    techniques,
    falseAlarms,
    falseAlarmsPerMillion: counts.judged ? (falseAlarms.length / counts.judged) * 1e6 : 0,
    lookalikes: info.lookalikes.map((id) => ({ id, events: lookalikeEvents.get(id) ?? 0, alarms: lookalikeAlarms.get(id) ?? [] })),
    wallMs: Date.now() - started,
  };
}
