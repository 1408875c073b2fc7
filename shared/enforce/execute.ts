/**
 * Runs operations and their undo steps against the cluster, IAM and EKS. Every operation and
 * every undo step is idempotent: a redelivery, a resumed attempt or a second release repeats
 * it without effect. Cluster writes use field manager `boundwatch` (server-side apply for
 * policies, force: boundwatch owns the objects it names) and preconditions (pod uid,
 * resourceVersion) so that nothing boundwatch did not mean is ever touched.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ConfigError, DownstreamError, PolicyApplyError } from '../errors';
import type { ClusterClient } from '../k8s/client';
import { KubeConflictError, UnreadablePolicyError } from '../k8s/errors';
import type { AccessPolicyPort, IamPort, SsoAdminPort } from './aws';
import { mergeStatement, removeStatement, type PolicyStatement } from './permission-set';
import { labelsToRemove, quarantinePolicy, QUARANTINE_LABEL, sortKeys } from './quarantine';
import type { ClusterNetworkPolicy } from '../netpol-api/cluster-types';
import type { NetworkPolicy } from '../netpol-api/types';
import { ANNOTATIONS, LABELS, MANAGED_BY_VALUE, type Operation, type UndoStep } from './types';

export interface ExecDeps {
  kube?: ClusterClient;
  iam?: IamPort;
  access?: AccessPolicyPort;
  /** IAM Identity Center (sso-admin), for permission-set session denies. */
  sso?: SsoAdminPort;
  /** Server-side dry run for cluster writes; IAM and EKS calls are not made at all. */
  dryRun: boolean;
}

export interface OpResult {
  undo: UndoStep[];
  /** What happened, for logs and the action's changes when it differs from the plan. */
  note: string;
}

const CONFLICT_RETRIES = 3;

function needKube(deps: ExecDeps): ClusterClient {
  if (!deps.kube) throw new ConfigError('this action needs cluster access (a kubeconfig locally, the EKS access entry on AWS)');
  return deps.kube;
}

/** Refuses to overwrite a policy that is not this action's (another action's, or nobody's). */
/**
 * The labels and annotations of a live policy, whether or not its spec reads: ownership is
 * decided by them alone, so a policy this version cannot read is still recognised as ours.
 */
async function liveMetadata(read: () => Promise<{ metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } } | null>): Promise<{ labels?: Record<string, string>; annotations?: Record<string, string> } | null> {
  try {
    return (await read())?.metadata ?? null;
  } catch (err) {
    if (err instanceof UnreadablePolicyError) return err.policy;
    throw err;
  }
}

async function assertPolicyIsOurs(kube: ClusterClient, policy: NetworkPolicy): Promise<void> {
  const existing = await liveMetadata(() => kube.getNetworkPolicy(policy.metadata.namespace, policy.metadata.name));
  if (!existing) return;
  const ours = policy.metadata.annotations?.[ANNOTATIONS.actionId];
  const theirs = existing.annotations?.[ANNOTATIONS.actionId];
  if (theirs === ours) return;
  const id = `${policy.metadata.namespace}/${policy.metadata.name}`;
  if (existing.labels?.[LABELS.managedBy] === MANAGED_BY_VALUE && theirs) {
    throw new PolicyApplyError(`NetworkPolicy ${id} belongs to boundwatch action ${theirs}: not overwritten`);
  }
  throw new PolicyApplyError(`NetworkPolicy ${id} exists and is not boundwatch's: not overwritten`);
}

/**
 * Called with undo steps before the change they undo is made (write-ahead), so that a failure
 * or a crash in the middle of an operation leaves nothing behind that a revert cannot find.
 * Every undo step is harmless when its change never happened.
 */
export type RecordUndo = (steps: UndoStep[]) => Promise<void>;

async function applyPolicy(deps: ExecDeps, policy: NetworkPolicy, recordUndo?: RecordUndo): Promise<OpResult> {
  const kube = needKube(deps);
  await assertPolicyIsOurs(kube, policy);
  const undo: UndoStep[] = [{ undo: 'delete-policy', namespace: policy.metadata.namespace, name: policy.metadata.name }];
  await recordUndo?.(undo);
  await kube.applyNetworkPolicy(policy, { force: true, dryRun: deps.dryRun });
  return { undo, note: `applied NetworkPolicy ${policy.metadata.namespace}/${policy.metadata.name}` };
}

/** The labels to restore for a pod already carrying `token`: from its policy's annotation. */
async function recordedLabels(kube: ClusterClient, op: Extract<Operation, { op: 'quarantine-pod' }>): Promise<Record<string, string> | undefined> {
  const live = await liveMetadata(() => kube.getNetworkPolicy(op.namespace, op.policy.metadata.name));
  const text = live?.annotations?.[ANNOTATIONS.restoreLabels];
  if (text) {
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      // fall through to the recorded plan
    }
  }
  return op.remove;
}

/**
 * Quarantine: apply the deny-all policy (which selects no pod yet), then in one conditional
 * merge patch put the quarantine label on and take every other label off. If the pod changed
 * in between (409), its labels are read again, the policy's restore annotation is updated and
 * the patch is retried.
 */
async function quarantinePod(deps: ExecDeps, op: Extract<Operation, { op: 'quarantine-pod' }>, anomalyId: string, recordUndo?: RecordUndo): Promise<OpResult> {
  const kube = needKube(deps);
  const id = `${op.namespace}/${op.pod}`;
  const actionId = op.policy.metadata.annotations?.[ANNOTATIONS.actionId] ?? '';
  const expiresAt = op.policy.metadata.annotations?.[ANNOTATIONS.expiresAt] ?? '';
  for (let attempt = 1; ; attempt++) {
    const pod: V1Pod | null = await kube.getPod(op.namespace, op.pod);
    if (!pod) throw new PolicyApplyError(`pod ${id} is gone: nothing to quarantine`);
    const uid = pod.metadata?.uid;
    if (op.uid && uid && uid !== op.uid) throw new PolicyApplyError(`pod ${id} was replaced (uid ${uid}, expected ${op.uid}): not quarantined`);
    const current = pod.metadata?.labels?.[QUARANTINE_LABEL];
    if (current !== undefined && current !== op.token) throw new PolicyApplyError(`pod ${id} is quarantined by another boundwatch action (${QUARANTINE_LABEL}=${current})`);
    // A resumed attempt finds the pod relabelled already: what it had is in the policy annotation.
    const remove = current === op.token ? ((await recordedLabels(kube, op)) ?? {}) : labelsToRemove(pod.metadata?.labels);
    const policy = quarantinePolicy(op.namespace, op.pod, actionId, anomalyId, expiresAt, { ...(uid ? { podUid: uid } : {}), restore: remove });
    await assertPolicyIsOurs(kube, policy);
    const restore = sortKeys(remove);
    const undo: UndoStep[] = [
      { undo: 'delete-policy', namespace: op.namespace, name: policy.metadata.name },
      { undo: 'restore-pod-labels', namespace: op.namespace, pod: op.pod, ...(uid ? { uid } : {}), token: op.token, labels: restore },
    ];
    await recordUndo?.(undo);
    await kube.applyNetworkPolicy(policy, { force: true, dryRun: deps.dryRun });
    const patch: Record<string, string | null> = { [QUARANTINE_LABEL]: op.token };
    for (const key of Object.keys(pod.metadata?.labels ?? {})) if (key !== QUARANTINE_LABEL) patch[key] = null;
    try {
      await kube.patchPodLabels(op.namespace, op.pod, patch, { dryRun: deps.dryRun, ...(pod.metadata?.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {}) });
    } catch (err) {
      if (err instanceof KubeConflictError && attempt < CONFLICT_RETRIES) continue;
      throw err;
    }
    return {
      undo,
      note: `quarantined pod ${id}: removed ${Object.keys(restore).length} labels, applied NetworkPolicy ${op.namespace}/${policy.metadata.name}`,
    };
  }
}

/** Refuses to overwrite a ClusterNetworkPolicy that is not this action's. */
async function assertClusterPolicyIsOurs(kube: ClusterClient, policy: ClusterNetworkPolicy): Promise<void> {
  const existing = await liveMetadata(() => kube.getClusterNetworkPolicy(policy.metadata.name));
  if (!existing) return;
  const theirs = existing.annotations?.[ANNOTATIONS.actionId];
  if (theirs === policy.metadata.annotations?.[ANNOTATIONS.actionId]) return;
  const id = `ClusterNetworkPolicy ${policy.metadata.name}`;
  if (existing.labels?.[LABELS.managedBy] === MANAGED_BY_VALUE && theirs) throw new PolicyApplyError(`${id} belongs to boundwatch action ${theirs}: not overwritten`);
  throw new PolicyApplyError(`${id} exists and is not boundwatch's: not overwritten`);
}

/**
 * Quarantine by ClusterNetworkPolicy: both policies first (they select nobody yet), then the
 * quarantine label on, in a merge patch conditional on the pod's resourceVersion; nothing else
 * on the pod changes. Undo: the label off, both policies deleted.
 */
async function isolatePod(deps: ExecDeps, op: Extract<Operation, { op: 'isolate-pod' }>, recordUndo?: RecordUndo): Promise<OpResult> {
  const kube = needKube(deps);
  const id = `${op.namespace}/${op.pod}`;
  const undo: UndoStep[] = [
    { undo: 'delete-cluster-policy', name: op.clusterPolicy.metadata.name },
    { undo: 'delete-policy', namespace: op.namespace, name: op.policy.metadata.name },
    { undo: 'restore-pod-labels', namespace: op.namespace, pod: op.pod, ...(op.uid ? { uid: op.uid } : {}), token: op.token, labels: {} },
  ];
  for (let attempt = 1; ; attempt++) {
    const pod: V1Pod | null = await kube.getPod(op.namespace, op.pod);
    if (!pod) throw new PolicyApplyError(`pod ${id} is gone: nothing to quarantine`);
    const uid = pod.metadata?.uid;
    if (op.uid && uid && uid !== op.uid) throw new PolicyApplyError(`pod ${id} was replaced (uid ${uid}, expected ${op.uid}): not quarantined`);
    const current = pod.metadata?.labels?.[QUARANTINE_LABEL];
    if (current !== undefined && current !== op.token) throw new PolicyApplyError(`pod ${id} is quarantined by another boundwatch action (${QUARANTINE_LABEL}=${current})`);
    await assertClusterPolicyIsOurs(kube, op.clusterPolicy);
    await assertPolicyIsOurs(kube, op.policy);
    await recordUndo?.(undo);
    await kube.applyClusterNetworkPolicy(op.clusterPolicy, { force: true, dryRun: deps.dryRun });
    await kube.applyNetworkPolicy(op.policy, { force: true, dryRun: deps.dryRun });
    if (current === op.token) break;
    try {
      await kube.patchPodLabels(op.namespace, op.pod, { [QUARANTINE_LABEL]: op.token }, { dryRun: deps.dryRun, ...(pod.metadata?.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {}) });
    } catch (err) {
      if (err instanceof KubeConflictError && attempt < CONFLICT_RETRIES) continue;
      throw err;
    }
    break;
  }
  return { undo, note: `quarantined pod ${id}: ClusterNetworkPolicy ${op.clusterPolicy.metadata.name} (Admin, Deny) and NetworkPolicy ${op.namespace}/${op.policy.metadata.name}, labels kept` };
}

export async function runOperation(deps: ExecDeps, op: Operation, anomalyId: string, recordUndo?: RecordUndo): Promise<OpResult> {
  switch (op.op) {
    case 'apply-policy':
      return applyPolicy(deps, op.policy, recordUndo);
    case 'quarantine-pod':
      return quarantinePod(deps, op, anomalyId, recordUndo);
    case 'isolate-pod':
      return isolatePod(deps, op, recordUndo);
    case 'delete-pod': {
      const r = await needKube(deps).deletePod(op.namespace, op.pod, { dryRun: deps.dryRun, ...(op.uid ? { uid: op.uid } : {}) });
      const what = `pod ${op.namespace}/${op.pod}`;
      const note = r === 'deleted' ? `deleted ${what} (${op.why})` : r === 'not-found' ? `${what} was gone already` : `${what} is now another pod (uid changed): left alone`;
      return { undo: [{ undo: 'irreversible', what: `deleted ${what}`, reason: 'a deleted pod cannot be restored; its controller replaced it' }], note };
    }
    case 'evict-pod': {
      const r = await needKube(deps).evictPod(op.namespace, op.pod, { dryRun: deps.dryRun, ...(op.uid ? { uid: op.uid } : {}) });
      const what = `pod ${op.namespace}/${op.pod}`;
      // A budget that allows no disruption now: held, and retried (the API server decides again).
      if (r === 'blocked') throw new DownstreamError(`eviction of ${what} refused by its PodDisruptionBudget: held, retried later`);
      const note = r === 'evicted' ? `evicted ${what} (${op.why})` : r === 'not-found' ? `${what} was gone already` : `${what} is now another pod (uid changed): left alone`;
      return { undo: [{ undo: 'irreversible', what: `evicted ${what}`, reason: 'an evicted pod cannot be restored; its controller replaced it' }], note };
    }
    case 'delete-secret': {
      const r = await needKube(deps).deleteSecret(op.namespace, op.name, { dryRun: deps.dryRun, ...(op.uid ? { uid: op.uid } : {}) });
      const what = `legacy token secret ${op.namespace}/${op.name}`;
      const note = r === 'deleted' ? `deleted ${what}` : r === 'not-found' ? `${what} was gone already` : `${what} was recreated (uid changed): left alone`;
      return { undo: [{ undo: 'irreversible', what: `deleted ${what}`, reason: 'restoring it would restore the stolen credential; create a new token if the workload needs one' }], note };
    }
    case 'put-role-policy': {
      if (!deps.iam) throw new ConfigError('revoking IAM sessions needs IAM access, which this runtime does not have');
      const undo: UndoStep[] = [{ undo: 'delete-role-policy', roleName: op.roleName, policyName: op.policyName }];
      await recordUndo?.(undo);
      if (!deps.dryRun) await deps.iam.putRolePolicy(op.roleName, op.policyName, op.document);
      return { undo, note: `put inline policy ${op.policyName} on role ${op.roleName}` };
    }
    case 'deny-session-in-permission-set':
      return denyInPermissionSet(deps, op, recordUndo);
    case 'disassociate-access-policy': {
      if (!deps.access) throw new ConfigError('changing EKS access policies needs EKS access, which this runtime does not have');
      const r = deps.dryRun ? 'deleted' : await deps.access.disassociate(op.clusterName, op.principalArn, op.policyArn);
      const undo: UndoStep[] = r === 'deleted' ? [{ undo: 'associate-access-policy', clusterName: op.clusterName, principalArn: op.principalArn, policyArn: op.policyArn, accessScope: op.accessScope }] : [];
      return { undo, note: r === 'deleted' ? `disassociated ${op.policyArn} from ${op.principalArn}` : `${op.policyArn} was not associated with ${op.principalArn} any more` };
    }
  }
}

/** Undoes one step; returns what it did. Idempotent. */
export async function runUndo(deps: Omit<ExecDeps, 'dryRun'>, step: UndoStep): Promise<string> {
  switch (step.undo) {
    case 'delete-policy': {
      const r = await needKube(deps as ExecDeps).deleteNetworkPolicy(step.namespace, step.name);
      return r === 'deleted' ? `deleted NetworkPolicy ${step.namespace}/${step.name}` : `NetworkPolicy ${step.namespace}/${step.name} was gone already`;
    }
    case 'delete-cluster-policy': {
      const r = await needKube(deps as ExecDeps).deleteClusterNetworkPolicy(step.name);
      return r === 'deleted' ? `deleted ClusterNetworkPolicy ${step.name}` : `ClusterNetworkPolicy ${step.name} was gone already`;
    }
    case 'restore-pod-labels':
      return restorePodLabels(needKube(deps as ExecDeps), step);
    case 'delete-role-policy': {
      if (!deps.iam) throw new ConfigError(`deleting inline policy ${step.policyName} of role ${step.roleName} needs IAM access, which this runtime does not have`);
      const r = await deps.iam.deleteRolePolicy(step.roleName, step.policyName);
      return r === 'deleted' ? `deleted inline policy ${step.policyName} of role ${step.roleName}: its sessions work again` : `inline policy ${step.policyName} of role ${step.roleName} was gone already`;
    }
    case 'associate-access-policy': {
      if (!deps.access) throw new ConfigError(`associating ${step.policyArn} again needs EKS access, which this runtime does not have`);
      await deps.access.associate(step.clusterName, step.principalArn, step.policyArn, step.accessScope);
      return `associated ${step.policyArn} with ${step.principalArn} again (${step.accessScope.type}${step.accessScope.namespaces?.length ? ` ${step.accessScope.namespaces.join(',')}` : ''})`;
    }
    case 'remove-permission-set-statement':
      return removeFromPermissionSet(deps, step);
    case 'irreversible':
      return `${step.what}: not restored (${step.reason})`;
  }
}

function needSso(deps: Pick<ExecDeps, 'sso'>, what: string): SsoAdminPort {
  if (!deps.sso) throw new ConfigError(`${what} needs IAM Identity Center access (enforcement.identityCenter), which this runtime does not have`);
  return deps.sso;
}

/**
 * The session deny through a permission set: read its inline policy, record the undo (with the
 * text as it was) before changing it, add the statement (never touching the others; a resumed
 * attempt finds it there), put it, provision it to the account and wait for the result. A
 * provisioning that fails throws: the engine rolls the statement back out (and provisions again).
 */
async function denyInPermissionSet(deps: ExecDeps, op: Extract<Operation, { op: 'deny-session-in-permission-set' }>, recordUndo?: RecordUndo): Promise<OpResult> {
  const sso = needSso(deps, 'revoking an IAM Identity Center session');
  if (deps.dryRun) return { undo: [], note: `would add statement ${op.sid} to permission set ${op.permissionSetArn ?? op.permissionSetName} and provision it to account ${op.accountId}` };
  const arn = op.permissionSetArn ?? (await sso.findPermissionSet(op.instanceArn, op.permissionSetName));
  if (!arn) throw new PolicyApplyError(`no permission set named ${op.permissionSetName} in ${op.instanceArn}: session not revoked`);
  const current = await sso.getInlinePolicy(op.instanceArn, arn);
  const statement = JSON.parse(op.statement) as PolicyStatement;
  const merged = mergeStatement(current, statement);
  const undo: UndoStep[] = [{ undo: 'remove-permission-set-statement', instanceArn: op.instanceArn, permissionSetArn: arn, accountId: op.accountId, sid: op.sid, ...(merged.text !== undefined ? { original: current } : {}) }];
  // A resumed attempt finds the statement in place: the undo recorded by the first attempt (with the original text) stays.
  if (merged.text !== undefined) {
    await recordUndo?.(undo);
    await sso.putInlinePolicy(op.instanceArn, arn, merged.text);
  }
  const p = await sso.provision(op.instanceArn, arn, op.accountId);
  return {
    undo: merged.text !== undefined ? undo : [],
    note: `added statement ${op.sid} to the inline policy of permission set ${arn} and provisioned it to account ${op.accountId} (request ${p.requestId}: ${p.status})`,
  };
}

async function removeFromPermissionSet(deps: Pick<ExecDeps, 'sso'>, step: Extract<UndoStep, { undo: 'remove-permission-set-statement' }>): Promise<string> {
  const sso = needSso(deps, `removing statement ${step.sid} from permission set ${step.permissionSetArn}`);
  const current = await sso.getInlinePolicy(step.instanceArn, step.permissionSetArn);
  const r = removeStatement(current, step.sid, step.original);
  if (r.text === '') await sso.deleteInlinePolicy(step.instanceArn, step.permissionSetArn);
  else if (r.text !== undefined) await sso.putInlinePolicy(step.instanceArn, step.permissionSetArn, r.text);
  // Provisioned every time: an earlier attempt may have changed the policy and failed to provision it.
  const p = await sso.provision(step.instanceArn, step.permissionSetArn, step.accountId);
  const what = !r.found
    ? `statement ${step.sid} was not in permission set ${step.permissionSetArn} any more`
    : r.restoredExactly
      ? `removed statement ${step.sid} from permission set ${step.permissionSetArn}: its inline policy is back as it was${r.text === '' ? ' (none)' : ''}`
      : `removed statement ${step.sid} from permission set ${step.permissionSetArn} (its other statements changed meanwhile and are kept)`;
  return `${what}; provisioned to account ${step.accountId} (request ${p.requestId}): the session works again`;
}

async function restorePodLabels(kube: ClusterClient, step: Extract<UndoStep, { undo: 'restore-pod-labels' }>): Promise<string> {
  const id = `${step.namespace}/${step.pod}`;
  for (let attempt = 1; ; attempt++) {
    const pod = await kube.getPod(step.namespace, step.pod);
    if (!pod || (step.uid && pod.metadata?.uid && pod.metadata.uid !== step.uid)) return `pod ${id} is gone: no labels to restore`;
    if (pod.metadata?.labels?.[QUARANTINE_LABEL] !== step.token) return `pod ${id} no longer carries the quarantine label: its labels are left as they are`;
    const patch: Record<string, string | null> = { ...step.labels, [QUARANTINE_LABEL]: null };
    try {
      await kube.patchPodLabels(step.namespace, step.pod, patch, pod.metadata?.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {});
    } catch (err) {
      if (err instanceof KubeConflictError && attempt < CONFLICT_RETRIES) continue;
      throw err;
    }
    if (Object.keys(step.labels).length === 0) return `removed the quarantine label from pod ${id}`;
    const owned = (pod.metadata?.ownerReferences ?? []).length > 0 || Object.keys(step.labels).includes('pod-template-hash');
    return `restored ${Object.keys(step.labels).length} labels on pod ${id} and removed the quarantine label${owned ? '; its controller may adopt it again and scale back to its replica count' : ''}`;
  }
}

/**
 * Adds steps not already present (a resumed attempt repeats operations). A label restore for
 * the same pod and token replaces the earlier one: the labels were read again after a 409.
 */
export function mergeUndo(into: UndoStep[], steps: readonly UndoStep[]): UndoStep[] {
  const key = (s: UndoStep) => (s.undo === 'restore-pod-labels' ? `restore|${s.namespace}|${s.pod}|${s.token}` : JSON.stringify(s));
  for (const s of steps) {
    const i = into.findIndex((x) => key(x) === key(s));
    if (i === -1) into.push(s);
    else into[i] = s;
  }
  return into;
}
