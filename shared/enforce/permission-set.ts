/**
 * Revoking one session of an IAM Identity Center role through its permission set, pure part.
 *
 * IAM refuses to modify the roles Identity Center creates (`AWSReservedSSO_<permission set>_<hash>`
 * under `/aws-reserved/sso.amazonaws.com/`); what AWS documents instead is an explicit deny in
 * the permission set's inline policy, conditioned on the session's `aws:userid`, then
 * provisioning the permission set to the account so Identity Center rewrites the role's policy.
 * A permission set has one inline policy, usually the customer's: boundwatch adds one statement
 * with a Sid of its own per action and removes exactly that statement at revert, never touching
 * the others. When the remaining statements are still the ones it found, the original text is
 * put back byte for byte (formatting included).
 */
import { BoundwatchError } from '../errors';

/** Identity Center's quota: 32,768 bytes per inline policy, of which at most 10,240 non-whitespace characters. */
export const INLINE_POLICY_MAX_BYTES = 32_768;
export const INLINE_POLICY_MAX_CHARS = 10_240;

/** `AWSReservedSSO_<permission set name>_<16 hex>` → the permission set's name (names may contain `_`). */
export function permissionSetNameOf(roleName: string): string | undefined {
  return /^AWSReservedSSO_([\w+=,.@-]{1,32})_[0-9a-f]{16}$/.exec(roleName)?.[1];
}

/** The Sid of an action's statement: alphanumeric, as IAM requires, and unique per action. */
export function statementSid(token: string): string {
  return `BoundwatchRevoke${token.replace(/[^A-Za-z0-9]/g, '')}`;
}

const iamTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Deny everything to one session (`aws:userid`) issued before `before`: the same deny as on an IAM role. */
export function sessionDenyStatement(sid: string, userId: string, before: Date): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { StringEquals: { 'aws:userid': userId }, DateLessThan: { 'aws:TokenIssueTime': iamTime(before) } },
  };
}

export type PolicyStatement = Record<string, unknown> & { Sid?: string };

interface PolicyDoc {
  Version?: string;
  Statement: PolicyStatement[];
  [k: string]: unknown;
}

/** The inline policy cannot be changed as asked (unreadable, or too large); never retried. */
export class PermissionSetPolicyError extends BoundwatchError {}

/** Parses an inline policy ('' when the permission set has none). */
function parse(text: string): PolicyDoc {
  if (text.trim() === '') return { Version: '2012-10-17', Statement: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PermissionSetPolicyError('the permission set\'s inline policy is not JSON: not changed');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PermissionSetPolicyError('the permission set\'s inline policy is not a policy document: not changed');
  const doc = raw as Record<string, unknown>;
  const st = doc.Statement;
  const statements = st === undefined ? [] : Array.isArray(st) ? st : [st];
  if (statements.some((s) => typeof s !== 'object' || s === null || Array.isArray(s))) throw new PermissionSetPolicyError('the permission set\'s inline policy has a statement that is not an object: not changed');
  return { ...doc, Statement: statements as PolicyStatement[] };
}

/** Sizes as Identity Center counts them. */
export function policySize(text: string): { bytes: number; chars: number } {
  return { bytes: Buffer.byteLength(text, 'utf8'), chars: text.replace(/\s/g, '').length };
}

export function tooLarge(text: string): string | undefined {
  const s = policySize(text);
  if (s.bytes > INLINE_POLICY_MAX_BYTES) return `${s.bytes} bytes, over the ${INLINE_POLICY_MAX_BYTES} an inline policy of a permission set may have`;
  if (s.chars > INLINE_POLICY_MAX_CHARS) return `${s.chars} non-whitespace characters, over the ${INLINE_POLICY_MAX_CHARS} an inline policy of a permission set may have`;
  return undefined;
}

export interface Merged {
  /** The policy to put; undefined when the statement is there already (a resumed attempt). */
  text?: string;
}

/**
 * `current` with `statement` added. The customer's statements are kept as they are; a
 * statement with the same Sid is this action's own (a resumed attempt): nothing to put.
 * Throws PermissionSetPolicyError when the result would exceed the quota.
 */
export function mergeStatement(current: string, statement: PolicyStatement): Merged {
  const doc = parse(current);
  const same = doc.Statement.find((s) => s.Sid === statement.Sid);
  if (same) {
    if (stable(same) === stable(statement)) return {};
    throw new PermissionSetPolicyError(`the permission set's inline policy has a statement ${statement.Sid} that is not this action's: not changed`);
  }
  const text = JSON.stringify({ ...doc, Version: doc.Version ?? '2012-10-17', Statement: [...doc.Statement, statement] });
  const over = tooLarge(text);
  if (over) throw new PermissionSetPolicyError(`adding the deny would make the permission set's inline policy ${over}: not changed`);
  return { text };
}

/** Whether `current` carries exactly `statement`. */
export function hasStatement(current: string, statement: PolicyStatement): boolean {
  try {
    return parse(current).Statement.some((s) => stable(s) === stable(statement));
  } catch {
    return false;
  }
}

export interface Removed {
  /** Whether the statement was there. */
  found: boolean;
  /** The policy to put; `''` means delete the inline policy; undefined: nothing to change. */
  text?: string;
  /** The original text was put back as it was. */
  restoredExactly: boolean;
}

/** JSON with object keys sorted: the same policy reads the same whatever order its keys came in. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const canonical = (doc: PolicyDoc) => stable({ ...doc, Version: doc.Version ?? '2012-10-17' });

/**
 * `current` without the statement `sid`. When what remains is what the action found
 * (`original`), the original text comes back exactly ('' = the permission set had no inline
 * policy: it is deleted); otherwise (someone changed the policy meanwhile) their change stays
 * and only the statement goes.
 */
export function removeStatement(current: string, sid: string, original?: string): Removed {
  const doc = parse(current);
  const rest = doc.Statement.filter((s) => s.Sid !== sid);
  const found = rest.length !== doc.Statement.length;
  const remaining: PolicyDoc = { ...doc, Statement: rest };
  if (original !== undefined) {
    let before: PolicyDoc | undefined;
    try {
      before = parse(original);
    } catch {
      before = undefined;
    }
    const same = before !== undefined && canonical(before) === canonical(remaining);
    if (same) return found || current !== original ? { found, text: original, restoredExactly: true } : { found, restoredExactly: true };
  }
  if (!found) return { found, restoredExactly: false };
  return { found, text: rest.length === 0 && Object.keys(doc).every((k) => k === 'Version' || k === 'Statement') ? '' : JSON.stringify(remaining), restoredExactly: false };
}
