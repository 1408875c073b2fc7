/**
 * Small helpers for detector tests: one request as facts, a principal with an established
 * baseline, and a judge that runs chosen detectors on one request.
 */
import { parseAuditObject, type AuditEvent } from '#shared/audit/event';
import { emptyProfile, type PrincipalProfile, type SeenStats } from '#shared/detect/baseline';
import { DAY_MS, DEFAULT_DETECTION, type DetectionConfig } from '#shared/detect/config';
import { factsOf, runPrincipal, type DetectedFinding } from '#shared/detect/engine';
import type { AuditDetector, AuditFacts, DetectionContext } from '#shared/detect/types';
import { auditEvent } from '#test/support/audit-factory';

export const T0 = Date.parse('2024-03-11T10:00:00Z');

export function facts(over: Partial<AuditEvent> & { at?: number } = {}): AuditFacts {
  const { at, ...rest } = over;
  const p = parseAuditObject(auditEvent({ at: new Date(at ?? T0), ...rest }));
  if (!p.ok) throw new Error(p.detail);
  return factsOf(p);
}

const stats = (days = 20): SeenStats => ({ first: T0 - 30 * DAY_MS, last: T0 - DAY_MS, count: 500, days });

export interface BaselineSpec {
  behaviors?: string[];
  namespaces?: string[];
  nets?: string[];
  agents?: string[];
  hours?: number[];
  /** Daily peaks per rate metric. */
  peaks?: Partial<Record<'secretReads' | 'deletes' | 'denied' | 'secretDenied' | 'deniedPublic' | 'events', number>>;
  pods?: Record<string, string>;
}

/** A principal that has been around for 30 days, doing what `spec` says. */
export function mature(f: AuditFacts, spec: BaselineSpec = {}): PrincipalProfile {
  const p = emptyProfile(f.principal.key, f.principal.type, T0 - 30 * DAY_MS);
  p.lastSeen = T0 - DAY_MS;
  p.events = 5000;
  for (const b of spec.behaviors ?? ['get configmaps shop']) p.behaviors[b] = stats();
  for (const n of spec.namespaces ?? ['shop']) p.namespaces[n] = stats();
  for (const n of spec.nets ?? ['10.0.1.0/24']) p.sourceNets[n] = stats();
  for (const a of spec.agents ?? [f.userAgentFamily]) p.userAgents[a] = stats();
  if (spec.hours) p.hours = Object.fromEntries(spec.hours.map((h) => [String(h), 10]));
  const day = Math.floor(T0 / DAY_MS);
  for (const [m, v] of Object.entries(spec.peaks ?? {})) p.rates!.peaks[m as 'events'] = [[day - 10, v], [day - 9, v]];
  for (const [pod, ip] of Object.entries(spec.pods ?? {})) p.pods![pod] = { ip, first: T0 - DAY_MS, last: T0 - 60_000 };
  return p;
}

export function context(over: Partial<DetectionContext> = {}, config: Partial<DetectionConfig> = {}): DetectionContext {
  return { cluster: 'test', config: { ...DEFAULT_DETECTION, ...config }, clusterFirstSeen: T0 - 60 * DAY_MS, ...over };
}

export function judge(f: AuditFacts | AuditFacts[], detectors: AuditDetector[], prior?: PrincipalProfile, ctx: DetectionContext = context()): DetectedFinding[] {
  return runPrincipal(Array.isArray(f) ? f : [f], prior, ctx, detectors).findings;
}

export const types = (fs: DetectedFinding[]) => fs.map((f) => f.type);
