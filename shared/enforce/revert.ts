/**
 * Reverting an action: at expiry (the revert schedule invokes functions/revert) or early
 * (`boundwatch release ID`). The record's undo steps, recorded as each operation succeeded,
 * run in reverse order: labels back, policies deleted, the inline IAM policy deleted, the
 * boundwatch statement taken out of an IAM Identity Center permission set (and provisioned), EKS
 * access policies associated again. Deleted pods and token secrets stay deleted, and the
 * reverted action says so. Idempotent: a second revert finds the record reverted; a revert
 * that failed halfway keeps the steps left and is retried.
 *
 * Without a record (`release` with only a kubeconfig), the cluster itself describes the
 * action: boundwatch's NetworkPolicies carry the action id, the pod, its uid and the labels to
 * restore in their annotations, and a quarantined pod carries the action's token as a label.
 */
import { DownstreamError, errorMessage } from '../errors';
import type { EnforcementAction } from '../events/schema';
import type { ClusterClient } from '../k8s/client';
import type { AccessPolicyPort, IamPort, RevertInput, RevertScheduler, SsoAdminPort } from './aws';
import type { RevertLedger } from './revert-ledger';
import { runUndo } from './execute';
import { quarantineToken, QUARANTINE_LABEL } from './quarantine';
import { RecordConflictError, type ActionStore } from './store';
import { ANNOTATIONS, LABELS, MANAGED_BY_VALUE, type UndoStep } from './types';

export interface RevertDeps {
  store: ActionStore;
  /** The reverts owed (revert-ledger.ts): settled here when an action is reverted or has nothing to revert. */
  ledger?: RevertLedger;
  /** The action's cluster, for the ledger. */
  cluster?: string;
  kube?: ClusterClient;
  iam?: IamPort;
  access?: AccessPolicyPort;
  sso?: SsoAdminPort;
  scheduler?: RevertScheduler;
  announce?: (actions: EnforcementAction[]) => Promise<void>;
  now: () => Date;
}

export type RevertStatus = 'reverted' | 'already-reverted' | 'nothing-to-revert' | 'not-found' | 'retry-scheduled';

export interface RevertResult {
  status: RevertStatus;
  action?: EnforcementAction;
  notes: string[];
  /** `retry-scheduled`: the attempt that will run next, and when. */
  retry?: { attempt: number; at: string };
}

/** Attempts at expiry before a failing revert is left to the revert dead-letter queue (about 7 hours of retries). */
export const MAX_REVERT_ATTEMPTS = 12;

/** The wait after the `attempt`-th failed revert: 2 minutes, doubling, at most an hour. */
export function revertRetryDelayMs(attempt: number): number {
  return Math.min(2 * 2 ** (Math.max(1, attempt) - 1), 60) * 60_000;
}

/**
 * A revert at expiry that fails is not left to the transport's few quick retries: the next
 * attempt is scheduled (a one-time schedule of its own, delivered to the revert queue like the
 * first) with a doubling wait, for MAX_REVERT_ATTEMPTS attempts; the last failure throws, and the
 * queue's redrive moves the message to the dead-letter queue. A release is never rescheduled:
 * its caller sees the error and runs it again. The action stays in force, recorded with its
 * remaining undo steps, and owed in the ledger (RevertsPending) until a revert succeeds.
 */
export async function revertOrRetry(deps: RevertDeps, input: Required<Pick<RevertInput, 'actionId' | 'trigger'>> & RevertInput): Promise<RevertResult> {
  try {
    return await revertAction(deps, input.actionId, input.trigger);
  } catch (err) {
    const attempt = input.attempt ?? 1;
    if (input.trigger === 'release' || !deps.scheduler || attempt >= MAX_REVERT_ATTEMPTS) throw err;
    const at = new Date(deps.now().getTime() + revertRetryDelayMs(attempt));
    // If this fails too, the error goes to the transport (the queue redelivers the message).
    await deps.scheduler.schedule(input.actionId, input.cluster ?? deps.cluster ?? '', at, attempt + 1);
    return {
      status: 'retry-scheduled',
      notes: [`attempt ${attempt} of ${MAX_REVERT_ATTEMPTS} failed (${errorMessage(err)}); attempt ${attempt + 1} at ${at.toISOString()}`],
      retry: { attempt: attempt + 1, at: at.toISOString() },
    };
  }
}

/** A revert ran into errors; the steps not done are kept and the revert can be retried. */
export class RevertFailedError extends DownstreamError {}

/** Reverts the applied action `id` from its record. Throws RevertFailedError when some step failed. */
export async function revertAction(deps: RevertDeps, id: string, trigger: 'expiry' | 'release'): Promise<RevertResult> {
  const rec = await deps.store.get(id, 'apply');
  if (!rec) {
    await settle(deps, id);
    return { status: 'not-found', notes: [] };
  }
  if (rec.status === 'reverted') {
    await settle(deps, id);
    return { status: 'already-reverted', action: rec.action, notes: rec.revertNotes ?? [] };
  }
  const now = deps.now();
  if (rec.status === 'pending' && (rec.leaseUntil ?? 0) > now.getTime()) {
    throw new RevertFailedError(`action ${id} is being carried out right now; try again in a few minutes`);
  }
  const reversible = rec.undo.filter((s) => s.undo !== 'irreversible');
  if (rec.status !== 'applied' && reversible.length === 0) {
    // Skipped, failed (and rolled back) or never applied: nothing in the cluster to give back.
    if (trigger === 'release' && rec.schedule) await cancelQuietly(deps, rec.schedule);
    await settle(deps, id);
    return { status: 'nothing-to-revert', action: rec.action, notes: [`action ${id} is ${rec.status}: nothing to revert`] };
  }
  const notes: string[] = [];
  const errors: string[] = [];
  const left: UndoStep[] = [];
  for (const step of [...rec.undo].reverse()) {
    try {
      notes.push(await runUndo(deps, step));
    } catch (err) {
      errors.push(errorMessage(err));
      left.unshift(step);
    }
  }
  rec.updatedAt = now.toISOString();
  if (errors.length) {
    rec.undo = left;
    rec.revertError = errors.join('; ');
    const action: EnforcementAction = {
      ...rec.action,
      outcome: 'failed',
      reason: `revert (${trigger}) failed: ${errors.join('; ')}; the action stays in force until the revert is retried${trigger === 'expiry' ? ' (retried with a doubling wait for about 7 hours, then left in the revert dead-letter queue)' : ' (run boundwatch release again)'}`,
      changes: notes,
    };
    await saveQuietly(deps, rec);
    await deps.announce?.([action]);
    throw new RevertFailedError(action.reason!);
  }
  rec.status = 'reverted';
  rec.undo = [];
  rec.revertedAt = now.toISOString();
  rec.revertTrigger = trigger;
  rec.revertNotes = notes;
  delete rec.revertError;
  delete rec.retryable;
  rec.action = {
    ...rec.action,
    outcome: 'reverted',
    reason: trigger === 'release' ? `released early with boundwatch release at ${now.toISOString()}` : `expired at ${rec.action.expiresAt ?? now.toISOString()}`,
    changes: notes.length ? notes : ['nothing to restore'],
  };
  try {
    await deps.store.save(rec);
  } catch (err) {
    // A concurrent revert (release racing the schedule) finished first: same result.
    if (err instanceof RecordConflictError) {
      const again = await deps.store.get(id, 'apply');
      if (again?.status === 'reverted') {
        await settle(deps, id);
        return { status: 'already-reverted', action: again.action, notes: again.revertNotes ?? [] };
      }
    }
    throw err;
  }
  await settle(deps, id);
  if (trigger === 'release' && rec.schedule) await cancelQuietly(deps, rec.schedule);
  await deps.announce?.([rec.action]);
  return { status: 'reverted', action: rec.action, notes };
}

/** The revert is no longer owed. A failure here is only logged by the caller's retry: the sweep would report it as pending. */
async function settle(deps: RevertDeps, id: string): Promise<void> {
  if (deps.ledger && deps.cluster) await deps.ledger.settle(deps.cluster, id);
}

async function cancelQuietly(deps: RevertDeps, name: string): Promise<void> {
  try {
    await deps.scheduler?.cancel(name);
  } catch {
    // A schedule left behind fires later and finds the action reverted: harmless.
  }
}

async function saveQuietly(deps: RevertDeps, rec: Parameters<ActionStore['save']>[0]): Promise<void> {
  try {
    await deps.store.save(rec);
  } catch {
    // The error being reported matters more than recording it; the next attempt re-reads.
  }
}

export interface ClusterRelease {
  found: boolean;
  notes: string[];
}

/**
 * `release` from the cluster alone: finds boundwatch's policies carrying the action id and the
 * pods carrying its quarantine token, restores the pods' labels from the policy annotations,
 * then deletes the policies. Throws when a step fails (nothing is reported as released then).
 */
export async function releaseFromCluster(kube: ClusterClient, id: string): Promise<ClusterRelease> {
  const token = quarantineToken(id);
  const [policies, pods, clusterPolicies] = await Promise.all([
    kube.listNetworkPolicies({ labelSelector: { [LABELS.managedBy]: MANAGED_BY_VALUE } }),
    kube.listPods({ labelSelector: { [QUARANTINE_LABEL]: token } }),
    kube.listClusterNetworkPolicies({ labelSelector: { [LABELS.managedBy]: MANAGED_BY_VALUE } }),
  ]);
  // Ours by annotation alone: a policy whose spec this version cannot read is still removed.
  const byMeta = [...policies.items.map((p) => p.metadata), ...policies.unreadable.filter((u) => u.namespace !== undefined)];
  const ours = byMeta.filter((m) => m.annotations?.[ANNOTATIONS.actionId] === id);
  const restores: UndoStep[] = [];
  const deletes: UndoStep[] = [];
  const notes: string[] = [];
  const handled = new Set<string>();
  for (const m of ours) {
    const ns = m.namespace!;
    const ann = m.annotations ?? {};
    const pod = ann[ANNOTATIONS.pod];
    if (ann[ANNOTATIONS.kind] === 'quarantine' && pod) {
      let labels: Record<string, string> = {};
      try {
        labels = JSON.parse(ann[ANNOTATIONS.restoreLabels] ?? '{}') as Record<string, string>;
      } catch {
        notes.push(`policy ${ns}/${m.name}: unreadable restore annotation; only the quarantine label is removed`);
      }
      restores.push({ undo: 'restore-pod-labels', namespace: ns, pod, ...(ann[ANNOTATIONS.podUid] ? { uid: ann[ANNOTATIONS.podUid] } : {}), token, labels });
      handled.add(`${ns}/${pod}`);
    }
    deletes.push({ undo: 'delete-policy', namespace: ns, name: m.name });
  }
  // A quarantine through ClusterNetworkPolicy: its Admin-tier deny goes with the rest.
  for (const c of [...clusterPolicies.items.map((p) => p.metadata), ...clusterPolicies.unreadable]) if (c.annotations?.[ANNOTATIONS.actionId] === id) deletes.push({ undo: 'delete-cluster-policy', name: c.name });
  for (const pod of pods) {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    if (handled.has(key)) continue;
    restores.push({ undo: 'restore-pod-labels', namespace: pod.metadata!.namespace!, pod: pod.metadata!.name!, token, labels: {} });
    notes.push(`pod ${key} carries the quarantine label but its policy is gone: its original labels are unknown here (they are in the action record; release with --state), only the quarantine label is removed`);
  }
  if (restores.length === 0 && deletes.length === 0) return { found: false, notes: [] };
  for (const step of [...restores, ...deletes]) notes.push(await runUndo({ kube }, step));
  return { found: true, notes };
}
