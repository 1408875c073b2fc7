/**
 * Runs the audit detectors over one principal's requests, in time order, against its profile,
 * learning from each request after judging it. Pure: the caller loads and stores profiles (its
 * own and its peer groups'), and passes them in the context.
 */
import { isHumanLike, isSystemActor } from '../audit/actor';
import { behaviorOf, forbidden, succeeded } from '../audit/behavior';
import type { ParsedAuditEvent } from '../audit/event';
import { sourceNetworkCached, userAgentFamilyCached } from '../audit/network';
import { workloadGroupKey } from '../audit/pod-owner';
import { normalizePrincipal, requestFeatures, type Principal } from '../audit/principal';
import {
  cloneProfile,
  emptyProfile,
  emptyRates,
  established,
  foldWindow,
  hourOfWeek,
  inLearning,
  ownEntry,
  pruneProfile,
  rememberConnect,
  see,
  setEntry,
  entryKey,
  upgradeProfile,
  type PrincipalProfile,
} from './baseline';
import { DAY_MS, MINUTE_MS, detectorEnabled, type DetectionConfig } from './config';
import { podKey } from './judge';
import { touched } from './map-summary';
import { learningCap } from './platform';
import { ALL_DETECTORS } from './registry';
import { isSecretRead, isSecretDenied, objectKey, ownDelete } from './detectors/rates';
import { sessionKey } from './detectors/concurrent-session';
import { isCreation } from './signatures/rule';
import type { AuditDetector, AuditFacts, DetectionContext, FindingDraft, JudgeState } from './types';

export const DEFAULT_DETECTORS: AuditDetector[] = ALL_DETECTORS;

export interface DetectedFinding extends Omit<FindingDraft, 'baseline'> {
  baseline: string;
  facts: AuditFacts;
}

const CONNECT = new Set(['exec', 'attach', 'portforward']);

export function factsOf(parsed: ParsedAuditEvent, principal: Principal = normalizePrincipal(parsed.event.user)): AuditFacts {
  const event = parsed.event;
  const features = requestFeatures(event);
  const behavior = behaviorOf(event);
  const ns = event.objectRef?.namespace;
  let group = principal.peerGroup;
  if (!group && principal.serviceAccount && features.boundPod) group = workloadGroupKey(principal.serviceAccount.namespace, features.boundPod);
  const facts: AuditFacts = {
    event,
    timeMs: parsed.timeMs,
    principal,
    features,
    behavior,
    sourceNet: sourceNetworkCached(features.sourceIP),
    userAgentFamily: userAgentFamilyCached(features.userAgent),
    succeeded: succeeded(event),
    systemActor: isSystemActor(event.user.username, ns),
    human: isHumanLike({ type: principal.type, canonicalArn: principal.type === 'IAMRole' ? principal.key : undefined, sessionName: features.sessionName, userAgent: features.userAgent }),
    connect: event.objectRef?.resource === 'pods' && CONNECT.has(event.objectRef.subresource ?? ''),
  };
  // Assigned, not spread into the literal: a conditional spread builds each request's facts the slow way.
  if (group) facts.group = group;
  return facts;
}

/** The authorizer and, for EKS access policies, the policy: what granted the request. */
function authzKey(f: AuditFacts): string | undefined {
  const reason = f.event.annotations?.['authorization.k8s.io/reason'];
  if (!reason) return undefined;
  const policy = reason.includes('cluster-access-policy/') ? /cluster-access-policy\/([A-Za-z0-9]+)/.exec(reason) : null;
  return policy ? `EKS Access Policy: ${policy[1]}` : f.features.authorizer;
}

/** Folds one request into a peer-group profile (mutates `g`). */
export function observeGroup(g: PrincipalProfile, f: AuditFacts): void {
  if (f.timeMs < g.firstSeen) g.firstSeen = f.timeMs;
  if (f.timeMs > g.lastSeen) g.lastSeen = f.timeMs;
  g.events += 1;
  if (f.succeeded) see(g.behaviors, f.behavior.key, f.timeMs);
  const scope = f.behavior.scope;
  if (scope !== '-' && scope !== '*') see(g.namespaces, scope, f.timeMs);
  see(g.sourceNets, f.sourceNet.net, f.timeMs);
  see(g.userAgents, f.userAgentFamily, f.timeMs);
}

/** Folds one request into the principal's own profile (mutates `p`). */
export function observe(p: PrincipalProfile, f: AuditFacts): void {
  observeGroup(p, f);
  if (f.human) {
    const h = (p.hours ??= {});
    const k = String(hourOfWeek(f.timeMs));
    h[k] = (h[k] ?? 0) + 1;
  }
  const a = authzKey(f);
  if (a) see((p.authz ??= {}), a, f.timeMs);
  // Keyed by pod UID: a StatefulSet pod rescheduled elsewhere keeps its name but is a new pod with a new address.
  const pod = podKey(f);
  const ip = f.features.sourceIP;
  if (pod && ip) {
    const pods = (p.pods ??= {});
    const known = ownEntry(pods, pod);
    if (!known) setEntry(pods, pod, { ip, first: f.timeMs, last: f.timeMs });
    else if (known.ip === ip) {
      if (f.timeMs > known.last) known.last = f.timeMs;
    } else known.alt = ip;
  }
  if (f.connect && f.event.stage === 'ResponseStarted') rememberConnect(p, f.event.auditID);
  const session = sessionKey(f);
  if (session && f.sourceNet.net !== 'unknown') setEntry((p.sessions ??= {}), session, { net: f.sourceNet.net, t: f.timeMs });
  const r = (p.rates ??= emptyRates());
  const c = r.counts;
  c.events += 1;
  if (isSecretRead(f)) c.secretReads += 1;
  if (isSecretDenied(f)) c.secretDenied += 1;
  const object = objectKey(f);
  if (f.succeeded && (f.event.verb === 'delete' || f.event.verb === 'deletecollection')) {
    if (!ownDelete(f, p)) c.deletes += 1;
    if (object && p.created) {
      delete p.created[entryKey(object)];
      touched(p.created);
    }
  } else if (object && f.succeeded && isCreation(f.event)) setEntry((p.created ??= {}), object, f.timeMs);
  if (forbidden(f.event)) {
    c.denied += 1;
    if (!f.sourceNet.internal && f.sourceNet.net !== 'unknown') c.deniedPublic += 1;
  }
}

/** Starts a new rate window when `t` is past the current one, folding the finished window into the peaks. */
function rollWindow(p: PrincipalProfile, t: number, cfg: DetectionConfig, group: PrincipalProfile | undefined): void {
  const r = (p.rates ??= emptyRates());
  const size = cfg.rateWindowMinutes * MINUTE_MS;
  const w = Math.floor(t / size) * size;
  if (w <= r.window) return;
  if (r.window > 0) {
    foldWindow(r, r.window, r.counts, cfg);
    if (group) foldWindow((group.rates ??= emptyRates()), r.window, r.counts, cfg);
    for (const k in r.counts) r.counts[k as keyof typeof r.counts] = 0;
  }
  r.window = w;
}

export interface PrincipalRun {
  profile: PrincipalProfile;
  findings: DetectedFinding[];
}

function enabledDetectors(cfg: DetectionConfig, detectors: AuditDetector[]): AuditDetector[] {
  return detectors.filter((d) => detectorEnabled(cfg, d.id));
}

const enabledCache = new WeakMap<DetectionConfig, WeakMap<AuditDetector[], AuditDetector[]>>();

function enabledFor(cfg: DetectionConfig, detectors: AuditDetector[]): AuditDetector[] {
  let byList = enabledCache.get(cfg);
  if (!byList) enabledCache.set(cfg, (byList = new WeakMap()));
  let list = byList.get(detectors);
  if (!list) byList.set(detectors, (list = enabledDetectors(cfg, detectors)));
  return list;
}

/**
 * Judges then learns each request. `facts` must all belong to one principal; they are sorted
 * here. Findings in cooldown for the same type and subject join the open finding's evidence.
 *
 * `existing` is left as it was unless `learnInPlace`: then the caller hands it over, upgraded
 * (as loadProfiles and earlier runs leave profiles), and it is learned into directly, which
 * spares ingestion a deep copy of every principal's profile for every payload. A run that
 * throws leaves such a profile half-learned; the caller must discard it.
 */
export function runPrincipal(
  facts: AuditFacts[],
  existing: PrincipalProfile | undefined,
  ctx: DetectionContext,
  detectors: AuditDetector[] = DEFAULT_DETECTORS,
  opts: { learnInPlace?: boolean } = {},
): PrincipalRun {
  const cfg = ctx.config;
  const sorted = facts.length > 1 ? [...facts].sort((a, b) => a.timeMs - b.timeMs || (a.event.auditID < b.event.auditID ? -1 : 1)) : facts;
  const firstFact = sorted[0];
  const profile: PrincipalProfile = existing
    ? opts.learnInPlace
      ? existing
      : upgradeProfile(cloneProfile(existing))
    : emptyProfile(firstFact?.principal.key ?? '', firstFact?.principal.type ?? 'User', firstFact?.timeMs ?? 0);
  const cooldown = cfg.cooldownMinutes * MINUTE_MS;
  const clusterMatureAt = ctx.clusterFirstSeen + cfg.clusterLearningDays * DAY_MS;
  const active = enabledFor(cfg, detectors);
  const findings: DetectedFinding[] = [];
  const state: JudgeState = { ctx, config: cfg, self: profile, prior: existing, clusterMature: false };
  const drafts: FindingDraft[] = [];

  for (const f of sorted) {
    // Streams are judged when they open; their completion is the same request. Other requests
    // are judged on completion only (ingestion drops their ResponseStarted records already).
    if (f.event.stage === 'ResponseStarted' ? !f.connect : f.connect && profile.connects?.includes(f.event.auditID)) continue;
    const t = f.timeMs;
    const groupKey = f.group;
    const groupStored = groupKey ? ctx.groups?.get(groupKey) : undefined;
    const groupWork = groupKey ? ctx.learnGroup?.(groupKey, f.principal.type, t) : undefined;
    rollWindow(profile, t, cfg, groupWork);

    state.clusterMature = t >= clusterMatureAt;
    state.group = groupStored;
    const groupMature = groupStored !== undefined && groupKey !== undefined && !inLearning(groupStored, t, cfg);
    if (!state.clusterMature) state.baseline = undefined;
    else if (!inLearning(profile, t, cfg)) state.baseline = { kind: 'self', profile, ...(groupMature ? { group: groupStored, groupKey } : {}) };
    else if (groupMature) state.baseline = { kind: 'group', profile: groupStored, group: groupStored, groupKey };
    else state.baseline = undefined;

    drafts.length = 0;
    let cap: number | undefined | null = null;
    for (const d of active) {
      const out = d.detect(f, state);
      if (out.length === 0) continue;
      if (d.kind === 'signature' && (cap === null ? (cap = learningCap(f, state)) : cap) !== undefined) {
        // A platform controller during learning: its RBAC says what it was installed to do (platform.ts).
        for (let i = 0; i < out.length; i++) drafts.push(out[i]!.score > cap! ? { ...out[i]!, score: cap! } : out[i]!);
      } else for (let i = 0; i < out.length; i++) drafts.push(out[i]!);
    }

    const seenHere = drafts.length > 0 ? new Set<string>() : undefined;
    for (const draft of drafts) {
      if (draft.pattern) {
        const pat = draft.pattern;
        // While the cluster learns, a rule's repeat hit is routine (the first one was raised); afterwards a
        // pattern mutes only once established, so an attacker's burst does not silence its own rule.
        const mutedBy = (p: PrincipalProfile | undefined) => p !== undefined && (state.clusterMature ? established(ownEntry(p.patterns, pat), t, cfg) : ownEntry(p.patterns, pat) !== undefined);
        const muted = mutedBy(profile) || mutedBy(groupStored);
        see((profile.patterns ??= {}), pat, t);
        if (groupWork) see((groupWork.patterns ??= {}), pat, t);
        if (muted) continue;
      }
      const key = `${draft.type}|${draft.subject}`;
      if (seenHere!.has(key)) continue;
      seenHere!.add(key);
      const last = ownEntry(profile.alerts, key);
      if (last !== undefined && t - last < cooldown && t >= last) {
        // Same finding again inside its cooldown: it joins the evidence of the open one instead.
        const open = findings.find((x) => x.type === draft.type && x.subject === draft.subject);
        if (open) findings.push({ ...draft, baseline: open.baseline, facts: f });
        continue;
      }
      setEntry(profile.alerts, key, t);
      findings.push({ ...draft, baseline: typeof draft.baseline === 'function' ? draft.baseline() : draft.baseline, facts: f });
    }

    observe(profile, f);
    if (groupWork) observeGroup(groupWork, f);
  }
  return { profile: pruneProfile(profile, cfg), findings };
}
