/**
 * Listing across all namespaces (discovery): a principal lists or watches a namespaced resource
 * cluster-wide for the first time. Secrets are judged by first-sensitive-use instead; the
 * platform itself (kubelets, control plane) lists cluster-wide by design.
 */
import { explain } from '../explain';
import { establishedKeys, isEstablished, judgedAgainst } from '../judge';
import { NONE, type AuditDetector } from '../types';

export const clusterWideListing: AuditDetector = {
  id: 'cluster-wide-listing',
  kind: 'baseline',
  detect(f, state) {
    const b = f.behavior;
    if (b.scope !== '*' || !f.succeeded || !state.baseline) return NONE;
    if (b.verb !== 'list' && b.verb !== 'watch') return NONE;
    if (b.resource === 'secrets') return NONE;
    const type = f.principal.type;
    if (type === 'Node' || type === 'System' || f.group === 'control-plane') return NONE;
    const t = f.timeMs;
    if (isEstablished(state, 'behaviors', b.key, t)) return NONE;
    // A principal that already lists several kinds of things cluster-wide (a monitoring agent) adding one more is mild.
    const wide = new Set([...establishedKeys(state, 'behaviors', t, (k) => k.endsWith(' *'))].map((k) => k.split(' ')[1]));
    let score = type === 'ServiceAccount' ? 45 : f.human ? 25 : 40;
    if (wide.size >= 3) score = Math.round(score * 0.6);
    return [
      {
        type: 'ClusterWideListing',
        title: `${b.resource} listed across all namespaces for the first time`,
        description: `${f.principal.key} made ${b.verb} ${b.resource} across all namespaces, which it never did before (judged against ${judgedAgainst(state)}).`,
        mitre: ['T1613'],
        score,
        subject: b.key,
        baseline: () => explain(state, f, { behavior: b }),
      },
    ];
  },
};
