/**
 * First use of a sensitive behavior: after its learning period (or, for a new principal, judged
 * against its peer group), a principal does something sensitive (reads secrets, execs into a
 * pod, changes RBAC, ...) that its baseline never established. A principal that already does
 * the same thing in many namespaces is not new in one more; a person repeating a known action
 * in another namespace scores lower than a workload doing so.
 */
import { explain } from '../explain';
import { rbacWeight } from '../rbac-risk';
import { behaviorSpread, isEstablished, judgedAgainst, namespaceIsNew } from '../judge';
import { sensitiveKind } from '../sensitive';
import { NONE, type AuditDetector } from '../types';
import { onlyCaBundle } from '../webhooks';

function where(scope: string): string {
  return scope === '*' ? 'across all namespaces' : scope === '-' ? '(cluster-scoped)' : `in namespace ${scope}`;
}

export const firstSensitiveUse: AuditDetector = {
  id: 'first-sensitive-use',
  kind: 'baseline',
  detect(f, state) {
    if (!f.succeeded || !state.baseline) return NONE;
    const kind = sensitiveKind(f.behavior);
    if (!kind) return NONE;
    const t = f.timeMs;
    const b = f.behavior;
    if (isEstablished(state, 'behaviors', b.key, t)) return NONE;
    // Nodes create CSRs for their own serving certificates: that is how a node joins, not a credential grab.
    if (kind.type === 'CertificateRequested' && f.principal.type === 'Node') return NONE;
    // The built-in controllers read secrets as their job (emptying a deleted namespace, the token
    // controllers), with credentials that never leave the control plane.
    if (kind.type === 'SecretsAccessed' && f.group === 'control-plane') return NONE;
    // Rotating a webhook's CA bundle (what a mesh or certificate controller does on restart) sends nothing anywhere new.
    if (kind.type === 'AdmissionWebhookModified' && onlyCaBundle(f.event)) return NONE;
    let score = kind.score;
    if (kind.type === 'RBACModified') {
      score *= rbacWeight(f.event, state.config.privilegedClusterRoles);
      // Setting up access in a namespace that did not exist yesterday is how namespaces are born.
      if (b.scope !== '*' && b.scope !== '-' && namespaceIsNew(state, b.scope, t)) score *= 0.5;
    }
    let novelty = 'a sensitive request it never made before';
    if (b.scope !== '*' && b.scope !== '-') {
      const spread = behaviorSpread(state, b.verb, b.resource, b.scope, t);
      if (spread.namespaces >= state.config.multiNamespaceMin) return NONE;
      if (spread.namespaces > 0) {
        score *= f.human ? 0.5 : 0.75;
        novelty = `a sensitive request it made before in ${spread.namespaces} other namespace${spread.namespaces === 1 ? '' : 's'} only`;
      } else if (spread.otherVerbSameScope) {
        score *= f.human ? 0.6 : 0.8;
        novelty = `a sensitive request it never made before (other verbs on ${b.resource} here are normal)`;
      } else if (f.human) score = kind.humanScore ?? score * 0.9;
    } else if (f.human) score = kind.humanScore ?? score * 0.9;
    return [
      {
        type: kind.type,
        title: kind.title,
        description: `${f.principal.key} made its first ${b.verb} on ${b.resource} ${where(b.scope)}, ${novelty} (judged against ${judgedAgainst(state)}).`,
        mitre: kind.mitre,
        score: Math.round(score),
        subject: b.key,
        baseline: () => explain(state, f, { behavior: b }),
      },
    ];
  },
};
