/**
 * Revoke credentials.
 *
 * Service account. A pod-bound token (what kubelet mounts since 1.22) is valid until it
 * expires or its pod is deleted, so revoking it means deleting that pod (with a uid
 * precondition, so a new pod under the same name is never hit). That destroys what a
 * quarantine keeps for forensics; `enforcement.boundTokenRevocation` decides (config.ts), and
 * the action says plainly when the token stays valid and whether it was used from outside the
 * pod. Legacy token secrets (long-lived, listed on the ServiceAccount) are deleted, recorded by
 * name only. Neither can be restored: a revert would restore the stolen credential, so the
 * revert of these steps is a no-op that says so.
 *
 * IAM role. The session seen in the anomaly, not the role: an inline deny of everything for
 * `aws:userid` = `<role id>:<session name>` (the audit log's `user.extra.principalId` and
 * `sessionName`) issued before the anomaly ended (`aws:TokenIssueTime`), so every other session
 * of a shared role keeps working and the owner re-authenticating gets a fresh one. It stays at
 * least the role's maximum session duration (iam:GetRole), so the stolen session has expired
 * before the revert deletes the deny. Without the session's id nothing is put on the role
 * (a role-wide deny would lock out every admin); the action says why and gives the command.
 * Roles of IAM Identity Center permission sets (path `/aws-reserved/sso.amazonaws.com/`, read
 * with iam:GetRole; a preview without IAM goes by the `AWSReservedSSO_` name) cannot be modified
 * in IAM: with enforcement.identityCenter the same session deny goes into the permission set's
 * inline policy as a statement of its own, provisioned to the account (permission-set.ts);
 * without it, or when the permission set is unknown or full, the action gives the commands. Disassociating the role's EKS access
 * policies is a separate response (`enforcement.revokeAccessPolicies`), looked up by the
 * role's path-bearing ARN. IAM users: access keys have no issue time, so only the EKS
 * associations can be removed (when configured).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { BehaviorAnomaly } from '../events/schema';
import type { SecretMetadata } from '../k8s/client';
import type { AssociatedAccessPolicy, RoleInfo } from './aws';
import { revokeSessionPolicy, roleNameFromArn, sessionUserId, SSO_ROLE_NAME_PREFIX, SSO_ROLE_PATH_PREFIX } from './aws';
import type { BoundTokenRevocation } from './config';
import { accessPolicyRevocable, DEFAULT_REVOCABLE_ACCESS_POLICIES, DEFAULT_REVOCABLE_TAG, describeScope, PROTECTED_ROLE_TAG, roleRevocable, type RevocableRoles } from './iam-scope';
import { quarantineToken } from './quarantine';
import { mergeStatement, sessionDenyStatement, statementSid } from './permission-set';
import { errorMessage } from '../errors';
import type { ActionIntent, ActionPlan, Operation } from './types';
import { expectedPodUid, replacedPodReason } from './identity';

export interface RevokeFacts {
  /** Whether this run can read the cluster. */
  cluster: boolean;
  /** The pod the stolen bound token belongs to (null: gone); only read when a pod is named. */
  pod?: V1Pod | null;
  /** Legacy token secrets of the service account (names and uids only). */
  legacySecrets?: SecretMetadata[];
  /** Outcome of this anomaly's quarantine of the same pod, if one was planned. */
  quarantine?: 'planned' | 'applied' | 'partial' | 'skipped' | 'failed';
  boundTokenRevocation: BoundTokenRevocation;
  /** Whether IAM and EKS can be called in this run (local runs have no AWS credentials). */
  iam: boolean;
  eks: boolean;
  /**
   * A dry run: without IAM or EKS access the calls apply would make are still planned (their
   * checks stated as not made), so that `planned` means "would act".
   */
  preview?: boolean;
  eksClusterName: string;
  /**
   * The AWS account boundwatch runs in (the anomaly event's account). IAM calls take a role
   * *name*, so a role of another account must never be acted on here: the same name in this
   * account is another role.
   */
  account?: string;
  /** Associated EKS access policies of the IAM principal; null: no access entry; undefined: not read. */
  accessPolicies?: AssociatedAccessPolicy[] | null;
  /** The role as IAM has it; null: not in this account; undefined: not read (no IAM access). */
  role?: RoleInfo | null;
  /** Disassociate the principal's EKS access policies too (config; off by default). */
  revokeAccessPolicies?: boolean;
  /** The roles IAM lets boundwatch change (enforcement.revocableRoles; default: tagged boundwatch:revocable=true). */
  revocableRoles?: RevocableRoles;
  /** The EKS access policies (names) IAM lets boundwatch disassociate and associate again. */
  revocableAccessPolicies?: readonly string[];
  /** enforcement.identityCenter and what was read for the role's permission set; absent: not configured. */
  identityCenter?: {
    instanceArn: string;
    /** From the role name; undefined when it does not name one. */
    permissionSetName?: string;
    /** From the configured map or looked up; null: looked up and not found; undefined: not known in this run. */
    permissionSetArn?: string | null;
    lookup: boolean;
    /** Whether this run can call sso-admin. */
    access: boolean;
    /** Its inline policy as read now ('' none); undefined: not read. */
    currentPolicy?: string;
  };
  now: Date;
}

const DEFAULT_SCOPE: RevocableRoles = { paths: [], tag: { ...DEFAULT_REVOCABLE_TAG } };

const IRREVERSIBLE = 'not restored at expiry or release: a deleted pod or token secret cannot be brought back (restoring a token would restore the stolen credential)';

export function serviceAccountOf(anomaly: BehaviorAnomaly): { namespace: string; name: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(anomaly.principal.name);
  if (m) return { namespace: m[1]!, name: m[2]! };
  const w = anomaly.workload;
  if (anomaly.principal.type === 'ServiceAccount' && w?.serviceAccount) return { namespace: w.namespace, name: w.serviceAccount };
  return undefined;
}

/** Source addresses in the evidence that are not the pod's own (nor its node's): the token left the pod. */
export function usedFromOutside(anomaly: BehaviorAnomaly, pod: V1Pod | null | undefined): string[] {
  const own = new Set([pod?.status?.podIP, ...(pod?.status?.podIPs ?? []).map((p) => p.ip), pod?.status?.hostIP].filter((x): x is string => !!x));
  const ips = new Set(anomaly.findings.flatMap((f) => f.evidence.sourceIPs));
  return [...ips].filter((ip) => !own.has(ip)).sort();
}

function planServiceAccount(intent: ActionIntent, anomaly: BehaviorAnomaly, f: RevokeFacts): ActionPlan {
  const sa = serviceAccountOf(anomaly)!;
  const ops: Operation[] = [];
  const changes: string[] = [];
  const notes: string[] = [];
  const podName = anomaly.workload?.namespace === sa.namespace ? anomaly.workload?.pod : undefined;
  if (podName) {
    const ref = `${sa.namespace}/${podName}`;
    const outside = f.cluster && f.pod ? usedFromOutside(anomaly, f.pod) : [...new Set(anomaly.findings.flatMap((x) => x.evidence.sourceIPs))];
    const quarantined = f.quarantine === 'applied' || f.quarantine === 'partial' || f.quarantine === 'planned';
    const replaced = f.cluster ? replacedPodReason(anomaly, sa.namespace, podName, f.pod) : undefined;
    if (replaced) {
      notes.push(replaced);
    } else if (f.boundTokenRevocation === 'never') {
      notes.push(`the token bound to pod ${ref} is not revoked (enforcement.boundTokenRevocation is "never"); it stays valid until it expires or the pod is deleted`);
    } else if (f.boundTokenRevocation === 'unless-quarantined' && quarantined) {
      notes.push(
        `the token bound to pod ${ref} stays valid while the pod is kept in quarantine for forensics` +
          (outside.length ? ` — it was used from ${outside.slice(0, 5).join(', ')}${f.cluster && f.pod ? ', outside the pod, which the quarantine does not stop' : ''}` : '') +
          `; delete the pod to revoke it once evidence is collected, or set enforcement.boundTokenRevocation to "always"`,
      );
    } else if (f.boundTokenRevocation === 'unless-quarantined' && f.quarantine === 'failed') {
      notes.push(`the quarantine of pod ${ref} failed, so the token bound to it is not revoked now: deleting the pod would rule out the retried quarantine (delete it yourself if isolation is not possible)`);
    } else if (f.cluster && f.pod === null) {
      notes.push(`pod ${ref} is gone: the tokens bound to it are invalid already`);
    } else if (f.cluster && f.pod && (f.pod.spec?.serviceAccountName ?? 'default') !== sa.name) {
      notes.push(`pod ${ref} runs as service account ${f.pod.spec?.serviceAccountName ?? 'default'}, not ${sa.name}: not deleted`);
    } else {
      const uid = expectedPodUid(anomaly, sa.namespace, podName, f.pod);
      ops.push({ op: 'evict-pod', namespace: sa.namespace, pod: podName, ...(uid ? { uid } : {}), why: `invalidates the token of ${sa.namespace}/${sa.name} bound to it` });
      changes.push(
        `evict pod ${ref}${uid ? ` (uid ${uid})` : ''} through the Eviction API (POST pods/${podName}/eviction, so its PodDisruptionBudget holds): the service-account token bound to it dies with it${f.quarantine === 'skipped' ? ' (it could not be quarantined)' : ''}; its controller, if any, starts a replacement with a fresh token`,
      );
    }
  } else {
    notes.push(`no pod-bound token is named: a token made with TokenRequest (kubectl create token) stays valid until it expires unless service account ${sa.namespace}/${sa.name} is deleted, which boundwatch does not do`);
  }
  if (!f.cluster) {
    changes.push(`delete the legacy token secrets listed on service account ${sa.namespace}/${sa.name} (looked up when applied; names recorded, never values)`);
  } else {
    for (const s of f.legacySecrets ?? []) {
      const name = s.metadata.name!;
      const uid = s.metadata.uid;
      ops.push({ op: 'delete-secret', namespace: sa.namespace, name, ...(uid ? { uid } : {}) });
      changes.push(`delete legacy token secret ${sa.namespace}/${name} of service account ${sa.name}`);
    }
    if (!(f.legacySecrets ?? []).length) notes.push(`service account ${sa.namespace}/${sa.name} has no legacy token secrets`);
  }
  if (ops.length === 0 && f.cluster) return { skip: `nothing to revoke: ${notes.join('; ')}`, operations: [], changes: [], policies: [] };
  return { operations: ops, changes: [...changes, ...notes, IRREVERSIBLE], policies: [] };
}

function planIam(intent: ActionIntent, anomaly: BehaviorAnomaly, f: RevokeFacts): ActionPlan {
  const arn = anomaly.principal.name.startsWith('arn:') ? anomaly.principal.name : (anomaly.principal.arn ?? anomaly.principal.name);
  const ops: Operation[] = [];
  const changes: string[] = [];
  const notes: string[] = [];
  let expiresAt: string | undefined;
  const scope = f.revocableRoles ?? DEFAULT_SCOPE;
  /** The session can only be revoked by hand (an IAM Identity Center role): the reason gives the commands. */
  let manual = false;
  const arnAccount = /^arn:aws[\w-]*:iam::(\d{12}):/.exec(arn)?.[1];
  // Without IAM access (a preview) the account boundwatch runs in is unknown: checked when applied.
  const foreign = f.account !== undefined && arnAccount !== f.account && !(f.preview && !f.iam);
  const entryArn = f.role?.arn ?? arn;
  if (anomaly.principal.type === 'IAMRole') {
    const roleName = roleNameFromArn(arn);
    const userId = sessionUserId(anomaly.principal.principalId, anomaly.principal.sessionName);
    const before = new Date(anomaly.window.end);
    const session = `${anomaly.principal.sessionName ?? 'unknown session'}${userId ? ` (aws:userid ${userId})` : ''}`;
    if (foreign) {
      notes.push(`${arn} belongs to account ${arnAccount ?? 'unknown'}, not ${f.account} where boundwatch runs: session not revoked (a role of the same name here is another role); revoke it in that account`);
    } else if (!roleName) {
      notes.push(`${arn} is not an IAM role ARN: session not revoked`);
    } else if (!f.iam && !f.preview) {
      notes.push(`session ${session} of role ${roleName} not revoked: this runtime has no IAM access (local runs have no AWS credentials)`);
    } else if (f.role === null) {
      notes.push(`role ${roleName} does not exist in account ${f.account ?? arnAccount ?? ''} (iam:GetRole): nothing to revoke`);
    } else if ((f.role && f.role.path.startsWith(SSO_ROLE_PATH_PREFIX)) || (f.role === undefined && roleName.startsWith(SSO_ROLE_NAME_PREFIX))) {
      // IAM refuses to modify these roles (UnmodifiableEntity): the permission set is where a deny goes.
      // Applied, the path read with iam:GetRole decides; a preview without IAM goes by the name Identity Center gives them.
      const id = userId ?? '<role id>:<session name>';
      const sso = planPermissionSet(intent, f, { roleName, userId, before, session, arnAccount });
      if ('op' in sso) {
        ops.push(sso.op);
        expiresAt = sso.expiresAt;
        changes.push(...sso.changes);
      } else {
        manual = true;
        notes.push(
          `role ${roleName} (${f.role ? f.role.arn : 'path not read: no IAM access in this run; the name is an IAM Identity Center one'}) belongs to an IAM Identity Center permission set: IAM cannot modify it${sso.why ? `, and ${sso.why}` : ', and enforcement.identityCenter is not configured'}, so boundwatch does not. Revoke session ${session} by adding to the permission set's inline policy an explicit Deny of "*" on "*" with condition StringEquals aws:userid "${id}" and DateLessThan aws:TokenIssueTime "${before.toISOString().replace(/\.\d{3}Z$/, 'Z')}", then provision it: ` +
            `aws sso-admin put-inline-policy-to-permission-set --instance-arn ${f.identityCenter?.instanceArn ?? '<instance>'} --permission-set-arn ${f.identityCenter?.permissionSetArn ?? `<permission set of ${roleName}>`} --inline-policy file://deny.json; ` +
            `aws sso-admin provision-permission-set --instance-arn ${f.identityCenter?.instanceArn ?? '<instance>'} --permission-set-arn ${f.identityCenter?.permissionSetArn ?? '<permission set>'} --target-type AWS_ACCOUNT --target-id ${arnAccount ?? '<account>'} (merge with the existing inline policy; remove the statement after ${f.role ? `${Math.ceil(f.role.maxSessionDurationS / 3600)} h, the role's maximum session duration` : "the permission set's session duration (12 h at most)"})`,
        );
      }
    } else if (userId && f.role && !roleRevocable(scope, f.role).revocable) {
      // IAM would refuse the write (the enforcer's policy is built from the same scope): say so, with the commands.
      manual = true;
      const policyName = `boundwatch-revoke-${quarantineToken(intent.id)}`;
      const until = new Date(before.getTime() + f.role.maxSessionDurationS * 1000 + 5 * 60_000).toISOString();
      notes.push(
        `session ${session} of role ${roleName}: ${roleRevocable(scope, f.role).why}. To revoke it by hand: ` +
          `aws iam put-role-policy --role-name ${roleName} --policy-name ${policyName} --policy-document '${revokeSessionPolicy(userId, before)}'; ` +
          `after ${until} (the role's maximum session duration after the anomaly): aws iam delete-role-policy --role-name ${roleName} --policy-name ${policyName}. ` +
          (f.role.tags[PROTECTED_ROLE_TAG.key] === PROTECTED_ROLE_TAG.value
            ? 'boundwatch never changes a protected role'
            : `To let boundwatch do it: ${scope.tag ? `aws iam tag-role --role-name ${roleName} --tags Key=${scope.tag.key},Value=${scope.tag.value}, or ` : ''}add the role's path to enforcement.revocableRoles.paths`),
      );
    } else if (!userId) {
      notes.push(
        `session of role ${roleName} not revoked: the audit event carries no principalId for it, and a deny on every session of the role would lock out everyone using it (for a shared role, all of them). To revoke every session issued before the anomaly anyway: aws iam put-role-policy --role-name ${roleName} --policy-name boundwatch-revoke-all --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"${before.toISOString().replace(/\.\d{3}Z$/, 'Z')}"}}}]}'`,
      );
    } else {
      const policyName = `boundwatch-revoke-${quarantineToken(intent.id)}`;
      ops.push({ op: 'put-role-policy', roleName, policyName, document: revokeSessionPolicy(userId, before) });
      // Outlast the stolen session: it cannot be valid longer than the role's maximum session duration after the anomaly.
      const maxS = f.role?.maxSessionDurationS ?? 12 * 3600;
      const until = new Date(before.getTime() + maxS * 1000 + 5 * 60_000).toISOString();
      if (until > intent.expiresAt) expiresAt = until;
      changes.push(
        `mechanism: IAM inline deny scoped to one session (aws:userid and aws:TokenIssueTime)`,
        f.role
          ? `role ${roleName} may be changed: ${roleRevocable(scope, f.role).why}`
          : `not checked: whether role ${roleName} is within enforcement.revocableRoles (${describeScope(scope)}) is read with iam:GetRole when applied; outside it the session is not revoked and the commands are given instead`,
        `put inline policy ${policyName} on role ${roleName}: deny everything to session ${session} issued before ${before.toISOString()} (the anomaly); every other session of the role keeps working, and a session issued after it works`,
        `kept until ${expiresAt ?? intent.expiresAt}: at least the role's maximum session duration (${Math.round(maxS / 60)} min${f.role ? '' : ', assumed 12 h: not read'}) after the anomaly, so the stolen session has expired before the deny is deleted`,
      );
    }
  } else {
    notes.push(`IAM user access keys are long-lived and carry no aws:TokenIssueTime: deactivate key ${anomaly.principal.accessKeyId ?? '(see the audit events)'} in IAM (boundwatch does not)`);
  }
  let unread = false;
  const revocablePolicies = f.revocableAccessPolicies ?? DEFAULT_REVOCABLE_ACCESS_POLICIES;
  if (!f.revokeAccessPolicies && (f.eks || f.preview)) {
    // The default: the access entry is the role's, shared by every session (for SSO roles, every admin).
    const held = !f.eks ? ' (not checked: no EKS access in this run, so which are associated is read when applied)' : f.accessPolicies?.length ? ` (${f.accessPolicies.map((p) => p.policyArn.split('/').pop()).join(', ')})` : '';
    if (f.accessPolicies !== null) notes.push(`EKS access policies of ${entryArn} left in place${held}: its access entry is shared by every session of the ${anomaly.principal.type === 'IAMRole' ? 'role' : 'user'}; set enforcement.revokeAccessPolicies to remove them too`);
    else notes.push(`${entryArn} has no EKS access entry in cluster ${f.eksClusterName} (it may be mapped through the aws-auth ConfigMap, which boundwatch does not change)`);
  } else if (!f.eks && f.preview) {
    unread = true;
    changes.push(
      `API call: eks:ListAssociatedAccessPolicies clusterName=${f.eksClusterName} principalArn=${entryArn}, then eks:DisassociateAccessPolicy for each policy found among enforcement.revocableAccessPolicies (${revocablePolicies.join(', ')}; others are left in place and named); revert associates each again with the same scope`,
      'not checked: no EKS access in this run, so which access policies are associated is read when applied',
    );
  } else if (!f.eks) {
    notes.push(`EKS access policies of ${entryArn} not changed: this runtime has no EKS access`);
  } else if (f.accessPolicies === null) {
    notes.push(`${entryArn} has no EKS access entry in cluster ${f.eksClusterName} (it may be mapped through the aws-auth ConfigMap, which boundwatch does not change)`);
  } else if (f.accessPolicies) {
    for (const p of f.accessPolicies.filter((x) => !accessPolicyRevocable(revocablePolicies, x.policyArn))) {
      // IAM conditions both calls on eks:policyArn (the same list): another policy cannot be removed, nor restored at revert.
      notes.push(
        `EKS access policy ${p.policyArn} of ${entryArn} left in place: not in enforcement.revocableAccessPolicies (${revocablePolicies.join(', ')}), which is all boundwatch's IAM policy lets it change; to remove it by hand: aws eks disassociate-access-policy --cluster-name ${f.eksClusterName} --principal-arn ${entryArn} --policy-arn ${p.policyArn}`,
      );
    }
    for (const p of f.accessPolicies.filter((x) => accessPolicyRevocable(revocablePolicies, x.policyArn))) {
      ops.push({ op: 'disassociate-access-policy', clusterName: f.eksClusterName, principalArn: entryArn, policyArn: p.policyArn, accessScope: p.accessScope });
      changes.push(`disassociate EKS access policy ${p.policyArn} (${p.accessScope.type}${p.accessScope.namespaces?.length ? ` ${p.accessScope.namespaces.join(',')}` : ''}) from ${entryArn} (enforcement.revokeAccessPolicies: every session of the principal loses it); revert associates it again with the same scope`);
    }
    if (!f.accessPolicies.length) notes.push(`no EKS access policies are associated with ${entryArn}`);
  }
  if (ops.length === 0 && !unread) return { skip: `${manual ? 'not revoked automatically' : 'nothing to revoke'}: ${notes.join('; ')}`, operations: [], changes: [], policies: [] };
  if (f.preview && !f.iam && arnAccount && f.account && arnAccount !== f.account) notes.push(`applied only where boundwatch runs in account ${arnAccount}: a role of another account is never changed`);
  return { operations: ops, changes: [...changes, ...notes, `revert at ${expiresAt ?? intent.expiresAt}`], policies: [], ...(expiresAt ? { expiresAt } : {}) };
}

interface SessionFacts {
  roleName: string;
  userId: string | undefined;
  before: Date;
  session: string;
  arnAccount: string | undefined;
}

/**
 * The session deny through the role's permission set, when enforcement.identityCenter is
 * configured and everything it needs is known; otherwise why not (the caller gives the commands).
 */
function planPermissionSet(intent: ActionIntent, f: RevokeFacts, s: SessionFacts): { op: Operation; expiresAt?: string; changes: string[] } | { why?: string } {
  const ic = f.identityCenter;
  if (!ic) return {};
  if (!ic.access && !f.preview) return { why: 'this runtime has no IAM Identity Center access' };
  if (!ic.permissionSetName) return { why: `the role name does not name a permission set (AWSReservedSSO_<name>_<hash>)` };
  if (ic.permissionSetArn === null) return { why: `instance ${ic.instanceArn} has no permission set named ${ic.permissionSetName} (sso:ListPermissionSets)` };
  if (ic.permissionSetArn === undefined && !ic.lookup) return { why: `permission set ${ic.permissionSetName} is not in enforcement.identityCenter.permissionSets (and lookup is off)` };
  if (!s.userId) return { why: 'the audit event carries no principalId for the session (a deny without it would cut every user of the permission set)' };
  if (!s.arnAccount) return { why: 'the role ARN names no account to provision to' };
  const sid = statementSid(quarantineToken(intent.id));
  const statement = sessionDenyStatement(sid, s.userId, s.before);
  if (ic.currentPolicy !== undefined) {
    try {
      mergeStatement(ic.currentPolicy, statement);
    } catch (err) {
      return { why: errorMessage(err) };
    }
  }
  const op: Operation = {
    op: 'deny-session-in-permission-set',
    instanceArn: ic.instanceArn,
    permissionSetName: ic.permissionSetName,
    ...(ic.permissionSetArn ? { permissionSetArn: ic.permissionSetArn } : {}),
    accountId: s.arnAccount,
    sid,
    statement: JSON.stringify(statement),
  };
  const maxS = f.role?.maxSessionDurationS ?? 12 * 3600;
  const until = new Date(s.before.getTime() + maxS * 1000 + 5 * 60_000).toISOString();
  const ps = ic.permissionSetArn ?? `the permission set named ${ic.permissionSetName} (looked up when applied)`;
  return {
    op,
    ...(until > intent.expiresAt ? { expiresAt: until } : {}),
    changes: [
      'mechanism: IAM Identity Center permission-set inline deny scoped to one session (aws:userid and aws:TokenIssueTime), provisioned to the account',
      `add statement ${sid} to the inline policy of ${ps}: deny everything to session ${s.session} of role ${s.roleName} issued before ${s.before.toISOString()} (the anomaly); the policy's other statements are kept, every other session of the permission set keeps working, and a session issued after it works`,
      `provision the permission set to account ${s.arnAccount} and wait until Identity Center reports SUCCEEDED; then read the inline policy back to verify`,
      `kept until ${until > intent.expiresAt ? until : intent.expiresAt}: at least the role's maximum session duration (${Math.round(maxS / 60)} min${f.role ? '' : ', assumed 12 h: not read'}) after the anomaly; revert removes exactly statement ${sid} (the inline policy comes back as it was) and provisions again`,
    ],
  };
}

export function planRevoke(intent: ActionIntent, anomaly: BehaviorAnomaly, facts: RevokeFacts): ActionPlan {
  if (intent.target.kind === 'ServiceAccount') return planServiceAccount(intent, anomaly, facts);
  return planIam(intent, anomaly, facts);
}
