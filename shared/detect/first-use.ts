/**
 * First use of a sensitive behavior: after its learning period, a principal does something
 * sensitive (read secrets, exec into a pod, ...) that its own baseline never showed.
 */
import { inLearning } from '../baseline/profile';
import { describeBaseline } from './explain';
import { sensitiveKind } from './sensitive';
import type { AuditDetector } from './types';
import { DAY_MS } from './config';

export const firstSensitiveUse: AuditDetector = (facts, profile, ctx) => {
  if (!facts.succeeded) return [];
  if (facts.timeMs < ctx.clusterFirstSeen + ctx.config.clusterLearningDays * DAY_MS) return [];
  if (inLearning(profile, facts.timeMs, ctx.config)) return [];
  const kind = sensitiveKind(facts.behavior, facts);
  if (!kind) return [];
  if (profile.behaviors[facts.behavior.key]) return [];
  const b = facts.behavior;
  return [
    {
      type: kind.type,
      title: kind.title,
      description: `${facts.principal.key} made its first ${b.verb} on ${b.resource} ${b.scope === '*' ? 'across all namespaces' : b.scope === '-' ? '(cluster-scoped)' : `in namespace ${b.scope}`}, a sensitive request it never made before.`,
      mitre: kind.mitre,
      score: kind.score,
      subject: b.key,
      baseline: describeBaseline(ctx.priorProfile ?? profile, facts.behavior),
    },
  ];
};
