/**
 * Covering tracks (T1070, T1562.001): removing the cluster's event history, silencing the log
 * shipper, or removing what feeds the audit trail.
 *
 * - Events deleted across namespaces, or a namespace's events deleted wholesale: Kubernetes
 *   expires events on its own, nothing deletes them in bulk in the normal course.
 * - The log shipper's DaemonSet or configuration changed or removed: recognised by what it is
 *   (the log agents every cluster runs — Fluent Bit, Fluentd, Vector, Filebeat, Promtail, the
 *   CloudWatch and OpenTelemetry agents — or a `logging` namespace), muted once its writer
 *   routinely ships it (a GitOps sync).
 * - Audit-related objects removed (audit policies and sinks, runtime-security agents).
 */
import { NONE, type AuditDetector } from '../types';
import { ruleDraft, wrote } from './rule';

const WRITES = new Set(['update', 'patch', 'delete', 'deletecollection']);
const DELETES = new Set(['delete', 'deletecollection']);
const LOG_AGENT = /fluent-?bit|fluentd|(^|[-./])vector($|[-./])|filebeat|promtail|logstash|cloudwatch-agent|aws-for-fluent|otel-?collector|opentelemetry-collector|log-?shipper|log-?router|log-?forwarder|logging/;
const AUDIT_OBJECT = /audit|falco|guardduty|tracee|tetragon|boundwatch/;
/** Objects that come and go with a workload's life: removing one replaces it. */
const LIFECYCLE = new Set(['pods', 'leases', 'endpoints', 'endpointslices', 'replicasets', 'controllerrevisions']);
const SHIPPER_RESOURCES = new Set(['daemonsets', 'configmaps', 'deployments']);

export const antiForensics: AuditDetector = {
  id: 'anti-forensics',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref?.resource || ref.subresource || !f.succeeded) return NONE;
    const verb = f.event.verb;
    const where = `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? ''}`;
    if (ref.resource === 'events' && DELETES.has(verb)) {
      const everywhere = !ref.namespace;
      if (!everywhere && verb !== 'deletecollection') return NONE;
      return [
        ruleDraft(state, f, {
          type: 'EventsDeleted',
          title: everywhere ? 'Events deleted across all namespaces' : `All events of namespace ${ref.namespace} deleted`,
          description: `${f.principal.key} made ${verb} on ${ref.apiGroup ? `${ref.apiGroup} ` : ''}events ${everywhere ? 'across all namespaces' : `in ${ref.namespace}`}: the cluster's record of what happened is being erased.`,
          mitre: ['T1070'],
          score: everywhere ? 70 : 50,
          pattern: false,
        }),
      ];
    }
    // Built-in controllers and kubelets delete and update by ownership and lifecycle (a pod of the
    // agent replaced, a namespace's CA bundle refreshed), never to silence anything.
    if (!wrote(f, WRITES) || f.principal.type === 'Node' || f.group === 'control-plane' || LIFECYCLE.has(ref.resource)) return NONE;
    const identity = `${ref.namespace ?? ''}/${ref.name ?? ''}`.toLowerCase();
    if (SHIPPER_RESOURCES.has(ref.resource) && LOG_AGENT.test(identity)) {
      const removed = DELETES.has(verb);
      return [
        ruleDraft(state, f, {
          type: 'LogShipperTampered',
          title: `Log shipper ${ref.resource === 'configmaps' ? 'configuration' : ref.resource.replace(/s$/, '')} ${where} ${removed ? 'deleted' : 'changed'}`,
          description: `${f.principal.key} made ${verb} on ${ref.resource} ${where}, part of the log pipeline: logs that would show what happens next may no longer leave the nodes.`,
          mitre: ['T1562.001', 'T1070'],
          score: removed ? 65 : 45,
          pattern: removed ? false : `${ref.resource}|${identity}`,
        }),
      ];
    }
    if (DELETES.has(verb) && AUDIT_OBJECT.test(`${ref.resource}/${identity}`.toLowerCase())) {
      return [
        ruleDraft(state, f, {
          type: 'AuditObjectDeleted',
          title: `Audit-related ${ref.resource} ${where} deleted`,
          description: `${f.principal.key} deleted ${ref.resource} ${where}, which belongs to the cluster's audit or runtime-security tooling.`,
          mitre: ['T1562.001', 'T1070'],
          score: 65,
          pattern: false,
        }),
      ];
    }
    return NONE;
  },
};
