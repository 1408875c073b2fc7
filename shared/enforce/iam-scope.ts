/**
 * Which IAM roles and EKS access policies the response may change: one definition that both the
 * planner (shared/enforce/revoke.ts) and the enforcer's IAM policy (infra/aws/constructs/
 * cluster-pipeline.ts) are built from, so a dry run never plans a change that IAM would refuse.
 *
 * Roles: `enforcement.revocableRoles` names role path prefixes and/or one tag. IAM grants
 * `iam:PutRolePolicy`/`iam:DeleteRolePolicy` on `role<path>*` for each path and on every role
 * only with the condition `aws:ResourceTag/<key>` = `<value>`; a role matching neither is
 * never changed: its session revocation is announced `skipped` with the exact commands.
 * The default is the tag `boundwatch:revocable=true`, so a fresh deployment in apply mode can
 * change no role until an operator opts one in.
 *
 * Access policies: `enforcement.revocableAccessPolicies` names the EKS access policies
 * (`arn:<partition>:eks::aws:cluster-access-policy/<name>`) that `revokeAccessPolicies` may
 * disassociate and the revert associates again; IAM conditions both calls on `eks:policyArn`.
 */
import { z } from 'zod';
import type { RoleInfo } from './aws';

/**
 * An IAM path prefix (`/teams/`, `/ci/deployers/`): starts and ends with `/`, at least one
 * segment (the root `/` would be every role: use the tag for roles at the root).
 */
export const RolePathPrefix = z
  .string()
  .max(512)
  .regex(/^\/(?:[A-Za-z0-9+=,.@_-]+\/)+$/, 'must be an IAM path prefix like "/teams/platform/" (starts and ends with "/", not "/" alone, no wildcards)')
  .refine((p) => !p.startsWith('/aws-reserved/') && !p.startsWith('/aws-service-role/'), {
    message: 'IAM refuses changes to roles under /aws-reserved/ (IAM Identity Center) and /aws-service-role/ (service-linked roles)',
  });

/** Characters IAM allows in tag keys and values (a subset without spaces, safe in a condition key). */
const TAG_TEXT = /^[A-Za-z0-9_.:/=+\-@]+$/;

export const DEFAULT_REVOCABLE_TAG = { key: 'boundwatch:revocable', value: 'true' } as const;
/** Roles carrying this tag are never changed: the enforcer's policy denies it explicitly, whatever grants it. */
export const PROTECTED_ROLE_TAG = { key: 'boundwatch:protected', value: 'true' } as const;

export const RevocableRoles = z
  .object({
    /** Roles whose path starts with one of these may be changed. */
    paths: z.array(RolePathPrefix).max(20).default([]),
    /** Roles carrying this tag may be changed; `null`: no tag-based grant. */
    tag: z
      .object({ key: z.string().min(1).max(128).regex(TAG_TEXT), value: z.string().min(1).max(256).regex(TAG_TEXT) })
      .strict()
      .refine((t) => t.key !== PROTECTED_ROLE_TAG.key, { message: `${PROTECTED_ROLE_TAG.key} marks roles that are never changed` })
      .nullable()
      .default({ ...DEFAULT_REVOCABLE_TAG }),
  })
  .strict();
export type RevocableRoles = z.infer<typeof RevocableRoles>;

/** The access policies people are given (cluster admin, admin, edit, view, admin view). */
export const DEFAULT_REVOCABLE_ACCESS_POLICIES = [
  'AmazonEKSClusterAdminPolicy',
  'AmazonEKSAdminPolicy',
  'AmazonEKSEditPolicy',
  'AmazonEKSViewPolicy',
  'AmazonEKSAdminViewPolicy',
] as const;

export const RevocableAccessPolicies = z
  .array(z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'must be the name of an EKS access policy, e.g. AmazonEKSEditPolicy'))
  .min(1)
  .max(20);

/** `arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy` → `AmazonEKSEditPolicy` (undefined for anything else). */
export function accessPolicyName(policyArn: string): string | undefined {
  return /^arn:aws[\w-]*:eks::aws:cluster-access-policy\/([A-Za-z0-9]+)$/.exec(policyArn)?.[1];
}

export function accessPolicyRevocable(names: readonly string[], policyArn: string): boolean {
  const name = accessPolicyName(policyArn);
  return name !== undefined && names.includes(name);
}

export type RoleScopeVerdict = { revocable: true; why: string } | { revocable: false; why: string };

/** Whether IAM lets boundwatch change this role (see the module comment), and why. */
export function roleRevocable(scope: RevocableRoles, role: Pick<RoleInfo, 'path' | 'tags'>): RoleScopeVerdict {
  if (role.tags[PROTECTED_ROLE_TAG.key] === PROTECTED_ROLE_TAG.value) {
    return { revocable: false, why: `it is tagged ${PROTECTED_ROLE_TAG.key}=${PROTECTED_ROLE_TAG.value}, which boundwatch's IAM policy denies explicitly` };
  }
  const path = scope.paths.find((p) => role.path.startsWith(p));
  if (path) return { revocable: true, why: `its path ${role.path} is under ${path} (enforcement.revocableRoles.paths)` };
  if (scope.tag && role.tags[scope.tag.key] === scope.tag.value) return { revocable: true, why: `it is tagged ${scope.tag.key}=${scope.tag.value} (enforcement.revocableRoles.tag)` };
  return { revocable: false, why: `it is outside enforcement.revocableRoles (${describeScope(scope)}), so boundwatch's IAM policy does not let it change this role (path ${role.path}${scope.tag ? `, ${scope.tag.key} ${role.tags[scope.tag.key] === undefined ? 'not set' : `= ${role.tags[scope.tag.key]}`}` : ''})` };
}

export function describeScope(scope: RevocableRoles): string {
  const parts = [...(scope.paths.length ? [`paths ${scope.paths.join(', ')}`] : []), ...(scope.tag ? [`tag ${scope.tag.key}=${scope.tag.value}`] : [])];
  return parts.length ? parts.join(' or ') : 'no role: neither paths nor tag configured';
}
