/**
 * A local IAM endpoint speaking the AWS Query protocol subset boundwatch uses: PutRolePolicy,
 * GetRolePolicy, DeleteRolePolicy and ListRolePolicies (form-encoded POST, `Version=2010-05-08`,
 * XML answers and `ErrorResponse` errors such as NoSuchEntity 404), so @aws-sdk/client-iam
 * runs over real HTTP. Roles must be created by the test (`addRole`), as in an account.
 */
import { randomUUID } from 'node:crypto';
import { EndpointError, startAwsEndpoint, type AwsEndpoint, type AwsFault, type Reply } from './http';

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export interface LocalIam extends AwsEndpoint {
  addRole(name: string): void;
  /** Inline policies of a role: name → document (decoded JSON text). */
  inlinePolicies(role: string): Map<string, string>;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

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
          case 'PutRolePolicy': {
            const doc = p.get('PolicyDocument') ?? '';
            const name = p.get('PolicyName') ?? '';
            try {
              JSON.parse(doc);
            } catch {
              throw new EndpointError({ status: 400, code: 'MalformedPolicyDocument', message: 'Syntax errors in policy.' });
            }
            if (!/^[\w+=,.@-]{1,128}$/.test(name)) throw new EndpointError({ status: 400, code: 'ValidationError', message: 'PolicyName is invalid' });
            role(p).set(name, doc);
            return ok('PutRolePolicy');
          }
          case 'GetRolePolicy': {
            const doc = role(p).get(p.get('PolicyName') ?? '');
            if (doc === undefined) throw new EndpointError({ status: 404, code: 'NoSuchEntity', message: `The role policy with name ${p.get('PolicyName')} cannot be found.` });
            return ok('GetRolePolicy', `<RoleName>${xmlEscape(p.get('RoleName')!)}</RoleName><PolicyName>${xmlEscape(p.get('PolicyName')!)}</PolicyName><PolicyDocument>${encodeURIComponent(doc)}</PolicyDocument>`);
          }
          case 'DeleteRolePolicy': {
            const r = role(p);
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
    addRole: (name) => void roles.set(name, roles.get(name) ?? new Map<string, string>()),
    inlinePolicies: (name) => roles.get(name) ?? new Map(),
  };
}
