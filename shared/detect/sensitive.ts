/**
 * Sensitive behaviors: requests that matter for credential access, execution, privilege
 * escalation and persistence (reference/detection-anchors.md). Each entry says what finding
 * its first use by a principal raises, and how alarming it is on its own.
 */
import type { Behavior } from '../audit/behavior';
import { ALL_NAMESPACES } from '../audit/behavior';
import type { AuditFacts } from './types';

export interface SensitiveKind {
  type: string;
  title: string;
  mitre: string[];
  score: number;
}

const WRITE = new Set(['create', 'update', 'patch']);
const RBAC = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);
const WEBHOOKS = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']);
const WORKLOADS = new Set(['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs']);

/** Classifies a behavior as sensitive, or returns undefined. Pure and total. */
export function sensitiveKind(b: Behavior, facts?: Pick<AuditFacts, 'event'>): SensitiveKind | undefined {
  const [resource = '', sub] = b.resource.split('/');
  const verb = b.verb;
  if (resource === 'secrets' && !sub && (verb === 'get' || verb === 'list' || verb === 'watch')) {
    const all = b.scope === ALL_NAMESPACES;
    return {
      type: 'SecretsAccessed',
      title: all ? 'Secrets read across all namespaces' : `Secrets read in namespace ${b.scope}`,
      mitre: ['T1552.007'],
      score: all ? 80 : verb === 'get' ? 55 : 65,
    };
  }
  if (resource === 'pods' && (sub === 'exec' || sub === 'attach')) {
    const system = b.scope === 'kube-system';
    return { type: 'ExecInPod', title: `Command run in a pod${system ? ' in kube-system' : ''} (pods/${sub})`, mitre: ['T1609'], score: system ? 75 : 60 };
  }
  if (resource === 'pods' && sub === 'portforward') {
    return { type: 'PortForward', title: 'Port forwarded into a pod', mitre: ['T1572'], score: 50 };
  }
  if (resource === 'pods' && sub === 'ephemeralcontainers' && WRITE.has(verb)) {
    return { type: 'EphemeralContainerCreated', title: 'Ephemeral (debug) container added to a pod', mitre: ['T1609'], score: 55 };
  }
  if (resource === 'nodes' && sub === 'proxy') {
    return { type: 'NodeProxyAccess', title: 'Kubelet API reached through nodes/proxy', mitre: ['T1611'], score: 75 };
  }
  if (resource === 'serviceaccounts' && sub === 'token' && verb === 'create') {
    return { type: 'ServiceAccountTokenCreated', title: 'Service-account token requested', mitre: ['T1528'], score: 60 };
  }
  if (resource === 'certificatesigningrequests') {
    if (sub === 'approval' && WRITE.has(verb)) {
      return { type: 'CertificateApproved', title: 'Certificate signing request approved', mitre: ['T1649'], score: 75 };
    }
    if (!sub && verb === 'create') {
      return { type: 'CertificateRequested', title: 'Client certificate requested', mitre: ['T1649'], score: 55 };
    }
  }
  if (RBAC.has(resource) && (WRITE.has(verb) || verb === 'bind' || verb === 'escalate')) {
    return { type: 'RBACModified', title: `RBAC ${resource} ${verb}`, mitre: ['T1098'], score: 65 };
  }
  if (WEBHOOKS.has(resource) && WRITE.has(verb)) {
    return { type: 'AdmissionWebhookModified', title: `Admission webhook ${verb}`, mitre: ['T1546'], score: 70 };
  }
  if (resource === 'customresourcedefinitions' && WRITE.has(verb)) {
    return { type: 'CustomResourceDefinitionModified', title: `CRD ${verb}`, mitre: ['T1546'], score: 45 };
  }
  if (resource === 'configmaps' && b.scope === 'kube-system' && WRITE.has(verb) && facts?.event.objectRef?.name === 'aws-auth') {
    return { type: 'AwsAuthModified', title: 'kube-system/aws-auth changed', mitre: ['T1098'], score: 85 };
  }
  if (WORKLOADS.has(resource) && !sub && verb === 'create' && (b.scope === 'kube-system' || b.scope === 'kube-public')) {
    return { type: 'WorkloadInSystemNamespace', title: `Workload created in ${b.scope}`, mitre: ['T1610'], score: 65 };
  }
  return undefined;
}
