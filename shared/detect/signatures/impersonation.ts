/**
 * Impersonation (`Impersonate-User` / `Impersonate-Group`; the audit record carries
 * `impersonatedUser`): a principal acting as someone else. Raised when the principal
 * impersonates a target it never impersonated before (muted once that target is established
 * for it); how alarming depends on whom:
 * - a privileged target (system:masters, a node, a kube-system service account) — HIGH;
 * - a first impersonation ever by this principal — MEDIUM;
 * - one more target of the shape it routinely impersonates (a GitOps controller acting as each
 *   tenant's service account, now for a new tenant) — LOW, context only.
 */
import { established } from '../baseline';
import type { AuditUser } from '../../audit/event';
import { NONE, type AuditDetector, type JudgeState } from '../types';
import { ruleDraft } from './rule';

const TYPE = 'Impersonation';
const SA = 'system:serviceaccount:';
const PRIVILEGED_GROUPS = new Set(['system:masters', 'system:nodes', 'system:bootstrappers']);

/** The target as a pattern key: who, and as which groups (sorted, bounded). */
function targetKey(u: AuditUser): string {
  const groups = [...new Set(u.groups ?? [])].filter((g) => g !== 'system:authenticated').sort().slice(0, 8);
  return `${u.username.slice(0, 256)}${groups.length ? `+${groups.join(',')}` : ''}`;
}

/** The shape of a target, so a new tenant's service account is recognised as "one more of those". */
function shapeOf(key: string): string {
  const user = key.split('+')[0] ?? '';
  if (user.startsWith(SA)) return `sa:${user.split(':')[3] ?? ''}`;
  if (user.startsWith('system:node:')) return 'node';
  return `user:${key.includes('+') ? 'groups' : 'plain'}`;
}

export function isPrivilegedTarget(u: AuditUser): boolean {
  const name = u.username;
  if (name === 'system:admin' || name.startsWith('system:node:') || name.startsWith(`${SA}kube-system:`)) return true;
  if (name.startsWith('system:') && !name.startsWith(SA) && name !== 'system:anonymous') return true;
  return (u.groups ?? []).some((g) => PRIVILEGED_GROUPS.has(g));
}

/** Targets this principal (or its peer group) impersonates as an established habit. */
function establishedTargets(state: JudgeState, t: number): string[] {
  const out: string[] = [];
  for (const p of [state.self, state.group]) {
    const patterns = p?.patterns;
    if (!patterns) continue;
    for (const k in patterns) if (k.startsWith(`${TYPE}|`) && established(patterns[k], t, state.config)) out.push(k.slice(TYPE.length + 1));
  }
  return out;
}

export const impersonation: AuditDetector = {
  id: 'impersonation',
  kind: 'signature',
  detect(f, state) {
    const target = f.event.impersonatedUser;
    if (!target || !f.succeeded) return NONE;
    const key = targetKey(target);
    const habits = establishedTargets(state, f.timeMs);
    const privileged = isPrivilegedTarget(target);
    const sameShape = habits.some((h) => shapeOf(h) === shapeOf(key));
    const score = privileged ? 75 : habits.length === 0 ? 55 : sameShape ? 25 : 45;
    return [
      ruleDraft(state, f, {
        type: TYPE,
        title: `${f.principal.key} acted as ${target.username}`,
        description: `${f.principal.key} impersonated ${target.username}${target.groups?.length ? ` (groups ${[...new Set(target.groups)].slice(0, 5).join(', ')})` : ''} for ${f.behavior.key}, a target it never impersonated before${privileged ? '; the target holds platform-level rights' : habits.length ? `; it routinely impersonates ${habits.length} other target(s)` : '; it never impersonated anyone'}.`,
        mitre: ['T1134', 'T1078'],
        score,
        pattern: key,
      }),
    ];
  },
};
