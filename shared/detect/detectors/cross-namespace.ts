/**
 * Cross-namespace access: a principal that works in a few namespaces touches one it never had.
 * Principals that roam many namespaces (controllers, kubelets, CI deploying everywhere) are not
 * judged on this, and neither are namespaces that are new to the whole cluster.
 */
import { isSystemNamespace } from '../../audit/actor';
import { explain } from '../explain';
import { establishedKeys, isEstablished, judgedAgainst, namespaceIsNew } from '../judge';
import { NONE, type AuditDetector } from '../types';

export const crossNamespace: AuditDetector = {
  id: 'cross-namespace',
  kind: 'baseline',
  detect(f, state) {
    if (!f.succeeded || !state.baseline) return NONE;
    const type = f.principal.type;
    if (type === 'Node' || type === 'System' || type === 'Anonymous' || f.group === 'control-plane') return NONE;
    const ns = f.behavior.scope;
    if (ns === '*' || ns === '-') return NONE;
    const t = f.timeMs;
    if (isEstablished(state, 'namespaces', ns, t)) return NONE;
    const known = establishedKeys(state, 'namespaces', t);
    if (known.size === 0 || known.size >= state.config.multiNamespaceMin) return NONE;
    if (namespaceIsNew(state, ns, t)) return NONE;
    const base = type === 'ServiceAccount' ? 50 : f.human ? 25 : 45;
    const score = base + (isSystemNamespace(ns) ? 10 : 0);
    return [
      {
        type: 'CrossNamespaceAccess',
        title: `Access to namespace ${ns}, outside the principal's usual namespaces`,
        description: `${f.principal.key} made ${f.behavior.verb} ${f.behavior.resource} in ${ns}; it only ever worked in ${[...known].sort().join(', ')} (judged against ${judgedAgainst(state)}).`,
        mitre: ['T1613'],
        score,
        subject: `ns:${ns}`,
        baseline: () => explain(state, f, { namespaces: true }),
      },
    ];
  },
};
