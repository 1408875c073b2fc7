/**
 * Workloads that persist or run everywhere (Panther CronJob.CreatedOrModified and
 * DaemonSet.Created): a CronJob re-launches code on a schedule, a DaemonSet on every node.
 */
import { NONE, type AuditDetector } from '../types';
import { CREATE, WRITE, ruleDraft, wrote } from './rule';

export const persistenceWorkload: AuditDetector = {
  id: 'persistence-workload',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref || ref.subresource || f.systemActor) return NONE;
    const where = `${ref.namespace ?? ''}/${ref.name ?? ''}`;
    if (ref.resource === 'cronjobs' && wrote(f, WRITE)) {
      return [
        ruleDraft(state, f, {
          type: 'CronJobModified',
          title: `CronJob ${where} ${f.event.verb === 'create' ? 'created' : 'modified'}`,
          description: `${f.principal.key} made ${f.event.verb} on CronJob ${where}: code that runs again on a schedule.`,
          mitre: ['T1053.007'],
          score: 40,
          pattern: ref.namespace ?? '',
        }),
      ];
    }
    if (ref.resource === 'daemonsets' && wrote(f, CREATE)) {
      return [
        ruleDraft(state, f, {
          type: 'DaemonSetCreated',
          title: `DaemonSet ${where} created`,
          description: `${f.principal.key} created DaemonSet ${where}: a pod on every node.`,
          mitre: ['T1610'],
          score: 45,
          pattern: ref.namespace ?? '',
        }),
      ];
    }
    return NONE;
  },
};
