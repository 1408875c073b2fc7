/**
 * What apply would send, as a dry run states it: every operation rendered as the API calls it
 * makes (method and path for the Kubernetes API, the action name for IAM and EKS) with a
 * summary of the body and its preconditions, and what this run could not check. A dry run
 * with no cluster or AWS access still plans every action apply would take; these lines are
 * what makes `planned` mean "would act" rather than "looked fine from here".
 */
import type { Operation } from './types';
import { INLINE_POLICY_MAX_CHARS } from './permission-set';
import { CNP_GROUP, CNP_PLURAL, CNP_VERSION, FIELD_MANAGER } from '../k8s/client';

const core = (ns: string, rest: string) => `/api/v1/namespaces/${ns}/${rest}`;
const netpol = (ns: string, name: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${name}`;
const cnp = (name: string) => `/apis/${CNP_GROUP}/${CNP_VERSION}/${CNP_PLURAL}/${name}`;
const ssa = `?fieldManager=${FIELD_MANAGER}&force=true (server-side apply)`;

/** The calls one operation makes, in order, one line each. */
export function apiCalls(op: Operation): string[] {
  switch (op.op) {
    case 'apply-policy':
      return [`API call: PATCH ${netpol(op.policy.metadata.namespace, op.policy.metadata.name)}${ssa}: NetworkPolicy ${policyTypes(op.policy.spec.policyTypes)}`];
    case 'quarantine-pod':
      return [
        `API call: GET ${core(op.namespace, `pods/${op.pod}`)}: read the pod's uid${op.uid ? ` (must be ${op.uid})` : ''}, labels and resourceVersion`,
        `API call: PATCH ${netpol(op.namespace, op.policy.metadata.name)}${ssa}: deny-all NetworkPolicy selecting boundwatch.io/quarantine=${op.token}`,
        `API call: PATCH ${core(op.namespace, `pods/${op.pod}`)} (merge patch, resourceVersion precondition): labels {boundwatch.io/quarantine: ${op.token}, every other label: null}`,
      ];
    case 'isolate-pod':
      return [
        `API call: GET ${core(op.namespace, `pods/${op.pod}`)}: read the pod's uid${op.uid ? ` (must be ${op.uid})` : ''}, labels and resourceVersion`,
        `API call: PATCH ${cnp(op.clusterPolicy.metadata.name)}${ssa}: ClusterNetworkPolicy, tier Admin, Deny, selecting boundwatch.io/quarantine=${op.token} in namespace ${op.namespace}`,
        `API call: PATCH ${netpol(op.namespace, op.policy.metadata.name)}${ssa}: deny-all NetworkPolicy selecting boundwatch.io/quarantine=${op.token}`,
        `API call: PATCH ${core(op.namespace, `pods/${op.pod}`)} (merge patch, resourceVersion precondition): labels {boundwatch.io/quarantine: ${op.token}}, other labels kept`,
      ];
    case 'delete-pod':
      return [`API call: DELETE ${core(op.namespace, `pods/${op.pod}`)}${op.uid ? `: preconditions.uid ${op.uid}` : ''}`];
    case 'evict-pod':
      return [`API call: POST ${core(op.namespace, `pods/${op.pod}/eviction`)}: policy/v1 Eviction${op.uid ? `, deleteOptions.preconditions.uid ${op.uid}` : ''} (a 429 from its PodDisruptionBudget holds it)`];
    case 'delete-secret':
      return [`API call: DELETE ${core(op.namespace, `secrets/${op.name}`)}${op.uid ? `: preconditions.uid ${op.uid}` : ''}`];
    case 'put-role-policy':
      return [`API call: iam:PutRolePolicy RoleName=${op.roleName} PolicyName=${op.policyName}: deny * to ${sessionOf(op.document) ? `session aws:userid ${sessionOf(op.document)}` : 'sessions'} with aws:TokenIssueTime before ${issuedBefore(op.document) ?? 'the decision'}`];
    case 'disassociate-access-policy':
      return [`API call: eks:DisassociateAccessPolicy clusterName=${op.clusterName} principalArn=${op.principalArn} policyArn=${op.policyArn}`];
    case 'deny-session-in-permission-set': {
      const ps = op.permissionSetArn ?? '<the ARN found>';
      return [
        ...(op.permissionSetArn ? [] : [`API call: sso:ListPermissionSets InstanceArn=${op.instanceArn}, then sso:DescribePermissionSet for each until Name=${op.permissionSetName}`]),
        `API call: sso:GetInlinePolicyForPermissionSet InstanceArn=${op.instanceArn} PermissionSetArn=${ps}: the inline policy as it is (kept with the action, to restore it exactly)`,
        `API call: sso:PutInlinePolicyToPermissionSet InstanceArn=${op.instanceArn} PermissionSetArn=${ps}: the same policy plus statement ${op.sid} (deny * to ${sessionOf(op.statement) ? `session aws:userid ${sessionOf(op.statement)}` : 'the session'} with aws:TokenIssueTime before ${issuedBefore(op.statement) ?? 'the decision'}), within ${INLINE_POLICY_MAX_CHARS} non-whitespace characters`,
        `API call: sso:ProvisionPermissionSet InstanceArn=${op.instanceArn} PermissionSetArn=${ps} TargetType=AWS_ACCOUNT TargetId=${op.accountId}`,
        `API call: sso:DescribePermissionSetProvisioningStatus InstanceArn=${op.instanceArn} ProvisionPermissionSetRequestId=<from ProvisionPermissionSet>, until SUCCEEDED`,
        `API call: sso:GetInlinePolicyForPermissionSet InstanceArn=${op.instanceArn} PermissionSetArn=${ps}: verify statement ${op.sid} is there; revert removes it (PutInlinePolicyToPermissionSet with the original text, or DeleteInlinePolicyFromPermissionSet when there was none) and provisions again`,
      ];
    }
  }
}

function policyTypes(t: readonly string[]): string {
  return `(${t.join(' and ')})`;
}

function sessionOf(document: string): string | undefined {
  return /"aws:userid"\s*:\s*"([^"]+)"/.exec(document)?.[1];
}

function issuedBefore(document: string): string | undefined {
  return /"aws:TokenIssueTime"\s*:\s*"([^"]+)"/.exec(document)?.[1];
}

export interface PreviewAccess {
  cluster: boolean;
  iam: boolean;
  eks: boolean;
  sso?: boolean;
}

const AWS_OPS = new Set<Operation['op']>(['put-role-policy', 'disassociate-access-policy', 'deny-session-in-permission-set']);

/** What a dry run without some access could not check, for the operations it plans. */
export function uncheckedLines(ops: readonly Operation[], access: PreviewAccess): string[] {
  const lines: string[] = [];
  const k8s = ops.some((o) => !AWS_OPS.has(o.op));
  if (k8s && !access.cluster) lines.push('not checked: no cluster access in this run, so no server-side dry run; the pod, its uid and the policies are read and checked when applied');
  if (ops.some((o) => o.op === 'put-role-policy') && !access.iam) lines.push('not checked: no IAM access in this run (no AWS credentials), so the role, its account and its permission to be changed are checked when applied');
  if (ops.some((o) => o.op === 'deny-session-in-permission-set') && !access.sso) {
    lines.push("not checked: no IAM Identity Center access in this run, so the role's path, the permission set, its inline policy's room for the statement and the permission to change it are checked when applied");
  }
  return lines;
}
