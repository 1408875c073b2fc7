/**
 * Who made a request. Every principal gets one stable key (shared/audit/README.md#principals):
 * service accounts by `system:serviceaccount:<ns>:<name>`, IAM roles and users by
 * `user.extra.canonicalArn` (never by session), nodes by `system:node:<name>`. What varies per
 * session (session name, access key, source IP, user agent, bound-token credential id and pod)
 * is kept as features of the request, not as identity.
 */
import type { PrincipalRef, PrincipalType } from '../events/schema';
import type { AuditEvent, AuditUser } from './event';
import { clientIp, forwardedFor } from './network';

export interface Principal {
  /** Stable identity key; equals `ref.name`. */
  key: string;
  type: PrincipalType;
  ref: PrincipalRef;
  /** For service accounts: namespace and name. */
  serviceAccount?: { namespace: string; name: string };
  /** Peer group for judging new principals, when one applies (e.g. `kubelets`, `control-plane`). */
  peerGroup?: string;
}

/** Per-request facts that vary across sessions of the same principal. */
export interface RequestFeatures {
  /** The address the API server accepted the connection from (the last `sourceIPs` entry). */
  sourceIP?: string;
  /** X-Forwarded-For hops the client sent (evidence only: the client chooses them). */
  forwardedFor?: string[];
  userAgent?: string;
  sessionName?: string;
  accessKeyId?: string;
  /** `authentication.kubernetes.io/credential-id` of a bound service-account token (`JTI=...`). */
  credentialId?: string;
  /** The pod a bound service-account token belongs to. */
  boundPod?: string;
  boundPodUid?: string;
  boundNode?: string;
  /** Which authorizer allowed the request: `EKS Access Policy`, `RBAC`, ... */
  authorizer?: string;
}

const SA_PREFIX = 'system:serviceaccount:';
const NODE_PREFIX = 'system:node:';

/** Control-plane and EKS-managed identities (Falco's eks_allowed_k8s_users, upstream components). */
const CONTROL_PLANE_USERS = new Set([
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:apiserver',
  'system:kube-proxy',
  'kube-apiserver',
  'kube-apiserver-kubelet-client',
]);

function first(extra: AuditUser['extra'], key: string): string | undefined {
  const v = extra?.[key]?.[0];
  return v === undefined || v === '' ? undefined : v;
}

function iamTypeOf(canonicalArn: string): PrincipalType | undefined {
  if (/^arn:aws[\w-]*:iam::\d{12}:role\//.test(canonicalArn)) return 'IAMRole';
  if (/^arn:aws[\w-]*:iam::\d{12}:user\//.test(canonicalArn)) return 'IAMUser';
  return undefined;
}

export function normalizePrincipal(user: AuditUser): Principal {
  const username = user.username;
  const groups = user.groups ?? [];
  const canonicalArn = first(user.extra, 'canonicalArn');
  const sessionArn = first(user.extra, 'arn');
  const sessionName = first(user.extra, 'sessionName');
  const principalId = first(user.extra, 'principalId');
  const accessKeyId = first(user.extra, 'accessKeyId');

  if (username.startsWith(SA_PREFIX)) {
    const [namespace = '', name = ''] = username.slice(SA_PREFIX.length).split(':');
    return {
      key: username,
      type: 'ServiceAccount',
      ref: { type: 'ServiceAccount', name: username, namespace, groups },
      serviceAccount: { namespace, name },
      ...(namespace === 'kube-system' && CONTROLLER_SERVICE_ACCOUNTS.has(name) ? { peerGroup: 'control-plane' } : {}),
    };
  }
  if (username.startsWith(NODE_PREFIX)) {
    return {
      key: username,
      type: 'Node',
      ref: { type: 'Node', name: username, ...(canonicalArn ? { arn: canonicalArn } : {}), ...(sessionName ? { sessionName } : {}), groups },
      peerGroup: 'kubelets',
    };
  }
  if (username === 'system:anonymous') {
    return { key: username, type: 'Anonymous', ref: { type: 'Anonymous', name: username, groups } };
  }
  if (CONTROL_PLANE_USERS.has(username) || username.startsWith('eks:') || (username.startsWith('system:') && !canonicalArn)) {
    return { key: username, type: 'System', ref: { type: 'System', name: username, groups }, peerGroup: 'control-plane' };
  }
  const iamType = canonicalArn ? iamTypeOf(canonicalArn) : undefined;
  if (canonicalArn && iamType) {
    return {
      key: canonicalArn,
      type: iamType,
      ref: {
        type: iamType,
        name: canonicalArn,
        ...(sessionArn ? { arn: sessionArn } : { arn: canonicalArn }),
        ...(sessionName ? { sessionName } : {}),
        // The session, for a response scoped to it (the key stays the canonical ARN).
        ...(principalId ? { principalId } : {}),
        ...(accessKeyId ? { accessKeyId } : {}),
        groups,
      },
    };
  }
  return { key: username, type: 'User', ref: { type: 'User', name: username, groups } };
}

export function requestFeatures(event: AuditEvent): RequestFeatures {
  const extra = event.user.extra;
  const reason = event.annotations?.['authorization.k8s.io/reason'];
  const colon = reason ? reason.indexOf(':') : -1;
  const authorizer = reason ? (colon < 0 ? reason : reason.slice(0, colon)).trim() : undefined;
  // Built field by field: this runs for every request, and absent features stay absent.
  const f: RequestFeatures = {};
  const sourceIP = clientIp(event.sourceIPs);
  if (sourceIP !== undefined) f.sourceIP = sourceIP;
  const forwarded = forwardedFor(event.sourceIPs);
  if (forwarded) f.forwardedFor = forwarded;
  if (event.userAgent !== undefined) f.userAgent = event.userAgent;
  if (extra) {
    const sessionName = first(extra, 'sessionName');
    if (sessionName) f.sessionName = sessionName;
    const accessKeyId = first(extra, 'accessKeyId');
    if (accessKeyId) f.accessKeyId = accessKeyId;
    const credentialId = first(extra, 'authentication.kubernetes.io/credential-id');
    if (credentialId) f.credentialId = credentialId;
    const boundPod = first(extra, 'authentication.kubernetes.io/pod-name');
    if (boundPod) f.boundPod = boundPod;
    const boundPodUid = first(extra, 'authentication.kubernetes.io/pod-uid');
    if (boundPodUid) f.boundPodUid = boundPodUid;
    const boundNode = first(extra, 'authentication.kubernetes.io/node-name');
    if (boundNode) f.boundNode = boundNode;
  }
  if (authorizer) f.authorizer = authorizer;
  return f;
}

/**
 * kube-controller-manager runs each controller under its own kube-system service account
 * (`--use-service-account-credentials`, as EKS does): these are control plane, not workloads.
 */
export const CONTROLLER_SERVICE_ACCOUNTS: ReadonlySet<string> = new Set([
  'attachdetach-controller', 'bootstrap-signer', 'certificate-controller', 'clusterrole-aggregation-controller',
  'cronjob-controller', 'daemon-set-controller', 'deployment-controller', 'disruption-controller',
  'endpoint-controller', 'endpointslice-controller', 'endpointslicemirroring-controller', 'ephemeral-volume-controller',
  'expand-controller', 'generic-garbage-collector', 'horizontal-pod-autoscaler', 'job-controller',
  'legacy-service-account-token-cleaner', 'namespace-controller', 'node-controller', 'persistent-volume-binder',
  'pod-garbage-collector', 'pv-protection-controller', 'pvc-protection-controller', 'replicaset-controller',
  'replication-controller', 'resourcequota-controller', 'root-ca-cert-publisher', 'route-controller',
  'service-account-controller', 'service-controller', 'statefulset-controller', 'token-cleaner',
  'ttl-after-finished-controller', 'ttl-controller', 'validatingadmissionpolicy-status-controller',
]);
