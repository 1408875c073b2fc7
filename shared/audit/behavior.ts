/**
 * A request reduced to the behavior a baseline learns: verb × resource[/subresource] ×
 * namespace scope. Scope is the namespace, `*` for a namespaced resource requested across all
 * namespaces, or `-` for cluster-scoped resources and non-resource URLs.
 */
import type { AuditEvent } from './event';

/** Built-in cluster-scoped resources: a request without a namespace is not "all namespaces" for these. */
export const CLUSTER_SCOPED = new Set([
  'nodes',
  'namespaces',
  'persistentvolumes',
  'clusterroles',
  'clusterrolebindings',
  'customresourcedefinitions',
  'certificatesigningrequests',
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'storageclasses',
  'priorityclasses',
  'apiservices',
  'selfsubjectaccessreviews',
  'selfsubjectrulesreviews',
  'selfsubjectreviews',
  'subjectaccessreviews',
  'tokenreviews',
  'ingressclasses',
  'runtimeclasses',
  'csidrivers',
  'csinodes',
  'volumeattachments',
  'podsecuritypolicies',
  'componentstatuses',
  'flowschemas',
  'prioritylevelconfigurations',
  'ippools',
]);

export const ALL_NAMESPACES = '*';
export const CLUSTER_SCOPE = '-';

export interface Behavior {
  verb: string;
  /** `pods`, `pods/exec`, `nonresource:/healthz` */
  resource: string;
  /** Namespace, `*` (all namespaces) or `-` (cluster-scoped). */
  scope: string;
  /** Stable key: `<verb> <resource> <scope>`. */
  key: string;
}

export function resourceOf(event: AuditEvent): string {
  const ref = event.objectRef;
  if (!ref?.resource) {
    const path = (event.requestURI ?? '').split('?')[0] ?? '';
    return `nonresource:${path}`;
  }
  return ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
}

export function behaviorOf(event: AuditEvent): Behavior {
  const resource = resourceOf(event);
  const ref = event.objectRef;
  let scope: string;
  if (ref?.namespace) scope = ref.namespace;
  else if (!ref?.resource || CLUSTER_SCOPED.has(ref.resource)) scope = CLUSTER_SCOPE;
  else scope = ALL_NAMESPACES;
  const verb = event.verb;
  return { verb, resource, scope, key: `${verb} ${resource} ${scope}` };
}

/** Whether the response was a success (2xx, or 101 for upgraded exec/attach/portforward streams). */
export function succeeded(event: AuditEvent): boolean {
  const code = event.responseStatus?.code;
  if (code === undefined) return event.annotations?.['authorization.k8s.io/decision'] !== 'forbid';
  return (code >= 200 && code < 300) || code === 101;
}

export function forbidden(event: AuditEvent): boolean {
  return event.responseStatus?.code === 403 || event.annotations?.['authorization.k8s.io/decision'] === 'forbid';
}
