/**
 * Enforcement settings (the `enforcement` section of the configuration, README.md#2-configure) and the
 * pure checks derived from them: which namespaces and principals are protected, and which
 * allow-list entries exempt a target from an action kind.
 */
import { z } from 'zod';
import { ACTIONS, ActionKind, Severity, type BehaviorAnomaly } from '../events/schema';
import { DEFAULT_REVOCABLE_ACCESS_POLICIES, RevocableAccessPolicies, RevocableRoles } from './iam-scope';

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * What revoking a stolen pod-bound service-account token does when the same anomaly also asks
 * for quarantine. A bound token dies only with its pod, and deleting the pod destroys what a
 * quarantine keeps for forensics:
 * - `unless-quarantined` (default): delete the pod only when it could not be quarantined; a
 *   quarantined pod keeps running, isolated, and the action says that the token stays valid
 *   until the pod is deleted (and whether it was used from outside the pod).
 * - `always`: delete the pod (the quarantine of that pod is then skipped as superseded).
 * - `never`: never delete pods; only legacy token secrets are deleted.
 */
export const BOUND_TOKEN_REVOCATION = ['unless-quarantined', 'always', 'never'] as const;
export const BoundTokenRevocation = z.enum(BOUND_TOKEN_REVOCATION);
export type BoundTokenRevocation = z.infer<typeof BoundTokenRevocation>;

/**
 * One allow-list entry: targets boundwatch never acts on for the given action kinds (all kinds
 * but `notify` when absent). Every field given must match; `*` in a value matches any run of
 * characters (`system:serviceaccount:ci:*`, `Deployment/payments-*`).
 */
export const AllowEntry = z
  .object({
    actions: z.array(ActionKind).min(1).optional(),
    /** Principal name (username or canonical ARN) or the session ARN. */
    principal: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    /** `Kind/name` of the workload (`Deployment/checkout`), or its name alone. */
    workload: z.string().min(1).optional(),
    /** Why, for the skipped action's reason. */
    reason: z.string().max(200).optional(),
  })
  .strict()
  .refine((e) => e.principal !== undefined || e.namespace !== undefined || e.workload !== undefined, {
    message: 'an allow-list entry needs at least one of principal, namespace or workload',
  });
export type AllowEntry = z.infer<typeof AllowEntry>;

/** The rungs of the response ladder a finding type can be set to (`enforcement.responses`). */
export const RESPONSE_RUNGS = ['notify', 'tighten-egress', 'quarantine', 'revoke-credentials'] as const;
export const ResponseRung = z.enum(RESPONSE_RUNGS);
export type ResponseRung = z.infer<typeof ResponseRung>;

/**
 * Platform controllers: identities whose job is to do, cluster-wide, what looks like an attack
 * elsewhere (list every secret, write RBAC, create webhooks). They are never acted on
 * automatically for doing what their RBAC allows; only a finding that their credential left
 * them (credential misuse) can move them past `notify`. Globs as in the allow-list.
 */
export const DEFAULT_PLATFORM_PRINCIPALS = [
  'system:serviceaccount:kube-system:*',
  'system:serviceaccount:argocd:*',
  'system:serviceaccount:cert-manager:*',
  'system:serviceaccount:flux-system:*',
  'system:serviceaccount:gatekeeper-system:*',
  'system:serviceaccount:kyverno:*',
  'system:serviceaccount:karpenter:*',
  'system:serviceaccount:external-secrets:*',
  'system:serviceaccount:amazon-cloudwatch:*',
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'eks:*',
];

export const QUARANTINE_MECHANISM_SETTINGS = ['auto', 'cluster-network-policy', 'network-policy'] as const;
export const QuarantineMechanismSetting = z.enum(QUARANTINE_MECHANISM_SETTINGS);

/**
 * Targets never acted on automatically, whoever the principal: a namespace, a workload
 * (`Kind/name` or name, globs as in the allow-list) or pods carrying all of `labels`.
 * Every field given must match.
 */
export const CriticalEntry = z
  .object({
    namespace: z.string().min(1).optional(),
    workload: z.string().min(1).optional(),
    labels: z.record(z.string().min(1), z.string()).optional(),
    reason: z.string().max(200).optional(),
  })
  .strict()
  .refine((e) => e.namespace !== undefined || e.workload !== undefined || (e.labels !== undefined && Object.keys(e.labels).length > 0), {
    message: 'a criticality entry needs at least one of namespace, workload or labels',
  });
export type CriticalEntry = z.infer<typeof CriticalEntry>;

/** Workload kinds whose pods a changing action may take out (rails.ts). */
export const WORKLOAD_KINDS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;

/**
 * The blast-radius rails checked against the live cluster before an action takes a pod out
 * of service (quarantine, eviction, deletion): see README.md#blast-radius-rails.
 */
export const RailsConfig = z
  .object({
    /**
     * Healthy replicas a workload keeps: at least `minHealthy` and at least
     * `minHealthyPercent` of its desired replicas (rounded down, so a single-replica
     * workload can still be isolated unless `minHealthy` is 1 or more).
     */
    replicaFloor: z
      .object({
        minHealthy: z.number().int().min(0).max(1000).default(0),
        minHealthyPercent: z.number().int().min(0).max(100).default(50),
      })
      .strict()
      .prefault({}),
    /** Pods owned by these kinds are never taken out automatically. */
    excludedWorkloadKinds: z.array(z.enum(WORKLOAD_KINDS)).default(['StatefulSet', 'DaemonSet']),
    /** Pods whose priorityClassName matches one of these globs are never taken out automatically. */
    excludedPriorityClasses: z.array(z.string().min(1)).default(['system-*']),
    critical: z.array(CriticalEntry).default([]),
  })
  .strict();
export type RailsConfig = z.infer<typeof RailsConfig>;

const Budget = (max: number, windowMinutes: number) =>
  z
    .object({
      max: z.number().int().min(0).max(10_000).default(max),
      windowMinutes: z.number().int().min(1).max(7 * 24 * 60).default(windowMinutes),
    })
    .strict()
    .prefault({});

/**
 * Budgets of changing actions, counted on event time (budgets.ts): per target, per
 * principal, and a global circuit breaker that, once tripped, holds every changing action
 * until its window ends and pages. Held actions are queued for `queueHours` and re-evaluated.
 */
export const BudgetsConfig = z
  .object({
    perTarget: Budget(2, 24 * 60),
    perPrincipal: Budget(3, 60),
    breaker: Budget(20, 15),
    queueHours: z.number().int().min(1).max(7 * 24).default(24),
    /** How long a held action waits before it is re-evaluated. */
    retryMinutes: z.number().int().min(1).max(24 * 60).default(15),
  })
  .strict();
export type BudgetsConfig = z.infer<typeof BudgetsConfig>;

/** `arn:aws:sso:::instance/ssoins-…` and `arn:aws:sso:::permissionSet/ssoins-…/ps-…`, as Identity Center's API validates them. */
export const SSO_INSTANCE_ARN = /^arn:aws[\w-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/;
export const SSO_PERMISSION_SET_ARN = /^arn:aws[\w-]*:sso:::permissionSet\/(sso)?ins-[a-zA-Z0-9-.]{16}\/ps-[a-zA-Z0-9-./]{16}$/;

/**
 * Revoking sessions of IAM Identity Center roles through their permission set (permission-set.ts).
 * Absent: such a revocation is skipped with the exact commands, for a human. boundwatch must run
 * where the instance is administered (the organization's management account, a delegated
 * administrator account, or an account instance), since only there the sso-admin API answers.
 */
export const IdentityCenterConfig = z
  .object({
    instanceArn: z.string().regex(SSO_INSTANCE_ARN, 'must be an IAM Identity Center instance ARN (arn:aws:sso:::instance/ssoins-…)'),
    /** The instance's region (its sso-admin endpoint); the stack's region when absent. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/).optional(),
    /**
     * Permission sets boundwatch may add a session deny to: name (the `<name>` of the role
     * `AWSReservedSSO_<name>_<hash>`) → permission set ARN. The deployed role may write only these.
     */
    permissionSets: z.record(z.string().regex(/^[\w+=,.@-]{1,32}$/, 'must be a permission set name'), z.string().regex(SSO_PERMISSION_SET_ARN, 'must be a permission set ARN')).default({}),
    /**
     * Resolve a name missing from `permissionSets` with sso:ListPermissionSets and
     * sso:DescribePermissionSet. The deployed role may then write any permission set of the
     * instance tagged `boundwatch:revocable=true`, and only those.
     */
    lookup: z.boolean().default(false),
  })
  .strict();
export type IdentityCenterConfig = z.infer<typeof IdentityCenterConfig>;

export const EnforcementConfig = z
  .object({
    minSeverity: Severity.default('HIGH'),
    ttlMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
    /** Changing actions per cluster and hour, counted on event time. */
    maxActionsPerHour: z.number().int().min(0).max(1000).default(10),
    /** Always added to: kube-system and `boundwatchNamespace` are protected whatever this says. */
    protectedNamespaces: z.array(z.string().regex(K8S_NAME)).default(['kube-system']),
    /** boundwatch's own namespace (for anything of it that runs in the cluster): always protected. */
    boundwatchNamespace: z.string().regex(K8S_NAME).default('boundwatch'),
    /** Principals (usernames or canonical ARNs) that enforcement never acts on. */
    protectedPrincipals: z.array(z.string().min(1)).default([]),
    allowList: z.array(AllowEntry).default([]),
    boundTokenRevocation: BoundTokenRevocation.default('unless-quarantined'),
    /** Rung per finding type, replacing the built-in response table's (response-policy.ts). */
    responses: z.record(z.string().min(1).max(120), ResponseRung).default({}),
    platformPrincipals: z.array(z.string().min(1)).default(DEFAULT_PLATFORM_PRINCIPALS),
    /** An anomaly whose window ended longer ago than this (event time) is only notified. */
    maxAnomalyAgeMinutes: z.number().int().min(1).max(7 * 24 * 60).default(120),
    /**
     * How a pod is quarantined (quarantine.ts): `auto` uses an Admin-tier ClusterNetworkPolicy
     * deny where the cluster's API serves EKS's ClusterNetworkPolicy, else relabel + deny-all.
     */
    quarantineWith: QuarantineMechanismSetting.default('auto'),
    rails: RailsConfig.prefault({}),
    budgets: BudgetsConfig.prefault({}),
    /**
     * Also disassociate the EKS access policies of a revoked IAM role's access entry. Off by
     * default: the entry is shared by every session of the role (all platform admins), so this
     * is a separate, deliberate choice; the session deny is the default response.
     */
    revokeAccessPolicies: z.boolean().default(false),
    /**
     * The roles whose sessions may be revoked with an inline deny (iam-scope.ts): path prefixes
     * and/or a tag; the enforcer's IAM policy grants exactly these. Default: roles tagged
     * `boundwatch:revocable=true`, none until an operator tags one.
     */
    revocableRoles: RevocableRoles.prefault({}),
    /** The EKS access policies `revokeAccessPolicies` may remove (and the revert restore), by name. */
    revocableAccessPolicies: RevocableAccessPolicies.default([...DEFAULT_REVOCABLE_ACCESS_POLICIES]),
    /** IAM Identity Center: revoke sessions of permission-set roles through the permission set's inline policy. */
    identityCenter: IdentityCenterConfig.optional(),
  })
  .strict();
export type EnforcementConfig = z.infer<typeof EnforcementConfig>;

/** Action kinds an allow-list entry covers when it names none: every kind that changes something. */
export const CHANGING_ACTIONS: readonly ActionKind[] = ACTIONS.filter((a) => a !== 'notify');

/** Always the union: kube-system, boundwatch's own namespace and the configured ones. */
export function protectedNamespaces(config: Pick<EnforcementConfig, 'protectedNamespaces' | 'boundwatchNamespace'>): Set<string> {
  return new Set(['kube-system', config.boundwatchNamespace, ...config.protectedNamespaces]);
}

export function isPlatformPrincipal(config: Pick<EnforcementConfig, 'platformPrincipals'>, principal: BehaviorAnomaly['principal']): boolean {
  return config.platformPrincipals.some((p) => globMatches(p, principal.name) || globMatches(p, principal.arn));
}

export function globMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

export interface AllowSubject {
  principal: BehaviorAnomaly['principal'];
  namespace?: string;
  /** `Kind/name` of the workload, when known. */
  workload?: string;
}

/** The first allow-list entry exempting this subject from `action`, if any. */
export function allowListMatch(entries: readonly AllowEntry[], action: ActionKind, s: AllowSubject): AllowEntry | undefined {
  return entries.find((e) => {
    if (!(e.actions ?? CHANGING_ACTIONS).includes(action)) return false;
    if (e.principal !== undefined && !globMatches(e.principal, s.principal.name) && !globMatches(e.principal, s.principal.arn)) return false;
    if (e.namespace !== undefined && !globMatches(e.namespace, s.namespace)) return false;
    if (e.workload !== undefined) {
      const name = s.workload?.split('/')[1];
      if (!globMatches(e.workload, s.workload) && !globMatches(e.workload, name)) return false;
    }
    return true;
  });
}
