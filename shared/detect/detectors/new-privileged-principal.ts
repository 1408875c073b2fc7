/**
 * A principal first seen after the cluster's learning period, with no peer group to judge it
 * by, that holds cluster-admin (an EKS access policy or system:masters) and uses it for
 * something sensitive. This is how a backdoor access entry (eks:CreateAccessEntry, visible
 * only in CloudTrail) shows up in the audit log: a new identity acting as an admin. Likewise a
 * brand-new identity (a service account someone just created) calling nodes/proxy.
 */
import { DAY_MS } from '../config';
import { explain } from '../explain';
import { sensitiveKind } from '../sensitive';
import { NONE, type AuditDetector } from '../types';

const ADMIN_POLICY = /cluster-access-policy\/(AmazonEKSClusterAdminPolicy|AmazonEKSAdminPolicy)/;
const WRITE = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', 'bind', 'escalate', 'impersonate']);

export const newPrivilegedPrincipal: AuditDetector = {
  id: 'new-privileged-principal',
  kind: 'baseline',
  detect(f, state) {
    if (state.baseline || !state.clusterMature || !f.succeeded) return NONE;
    const cfg = state.config;
    if (state.self.firstSeen < state.ctx.clusterFirstSeen + cfg.clusterLearningDays * DAY_MS) return NONE;
    const type = f.principal.type;
    if (type !== 'IAMRole' && type !== 'IAMUser' && type !== 'User' && type !== 'ServiceAccount') return NONE;
    // A new identity with node-level reach: the kubelet API runs commands in every pod of a node.
    if (f.event.objectRef?.resource === 'nodes' && f.event.objectRef.subresource === 'proxy') {
      return [
        {
          type: 'NewPrincipalNodeAccess',
          title: 'New identity reaching the kubelet API (nodes/proxy)',
          description: `${f.principal.key}, first seen ${new Date(state.self.firstSeen).toISOString().slice(0, 16)} UTC and without a baseline or peer group, made ${f.behavior.key}: a brand-new identity with node-level reach.`,
          mitre: ['T1611', 'T1078'],
          score: 72,
          subject: 'nodes/proxy',
          baseline: () => explain(state, f, { authz: true }),
        },
      ];
    }
    const reason = f.event.annotations?.['authorization.k8s.io/reason'] ?? '';
    const policy = ADMIN_POLICY.exec(reason)?.[1];
    const masters = (f.event.user.groups ?? []).includes('system:masters');
    if (!policy && !masters) return NONE;
    const kind = sensitiveKind(f.behavior);
    if (!kind && !WRITE.has(f.event.verb)) return NONE;
    return [
      {
        type: 'NewPrivilegedPrincipal',
        title: 'New principal with cluster-admin rights acting as admin',
        description: `${f.principal.key}, first seen ${new Date(state.self.firstSeen).toISOString().slice(0, 16)} UTC and still without a baseline, holds ${policy ?? 'system:masters'} and made ${f.behavior.key}${kind ? ` (${kind.title.toLowerCase()})` : ''}. New admin identities (e.g. a new EKS access entry) are created outside the cluster's audit log.`,
        mitre: ['T1098.006', 'T1078.004'],
        score: kind ? 65 : 50,
        subject: 'admin',
        baseline: () => explain(state, f, { authz: true }),
      },
    ];
  },
};
