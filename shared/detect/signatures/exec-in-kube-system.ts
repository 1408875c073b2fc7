/** A command run in a kube-system pod (GuardDuty Execution:Kubernetes/ExecInKubeSystemPod). */
import { NONE, type AuditDetector } from '../types';
import { explicitlySucceeded, ruleDraft } from './rule';

export const execInKubeSystem: AuditDetector = {
  id: 'exec-in-kube-system',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'pods' || (ref.subresource !== 'exec' && ref.subresource !== 'attach') || ref.namespace !== 'kube-system') return NONE;
    if (!explicitlySucceeded(f) || f.systemActor) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'ExecInKubeSystemPod',
        title: `Command run in kube-system pod ${ref.name ?? ''}`,
        description: `${f.principal.key} ran a command (pods/${ref.subresource}) in kube-system/${ref.name ?? ''}, where the cluster's own components and their credentials live.`,
        mitre: ['T1609'],
        score: 60,
        pattern: 'kube-system',
      }),
    ];
  },
};
