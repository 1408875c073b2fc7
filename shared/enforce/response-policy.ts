/**
 * The response policy: what boundwatch does about each kind of finding, and to whom. A small
 * pure table with an explicit registry (like the detector registry): every finding type a
 * detector raises has one entry, and an unknown type only notifies.
 *
 * Each entry puts the finding in a class and on a rung of the ladder
 * notify → tighten-egress → quarantine → revoke-credentials:
 *
 * - `credential`: the credential is misused (a token used away from its pod, from a public
 *   network or a listed address). The response targets the *credential*, never the victim
 *   workload: a pod-bound service-account token is revoked by evicting the pod it is bound to
 *   (the token dies with it, the controller starts a fresh one, PodDisruptionBudgets hold); a
 *   legacy token secret is rotated (deleted); an IAM principal loses its sessions.
 * - `workload`: the workload itself is compromised (unusual egress, exfiltration). The
 *   workload is isolated: its egress tightened, or the pod quarantined.
 * - `identity`: an identity does something dangerous with its own access (escalation,
 *   persistence, harvesting secrets). A person or CI role loses its sessions; a workload's
 *   service account acting from its own pod gets that pod quarantined.
 * - `signal`: context that never justifies a change on its own (reconnaissance, unusual hour,
 *   exposure of a Service). Notify only.
 *
 * `basis` says what a finding rests on. `baseline` findings are raised only against an
 * established baseline (the principal's own, its peer group's, the workload's flow history):
 * they pass the maturity gate by construction. `signature` findings fire from the first day,
 * so they act only on a principal whose baseline is established, unless they are on the short
 * list of high-confidence signatures (HIGH_CONFIDENCE) that need none.
 */
import type { ActionKind, BehaviorAnomaly, Finding } from '../events/schema';
import type { ResponseRung } from './config';
import { REVERSE_SHELL_TYPES } from '../runtime/respond';

export type FindingClass = 'credential' | 'workload' | 'identity' | 'signal';
export type Basis = 'signature' | 'baseline';

export interface ResponseEntry {
  class: FindingClass;
  rung: ResponseRung;
  basis: Basis;
}

const e = (cls: FindingClass, rung: ResponseRung, basis: Basis): ResponseEntry => ({ class: cls, rung, basis });


/** The registry: finding type → class, rung and basis. Types of the IP-list rules end in a suffix (below). */
export const RESPONSE_TABLE: Readonly<Record<string, ResponseEntry>> = {
  // Credential misuse: act on the credential.
  CredentialFromOtherIP: e('credential', 'revoke-credentials', 'signature'),
  CredentialFromPublicNetwork: e('credential', 'revoke-credentials', 'signature'),
  ServiceAccountTokenStolen: e('credential', 'revoke-credentials', 'signature'),
  SystemPrincipalFromPublicIP: e('credential', 'revoke-credentials', 'signature'),
  NewPublicNetwork: e('credential', 'revoke-credentials', 'baseline'),
  ConcurrentSessionUse: e('credential', 'revoke-credentials', 'signature'),
  // Workload compromise: isolate the workload.
  NewNetworkDestination: e('workload', 'tighten-egress', 'baseline'),
  NewInternetEgress: e('workload', 'tighten-egress', 'baseline'),
  NewExternalNetwork: e('workload', 'tighten-egress', 'baseline'),
  NetworkVolumeSpike: e('workload', 'tighten-egress', 'baseline'),
  // An identity abusing its own access: its sessions, or the pod it acts from.
  AnonymousAccessGranted: e('identity', 'revoke-credentials', 'signature'),
  AwsAuthModified: e('identity', 'revoke-credentials', 'signature'),
  AdminAccessToDefaultServiceAccount: e('identity', 'revoke-credentials', 'signature'),
  PrivilegedRoleBinding: e('identity', 'revoke-credentials', 'signature'),
  SystemRoleModified: e('identity', 'revoke-credentials', 'signature'),
  RBACModified: e('identity', 'revoke-credentials', 'baseline'),
  PermissiveRole: e('identity', 'revoke-credentials', 'signature'),
  AdmissionWebhookCreated: e('identity', 'revoke-credentials', 'signature'),
  AdmissionWebhookModified: e('identity', 'revoke-credentials', 'baseline'),
  ClusterWideSecretList: e('identity', 'revoke-credentials', 'signature'),
  BulkSecretRead: e('identity', 'revoke-credentials', 'signature'),
  SecretsAccessed: e('identity', 'revoke-credentials', 'baseline'),
  MassDelete: e('identity', 'revoke-credentials', 'signature'),
  NewPrivilegedPrincipal: e('identity', 'revoke-credentials', 'signature'),
  ServiceAccountTokenRequested: e('identity', 'revoke-credentials', 'signature'),
  ServiceAccountTokenCreated: e('identity', 'revoke-credentials', 'baseline'),
  ClientCertificateRequested: e('identity', 'revoke-credentials', 'signature'),
  CertificateRequested: e('identity', 'revoke-credentials', 'baseline'),
  CertificateApproved: e('identity', 'revoke-credentials', 'baseline'),
  PrivilegedContainer: e('identity', 'revoke-credentials', 'signature'),
  SensitiveHostPathMount: e('identity', 'revoke-credentials', 'signature'),
  HostPIDPod: e('identity', 'revoke-credentials', 'signature'),
  DangerousCapabilities: e('identity', 'revoke-credentials', 'signature'),
  EphemeralContainerCreated: e('identity', 'revoke-credentials', 'baseline'),
  NodeProxyAccess: e('identity', 'revoke-credentials', 'baseline'),
  DaemonSetCreated: e('identity', 'revoke-credentials', 'signature'),
  CronJobModified: e('identity', 'revoke-credentials', 'signature'),
  WorkloadInSystemNamespace: e('identity', 'revoke-credentials', 'baseline'),
  ServiceAccountCreatedInSystemNamespace: e('identity', 'revoke-credentials', 'signature'),
  UntrustedImageInSystemNamespace: e('identity', 'revoke-credentials', 'signature'),
  CustomResourceDefinitionModified: e('identity', 'revoke-credentials', 'baseline'),
  EventsDeleted: e('identity', 'revoke-credentials', 'signature'),
  LogShipperTampered: e('identity', 'revoke-credentials', 'signature'),
  AuditObjectDeleted: e('identity', 'revoke-credentials', 'signature'),
  KubeletCommandExecution: e('identity', 'revoke-credentials', 'signature'),
  WebhookToExternalURL: e('identity', 'revoke-credentials', 'signature'),
  NewPrincipalNodeAccess: e('identity', 'revoke-credentials', 'signature'),
  // Runtime: a shell wired to a remote host (GuardDuty's finding type, Falco's rule) holds the
  // pod; the pod is isolated, and its token revoked (combination reverse-shell below).
  ...Object.fromEntries(REVERSE_SHELL_TYPES.map((t) => [t, e('workload', 'quarantine', 'signature')])),
  // Context: never a change on its own.
  // A shell in a kube-system pod is how platform admins debug CoreDNS or aws-node: on its own it
  // notifies; from someone who does not work there, or from a new network, it is the identity's (below).
  ExecInKubeSystemPod: e('signal', 'notify', 'signature'),
  ExecInPod: e('signal', 'notify', 'baseline'),
  PortForward: e('signal', 'notify', 'baseline'),
  KubectlCopyFromPod: e('signal', 'notify', 'signature'),
  HostIPCPod: e('signal', 'notify', 'signature'),
  HostNetworkPod: e('signal', 'notify', 'signature'),
  RootContainer: e('signal', 'notify', 'signature'),
  AnonymousAccessFromPublicIP: e('signal', 'notify', 'signature'),
  ClusterWideListing: e('signal', 'notify', 'baseline'),
  CrossNamespaceAccess: e('signal', 'notify', 'baseline'),
  PermissionChecked: e('signal', 'notify', 'baseline'),
  UnusualHour: e('signal', 'notify', 'baseline'),
  NewUserAgentFamily: e('signal', 'notify', 'baseline'),
  AuthorizationFailureBurst: e('signal', 'notify', 'signature'),
  SecretAccessDeniedBurst: e('signal', 'notify', 'signature'),
  ExposedDashboard: e('signal', 'notify', 'signature'),
  IngressWithoutTLS: e('signal', 'notify', 'signature'),
  NodePortService: e('signal', 'notify', 'signature'),
  ConfigMapWithCredentials: e('signal', 'notify', 'signature'),
  DisallowedImage: e('signal', 'notify', 'signature'),
  DisallowedNamespace: e('signal', 'notify', 'signature'),
  DisallowedUser: e('signal', 'notify', 'signature'),
};

/** `<tactic>:TorIPCaller`, `<tactic>:MaliciousIPCaller[.Custom]`: a credential in the hands of a listed address. */
const IP_LIST_TYPE = /^[A-Za-z]+:(TorIPCaller|MaliciousIPCaller(\.Custom)?)$/;

/** The entry of a finding type, with the configured rung (`enforcement.responses`) applied. */
export function entryFor(type: string, overrides: Readonly<Record<string, ResponseRung>> = {}): ResponseEntry | undefined {
  const base = RESPONSE_TABLE[type] ?? (IP_LIST_TYPE.test(type) ? e('credential', 'revoke-credentials', 'signature') : undefined);
  const rung = overrides[type];
  if (!rung) return base;
  // A signal (or an unknown type) raised above notify acts on the actor, like identity abuse.
  if (!base) return { class: 'identity', rung, basis: 'signature' };
  return { ...base, rung, ...(base.class === 'signal' && rung !== 'notify' ? { class: 'identity' as const } : {}) };
}

/**
 * Combinations: findings that together call for more than each alone. Each names the types
 * that must all be present (one of each `anyOf` group) and the class and rung they lift to.
 */
export interface ComboRule {
  id: string;
  anyOf: ReadonlyArray<readonly string[]>;
  class: FindingClass;
  rung: ResponseRung;
  why: string;
}

export const COMBINATIONS: readonly ComboRule[] = [
  {
    id: 'exfiltration',
    anyOf: [['NetworkVolumeSpike'], ['NewNetworkDestination', 'NewInternetEgress', 'NewExternalNetwork']],
    class: 'workload',
    rung: 'quarantine',
    why: 'a large volume to a destination the workload never used: exfiltration, the pod is isolated',
  },
  {
    id: 'exec-then-egress',
    anyOf: [['ExecInPod', 'EphemeralContainerCreated', 'KubectlCopyFromPod'], ['NewNetworkDestination', 'NewInternetEgress', 'NewExternalNetwork', 'NetworkVolumeSpike']],
    class: 'workload',
    rung: 'quarantine',
    why: 'someone got a shell in the workload and it then talked somewhere new',
  },
  {
    id: 'kube-system-shell-by-outsider',
    anyOf: [['ExecInKubeSystemPod'], ['CrossNamespaceAccess', 'NewPublicNetwork', 'NewUserAgentFamily']],
    class: 'identity',
    rung: 'revoke-credentials',
    why: 'a shell in a kube-system pod by an identity that does not work in kube-system, or from a network or client it never used',
  },
  {
    id: 'reverse-shell',
    anyOf: [REVERSE_SHELL_TYPES],
    class: 'credential',
    rung: 'revoke-credentials',
    why: 'whoever holds a reverse shell in the pod holds its service-account token too',
  },
  {
    id: 'discovery-then-harvest',
    anyOf: [['ClusterWideListing', 'CrossNamespaceAccess', 'PermissionChecked'], ['SecretsAccessed', 'BulkSecretRead', 'ClusterWideSecretList']],
    class: 'identity',
    rung: 'revoke-credentials',
    why: 'reconnaissance followed by reading secrets',
  },
];

/**
 * High-confidence signatures: no baseline is needed before they act, because no workload does
 * this as part of its job. Each is a predicate on the anomaly (its findings and principal).
 */
export interface HighConfidence {
  id: string;
  description: string;
  matches(anomaly: BehaviorAnomaly, ctx: { protectedNamespaces: ReadonlySet<string>; platform: boolean }): boolean;
}

const has = (a: BehaviorAnomaly, type: string): Finding | undefined => a.findings.find((f) => f.type === type);

export const HIGH_CONFIDENCE: readonly HighConfidence[] = [
  {
    id: 'anonymous-access-granted',
    description: 'a binding that grants a role to system:anonymous or system:unauthenticated',
    matches: (a) => !!has(a, 'AnonymousAccessGranted'),
  },
  {
    id: 'aws-auth-system-masters',
    description: 'kube-system/aws-auth changed to map an identity to system:masters',
    // The suffix is the detector's own text, added only when the new content maps to system:masters.
    matches: (a) => !!has(a, 'AwsAuthModified')?.description.endsWith('maps an identity to system:masters (cluster-admin).'),
  },
  {
    id: 'privileged-hostpath-in-protected-namespace',
    description: 'a privileged pod with a sensitive host-path mount created in a protected namespace by a non-platform identity',
    matches: (a, ctx) => {
      if (ctx.platform) return false;
      const priv = has(a, 'PrivilegedContainer');
      const mount = has(a, 'SensitiveHostPathMount');
      if (!priv || !mount) return false;
      // The detector's title names the object as `(<kind> <namespace>/<name>)`.
      const ns = /\((?:pod|deployment|daemonset|statefulset|replicaset|job|cronjob) ([a-z0-9-]+)\//.exec(priv.title)?.[1];
      return ns !== undefined && ctx.protectedNamespaces.has(ns);
    },
  },
  {
    id: 'bound-token-from-internet',
    description: "a pod-bound service-account token used from a public address outside its pod: the token left the pod and reached the internet",
    matches: (a) => !!has(a, 'CredentialFromOtherIP') && !!has(a, 'CredentialFromPublicNetwork'),
  },
  {
    id: 'reverse-shell',
    description: 'a shell in a container wired to a remote host (GuardDuty Execution:Runtime/ReverseShell, Falco Redirect STDOUT/STDIN to Network Connection in Container)',
    matches: (a, ctx) => !ctx.platform && REVERSE_SHELL_TYPES.some((t) => !!has(a, t)),
  },
  {
    id: 'listed-address',
    description: 'an authenticated call from an address on a configured threat or Tor list',
    matches: (a) => a.findings.some((f) => IP_LIST_TYPE.test(f.type)),
  },
];

const RUNG_ORDER: readonly ResponseRung[] = ['notify', 'tighten-egress', 'quarantine', 'revoke-credentials'];
export const rungRank = (r: ResponseRung): number => RUNG_ORDER.indexOf(r);

/** What the table decides for one anomaly, per class: the highest rung and the findings that set it. */
export interface ClassDecision {
  class: FindingClass;
  rung: ResponseRung;
  /** Finding types (or `combination:<id>`) that put it on this rung. */
  because: string[];
  /** Whether every finding behind it is baseline-based (judged against an established baseline). */
  baselineBacked: boolean;
}

export interface PolicyDecision {
  classes: ClassDecision[];
  /** Types with no entry: they only notify, and the decision says so. */
  unknown: string[];
}

export function decide(anomaly: BehaviorAnomaly, overrides: Readonly<Record<string, ResponseRung>> = {}): PolicyDecision {
  const byClass = new Map<FindingClass, ClassDecision>();
  const unknown: string[] = [];
  const lift = (cls: FindingClass, rung: ResponseRung, because: string, baseline: boolean) => {
    const cur = byClass.get(cls);
    if (!cur || rungRank(rung) > rungRank(cur.rung)) byClass.set(cls, { class: cls, rung, because: [because], baselineBacked: baseline });
    else if (rung === cur.rung && !cur.because.includes(because)) {
      cur.because.push(because);
      cur.baselineBacked = cur.baselineBacked || baseline;
    }
  };
  const types = new Set(anomaly.findings.map((f) => f.type));
  for (const type of [...types].sort()) {
    const entry = entryFor(type, overrides);
    if (!entry) {
      unknown.push(type);
      continue;
    }
    lift(entry.class, entry.rung, type, entry.basis === 'baseline');
  }
  for (const c of COMBINATIONS) {
    if (!c.anyOf.every((group) => group.some((t) => types.has(t)))) continue;
    const parts = c.anyOf.flatMap((g) => g.filter((t) => types.has(t)));
    const baseline = parts.some((t) => entryFor(t, overrides)?.basis === 'baseline');
    lift(c.class, c.rung, `combination:${c.id}`, baseline);
  }
  const order: FindingClass[] = ['credential', 'workload', 'identity', 'signal'];
  return { classes: order.map((c) => byClass.get(c)).filter((d): d is ClassDecision => !!d), unknown };
}

/** The action kinds a rung means for a class (the target is chosen by the planner). */
export function rungActions(rung: ResponseRung): ActionKind[] {
  return rung === 'notify' ? [] : [rung];
}
