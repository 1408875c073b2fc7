/**
 * The AWS side of enforcement, as small ports over the real SDK clients (passed in, created
 * once per container): IAM inline policies that revoke a role's active sessions, EKS access
 * policy associations, IAM Identity Center permission sets' inline policies (and their
 * provisioning), and the EventBridge Scheduler one-time schedules that revert actions.
 * Errors come back named and classified: retryable (throttling, 5xx after the SDK's own
 * retries) or not (access denied, validation), never with request bodies.
 */
import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  PutRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import {
  AssociateAccessPolicyCommand,
  DisassociateAccessPolicyCommand,
  ListAssociatedAccessPoliciesCommand,
  type EKSClient,
} from '@aws-sdk/client-eks';
import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { BoundwatchError, ConfigError, DownstreamError } from '../errors';
import type { AccessScope } from './types';

/** A failed AWS call; `retryable` when trying again later can succeed. */
export class AwsCallError extends BoundwatchError {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code: string,
  ) {
    super(message);
  }
}

const NOT_RETRYABLE = /AccessDenied|Unauthorized|NotAuthorized|Validation|InvalidParameter|InvalidInput|MalformedPolicy|LimitExceeded|UnmodifiableEntity|Forbidden/;

function awsError(operation: string, err: unknown): AwsCallError | DownstreamError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const code = e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const retryable = !NOT_RETRYABLE.test(code) && (status === undefined || status >= 500 || status === 429 || e?.$retryable !== undefined || /Throttl|ServiceUnavailable|InternalFailure|ServiceFailure|TimeoutError|ECONN/.test(code));
  const message = `${operation}: ${code}${e?.message ? `: ${e.message}` : ''}`;
  return retryable ? new DownstreamError(message, { cause: err }) : new AwsCallError(message, false, code);
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return name === 'NoSuchEntityException' || name === 'NoSuchEntity' || name === 'ResourceNotFoundException';
}

// ---- IAM ---------------------------------------------------------------------------------

/** What IAM says about a role: its ARN with its path (EKS access entries are keyed by it). */
export interface RoleInfo {
  arn: string;
  path: string;
  /** MaxSessionDuration, seconds (1 h to 12 h). */
  maxSessionDurationS: number;
  /** The role's tags (GetRole returns them): `enforcement.revocableRoles.tag` is checked against these. */
  tags: Record<string, string>;
}

/** Roles IAM Identity Center creates for permission sets: IAM refuses to modify them (UnmodifiableEntity). */
export const SSO_ROLE_PATH_PREFIX = '/aws-reserved/sso.amazonaws.com/';
/** The name Identity Center gives those roles (`AWSReservedSSO_<permission set>_<hash>`): a hint only, used where the path cannot be read. */
export const SSO_ROLE_NAME_PREFIX = 'AWSReservedSSO_';

export interface IamPort {
  /** null when the role does not exist in this account. */
  getRole(roleName: string): Promise<RoleInfo | null>;
  putRolePolicy(roleName: string, policyName: string, document: string): Promise<void>;
  deleteRolePolicy(roleName: string, policyName: string): Promise<'deleted' | 'not-found'>;
}

export function iamPort(client: Pick<IAMClient, 'send'>): IamPort {
  return {
    async getRole(roleName) {
      try {
        const out = await client.send(new GetRoleCommand({ RoleName: roleName }));
        const r = out.Role;
        if (!r?.Arn) return null;
        const tags = Object.fromEntries((r.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
        return { arn: r.Arn, path: r.Path ?? '/', maxSessionDurationS: r.MaxSessionDuration ?? 3600, tags };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw awsError(`iam:GetRole ${roleName}`, err);
      }
    },
    async putRolePolicy(roleName, policyName, document) {
      try {
        await client.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }));
      } catch (err) {
        throw awsError(`iam:PutRolePolicy ${roleName}/${policyName}`, err);
      }
    },
    async deleteRolePolicy(roleName, policyName) {
      try {
        await client.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
        return 'deleted';
      } catch (err) {
        if (isNotFound(err)) return 'not-found';
        throw awsError(`iam:DeleteRolePolicy ${roleName}/${policyName}`, err);
      }
    },
  };
}

/**
 * Deny one session of a role: `aws:userid` is `<role id>:<session name>` for an assumed-role
 * session, and only sessions issued before `before` (the anomaly) are denied, so the same
 * person or job re-authenticating gets a working session, and every other session of a shared
 * role keeps working.
 */
export function revokeSessionPolicy(userId: string, before: Date): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BoundwatchRevokeSession',
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { StringEquals: { 'aws:userid': userId }, DateLessThan: { 'aws:TokenIssueTime': before.toISOString().replace(/\.\d{3}Z$/, 'Z') } },
      },
    ],
  });
}

/** The `aws:userid` of a role session: `principalId` as the audit log has it (role id, or `id:session`) plus the session name. */
export function sessionUserId(principalId: string | undefined, sessionName: string | undefined): string | undefined {
  if (!principalId) return undefined;
  if (principalId.includes(':')) return principalId;
  return sessionName ? `${principalId}:${sessionName}` : undefined;
}

/** `arn:aws:iam::123456789012:role/path/name` → `name` (IAM APIs take the name without its path). */
export function roleNameFromArn(arn: string): string | undefined {
  const m = /^arn:aws[\w-]*:iam::\d{12}:role\/(?:.*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  return m?.[1];
}

// ---- EKS access policies -----------------------------------------------------------------

export interface AssociatedAccessPolicy {
  policyArn: string;
  accessScope: AccessScope;
}

export interface AccessPolicyPort {
  /** The policies associated with the principal's access entry; null when it has no access entry. */
  listAssociated(clusterName: string, principalArn: string): Promise<AssociatedAccessPolicy[] | null>;
  disassociate(clusterName: string, principalArn: string, policyArn: string): Promise<'deleted' | 'not-found'>;
  associate(clusterName: string, principalArn: string, policyArn: string, scope: AccessScope): Promise<void>;
}

export function accessPolicyPort(client: Pick<EKSClient, 'send'>): AccessPolicyPort {
  return {
    async listAssociated(clusterName, principalArn) {
      const out: AssociatedAccessPolicy[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await client.send(new ListAssociatedAccessPoliciesCommand({ clusterName, principalArn, ...(nextToken ? { nextToken } : {}) }));
          for (const p of page.associatedAccessPolicies ?? []) {
            if (!p.policyArn) continue;
            const type = p.accessScope?.type === 'namespace' ? 'namespace' : 'cluster';
            out.push({ policyArn: p.policyArn, accessScope: { type, ...(type === 'namespace' ? { namespaces: [...(p.accessScope?.namespaces ?? [])] } : {}) } });
          }
          nextToken = page.nextToken;
        } while (nextToken);
      } catch (err) {
        if (isNotFound(err)) return null;
        throw awsError(`eks:ListAssociatedAccessPolicies ${clusterName} ${principalArn}`, err);
      }
      return out;
    },
    async disassociate(clusterName, principalArn, policyArn) {
      try {
        await client.send(new DisassociateAccessPolicyCommand({ clusterName, principalArn, policyArn }));
        return 'deleted';
      } catch (err) {
        if (isNotFound(err)) return 'not-found';
        throw awsError(`eks:DisassociateAccessPolicy ${clusterName} ${principalArn} ${policyArn}`, err);
      }
    },
    async associate(clusterName, principalArn, policyArn, scope) {
      try {
        await client.send(
          new AssociateAccessPolicyCommand({
            clusterName,
            principalArn,
            policyArn,
            accessScope: { type: scope.type, ...(scope.type === 'namespace' ? { namespaces: scope.namespaces ?? [] } : {}) },
          }),
        );
      } catch (err) {
        throw awsError(`eks:AssociateAccessPolicy ${clusterName} ${principalArn} ${policyArn}`, err);
      }
    },
  };
}

// ---- IAM Identity Center permission sets --------------------------------------------------

export interface Provisioned {
  requestId: string;
  status: 'SUCCEEDED';
}

export interface SsoAdminPort {
  /** The ARN of the instance's permission set named `name`; null when there is none. */
  findPermissionSet(instanceArn: string, name: string): Promise<string | null>;
  /** The inline policy's text; '' when the permission set has none. */
  getInlinePolicy(instanceArn: string, permissionSetArn: string): Promise<string>;
  putInlinePolicy(instanceArn: string, permissionSetArn: string, document: string): Promise<void>;
  deleteInlinePolicy(instanceArn: string, permissionSetArn: string): Promise<void>;
  /**
   * Provisions the permission set to one account and waits until Identity Center reports the
   * result: resolves on SUCCEEDED, throws (retryable) on FAILED or when it is still in
   * progress after the wait.
   */
  provision(instanceArn: string, permissionSetArn: string, accountId: string): Promise<Provisioned>;
}

export interface SsoAdminOptions {
  /** Between two reads of the provisioning status. Default 2 s. */
  pollMs?: number;
  /** How long to wait for provisioning. Default 60 s. */
  timeoutMs?: number;
}

/** Identity Center updates one role of an account at a time: a concurrent change answers ConflictException, which clears. */
function ssoError(operation: string, err: unknown): AwsCallError | DownstreamError {
  if ((err as { name?: string })?.name === 'ConflictException') return new DownstreamError(`${operation}: ConflictException: ${(err as Error).message ?? ''}`, { cause: err });
  return awsError(operation, err);
}

export function ssoAdminPort(client: Pick<SSOAdminClient, 'send'>, opts: SsoAdminOptions = {}): SsoAdminPort {
  const pollMs = opts.pollMs ?? 2000;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return {
    async findPermissionSet(instanceArn, name) {
      let nextToken: string | undefined;
      try {
        do {
          const page = await client.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn, ...(nextToken ? { NextToken: nextToken } : {}) }));
          for (const arn of page.PermissionSets ?? []) {
            const d = await client.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }));
            if (d.PermissionSet?.Name === name) return arn;
          }
          nextToken = page.NextToken;
        } while (nextToken);
      } catch (err) {
        throw ssoError(`sso:ListPermissionSets/DescribePermissionSet ${instanceArn}`, err);
      }
      return null;
    },
    async getInlinePolicy(instanceArn, permissionSetArn) {
      try {
        const out = await client.send(new GetInlinePolicyForPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn }));
        return out.InlinePolicy ?? '';
      } catch (err) {
        throw ssoError(`sso:GetInlinePolicyForPermissionSet ${permissionSetArn}`, err);
      }
    },
    async putInlinePolicy(instanceArn, permissionSetArn, document) {
      try {
        await client.send(new PutInlinePolicyToPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn, InlinePolicy: document }));
      } catch (err) {
        throw ssoError(`sso:PutInlinePolicyToPermissionSet ${permissionSetArn}`, err);
      }
    },
    async deleteInlinePolicy(instanceArn, permissionSetArn) {
      try {
        await client.send(new DeleteInlinePolicyFromPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn }));
      } catch (err) {
        if (isNotFound(err)) return;
        throw ssoError(`sso:DeleteInlinePolicyFromPermissionSet ${permissionSetArn}`, err);
      }
    },
    async provision(instanceArn, permissionSetArn, accountId) {
      const what = `sso:ProvisionPermissionSet ${permissionSetArn} to account ${accountId}`;
      let status: { Status?: string | undefined; RequestId?: string | undefined; FailureReason?: string | undefined } | undefined;
      try {
        const out = await client.send(new ProvisionPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn, TargetType: 'AWS_ACCOUNT', TargetId: accountId }));
        status = out.PermissionSetProvisioningStatus;
      } catch (err) {
        throw ssoError(what, err);
      }
      const requestId = status?.RequestId;
      if (!requestId) throw new DownstreamError(`${what}: no request id in the answer`);
      const deadline = Date.now() + timeoutMs;
      while (status?.Status === 'IN_PROGRESS' || status?.Status === undefined) {
        if (Date.now() > deadline) throw new DownstreamError(`${what}: still in progress after ${Math.round(timeoutMs / 1000)} s (request ${requestId})`);
        await new Promise((r) => setTimeout(r, pollMs));
        try {
          const out = await client.send(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instanceArn, ProvisionPermissionSetRequestId: requestId }));
          status = out.PermissionSetProvisioningStatus;
        } catch (err) {
          throw ssoError(`sso:DescribePermissionSetProvisioningStatus ${requestId}`, err);
        }
      }
      // A failed provisioning leaves the role as it was; trying again is what the console offers too.
      if (status.Status !== 'SUCCEEDED') throw new DownstreamError(`${what}: ${status.Status}${status.FailureReason ? `: ${status.FailureReason}` : ''} (request ${requestId})`);
      return { requestId, status: 'SUCCEEDED' };
    },
  };
}

// ---- Revert schedules --------------------------------------------------------------------

/** Invokes the revert of an action at a time; both methods are idempotent. */
export interface RevertScheduler {
  /**
   * Schedules the revert of `actionId` at `at`; returns the schedule's name. `attempt` (2, 3, …)
   * schedules the retry of a failed revert under a name of its own.
   */
  schedule(actionId: string, cluster: string, at: Date, attempt?: number): Promise<string>;
  cancel(name: string): Promise<void>;
  readonly description: string;
}

/** The revert function's input, as the schedule (or `release`) sends it. */
export interface RevertInput {
  actionId: string;
  cluster?: string;
  trigger?: 'expiry' | 'release';
  /** Which attempt at expiry this is (1 when absent); a failed one schedules the next. */
  attempt?: number;
}

export interface AwsSchedulerOptions {
  groupName: string;
  /** The role EventBridge Scheduler assumes to deliver to the target (needed to create schedules). */
  roleArn?: string;
  /** Where schedules deliver the revert input: the revert queue (the revert function reads it). */
  targetArn?: string;
  deadLetterArn?: string;
}

/** Schedule names allow [0-9a-zA-Z-_.]{1,64}: `bw-revert-` plus the action id (and `-r<attempt>` for a retry) fits. */
export function scheduleName(actionId: string, attempt?: number): string {
  return `bw-revert-${actionId}${attempt && attempt > 1 ? `-r${attempt}` : ''}`.replace(/[^0-9A-Za-z._-]/g, '-').slice(0, 64);
}

/** `at(yyyy-mm-ddThh:mm:ss)`, in UTC, rounded up to the next second. */
export function atExpression(at: Date): string {
  const t = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${t.toISOString().slice(0, 19)})`;
}

export function awsRevertScheduler(client: Pick<SchedulerClient, 'send'>, opts: AwsSchedulerOptions): RevertScheduler {
  return {
    description: `EventBridge Scheduler group ${opts.groupName}`,
    async schedule(actionId, cluster, at, attempt) {
      if (!opts.roleArn || !opts.targetArn) throw new ConfigError('creating revert schedules needs the scheduler role and the revert queue ARN');
      const name = scheduleName(actionId, attempt);
      const input: RevertInput = { actionId, cluster, trigger: 'expiry', ...(attempt && attempt > 1 ? { attempt } : {}) };
      try {
        await client.send(
          new CreateScheduleCommand({
            Name: name,
            GroupName: opts.groupName,
            ScheduleExpression: atExpression(at),
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Description: `boundwatch: revert enforcement action ${actionId}${attempt && attempt > 1 ? ` (attempt ${attempt})` : ''}`,
            Target: {
              Arn: opts.targetArn,
              RoleArn: opts.roleArn,
              Input: JSON.stringify(input),
              RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 24 * 3600 },
              ...(opts.deadLetterArn ? { DeadLetterConfig: { Arn: opts.deadLetterArn } } : {}),
            },
          }),
        );
      } catch (err) {
        // Redelivery: the schedule of this action exists already.
        if ((err as { name?: string })?.name === 'ConflictException') return name;
        throw awsError(`scheduler:CreateSchedule ${opts.groupName}/${name}`, err);
      }
      return name;
    },
    async cancel(name) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: name, GroupName: opts.groupName }));
      } catch (err) {
        if (isNotFound(err)) return;
        throw awsError(`scheduler:DeleteSchedule ${opts.groupName}/${name}`, err);
      }
    },
  };
}
