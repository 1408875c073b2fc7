/**
 * Audit events shaped like EKS's own (shared/audit/README.md): identities as the
 * authenticators render them, object references, response codes, authorizer annotations, and
 * request bodies for the writes EKS logs at Request level. Built directly as objects (no JSON
 * round trip), because the evaluation generates millions of them.
 */
import type { AuditEvent, AuditUser } from '#shared/audit/event';

export const ACCOUNT = '111122223333';

export interface Actor {
  user: AuditUser;
  ip: string;
  ua: string;
  /** Authorizer reason for allowed requests. */
  reason?: string;
}

export function saUser(ns: string, name: string, pod?: { name: string; uid?: string; node?: string; credential?: string }): AuditUser {
  return {
    username: `system:serviceaccount:${ns}:${name}`,
    uid: `uid-sa-${ns}-${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    ...(pod
      ? {
          extra: {
            'authentication.kubernetes.io/pod-name': [pod.name],
            'authentication.kubernetes.io/pod-uid': [pod.uid ?? `uid-pod-${pod.name}`],
            ...(pod.node ? { 'authentication.kubernetes.io/node-name': [pod.node] } : {}),
            ...(pod.credential ? { 'authentication.kubernetes.io/credential-id': [pod.credential] } : {}),
          },
        }
      : {}),
  };
}

/** An IAM role session, as aws-iam-authenticator reports it (access-entry username). */
export function roleUser(role: string, session: string, accessKeyId: string): AuditUser {
  const roleId = `AROA${role.toUpperCase().replace(/[^A-Z0-9]/g, '').padEnd(17, 'X').slice(0, 17)}`;
  return {
    username: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session.replace('@', '-')}`,
    uid: `aws-iam-authenticator:${ACCOUNT}:${roleId}`,
    groups: ['system:authenticated'],
    extra: {
      accessKeyId: [accessKeyId],
      arn: [`arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`],
      canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/${role}`],
      principalId: [roleId],
      sessionName: [session],
    },
  };
}

export function nodeUser(node: string, instanceId: string): AuditUser {
  return {
    username: `system:node:${node}`,
    uid: `aws-iam-authenticator:${ACCOUNT}:AROANODEROLEEXAMPLE01`,
    groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'],
    extra: {
      accessKeyId: [`ASIANODE${instanceId.slice(-12).toUpperCase()}`],
      arn: [`arn:aws:sts::${ACCOUNT}:assumed-role/shop-prod-node-role/${instanceId}`],
      canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/shop-prod-node-role`],
      sessionName: [instanceId],
    },
  };
}

export function systemUser(username: string, groups: string[] = ['system:authenticated']): AuditUser {
  return { username, groups };
}

/** API groups of the resources the scenario uses (for request URIs). */
const GROUPS: Record<string, string> = {
  deployments: 'apps/v1',
  daemonsets: 'apps/v1',
  replicasets: 'apps/v1',
  statefulsets: 'apps/v1',
  jobs: 'batch/v1',
  cronjobs: 'batch/v1',
  leases: 'coordination.k8s.io/v1',
  endpointslices: 'discovery.k8s.io/v1',
  ingresses: 'networking.k8s.io/v1',
  networkpolicies: 'networking.k8s.io/v1',
  roles: 'rbac.authorization.k8s.io/v1',
  rolebindings: 'rbac.authorization.k8s.io/v1',
  clusterroles: 'rbac.authorization.k8s.io/v1',
  clusterrolebindings: 'rbac.authorization.k8s.io/v1',
  certificatesigningrequests: 'certificates.k8s.io/v1',
  customresourcedefinitions: 'apiextensions.k8s.io/v1',
  mutatingwebhookconfigurations: 'admissionregistration.k8s.io/v1',
  validatingwebhookconfigurations: 'admissionregistration.k8s.io/v1',
  selfsubjectaccessreviews: 'authorization.k8s.io/v1',
  selfsubjectrulesreviews: 'authorization.k8s.io/v1',
  horizontalpodautoscalers: 'autoscaling/v2',
  poddisruptionbudgets: 'policy/v1',
  csinodes: 'storage.k8s.io/v1',
  volumeattachments: 'storage.k8s.io/v1',
  eniconfigs: 'crd.k8s.amazonaws.com/v1alpha1',
  targetgroupbindings: 'elbv2.k8s.aws/v1beta1',
  externalsecrets: 'external-secrets.io/v1beta1',
  postgresqls: 'acid.zalan.do/v1',
  servicemonitors: 'monitoring.coreos.com/v1',
  nodeclaims: 'karpenter.sh/v1',
  nodepools: 'karpenter.sh/v1',
  kustomizations: 'kustomize.toolkit.fluxcd.io/v1',
  helmreleases: 'helm.toolkit.fluxcd.io/v2',
  gitrepositories: 'source.toolkit.fluxcd.io/v1',
  certificates: 'cert-manager.io/v1',
  certificaterequests: 'cert-manager.io/v1',
  orders: 'acme.cert-manager.io/v1',
  challenges: 'acme.cert-manager.io/v1',
  virtualservices: 'networking.istio.io/v1',
  destinationrules: 'networking.istio.io/v1',
  sparkapplications: 'sparkoperator.k8s.io/v1beta2',
};

export interface RequestSpec {
  verb: string;
  resource: string;
  ns?: string;
  name?: string;
  sub?: string;
  code?: number;
  body?: unknown;
  /** Query string (without `?`), e.g. `limit=500` or `command=cat&command=...`. */
  query?: string;
  stage?: string;
  reason?: string;
  /** More path after the subresource (`/exec/ns/pod/container` of a kubelet proxy call). */
  subpath?: string;
  /** The user the request impersonates (Impersonate-User / Impersonate-Group headers). */
  impersonate?: AuditUser;
}

let seq = 0;
let seqPrefix = '00000000';

/** Restarts audit ids for a new scenario (ids only need to be unique within one run). */
export function resetAuditIds(seed: number): void {
  seq = 0;
  seqPrefix = (seed >>> 0).toString(16).padStart(8, '0').slice(-8);
}

function auditId(): string {
  const n = (seq++).toString(16).padStart(16, '0');
  return `${seqPrefix}-${n.slice(0, 4)}-${n.slice(4, 8)}-${n.slice(8, 12)}-${n.slice(12, 16)}00000000`;
}

export function isoMicro(t: number): string {
  return new Date(t).toISOString().replace('Z', '123Z');
}

export function req(t: number, actor: Actor, r: RequestSpec): AuditEvent {
  const group = GROUPS[r.resource];
  const base = group ? `/apis/${group}` : '/api/v1';
  const path = `${base}${r.ns ? `/namespaces/${r.ns}` : ''}/${r.resource}${r.name ? `/${r.name}` : ''}${r.sub ? `/${r.sub}` : ''}${r.subpath ?? ''}`;
  const code = r.code ?? (r.sub === 'exec' || r.sub === 'attach' || r.sub === 'portforward' ? 101 : r.verb === 'create' ? 201 : 200);
  const denied = code === 403;
  const ts = isoMicro(t);
  const ev: AuditEvent = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: r.body !== undefined ? 'Request' : 'Metadata',
    auditID: auditId(),
    stage: r.stage ?? (code === 101 ? 'ResponseStarted' : 'ResponseComplete'),
    requestURI: `${path}${r.query ? `?${r.query}` : ''}`,
    verb: r.verb,
    user: actor.user,
    ...(r.impersonate ? { impersonatedUser: r.impersonate } : {}),
    sourceIPs: [actor.ip],
    userAgent: actor.ua,
    objectRef: {
      resource: r.resource,
      ...(r.ns ? { namespace: r.ns } : {}),
      ...(r.name ? { name: r.name } : {}),
      ...(r.sub ? { subresource: r.sub } : {}),
      ...(group ? { apiGroup: group.split('/')[0], apiVersion: group.split('/')[1] } : { apiVersion: 'v1' }),
    },
    responseStatus: denied ? { code, reason: 'Forbidden', status: 'Failure' } : { code },
    requestReceivedTimestamp: ts,
    stageTimestamp: ts,
    annotations: {
      'authorization.k8s.io/decision': denied ? 'forbid' : 'allow',
      'authorization.k8s.io/reason': denied ? '' : (r.reason ?? actor.reason ?? 'RBAC: allowed by ClusterRoleBinding'),
    },
  };
  if (r.body !== undefined) ev.requestObject = r.body;
  return ev;
}

/** A non-resource request (`/healthz`, `/version`, `/apis`). */
export function nonResource(t: number, actor: Actor, verb: string, path: string, code = 200): AuditEvent {
  const ts = isoMicro(t);
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: auditId(),
    stage: 'ResponseComplete',
    requestURI: path,
    verb,
    user: actor.user,
    sourceIPs: [actor.ip],
    userAgent: actor.ua,
    responseStatus: { code },
    requestReceivedTimestamp: ts,
    stageTimestamp: ts,
    annotations: { 'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow', 'authorization.k8s.io/reason': code === 403 ? '' : 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer"' },
  };
}

export interface ContainerSpec {
  name: string;
  image: string;
  privileged?: boolean;
  mounts?: Array<{ name: string; path: string; readOnly?: boolean }>;
  caps?: string[];
}

export interface PodSpecInput {
  containers: ContainerSpec[];
  serviceAccountName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostPaths?: Array<{ name: string; path: string }>;
  nodeName?: string | undefined;
}

export function podSpec(s: PodSpecInput): Record<string, unknown> {
  return {
    ...(s.serviceAccountName ? { serviceAccountName: s.serviceAccountName } : {}),
    ...(s.nodeName ? { nodeName: s.nodeName } : {}),
    ...(s.hostNetwork ? { hostNetwork: true } : {}),
    ...(s.hostPID ? { hostPID: true } : {}),
    ...(s.hostIPC ? { hostIPC: true } : {}),
    containers: s.containers.map((c) => ({
      name: c.name,
      image: c.image,
      ...(c.privileged || c.caps ? { securityContext: { ...(c.privileged ? { privileged: true } : {}), ...(c.caps ? { capabilities: { add: c.caps } } : {}) } } : {}),
      ...(c.mounts ? { volumeMounts: c.mounts.map((m) => ({ name: m.name, mountPath: m.path, ...(m.readOnly ? { readOnly: true } : {}) })) } : {}),
    })),
    ...(s.hostPaths ? { volumes: s.hostPaths.map((v) => ({ name: v.name, hostPath: { path: v.path } })) } : {}),
  };
}

export function podBody(ns: string, generateName: string, spec: PodSpecInput, labels: Record<string, string> = {}): Record<string, unknown> {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { generateName, namespace: ns, labels }, spec: podSpec(spec) };
}

export function workloadBody(kind: string, ns: string, name: string, spec: PodSpecInput, replicas?: number): Record<string, unknown> {
  const template = { metadata: { labels: { app: name } }, spec: podSpec(spec) };
  const inner = kind === 'CronJob' ? { schedule: '0 3 * * 0', jobTemplate: { spec: { template } } } : { ...(replicas !== undefined ? { replicas } : {}), selector: { matchLabels: { app: name } }, template };
  return { kind, apiVersion: kind === 'CronJob' || kind === 'Job' ? 'batch/v1' : 'apps/v1', metadata: { name, namespace: ns }, spec: inner };
}
