/**
 * The vocabulary of enforcement: the label and annotation keys boundwatch writes on cluster
 * objects, the operations an action performs, and the undo steps derived from the operations
 * that actually ran. Operations are recorded before they run (write-ahead), undo steps after
 * each one succeeds, so a crash, a redelivery or a revert always works from what was done.
 */
import type { ActionKind, EnforcementAction } from '../events/schema';
import type { ClusterNetworkPolicy } from '../netpol-api/cluster-types';
import type { NetworkPolicy } from '../netpol-api/types';

/** Label keys boundwatch writes. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  /** On boundwatch's NetworkPolicies: the action's short token. */
  action: 'boundwatch.io/action',
  /** On a quarantined pod: the action's short token, which the deny-all policy selects. */
  quarantine: 'boundwatch.io/quarantine',
} as const;
export const MANAGED_BY_VALUE = 'boundwatch';

/**
 * Annotation keys on the NetworkPolicies boundwatch creates. They make each action
 * self-describing in the cluster, so `boundwatch release ID` can revert it from the cluster
 * alone: the deny-all policy of a quarantine names the pod, its uid and the labels to restore.
 */
export const ANNOTATIONS = {
  actionId: 'boundwatch.io/action-id',
  anomalyId: 'boundwatch.io/anomaly-id',
  kind: 'boundwatch.io/action-kind',
  expiresAt: 'boundwatch.io/expires-at',
  pod: 'boundwatch.io/pod',
  podUid: 'boundwatch.io/pod-uid',
  /** JSON object of the labels removed from the pod, restored on release. */
  restoreLabels: 'boundwatch.io/restore-labels',
  /** On a cluster-scoped ClusterNetworkPolicy: the quarantined pod's namespace. */
  namespace: 'boundwatch.io/namespace',
  workload: 'boundwatch.io/workload',
} as const;

export type Target = EnforcementAction['target'];

export interface AccessScope {
  type: 'cluster' | 'namespace';
  namespaces?: string[];
}

/** One change an action makes, recorded before it runs. Every operation is idempotent. */
export type Operation =
  | { op: 'apply-policy'; policy: NetworkPolicy }
  | {
      /**
       * Apply the deny-all `policy`, then relabel the pod: `token` on, every other label off
       * (one conditional merge patch). `remove` is what the pod had when the action was
       * planned; the labels actually removed are read again at execution time.
       */
      op: 'quarantine-pod';
      namespace: string;
      pod: string;
      uid?: string;
      token: string;
      policy: NetworkPolicy;
      remove?: Record<string, string>;
    }
  | {
      /**
       * Quarantine where EKS serves ClusterNetworkPolicy: an Admin-tier Deny (`clusterPolicy`,
       * which namespace policies cannot override) and the deny-all `policy` (for what the Admin
       * tier cannot name: ingress from outside the cluster), both selecting only `token`, then
       * the pod gets the quarantine label. Its other labels and owner references stay.
       */
      op: 'isolate-pod';
      namespace: string;
      pod: string;
      uid?: string;
      token: string;
      clusterPolicy: ClusterNetworkPolicy;
      policy: NetworkPolicy;
    }
  | { op: 'delete-pod'; namespace: string; pod: string; uid?: string; why: string }
  /** Through the Eviction API: the pod's PodDisruptionBudget decides whether it may go now. */
  | { op: 'evict-pod'; namespace: string; pod: string; uid?: string; why: string }
  | { op: 'delete-secret'; namespace: string; name: string; uid?: string }
  | { op: 'put-role-policy'; roleName: string; policyName: string; document: string }
  | { op: 'disassociate-access-policy'; clusterName: string; principalArn: string; policyArn: string; accessScope: AccessScope }
  | {
      /**
       * IAM Identity Center: add `statement` (JSON, Sid `sid`) to the permission set's inline
       * policy, then provision it to `accountId`. `permissionSetArn` is absent only in a preview
       * that could not look it up: then it is resolved by `permissionSetName` when applied.
       */
      op: 'deny-session-in-permission-set';
      instanceArn: string;
      permissionSetName: string;
      permissionSetArn?: string;
      accountId: string;
      sid: string;
      statement: string;
    };

/** How to undo one operation that ran. */
export type UndoStep =
  | { undo: 'restore-pod-labels'; namespace: string; pod: string; uid?: string; token: string; labels: Record<string, string> }
  | { undo: 'delete-policy'; namespace: string; name: string }
  | { undo: 'delete-cluster-policy'; name: string }
  | { undo: 'delete-role-policy'; roleName: string; policyName: string }
  | { undo: 'associate-access-policy'; clusterName: string; principalArn: string; policyArn: string; accessScope: AccessScope }
  /** Take statement `sid` out of the permission set's inline policy (the text it had before, `original`, back exactly when nothing else changed), then provision. */
  | { undo: 'remove-permission-set-statement'; instanceArn: string; permissionSetArn: string; accountId: string; sid: string; original?: string }
  /** Nothing can restore it (a deleted pod or token secret); the reason says why and what to do. */
  | { undo: 'irreversible'; what: string; reason: string };

/** What an action kind's planner decides from the anomaly and the facts it could read. */
export interface ActionPlan {
  /** Set when there is nothing this action can or may do: the action is `skipped` with this reason. */
  skip?: string;
  operations: Operation[];
  /** Human-readable changes, as the Enforcement Action event lists them. */
  changes: string[];
  /** NetworkPolicies the action applies (or would apply), for `policies/` in the outputs. */
  policies: NetworkPolicy[];
  /** A later expiry than the configured TTL, when the action must outlast something (a role's maximum session duration). */
  expiresAt?: string;
}

export interface ActionIntent {
  id: string;
  kind: ActionKind;
  target: Target;
  expiresAt: string;
  /** A gate or a safety rail (protection, allow-list) stopped this action before any lookup. */
  skip?: string;
  /** Why the response table chose this action (class, rung, findings). */
  why?: string;
  /** The gate the decision passed or stopped at, and why. */
  gate?: string;
}
