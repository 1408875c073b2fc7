/**
 * Changes to kube-system/aws-auth, the IAM-to-Kubernetes identity map (Stratus
 * backdoor-aws-auth-configmap). Never muted: whoever edits it decides who is cluster-admin.
 */
import { bodyMentions } from '../../audit/request-object';
import { NONE, type AuditDetector } from '../types';
import { ruleDraft, wrote } from './rule';

const VERBS = new Set(['create', 'update', 'patch', 'delete']);

export const awsAuthModified: AuditDetector = {
  id: 'aws-auth-modified',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'configmaps' || ref.namespace !== 'kube-system' || ref.name !== 'aws-auth' || ref.subresource || !wrote(f, VERBS)) return NONE;
    const masters = bodyMentions(f.event, /system:masters/);
    return [
      ruleDraft(state, f, {
        type: 'AwsAuthModified',
        title: 'kube-system/aws-auth changed',
        description: `${f.principal.key} made ${f.event.verb} on kube-system/aws-auth, which maps IAM roles and users to Kubernetes identities${masters ? '; the new content maps an identity to system:masters (cluster-admin)' : ''}.`,
        mitre: ['T1098.006'],
        score: masters ? 85 : 80,
        pattern: false,
      }),
    ];
  },
};
