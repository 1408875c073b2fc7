/**
 * Runs the audit detectors over one principal's requests, in time order, against its profile,
 * learning from each request after judging it. Pure: the caller loads and stores profiles.
 */
import { behaviorOf, succeeded } from '../audit/behavior';
import type { ParsedAuditEvent } from '../audit/event';
import { sourceNetworkOf, userAgentFamily } from '../audit/network';
import { normalizePrincipal, requestFeatures, type Principal } from '../audit/principal';
import { emptyProfile, pruneProfile, see, type PrincipalProfile } from '../baseline/profile';
import { MINUTE_MS } from './config';
import type { AuditDetector, AuditFacts, DetectionContext, FindingDraft } from './types';
import { firstSensitiveUse } from './first-use';

export const DEFAULT_DETECTORS: AuditDetector[] = [firstSensitiveUse];

export interface DetectedFinding extends FindingDraft {
  facts: AuditFacts;
}

export function factsOf(parsed: ParsedAuditEvent, principal: Principal = normalizePrincipal(parsed.event.user)): AuditFacts {
  const features = requestFeatures(parsed.event);
  return {
    event: parsed.event,
    timeMs: parsed.timeMs,
    principal,
    features,
    behavior: behaviorOf(parsed.event),
    sourceNet: sourceNetworkOf(features.sourceIP),
    userAgentFamily: userAgentFamily(features.userAgent),
    succeeded: succeeded(parsed.event),
  };
}

/** Folds one request into the profile (mutates `p`). */
export function observe(p: PrincipalProfile, f: AuditFacts): void {
  if (f.timeMs < p.firstSeen) p.firstSeen = f.timeMs;
  if (f.timeMs > p.lastSeen) p.lastSeen = f.timeMs;
  p.events += 1;
  // Failed requests are evidence of probing, not of what the principal normally does.
  if (f.succeeded) see(p.behaviors, f.behavior.key, f.timeMs);
  if (f.behavior.scope !== '-' && f.behavior.scope !== '*') see(p.namespaces, f.behavior.scope, f.timeMs);
  see(p.sourceNets, f.sourceNet.net, f.timeMs);
  see(p.userAgents, f.userAgentFamily, f.timeMs);
}

export interface PrincipalRun {
  profile: PrincipalProfile;
  findings: DetectedFinding[];
}

/**
 * Judges then learns each request. `facts` must all belong to one principal; they are sorted
 * here. Findings in cooldown for the same type and subject are dropped.
 */
export function runPrincipal(
  facts: AuditFacts[],
  existing: PrincipalProfile | undefined,
  ctx: DetectionContext,
  detectors: AuditDetector[] = DEFAULT_DETECTORS,
): PrincipalRun {
  const sorted = [...facts].sort((a, b) => a.timeMs - b.timeMs || (a.event.auditID < b.event.auditID ? -1 : 1));
  const firstFact = sorted[0];
  const profile: PrincipalProfile = existing
    ? structuredClone(existing)
    : emptyProfile(firstFact?.principal.key ?? '', firstFact?.principal.type ?? 'User', firstFact?.timeMs ?? 0);
  const runCtx: DetectionContext = { ...ctx, priorProfile: existing };
  const cooldown = ctx.config.cooldownMinutes * MINUTE_MS;
  const findings: DetectedFinding[] = [];
  for (const f of sorted) {
    for (const detector of detectors) {
      for (const draft of detector(f, profile, runCtx)) {
        const key = `${draft.type}|${draft.subject}`;
        const last = profile.alerts[key];
        if (last !== undefined && f.timeMs - last < cooldown && f.timeMs >= last) {
          // Same finding again inside its cooldown: it joins the evidence of the open one instead.
          const open = findings.find((x) => x.type === draft.type && x.subject === draft.subject);
          if (open) findings.push({ ...draft, facts: f });
          continue;
        }
        profile.alerts[key] = f.timeMs;
        findings.push({ ...draft, facts: f });
      }
    }
    observe(profile, f);
  }
  return { profile: pruneProfile(profile, ctx.config), findings };
}
