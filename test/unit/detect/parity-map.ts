/**
 * Parity with published rules: every rule of the labeled corpus (test/fixtures/
 * labeled-audit-events.jsonl: Panther's EKS rules and Falco's k8saudit regression traces),
 * every other Falco k8saudit rule, and every GuardDuty EKS audit-log finding type, mapped to
 * the boundwatch finding types that cover it — or listed as unmapped with the reason.
 *
 * Modes (how test/unit/detect/parity.test.ts checks a rule):
 * - `signature`: the rule's event alone, with no baseline, must raise one of `findings`
 *   (positives) or none of them (negatives).
 * - `baseline`: the event judged against a mature baseline of a principal that never did it must
 *   raise one of `findings` (positives) or none (negatives). boundwatch alerts on these only
 *   when they are new for the principal; that is the point of UBA.
 * - `threshold`: the rule alerts past a count; `expect_alert` is the per-event verdict, so the
 *   event must (or must not) count toward the burst detector named by `predicate`.
 * - `activity`: an INFO "activity" rule: not a security finding; the event must carry the
 *   `activity` label (shared/detect/activity.ts).
 * - `none`: a trace where Falco expects no rule at all: no signature finding and no activity.
 * `*:Suffix` matches every tactic prefix (`Discovery:TorIPCaller`, ...).
 */

export type ParityMode = 'signature' | 'baseline' | 'threshold' | 'activity' | 'none' | 'unmapped';
export type ThresholdPredicate = 'secretRead' | 'secretDenied' | 'deniedPublic';

export interface ParityEntry {
  rule: string;
  source: 'panther' | 'falco' | 'guardduty';
  mode: ParityMode;
  findings?: string[];
  predicate?: ThresholdPredicate;
  /** The burst finding the predicate feeds. */
  burst?: string;
  activity?: string;
  /** Why unmapped, or how the mapping is read. */
  note?: string;
}

const sig = (rule: string, source: ParityEntry['source'], findings: string[], note?: string): ParityEntry => ({ rule, source, mode: 'signature', findings, ...(note ? { note } : {}) });
const act = (rule: string, activity: string): ParityEntry => ({ rule, source: 'falco', mode: 'activity', activity, note: 'Falco INFO activity rule: recorded as audit activity, not a finding; first-sensitive-use and the other baseline detectors judge it when it is unusual for the principal.' });

/** Rules that appear in the labeled corpus. */
export const CORPUS_PARITY: ParityEntry[] = [
  // Panther (panther-labs/panther-analysis, rules/aws_eks_rules and kubernetes rules)
  sig('Amazon.EKS.AnonymousAPIAccess', 'panther', ['AnonymousAccessFromPublicIP']),
  { rule: 'Amazon.EKS.Audit.Multiple403', source: 'panther', mode: 'threshold', predicate: 'deniedPublic', burst: 'AuthorizationFailureBurst', note: 'deniedPublicBurstMin (10) denied requests from public addresses in one rate window.' },
  sig('Amazon.EKS.Audit.SystemNamespaceFromPublicIP', 'panther', ['SystemPrincipalFromPublicIP'], "AWS-owned ranges come from trustedCidrs (the test builds them from the row's Panther enrichment)."),
  sig('Kubernetes.AdmissionController.Created', 'panther', ['AdmissionWebhookCreated']),
  sig('Kubernetes.API.AnonymousAccess', 'panther', ['*:SuccessfulAnonymousAccess']),
  sig('Kubernetes.ClientCertificate.Created', 'panther', ['ClientCertificateRequested']),
  sig('Kubernetes.ClusterRoleBinding.Privileged', 'panther', ['PrivilegedRoleBinding']),
  sig('Kubernetes.CronJob.CreatedOrModified', 'panther', ['CronJobModified']),
  sig('Kubernetes.DaemonSet.Created', 'panther', ['DaemonSetCreated']),
  { rule: 'Kubernetes.Pod.Exec', source: 'panther', mode: 'baseline', findings: ['ExecInPod'], note: 'Every exec is activity; boundwatch raises ExecInPod when exec is new for the principal (and ExecInKubeSystemPod as a rule).' },
  sig('Kubernetes.Ingress.NoTLS', 'panther', ['IngressWithoutTLS']),
  sig('Kubernetes.API.IOC.Activity', 'panther', ['*:TorIPCaller'], "The Tor exit list is configuration (ipLists); the test builds it from the row's Panther enrichment."),
  sig('Kubernetes.Kubectl.CP.Operation', 'panther', ['KubectlCopyFromPod']),
  { rule: 'Kubernetes.API.Multiple403.PublicIP', source: 'panther', mode: 'threshold', predicate: 'deniedPublic', burst: 'AuthorizationFailureBurst', note: 'deniedPublicBurstMin (10) denied requests from public addresses in one rate window.' },
  sig('Kubernetes.Pod.SystemNamespace', 'panther', ['UntrustedImageInSystemNamespace']),
  sig('Kubernetes.Pod.Dangerous.Capabilities', 'panther', ['DangerousCapabilities']),
  sig('Kubernetes.Pod.Host.IPC', 'panther', ['HostIPCPod']),
  sig('Kubernetes.Pod.Host.Network', 'panther', ['HostNetworkPod']),
  sig('Kubernetes.Pod.Host.PID', 'panther', ['HostPIDPod']),
  sig('Kubernetes.Pod.HostPath.Volume', 'panther', ['SensitiveHostPathMount']),
  sig('Kubernetes.Pod.Privileged.Created', 'panther', ['PrivilegedContainer', 'RootContainer'], 'Panther also counts run-as-root containers; those raise RootContainer (LOW).'),
  sig('Kubernetes.Role.NodeProxyPermissions', 'panther', ['RoleWithNodeProxy']),
  sig('Kubernetes.Role.PodExec', 'panther', ['RoleWithPodExec']),
  sig('Kubernetes.Role.Wildcard', 'panther', ['WildcardRole']),
  sig('Kubernetes.Role.WritePermissions', 'panther', ['RoleWithWritePermissions']),
  { rule: 'Kubernetes.Secret.AccessDenied', source: 'panther', mode: 'threshold', predicate: 'secretDenied', burst: 'SecretAccessDeniedBurst', note: 'secretDeniedBurstMin (20) failed secret gets in one rate window, above the principal’s usual peak.' },
  { rule: 'Kubernetes.BulkSecretAccess', source: 'panther', mode: 'threshold', predicate: 'secretRead', burst: 'BulkSecretRead', note: 'bulkSecretReadsMin (15) secret reads in one rate window, above 3× the principal’s usual peak.' },
  sig('Kubernetes.Secrets.DumpAllNamespaces', 'panther', ['ClusterWideSecretList']),
  sig('Kubernetes.Service.NodePort.Deployed', 'panther', ['NodePortService']),
  sig('Kubernetes.ServiceAccount.TokenCreated', 'panther', ['ServiceAccountTokenRequested']),
  sig('Kubernetes.Pod.StealServiceAccountToken', 'panther', ['ServiceAccountTokenStolen']),
  sig('Kubernetes.System.Principal.PublicIP', 'panther', ['SystemPrincipalFromPublicIP'], "AWS-owned ranges come from trustedCidrs (the test builds them from the row's Panther enrichment)."),
  sig('Kubernetes.SystemRole.Modified', 'panther', ['SystemRoleModified']),
  // Falco k8saudit regression traces (falcosecurity/falco, minikube 2018)
  sig('Disallowed K8s User', 'falco', ['DisallowedUser'], 'Opt-in: detection.allowedUsers (the test uses Falco’s default allowed_k8s_users plus the row’s overrides).'),
  sig('Create Disallowed Pod', 'falco', ['DisallowedImage'], 'Opt-in: detection.allowedImages; off by default, as in Falco (allowed_k8s_containers is always-true).'),
  sig('Create Privileged Pod', 'falco', ['PrivilegedContainer']),
  sig('Create Sensitive Mount Pod', 'falco', ['SensitiveHostPathMount']),
  sig('Create HostNetwork Pod', 'falco', ['HostNetworkPod']),
  sig('Create NodePort Service', 'falco', ['NodePortService']),
  sig('Create/Modify Configmap With Private Credentials', 'falco', ['ConfigMapWithCredentials']),
  sig('Anonymous Request Allowed', 'falco', ['*:SuccessfulAnonymousAccess']),
  { rule: 'Attach/Exec Pod', source: 'falco', mode: 'baseline', findings: ['ExecInPod'], note: 'NOTICE-level activity in Falco; boundwatch raises ExecInPod when exec is new for the principal.' },
  sig('Create Disallowed Namespace', 'falco', ['DisallowedNamespace'], 'Opt-in: detection.allowedNamespaces (the test uses Falco’s default allowed_namespaces plus the row’s overrides).'),
  sig('Pod Created in Kube Namespace', 'falco', ['UntrustedImageInSystemNamespace']),
  sig('Service Account Created in Kube Namespace', 'falco', ['ServiceAccountCreatedInSystemNamespace']),
  sig('System ClusterRole Modified/Deleted', 'falco', ['SystemRoleModified']),
  sig('Attach to cluster-admin Role', 'falco', ['PrivilegedRoleBinding']),
  sig('ClusterRole With Wildcard Created', 'falco', ['WildcardRole']),
  sig('ClusterRole With Write Privileges Created', 'falco', ['RoleWithWritePermissions']),
  sig('ClusterRole With Pod Exec Created', 'falco', ['RoleWithPodExec']),
  act('K8s Deployment Created', 'DeploymentCreated'),
  act('K8s Deployment Deleted', 'DeploymentDeleted'),
  act('K8s Service Created', 'ServiceCreated'),
  act('K8s Service Deleted', 'ServiceDeleted'),
  act('K8s ConfigMap Created', 'ConfigMapCreated'),
  act('K8s ConfigMap Deleted', 'ConfigMapDeleted'),
  act('K8s Namespace Created', 'NamespaceCreated'),
  act('K8s Namespace Deleted', 'NamespaceDeleted'),
  act('K8s Serviceaccount Created', 'ServiceAccountCreated'),
  act('K8s Serviceaccount Deleted', 'ServiceAccountDeleted'),
  act('K8s Role/Clusterrole Created', 'RoleCreated'),
  act('K8s Role/Clusterrole Deleted', 'RoleDeleted'),
  act('K8s Role/Clusterrolebinding Created', 'RoleBindingCreated'),
  act('K8s Role/Clusterrolebinding Deleted', 'RoleBindingDeleted'),
  act('K8s Secret Created', 'SecretCreated'),
  act('K8s Secret Deleted', 'SecretDeleted'),
  { rule: '(no rule expected; see test_name)', source: 'falco', mode: 'none', note: 'Falco traces where no rule fires (under the row’s overrides): no signature finding and no activity label.' },
];

/** Falco k8saudit rules that have no trace in the corpus. */
export const OTHER_FALCO_RULES: ParityEntry[] = [
  sig('Create HostPid Pod', 'falco', ['HostPIDPod']),
  sig('Create HostIPC Pod', 'falco', ['HostIPCPod']),
  { rule: 'port-forward', source: 'falco', mode: 'baseline', findings: ['PortForward'] },
  { rule: 'EphemeralContainers Created', source: 'falco', mode: 'baseline', findings: ['EphemeralContainerCreated'] },
  sig('Ingress Object without TLS Certificate Created', 'falco', ['IngressWithoutTLS']),
  { rule: 'K8s Secret Get Successfully', source: 'falco', mode: 'baseline', findings: ['SecretsAccessed'], note: 'Every successful secret get (controllers included) would be noise; boundwatch raises SecretsAccessed when it is new for the principal, BulkSecretRead on bursts.' },
  { rule: 'K8s Secret Get Unsuccessfully Tried', source: 'falco', mode: 'threshold', predicate: 'secretDenied', burst: 'SecretAccessDeniedBurst' },
  { rule: 'All K8s Audit Events', source: 'falco', mode: 'unmapped', note: 'Debug rule, never fires by default (consider_all_events is never-true).' },
  { rule: 'Full K8s Administrative Access', source: 'falco', mode: 'unmapped', note: 'Never fires by default (allowed_full_admin_users is always-true); boundwatch instead judges admins on their own baselines.' },
  { rule: 'Untrusted Node Successfully Joined the Cluster', source: 'falco', mode: 'unmapped', note: 'Never fires by default (allow_all_k8s_nodes); a new node is judged against the kubelets peer group instead.' },
  { rule: 'Untrusted Node Unsuccessfully Tried to Join the Cluster', source: 'falco', mode: 'unmapped', note: 'Never fires by default; failed joins count toward AuthorizationFailureBurst.' },
];

/** GuardDuty EKS audit-log finding types (shared/detect/README.md#anchors) and their boundwatch counterparts. */
export const GUARDDUTY_PARITY: ParityEntry[] = [
  ...['CredentialAccess', 'DefenseEvasion', 'Discovery', 'Impact', 'Persistence'].flatMap((tactic) => [
    sig(`${tactic}:Kubernetes/MaliciousIPCaller`, 'guardduty', [`${tactic}:MaliciousIPCaller`], 'ipLists entry of kind "threat".'),
    sig(`${tactic}:Kubernetes/MaliciousIPCaller.Custom`, 'guardduty', [`${tactic}:MaliciousIPCaller.Custom`], 'ipLists entry of kind "custom".'),
    sig(`${tactic}:Kubernetes/SuccessfulAnonymousAccess`, 'guardduty', [`${tactic}:SuccessfulAnonymousAccess`]),
    sig(`${tactic}:Kubernetes/TorIPCaller`, 'guardduty', [`${tactic}:TorIPCaller`], 'ipLists entry of kind "tor".'),
  ]),
  sig('Execution:Kubernetes/ExecInKubeSystemPod', 'guardduty', ['ExecInKubeSystemPod']),
  sig('Persistence:Kubernetes/ContainerWithSensitiveMount', 'guardduty', ['SensitiveHostPathMount'], 'Retired by GuardDuty.'),
  sig('Policy:Kubernetes/AdminAccessToDefaultServiceAccount', 'guardduty', ['AdminAccessToDefaultServiceAccount']),
  sig('Policy:Kubernetes/AnonymousAccessGranted', 'guardduty', ['AnonymousAccessGranted']),
  sig('Policy:Kubernetes/ExposedDashboard', 'guardduty', ['ExposedDashboard']),
  sig('Policy:Kubernetes/KubeflowDashboardExposed', 'guardduty', ['ExposedDashboard']),
  sig('PrivilegeEscalation:Kubernetes/PrivilegedContainer', 'guardduty', ['PrivilegedContainer'], 'Retired by GuardDuty; its "image never used privileged here" condition is the learned muting of risky-pod-spec.'),
  { rule: 'CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed', source: 'guardduty', mode: 'baseline', findings: ['SecretsAccessed', 'BulkSecretRead'] },
  { rule: 'PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleBindingCreated', source: 'guardduty', mode: 'baseline', findings: ['RBACModified', 'PrivilegedRoleBinding'] },
  { rule: 'Execution:Kubernetes/AnomalousBehavior.ExecInPod', source: 'guardduty', mode: 'baseline', findings: ['ExecInPod'] },
  { rule: 'PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!PrivilegedContainer', source: 'guardduty', mode: 'signature', findings: ['PrivilegedContainer'] },
  { rule: 'Persistence:Kubernetes/AnomalousBehavior.WorkloadDeployed!ContainerWithSensitiveMount', source: 'guardduty', mode: 'signature', findings: ['SensitiveHostPathMount'] },
  { rule: 'Execution:Kubernetes/AnomalousBehavior.WorkloadDeployed', source: 'guardduty', mode: 'baseline', findings: ['WorkloadInSystemNamespace', 'UntrustedImageInSystemNamespace', 'DaemonSetCreated'], note: 'Workloads are judged where they are risky (system namespaces, pod-security settings, DaemonSets); ordinary deployments are not findings.' },
  { rule: 'PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleCreated', source: 'guardduty', mode: 'baseline', findings: ['RBACModified', 'WildcardRole'] },
  { rule: 'Discovery:Kubernetes/AnomalousBehavior.PermissionChecked', source: 'guardduty', mode: 'baseline', findings: ['PermissionChecked'] },
];

export const PARITY_MAP: ParityEntry[] = [...CORPUS_PARITY, ...OTHER_FALCO_RULES, ...GUARDDUTY_PARITY];

/** Whether a finding type matches a mapped name (`*:Suffix` matches every tactic prefix). */
export function findingMatches(type: string, mapped: string): boolean {
  return mapped.startsWith('*:') ? type.endsWith(mapped.slice(1)) : type === mapped;
}

/** Falco's default `allowed_k8s_users` (with the EKS list), for the opt-in DisallowedUser parity. */
export const FALCO_DEFAULT_ALLOWED_USERS = [
  'minikube', 'minikube-user', 'kubelet', 'kops', 'admin', 'kube', 'kube-proxy', 'kube-apiserver-healthcheck', 'kubernetes-admin',
  'cluster-autoscaler', 'system:addon-manager', 'cloud-controller-manager', 'system:kube-controller-manager',
  'eks:node-manager', 'eks:certificate-controller', 'eks:fargate-scheduler', 'eks:k8s-metrics', 'eks:authenticator',
  'eks:cluster-event-watcher', 'eks:nodewatcher', 'eks:pod-identity-mutating-webhook', 'eks:cloud-controller-manager',
  'eks:vpc-resource-controller', 'eks:addon-manager',
];

/** Falco's default `allowed_namespaces`. */
export const FALCO_DEFAULT_ALLOWED_NAMESPACES = ['kube-system', 'kube-public', 'default'];
