/**
 * Commands run in a pod that read its service-account token (Stratus steal-serviceaccount-token,
 * Panther Pod.StealServiceAccountToken) or copy files out with `kubectl cp` (Panther
 * Kubectl.CP.Operation: `tar c... -` streaming to the caller). Only the command's shape is
 * inspected; it is not copied into evidence.
 */
import { execCommand } from '../../audit/request-object';
import { NONE, type AuditDetector, type FindingDraft } from '../types';
import { explicitlySucceeded, ruleDraft } from './rule';

const TOKEN_DIRS = /\/var\/run\/secrets\/(kubernetes\.io|eks\.amazonaws\.com|pods\.eks\.amazonaws\.com)\/serviceaccount/;

/** `tar` creating an archive on stdout: what `kubectl cp <pod>:<path> <local>` runs. */
export function isCopyFromPod(cmd: readonly string[]): boolean {
  if (cmd.length < 3 || !/(^|\/)tar$/.test(cmd[0]!)) return false;
  const flags = cmd[1]!.replace(/^-/, '');
  if (!flags.includes('c')) return false;
  return /f$/.test(flags) ? cmd[2] === '-' : cmd.includes('-');
}

export const tokenTheftExec: AuditDetector = {
  id: 'token-theft-exec',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'pods' || (ref.subresource !== 'exec' && ref.subresource !== 'attach')) return NONE;
    if (!explicitlySucceeded(f) || f.systemActor) return NONE;
    const cmd = execCommand(f.event);
    if (cmd.length === 0) return NONE;
    const out: FindingDraft[] = [];
    const pod = `${ref.namespace ?? ''}/${ref.name ?? ''}`;
    if (cmd.some((a) => TOKEN_DIRS.test(a))) {
      out.push(
        ruleDraft(state, f, {
          type: 'ServiceAccountTokenStolen',
          title: `Service-account token read out of pod ${pod}`,
          description: `${f.principal.key} ran a command in ${pod} that reads the pod's service-account token; whoever holds it can act as the pod.`,
          mitre: ['T1528', 'T1552.007'],
          score: 80,
          subject: pod,
          pattern: false,
        }),
      );
    }
    if (isCopyFromPod(cmd)) {
      out.push(
        ruleDraft(state, f, {
          type: 'KubectlCopyFromPod',
          title: `Files copied out of pod ${pod} (kubectl cp)`,
          description: `${f.principal.key} streamed an archive out of ${pod}, as kubectl cp does.`,
          mitre: ['T1005', 'T1041'],
          score: 50,
          subject: pod,
          pattern: ref.namespace ?? '',
        }),
      );
    }
    return out.length ? out : NONE;
  },
};
