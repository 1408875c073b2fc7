/**
 * Questions detectors ask of a baseline. A principal past its learning period is judged on its
 * own profile, and also gets the benefit of its peer group's (kubelets share what kubelets do);
 * a new principal with a mature peer group is judged on the group's. Everything answers "is
 * this established", never "was this seen once", so bursts do not become normal at once.
 */
import ipaddr from 'ipaddr.js';
import { established, ownEntry, type PrincipalProfile, type SeenStats } from './baseline';
import type { AuditFacts, Baseline, JudgeState } from './types';

type StatsMap = 'behaviors' | 'namespaces' | 'sourceNets' | 'userAgents' | 'patterns' | 'authz';

function profilesOf(b: Baseline): PrincipalProfile[] {
  return b.group && b.group !== b.profile ? [b.profile, b.group] : [b.profile];
}

export function isEstablished(state: JudgeState, map: StatsMap, key: string, t: number): boolean {
  const b = state.baseline;
  if (!b) return false;
  for (const p of profilesOf(b)) if (established(ownEntry(p[map], key), t, state.config)) return true;
  return false;
}

/** Established keys of a stats map across the baseline's profiles. */
export function establishedKeys(state: JudgeState, map: StatsMap, t: number, filter?: (key: string) => boolean): Set<string> {
  const out = new Set<string>();
  const b = state.baseline;
  if (!b) return out;
  for (const p of profilesOf(b)) {
    const m: Record<string, SeenStats> | undefined = p[map];
    if (!m) continue;
    for (const k in m) if ((!filter || filter(k)) && established(m[k], t, state.config)) out.add(k);
  }
  return out;
}

/**
 * Namespaces in which the baseline established `<verb> <resource> <ns>`, and whether any other
 * read verb on the same resource is established in the request's scope.
 */
export function behaviorSpread(state: JudgeState, verb: string, resource: string, scope: string, t: number): { namespaces: number; otherVerbSameScope: boolean } {
  const prefix = `${verb} ${resource} `;
  const suffix = ` ${resource} ${scope}`;
  let namespaces = 0;
  let otherVerbSameScope = false;
  for (const k of establishedKeys(state, 'behaviors', t)) {
    if (k.startsWith(prefix)) {
      const s = k.slice(prefix.length);
      if (s !== '*' && s !== '-') namespaces += 1;
    } else if (k.endsWith(suffix)) otherVerbSameScope = true;
  }
  return { namespaces, otherVerbSameScope };
}

/**
 * Whether the request came from the internet: a valid public address that is neither a
 * trusted range nor one of the networks the cluster's own nodes use (NAT egress).
 */
export function fromPublicNetwork(f: AuditFacts, state: JudgeState): boolean {
  const ip = f.features.sourceIP;
  if (!ip || f.sourceNet.internal || f.sourceNet.net === 'unknown') return false;
  if (state.ctx.knowledge?.nodeNets.has(f.sourceNet.net)) return false;
  if (state.ctx.intel?.trusted?.has(ip)) return false;
  return ipaddr.isValid(ip);
}

/** A namespace the control plane first saw only recently (or not yet): new to every principal. */
export function namespaceIsNew(state: JudgeState, ns: string, t: number): boolean {
  const known = state.ctx.knowledge?.namespaces;
  if (!known) return false;
  const seen = ownEntry(known, ns);
  return !seen || t - seen.first < state.config.newNamespaceGraceHours * 3_600_000;
}

/** A short label of whom the request is judged against, for descriptions. */
export function judgedAgainst(state: JudgeState): string {
  const b = state.baseline;
  if (!b) return 'no baseline yet';
  return b.kind === 'group' ? `its peer group ${b.groupKey ?? ''}`.trim() : 'its own baseline';
}

/** The key a bound pod's address is remembered under: its UID when the token carries one, else its name. */
export function podKey(f: AuditFacts): string | undefined {
  const uid = f.features.boundPodUid;
  return uid ? `uid:${uid}` : f.features.boundPod;
}
