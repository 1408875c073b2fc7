/**
 * Volume anomalies against the principal's own rates: bulk secret reads, mass deletes and
 * bursts of denied requests. Requests are counted per rate window (engine.ts); a window is a
 * burst when its count reaches both a floor (the published rules' thresholds) and a multiple of
 * the principal's usual peak window — robustly learned, so one earlier burst does not make the
 * next one normal. Without any baseline, the floor alone applies, doubled.
 */
import { forbidden } from '../../audit/behavior';
import { ownEntry, usualPeak, type PrincipalProfile, type RateMetric } from '../baseline';
import type { DetectionConfig } from '../config';
import { explain } from '../explain';
import { fromPublicNetwork } from '../judge';
import { NONE, type AuditDetector, type AuditFacts, type FindingDraft, type JudgeState } from '../types';

/** A read of secrets that counts toward bulk access (Panther's BulkSecretAccess predicate). */
export function isSecretRead(f: AuditFacts): boolean {
  const ref = f.event.objectRef;
  if (ref?.resource !== 'secrets' || ref.subresource) return false;
  const v = f.event.verb;
  return (v === 'get' || v === 'list' || v === 'watch') && !f.systemActor;
}

/** A failed get of a secret (Panther's Secret.AccessDenied predicate: 403 and 404 alike). */
export function isSecretDenied(f: AuditFacts): boolean {
  const ref = f.event.objectRef;
  return ref?.resource === 'secrets' && !ref.subresource && f.event.verb === 'get' && !f.succeeded && !f.systemActor;
}

/** A denied request from a public address by an authenticated caller (Panther's Multiple403 predicate). */
export function isDeniedFromPublic(f: AuditFacts, state?: JudgeState): boolean {
  if (f.principal.type === 'Anonymous' || !forbidden(f.event)) return false;
  return state ? fromPublicNetwork(f, state) : !f.sourceNet.internal && f.sourceNet.net !== 'unknown';
}

/** `resource|namespace|name` of the object a request names (no subresource), for ownership. */
export function objectKey(f: AuditFacts): string | undefined {
  const ref = f.event.objectRef;
  if (!ref?.resource || !ref.name || ref.subresource) return undefined;
  return `${ref.resource}|${ref.namespace ?? ''}|${ref.name}`.slice(0, 300);
}

/**
 * A delete that is the principal's own business, not destruction: an object it created itself
 * (a controller cleaning up its temporary secrets, challenges and jobs), or a delete by a
 * built-in controller, which deletes only by ownership and lifecycle (the garbage collector
 * following owner references, the namespace controller emptying a deleted namespace).
 */
export function ownDelete(f: AuditFacts, self: PrincipalProfile): boolean {
  if (f.group === 'control-plane') return true;
  const key = objectKey(f);
  return key !== undefined && ownEntry(self.created, key) !== undefined;
}

interface Burst {
  count: number;
  threshold: number;
  usual: number;
}

/**
 * Whether the current window (including this request) reached the burst threshold. Fires on
 * the request that crosses it, so one burst gives one finding per window.
 */
export function burst(state: JudgeState, metric: RateMetric, floor: number, t: number, relative = true): Burst | undefined {
  const cfg: DetectionConfig = state.config;
  const count = (state.self.rates?.counts[metric] ?? 0) + 1;
  let threshold: number;
  let usual = 0;
  if (!relative) threshold = floor;
  else if (state.baseline) {
    usual = Math.max(usualPeak(state.baseline.profile.rates, metric, t, cfg), state.baseline.group ? usualPeak(state.baseline.group.rates, metric, t, cfg) : 0);
    threshold = Math.max(floor, Math.floor(cfg.rateMultiplier * usual) + 1);
  } else threshold = floor * 2;
  return count === threshold ? { count, threshold, usual } : undefined;
}

function windowSubject(state: JudgeState, metric: string): string {
  return `${metric}@${state.self.rates?.window ?? 0}`;
}

function draft(state: JudgeState, f: AuditFacts, metric: RateMetric, b: Burst, d: Omit<FindingDraft, 'subject' | 'baseline'>): FindingDraft {
  const windowMinutes = state.config.rateWindowMinutes;
  return {
    ...d,
    description: `${d.description} ${b.count} in ${windowMinutes} minutes, ${state.baseline ? `above ${state.config.rateMultiplier}× its usual peak of ${b.usual}` : 'with no baseline yet'} (threshold ${b.threshold}).`,
    subject: windowSubject(state, metric),
    baseline: () => explain(state, f, { rate: metric, usual: b.usual, windowMinutes }),
  };
}

export const bulkSecretReads: AuditDetector = {
  id: 'bulk-secret-reads',
  kind: 'baseline',
  detect(f, state) {
    if (!isSecretRead(f)) return NONE;
    const b = burst(state, 'secretReads', state.config.bulkSecretReadsMin, f.timeMs);
    if (!b) return NONE;
    return [
      draft(state, f, 'secretReads', b, {
        type: 'BulkSecretRead',
        title: 'Burst of secret reads',
        description: `${f.principal.key} read secrets in bulk:`,
        mitre: ['T1552.007'],
        score: 65,
      }),
    ];
  },
};

export const massDeletes: AuditDetector = {
  id: 'mass-deletes',
  kind: 'baseline',
  detect(f, state) {
    const v = f.event.verb;
    if (!f.succeeded || (v !== 'delete' && v !== 'deletecollection') || ownDelete(f, state.self)) return NONE;
    const b = burst(state, 'deletes', state.config.massDeletesMin, f.timeMs);
    if (!b) return NONE;
    return [
      draft(state, f, 'deletes', b, {
        type: 'MassDelete',
        title: 'Mass deletion of resources',
        description: `${f.principal.key} deleted resources in bulk:`,
        mitre: ['T1485'],
        score: 70,
      }),
    ];
  },
};

export const authorizationFailures: AuditDetector = {
  id: 'authorization-failures',
  kind: 'baseline',
  detect(f, state) {
    if (f.principal.type === 'Anonymous') return NONE;
    const out: FindingDraft[] = [];
    const cfg = state.config;
    if (forbidden(f.event)) {
      const b = burst(state, 'denied', cfg.deniedBurstMin, f.timeMs);
      if (b) {
        out.push(
          draft(state, f, 'denied', b, {
            type: 'AuthorizationFailureBurst',
            title: 'Burst of denied requests (permission probing)',
            description: `${f.principal.key} was denied repeatedly:`,
            mitre: ['T1069', 'T1613'],
            score: 50,
          }),
        );
      }
      if (isDeniedFromPublic(f, state)) {
        const p = burst(state, 'deniedPublic', cfg.deniedPublicBurstMin, f.timeMs, false);
        if (p) {
          out.push(
            draft(state, f, 'deniedPublic', p, {
              type: 'AuthorizationFailureBurst',
              title: 'Burst of denied requests from the internet',
              description: `${f.principal.key} was denied repeatedly from public addresses:`,
              mitre: ['T1069', 'T1613'],
              score: 55,
            }),
          );
        }
      }
    }
    if (isSecretDenied(f)) {
      const b = burst(state, 'secretDenied', cfg.secretDeniedBurstMin, f.timeMs);
      if (b) {
        out.push(
          draft(state, f, 'secretDenied', b, {
            type: 'SecretAccessDeniedBurst',
            title: 'Burst of failed secret reads (guessing secret names)',
            description: `${f.principal.key} failed to read secrets repeatedly:`,
            mitre: ['T1552.007'],
            score: 55,
          }),
        );
      }
    }
    return out.length ? out : NONE;
  },
};
