/**
 * Factories for audit events and CloudWatch Logs payloads, shaped like the real EKS records described in
 * shared/audit/README.md#sample-records. Override only what a test is about.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '#shared/audit/event';
import { encodeAwslogsData, type CloudWatchLogsData } from '#shared/audit/cloudwatch';

export const ACCOUNT = '111122223333';
export const AUDIT_STREAM = 'kube-apiserver-audit-1234567890abcdef01234567890abcde';

export function serviceAccountUser(ns: string, name: string, pod?: { name: string; uid?: string; node?: string; credentialId?: string }) {
  return {
    username: `system:serviceaccount:${ns}:${name}`,
    uid: randomUUID(),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    ...(pod
      ? {
          extra: {
            'authentication.kubernetes.io/pod-name': [pod.name],
            'authentication.kubernetes.io/pod-uid': [pod.uid ?? randomUUID()],
            ...(pod.node ? { 'authentication.kubernetes.io/node-name': [pod.node] } : {}),
            ...(pod.credentialId ? { 'authentication.kubernetes.io/credential-id': [pod.credentialId] } : {}),
          },
        }
      : {}),
  };
}

export function iamRoleUser(role: string, session: string, accessKeyId = 'ASIAEXAMPLEKEYID0001') {
  return {
    username: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session.replace('@', '-')}`,
    uid: `aws-iam-authenticator:${ACCOUNT}:AROAEXAMPLEROLEID0001`,
    groups: ['system:authenticated'],
    extra: {
      accessKeyId: [accessKeyId],
      arn: [`arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`],
      canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/${role}`],
      principalId: ['AROAEXAMPLEROLEID0001'],
      sessionName: [session],
    },
  };
}

export function auditEvent(overrides: Partial<AuditEvent> & { at?: string | Date } = {}): AuditEvent {
  const { at, ...rest } = overrides;
  const time = at ? new Date(at).toISOString() : '2024-08-24T14:27:07.461683Z';
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/shop/configmaps/settings',
    verb: 'get',
    user: serviceAccountUser('shop', 'checkout'),
    sourceIPs: ['10.0.1.23'],
    userAgent: 'checkout/v1.0 (linux/amd64) kubernetes/abc',
    objectRef: { resource: 'configmaps', namespace: 'shop', name: 'settings', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding' },
    ...rest,
  };
}

let logEventSeq = 0;

/** A decoded subscription payload whose messages are the given lines (strings are sent verbatim). */
export function logsData(messages: Array<AuditEvent | string>, opts: Partial<CloudWatchLogsData> = {}): CloudWatchLogsData {
  return {
    messageType: 'DATA_MESSAGE',
    owner: ACCOUNT,
    logGroup: '/aws/eks/prod-eks/cluster',
    logStream: AUDIT_STREAM,
    subscriptionFilters: ['boundwatch-audit'],
    logEvents: messages.map((m) => ({
      id: String(++logEventSeq).padStart(56, '0'),
      // CloudWatch stamps a log event when the API server writes it: just after the request.
      timestamp: deliveredAt(m),
      message: typeof m === 'string' ? m : JSON.stringify(m),
    })),
    ...opts,
  };
}

function deliveredAt(m: AuditEvent | string): number {
  let e: Partial<AuditEvent> | undefined;
  try {
    e = typeof m === 'string' ? (JSON.parse(m) as Partial<AuditEvent>) : m;
  } catch {
    e = undefined;
  }
  const t = Date.parse(e?.stageTimestamp ?? e?.requestReceivedTimestamp ?? '');
  // Unknown (0) for lines that are not events: nothing to compare their time with.
  return Number.isNaN(t) ? 0 : t;
}

/** The Lambda event `{awslogs:{data}}` CloudWatch Logs delivers. */
export function subscriptionEvent(messages: Array<AuditEvent | string>, opts: Partial<CloudWatchLogsData> = {}) {
  return encodeAwslogsData(logsData(messages, opts));
}
