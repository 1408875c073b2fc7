/**
 * Sensitive behaviors: requests that matter for credential access, execution, privilege
 * escalation, persistence and discovery (shared/detect/README.md#sensitive-behaviors). Each entry says what
 * finding its first use by a principal raises, and how alarming it is on its own.
 */
import type { Behavior } from '../audit/behavior';
import { ALL_NAMESPACES } from '../audit/behavior';

export interface SensitiveKind {
  type: string;
  title: string;
  mitre: string[];
  score: number;
  /** Score when a person does it, where people legitimately explore (GuardDuty rates PermissionChecked Low). */
  humanScore?: number;
}

const WRITE = new Set(['create', 'update', 'patch']);
const RBAC = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);
const WEBHOOKS = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings']);
const WORKLOADS = new Set(['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs']);
const SYSTEM_NS = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

/** Classifies a behavior as sensitive, or returns undefined. Pure and total. */
export function sensitiveKind(b: Behavior): SensitiveKind | undefined {
  const slash = b.resource.indexOf('/');
  const resource = slash < 0 ? b.resource : b.resource.slice(0, slash);
  const sub = slash < 0 ? undefined : b.resource.slice(slash + 1);
  const verb = b.verb;
  switch (resource) {
    case 'secrets':
      if (!sub && (verb === 'get' || verb === 'list' || verb === 'watch')) {
        const all = b.scope === ALL_NAMESPACES;
        return {
          type: 'SecretsAccessed',
          title: all ? 'Secrets read across all namespaces' : `Secrets read in namespace ${b.scope}`,
          mitre: ['T1552.007'],
          score: all ? 80 : verb === 'get' ? 55 : 65,
        };
      }
      return undefined;
    case 'pods':
      if (sub === 'exec' || sub === 'attach') {
        const system = SYSTEM_NS.has(b.scope);
        return { type: 'ExecInPod', title: `Command run in a pod${system ? ` in ${b.scope}` : ''} (pods/${sub})`, mitre: ['T1609'], score: system ? 75 : 60 };
      }
      if (sub === 'portforward') return { type: 'PortForward', title: 'Port forwarded into a pod', mitre: ['T1572'], score: 50 };
      if (sub === 'ephemeralcontainers' && WRITE.has(verb)) {
        return { type: 'EphemeralContainerCreated', title: 'Ephemeral (debug) container added to a pod', mitre: ['T1609'], score: 55 };
      }
      break;
    case 'nodes':
      if (sub === 'proxy') return { type: 'NodeProxyAccess', title: 'Kubelet API reached through nodes/proxy', mitre: ['T1611'], score: 75 };
      return undefined;
    case 'serviceaccounts':
      if (sub === 'token' && verb === 'create') {
        return { type: 'ServiceAccountTokenCreated', title: 'Service-account token requested', mitre: ['T1528'], score: SYSTEM_NS.has(b.scope) ? 65 : 55 };
      }
      return undefined;
    case 'certificatesigningrequests':
      if (sub === 'approval' && WRITE.has(verb)) return { type: 'CertificateApproved', title: 'Certificate signing request approved', mitre: ['T1649'], score: 75 };
      if (!sub && verb === 'create') return { type: 'CertificateRequested', title: 'Certificate signing request created', mitre: ['T1649'], score: 50 };
      return undefined;
    case 'selfsubjectaccessreviews':
    case 'selfsubjectrulesreviews':
      if (verb === 'create') return { type: 'PermissionChecked', title: 'Own permissions enumerated (kubectl auth can-i)', mitre: ['T1069'], score: 45, humanScore: 30 };
      return undefined;
    case 'customresourcedefinitions':
      if (WRITE.has(verb)) return { type: 'CustomResourceDefinitionModified', title: `CRD ${verb}`, mitre: ['T1546'], score: 45 };
      return undefined;
    default:
      break;
  }
  if (RBAC.has(resource) && !sub && (WRITE.has(verb) || verb === 'bind' || verb === 'escalate')) {
    return { type: 'RBACModified', title: `RBAC ${resource} ${verb}`, mitre: ['T1098.006'], score: 60 };
  }
  // Creation of webhooks is a signature (admission-webhook-created); changing or removing one is judged here.
  if (WEBHOOKS.has(resource) && (verb === 'update' || verb === 'patch' || verb === 'delete')) {
    return { type: 'AdmissionWebhookModified', title: `Admission control ${resource} ${verb}`, mitre: ['T1562'], score: 60 };
  }
  if (WORKLOADS.has(resource) && !sub && verb === 'create' && SYSTEM_NS.has(b.scope)) {
    return { type: 'WorkloadInSystemNamespace', title: `Workload (${resource}) created in ${b.scope}`, mitre: ['T1610'], score: 60 };
  }
  return undefined;
}
