/**
 * A ConfigMap written with what looks like credentials (Falco Create/Modify Configmap With
 * Private Credentials). Keys and values are matched, never copied into the finding.
 */
import { configMapMentions } from '../../audit/request-object';
import { NONE, type AuditDetector } from '../types';
import { WRITE, ruleDraft, wrote } from './rule';

const CREDENTIALS = /aws_access_key_id|aws-access-key-id|aws_s3_access_key_id|aws-s3-access-key-id|password|passphrase/i;

export const configmapCredentials: AuditDetector = {
  id: 'configmap-credentials',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'configmaps' || ref.subresource || !wrote(f, WRITE) || !configMapMentions(f.event, CREDENTIALS)) return NONE;
    const where = `${ref.namespace ?? ''}/${ref.name ?? ''}`;
    return [
      ruleDraft(state, f, {
        type: 'ConfigMapWithCredentials',
        title: `Credentials stored in ConfigMap ${where}`,
        description: `${f.principal.key} wrote ConfigMap ${where} whose data names access keys or passwords; ConfigMaps are readable by anyone who can read the namespace's configuration.`,
        mitre: ['T1552.001'],
        score: 50,
        pattern: where,
      }),
    ];
  },
};
