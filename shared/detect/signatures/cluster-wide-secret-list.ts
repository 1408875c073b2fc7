/** Secrets listed across all namespaces (Stratus dump-secrets, Panther Secrets.DumpAllNamespaces). */
import { NONE, type AuditDetector } from '../types';
import { explicitlySucceeded, ruleDraft } from './rule';

export const clusterWideSecretList: AuditDetector = {
  id: 'cluster-wide-secret-list',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    const v = f.event.verb;
    if (ref?.resource !== 'secrets' || ref.subresource || ref.namespace || (v !== 'list' && v !== 'watch')) return NONE;
    if (!explicitlySucceeded(f) || f.systemActor) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'ClusterWideSecretList',
        title: 'All secrets of the cluster listed',
        description: `${f.principal.key} made ${v} secrets across all namespaces: one request returns every secret in the cluster.`,
        mitre: ['T1552.007'],
        score: 65,
        pattern: v,
      }),
    ];
  },
};
