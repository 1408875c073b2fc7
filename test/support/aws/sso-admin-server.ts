/**
 * A local IAM Identity Center admin endpoint (sso-admin) speaking AWS JSON 1.1 as
 * @aws-sdk/client-sso-admin does (`POST /`, `X-Amz-Target: SWBExternalService.<Operation>`,
 * errors as `{"__type": ..., "Message": ...}`), for the subset boundwatch uses:
 * ListPermissionSets (pages of 2), DescribePermissionSet, GetInlinePolicyForPermissionSet,
 * PutInlinePolicyToPermissionSet, DeleteInlinePolicyFromPermissionSet, ProvisionPermissionSet
 * and DescribePermissionSetProvisioningStatus.
 *
 * Like the service, a changed inline policy reaches an account's role only when the permission
 * set is provisioned to it: `provisioned()` is what the role carries there, and
 * `deniesSession()` evaluates it for one session (the oracle of the tests). Provisioning stays
 * IN_PROGRESS for one status read, then SUCCEEDED, or FAILED when `failProvisioning` says so
 * (the role then keeps what it had). Inline policies are validated as the API does: 32,768
 * bytes, 10,240 non-whitespace characters, JSON.
 */
import { randomUUID } from 'node:crypto';
import { EndpointError, json, startAwsEndpoint, type AwsEndpoint, type AwsFault, type Reply } from './http';

export const LOCAL_INSTANCE_ARN = 'arn:aws:sso:::instance/ssoins-72231e2b4e6a8f10';

export interface LocalSsoAdmin extends AwsEndpoint {
  /** A permission set of the instance; returns its ARN. */
  addPermissionSet(name: string, opts?: { inlinePolicy?: string; sessionDuration?: string }): string;
  inlinePolicy(permissionSetArn: string): string | undefined;
  /** The inline policy the permission set's role in `account` carries (as last provisioned); undefined: never provisioned. */
  provisioned(account: string, permissionSetArn: string): string | undefined;
  /** Provisions (as an administrator would, outside boundwatch) so an account's role carries the current policy. */
  provisionNow(account: string, permissionSetArn: string): void;
  /** Whether the role in `account` denies the session `userId` issued at `issuedAt`, by its provisioned inline policy. */
  deniesSession(account: string, permissionSetArn: string, userId: string, issuedAt: Date): boolean;
  /** The next `n` provisioning requests end FAILED with `reason`. */
  failProvisioning(n: number, reason: string): void;
}

interface PermissionSet {
  name: string;
  inlinePolicy: string | undefined;
  sessionDuration: string;
}

interface Request {
  id: string;
  account: string;
  permissionSetArn: string;
  policy: string | undefined;
  reads: number;
  fail?: string;
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
}

function fault(f: AwsFault): Reply {
  return { status: f.status, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify({ __type: f.code, Message: f.message ?? f.code }) };
}

const notFound = (what: string) => new EndpointError({ status: 400, code: 'ResourceNotFoundException', message: `${what} not found` });
const invalid = (message: string) => new EndpointError({ status: 400, code: 'ValidationException', message });

/** Evaluates the Deny statements of a policy for a session: only the operators boundwatch writes, anything else throws. */
function denies(policy: string | undefined, ctx: Record<string, string>): boolean {
  if (!policy) return false;
  const doc = JSON.parse(policy) as { Statement: unknown };
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Array<{ Effect: string; Action: unknown; Resource: unknown; Condition?: Record<string, Record<string, string | string[]>> }>;
  return statements.some((s) => {
    if (s.Effect !== 'Deny') return false;
    const all = (v: unknown) => v === '*' || (Array.isArray(v) && v.includes('*'));
    if (!all(s.Action) || !all(s.Resource)) return false;
    return Object.entries(s.Condition ?? {}).every(([op, kv]) =>
      Object.entries(kv).every(([key, want]) => {
        const have = ctx[key.toLowerCase()];
        const wants = Array.isArray(want) ? want : [want];
        if (have === undefined) return false;
        if (op === 'StringEquals') return wants.includes(have);
        if (op === 'DateLessThan') return wants.some((w) => Date.parse(have) < Date.parse(w));
        throw new Error(`the local evaluator does not know condition operator ${op}`);
      }),
    );
  });
}

export async function startLocalSsoAdmin(opts: { instanceArn?: string } = {}): Promise<LocalSsoAdmin> {
  const instanceArn = opts.instanceArn ?? LOCAL_INSTANCE_ARN;
  const instanceId = instanceArn.split('/').pop()!;
  const sets = new Map<string, PermissionSet>();
  const roles = new Map<string, string | undefined>();
  const requests = new Map<string, Request>();
  const failures: Array<{ remaining: number; reason: string }> = [];
  let counter = 0;

  const instance = (b: Record<string, unknown>) => {
    if (b.InstanceArn !== instanceArn) throw notFound(`Instance ${String(b.InstanceArn)}`);
  };
  const set = (b: Record<string, unknown>) => {
    instance(b);
    const s = sets.get(String(b.PermissionSetArn));
    if (!s) throw notFound(`PermissionSet ${String(b.PermissionSetArn)}`);
    return s;
  };
  const finish = (r: Request) => {
    if (r.status !== 'IN_PROGRESS') return;
    r.reads += 1;
    if (r.reads < 2) return;
    r.status = r.fail ? 'FAILED' : 'SUCCEEDED';
    if (!r.fail) roles.set(`${r.account}|${r.permissionSetArn}`, r.policy);
  };
  const statusOf = (r: Request) => ({ Status: r.status, RequestId: r.id, AccountId: r.account, PermissionSetArn: r.permissionSetArn, CreatedDate: Date.now() / 1000, ...(r.status === 'FAILED' ? { FailureReason: r.fail } : {}) });

  const endpoint = await startAwsEndpoint(({ method, headers, body }) => {
    const target = String(headers['x-amz-target'] ?? '');
    const operation = target.startsWith('SWBExternalService.') ? target.slice('SWBExternalService.'.length) : 'unknown';
    return {
      operation,
      reply: () => {
        if (method !== 'POST') throw invalid('sso-admin takes POST');
        const b = JSON.parse(body || '{}') as Record<string, unknown>;
        switch (operation) {
          case 'ListPermissionSets': {
            instance(b);
            const all = [...sets.keys()];
            const start = b.NextToken ? Number(b.NextToken) : 0;
            const page = all.slice(start, start + 2);
            return json(200, { PermissionSets: page, ...(start + 2 < all.length ? { NextToken: String(start + 2) } : {}) });
          }
          case 'DescribePermissionSet': {
            const s = set(b);
            return json(200, { PermissionSet: { Name: s.name, PermissionSetArn: b.PermissionSetArn, SessionDuration: s.sessionDuration, CreatedDate: 1_700_000_000 } });
          }
          case 'GetInlinePolicyForPermissionSet':
            return json(200, { InlinePolicy: set(b).inlinePolicy ?? '' });
          case 'PutInlinePolicyToPermissionSet': {
            const s = set(b);
            const text = typeof b.InlinePolicy === 'string' ? b.InlinePolicy : '';
            if (text.length < 1 || Buffer.byteLength(text) > 32_768) throw invalid('InlinePolicy length must be 1 to 32768');
            if (text.replace(/\s/g, '').length > 10_240) throw invalid('The inline policy exceeds 10240 non-whitespace characters');
            try {
              JSON.parse(text);
            } catch {
              throw invalid('The inline policy is not valid JSON');
            }
            s.inlinePolicy = text;
            return json(200, {});
          }
          case 'DeleteInlinePolicyFromPermissionSet':
            set(b).inlinePolicy = undefined;
            return json(200, {});
          case 'ProvisionPermissionSet': {
            const s = set(b);
            if (b.TargetType !== 'AWS_ACCOUNT' || !(typeof b.TargetId === 'string' && /^\d{12}$/.test(b.TargetId))) throw invalid('TargetType AWS_ACCOUNT and a 12-digit TargetId are required');
            const f = failures.find((x) => x.remaining > 0);
            if (f) f.remaining -= 1;
            const r: Request = { id: randomUUID(), account: String(b.TargetId), permissionSetArn: String(b.PermissionSetArn), policy: s.inlinePolicy, reads: 0, status: 'IN_PROGRESS', ...(f ? { fail: f.reason } : {}) };
            requests.set(r.id, r);
            return json(200, { PermissionSetProvisioningStatus: statusOf(r) });
          }
          case 'DescribePermissionSetProvisioningStatus': {
            instance(b);
            const r = requests.get(String(b.ProvisionPermissionSetRequestId));
            if (!r) throw notFound(`Request ${String(b.ProvisionPermissionSetRequestId)}`);
            finish(r);
            return json(200, { PermissionSetProvisioningStatus: statusOf(r) });
          }
          default:
            throw new EndpointError({ status: 400, code: 'UnknownOperationException', message: `unknown operation ${target}` });
        }
      },
    };
  }, fault);

  return {
    ...endpoint,
    addPermissionSet: (name, o = {}) => {
      const arn = `arn:aws:sso:::permissionSet/${instanceId}/ps-${(++counter).toString(16).padStart(16, '0')}`;
      sets.set(arn, { name, inlinePolicy: o.inlinePolicy, sessionDuration: o.sessionDuration ?? 'PT8H' });
      return arn;
    },
    inlinePolicy: (arn) => sets.get(arn)?.inlinePolicy,
    provisioned: (account, arn) => roles.get(`${account}|${arn}`),
    provisionNow: (account, arn) => void roles.set(`${account}|${arn}`, sets.get(arn)?.inlinePolicy),
    deniesSession: (account, arn, userId, issuedAt) => denies(roles.get(`${account}|${arn}`), { 'aws:userid': userId, 'aws:tokenissuetime': issuedAt.toISOString() }),
    failProvisioning: (n, reason) => failures.push({ remaining: n, reason }),
  };
}
