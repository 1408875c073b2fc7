/**
 * A local IAM endpoint speaking the AWS Query protocol subset boundwatch uses: GetRole, PutRolePolicy,
 * GetRolePolicy, DeleteRolePolicy and ListRolePolicies (form-encoded POST, `Version=2010-05-08`,
 * XML answers and `ErrorResponse` errors such as NoSuchEntity 404), so @aws-sdk/client-iam
 * runs over real HTTP. Roles must be created by the test (`addRole`), as in an account.
 */
import { randomUUID } from 'node:crypto';
import { EndpointError, startAwsEndpoint, type AwsEndpoint, type AwsFault, type Reply } from './http';

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export interface LocalIam extends AwsEndpoint {
  /** A role with an optional path (e.g. `/aws-reserved/sso.amazonaws.com/`) and MaxSessionDuration (seconds, default 3600). */
  addRole(name: string, opts?: { path?: string; maxSessionDuration?: number; account?: string; tags?: Record<string, string> }): void;
  /**
   * What the caller's IAM policy allows: PutRolePolicy/DeleteRolePolicy on a role for which
   * `allowed` is false answer AccessDenied, as IAM does for a role outside the enforcer's grant.
   */
  limitWrites(allowed: (role: { name: string; path: string; tags: Record<string, string> }) => boolean): void;
  /** Inline policies of a role: name → document (decoded JSON text). */
  inlinePolicies(role: string): Map<string, string>;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function tagsXml(tags: Record<string, string>): string {
  const entries = Object.entries(tags);
  return entries.length ? `<Tags>${entries.map(([k, v]) => `<member><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></member>`).join('')}</Tags>` : '';
}

function ok(action: string, result = ''): Reply {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NS}">${result ? `<${action}Result>${result}</${action}Result>` : ''}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'Content-Type': 'text/xml' }, body };
}

function fault(f: AwsFault): Reply {
  const type = f.status >= 500 ? 'Receiver' : 'Sender';
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${f.code}</Code><Message>${xmlEscape(f.message ?? f.code)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  return { status: f.status, headers: { 'Content-Type': 'text/xml' }, body };
}

export async function startLocalIam(): Promise<LocalIam> {
  const roles = new Map<string, Map<string, string>>();
  const meta = new Map<string, { path: string; maxSessionDuration: number; account: string; tags: Record<string, string> }>();
  let writable: (role: { name: string; path: string; tags: Record<string, string> }) => boolean = () => true;
  const mayWrite = (p: URLSearchParams, action: string) => {
    const name = p.get('RoleName') ?? '';
    const m = meta.get(name);
    if (m && !writable({ name, ...m })) {
      throw new EndpointError({ status: 403, code: 'AccessDenied', message: `User is not authorized to perform: iam:${action} on resource: role ${name}` });
    }
  };
  const role = (p: URLSearchParams): Map<string, string> => {
    const name = p.get('RoleName') ?? '';
    const r = roles.get(name);
    if (!r) throw new EndpointError({ status: 404, code: 'NoSuchEntity', message: `The role with name ${name} cannot be found.` });
    return r;
  };
  const endpoint = await startAwsEndpoint(({ method, body }) => {
    const p = new URLSearchParams(body);
    const action = p.get('Action') ?? '';
    return {
      operation: action,
      reply: () => {
        if (method !== 'POST') throw new EndpointError({ status: 400, code: 'InvalidAction', message: 'IAM takes POST' });
        if (p.get('Version') !== '2010-05-08') throw new EndpointError({ status: 400, code: 'InvalidParameterValue', message: 'Version must be 2010-05-08' });
        switch (action) {
          case 'GetRole': {
            const name = p.get('RoleName') ?? '';
            role(p);
            const m = meta.get(name)!;
            // IAM refuses to modify Identity Center roles; GetRole still answers with the path.
            return ok('GetRole', `<Role><Path>${xmlEscape(m.path)}</Path><RoleName>${xmlEscape(name)}</RoleName><RoleId>AROA${name.length}EXAMPLE</RoleId><Arn>arn:aws:iam::${m.account}:role${xmlEscape(m.path)}${xmlEscape(name)}</Arn><CreateDate>2025-01-01T00:00:00Z</CreateDate><MaxSessionDuration>${m.maxSessionDuration}</MaxSessionDuration>${tagsXml(m.tags)}</Role>`);
          }
          case 'PutRolePolicy': {
            const doc = p.get('PolicyDocument') ?? '';
            const name = p.get('PolicyName') ?? '';
            try {
              JSON.parse(doc);
            } catch {
              throw new EndpointError({ status: 400, code: 'MalformedPolicyDocument', message: 'Syntax errors in policy.' });
            }
            if (!/^[\w+=,.@-]{1,128}$/.test(name)) throw new EndpointError({ status: 400, code: 'ValidationError', message: 'PolicyName is invalid' });
            const r = role(p);
            mayWrite(p, 'PutRolePolicy');
            if (meta.get(p.get('RoleName') ?? '')?.path.startsWith('/aws-reserved/')) {
              throw new EndpointError({ status: 400, code: 'UnmodifiableEntity', message: `Cannot perform the operation on the protected role '${p.get('RoleName')}' - this role is only modifiable by AWS` });
            }
            r.set(name, doc);
            return ok('PutRolePolicy');
          }
          case 'GetRolePolicy': {
            const doc = role(p).get(p.get('PolicyName') ?? '');
            if (doc === undefined) throw new EndpointError({ status: 404, code: 'NoSuchEntity', message: `The role policy with name ${p.get('PolicyName')} cannot be found.` });
            return ok('GetRolePolicy', `<RoleName>${xmlEscape(p.get('RoleName')!)}</RoleName><PolicyName>${xmlEscape(p.get('PolicyName')!)}</PolicyName><PolicyDocument>${encodeURIComponent(doc)}</PolicyDocument>`);
          }
          case 'DeleteRolePolicy': {
            const r = role(p);
            mayWrite(p, 'DeleteRolePolicy');
            if (!r.delete(p.get('PolicyName') ?? '')) throw new EndpointError({ status: 404, code: 'NoSuchEntity', message: `The role policy with name ${p.get('PolicyName')} cannot be found.` });
            return ok('DeleteRolePolicy');
          }
          case 'ListRolePolicies': {
            const names = [...role(p).keys()].sort();
            return ok('ListRolePolicies', `<PolicyNames>${names.map((n) => `<member>${xmlEscape(n)}</member>`).join('')}</PolicyNames><IsTruncated>false</IsTruncated>`);
          }
          default:
            throw new EndpointError({ status: 400, code: 'InvalidAction', message: `Could not find operation ${action}` });
        }
      },
    };
  }, fault);
  return {
    ...endpoint,
    addRole: (name, opts = {}) => {
      roles.set(name, roles.get(name) ?? new Map<string, string>());
      meta.set(name, { path: opts.path ?? '/', maxSessionDuration: opts.maxSessionDuration ?? 3600, account: opts.account ?? '111122223333', tags: opts.tags ?? {} });
    },
    limitWrites: (allowed) => {
      writable = allowed;
    },
    inlinePolicies: (name) => roles.get(name) ?? new Map(),
  };
}
