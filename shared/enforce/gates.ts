/**
 * Confidence and maturity gates: whether the response table's decision may change anything
 * automatically, or only notify. Pure; event time throughout (the anomaly's window), so a
 * replay of ten days passes the same gates the ten days did. In order:
 *
 * 1. Age: an anomaly whose window ended more than `maxAnomalyAgeMinutes` before the decision
 *    is history, not an incident in progress.
 * 2. Platform: a platform controller (`platformPrincipals`) doing what its RBAC allows is never
 *    acted on; only credential misuse (its token used away from it) moves it past notify.
 * 3. High confidence: a signature on the short list (response-policy.ts) needs no baseline.
 * 4. Learning: nothing while the cluster learns (`detection.clusterLearningDays` after its first
 *    event).
 * 5. Baseline: findings judged against an established baseline pass; signature findings act
 *    only on a principal past its own learning period (`detection.learningDays`).
 *
 * Every decision names the gate it passed (or stopped at) and why, for the action's record.
 */
import type { BehaviorAnomaly } from '../events/schema';
import { isPlatformPrincipal, protectedNamespaces, type EnforcementConfig } from './config';
import { HIGH_CONFIDENCE, type ClassDecision } from './response-policy';

const DAY_MS = 24 * 3_600_000;

/** What the table knows of the cluster's and the principal's learning, read at decision time. */
export interface MaturityFacts {
  /** Epoch ms of the cluster's first audit event; undefined when unknown. */
  clusterFirstSeen?: number;
  /** Epoch ms the principal was first seen; undefined when it has no profile (or unknown). */
  principalFirstSeen?: number;
}

export interface LearningConfig {
  learningDays: number;
  clusterLearningDays: number;
}

export interface GateInput {
  anomaly: BehaviorAnomaly;
  decision: ClassDecision;
  config: EnforcementConfig;
  learning: LearningConfig;
  /** undefined: this runtime cannot read the baselines. */
  maturity: MaturityFacts | undefined;
  /** Event time of the decision. */
  now: Date;
}

export interface GateResult {
  /** Whether a changing action may follow. */
  pass: boolean;
  /** The gate's name: `age`, `platform`, `high-confidence:<id>`, `learning`, `baseline`, `established-principal`. */
  gate: string;
  reason: string;
}

export function anomalyTime(anomaly: BehaviorAnomaly): number {
  const t = Date.parse(anomaly.window.end);
  return Number.isFinite(t) ? t : Date.parse(anomaly.window.start);
}

const iso = (t: number) => new Date(t).toISOString();

export function gate({ anomaly, decision, config, learning, maturity, now }: GateInput): GateResult {
  const t = anomalyTime(anomaly);
  const ageMin = (now.getTime() - t) / 60_000;
  if (ageMin > config.maxAnomalyAgeMinutes) {
    return { pass: false, gate: 'age', reason: `the anomaly ended ${Math.round(ageMin)} minutes before this decision, more than enforcement.maxAnomalyAgeMinutes (${config.maxAnomalyAgeMinutes})` };
  }
  const platform = isPlatformPrincipal(config, anomaly.principal);
  if (platform && decision.class !== 'credential') {
    return { pass: false, gate: 'platform', reason: `${anomaly.principal.name} is a platform controller (enforcement.platformPrincipals) doing what its RBAC allows: never acted on automatically` };
  }
  const ctx = { protectedNamespaces: protectedNamespaces(config), platform };
  const hc = HIGH_CONFIDENCE.find((h) => h.matches(anomaly, ctx));
  if (hc) return { pass: true, gate: `high-confidence:${hc.id}`, reason: `high-confidence signature, no baseline needed: ${hc.description}` };
  if (maturity?.clusterFirstSeen !== undefined) {
    const mature = maturity.clusterFirstSeen + learning.clusterLearningDays * DAY_MS;
    if (t < mature) return { pass: false, gate: 'learning', reason: `the cluster is in its learning period until ${iso(mature)} (detection.clusterLearningDays ${learning.clusterLearningDays}): nothing is changed automatically` };
  }
  if (decision.baselineBacked) {
    return { pass: true, gate: 'baseline', reason: `judged against an established baseline (${decision.because.join(', ')})` };
  }
  if (!maturity) return { pass: false, gate: 'established-principal', reason: `signature findings (${decision.because.join(', ')}) act only on a principal with an established baseline, and this runtime cannot read baselines` };
  if (maturity.clusterFirstSeen === undefined) return { pass: false, gate: 'learning', reason: 'the cluster has no recorded first event: it is still learning' };
  if (maturity.principalFirstSeen === undefined) {
    return { pass: false, gate: 'established-principal', reason: `${anomaly.principal.name} has no baseline yet: signature findings (${decision.because.join(', ')}) only notify` };
  }
  const established = maturity.principalFirstSeen + learning.learningDays * DAY_MS;
  if (t < established) {
    return { pass: false, gate: 'established-principal', reason: `${anomaly.principal.name} is learning until ${iso(established)} (detection.learningDays ${learning.learningDays}): signature findings (${decision.because.join(', ')}) only notify` };
  }
  return { pass: true, gate: 'established-principal', reason: `${anomaly.principal.name} has an established baseline (first seen ${iso(maturity.principalFirstSeen)})` };
}
