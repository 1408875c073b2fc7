/**
 * The enforcement engine: one Behavior Anomaly in, its actions recorded, carried out (or
 * planned) and announced. For each action, in order (plan.ts):
 *
 * 1. Idempotency. A conditional put of the action record claims the action; a redelivered
 *    anomaly finds the record and only announces what was not announced yet. An attempt owns
 *    the record for a lease; a crashed attempt is resumed after it, replaying the recorded
 *    operations (they are idempotent), never re-planning them.
 * 2. Safety rails (plan.ts), then the action's planner with what it can read (the pod, the
 *    cluster, legacy token secrets, access policies, the flow-graph baseline).
 * 3. Rate limit: one atomic counter per cluster and hour; over the limit the action is
 *    `skipped`, and still announced.
 * 4. dry-run: a server-side dry run of the cluster writes (when a cluster is reachable) and a
 *    simulation of the result; `planned`. apply: the revert schedule first (nothing changes
 *    without a guaranteed revert), then the operations, each undo step recorded as it
 *    succeeds, then verification against the live cluster; `applied`. When reading the
 *    cluster back fails (after retries) the change stays: `applied` with the reason
 *    "applied, unverified", announced (so it pages), never rolled back.
 * 5. Failure: whatever ran is rolled back, the action is `failed` with the reason, recorded
 *    and announced. A retryable failure (API down, throttling) is retried by redelivery
 *    (the caller throws RetryLaterError), which cannot double-act.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ConfigError, DownstreamError, errorMessage } from '../errors';
import { stableId } from '../events/ids';
import { SCHEMA_VERSION, type BehaviorAnomaly, type EnforcementAction, type EnforcementMode } from '../events/schema';
import type { ClusterInventory } from '../inventory/cluster';
import { workloadKey } from '../inventory/workload';
import type { ClusterClient } from '../k8s/client';
import { inventoryFromCluster, podOwner } from '../inventory/from-cluster';
import { AwsCallError, roleNameFromArn, SSO_ROLE_NAME_PREFIX, SSO_ROLE_PATH_PREFIX, type AccessPolicyPort, type IamPort, type RevertScheduler, type RoleInfo, type SsoAdminPort } from './aws';
import { hasStatement, permissionSetNameOf, type PolicyStatement } from './permission-set';
import type { BaselineSource } from './baseline';
import type { EnforcementConfig } from './config';
import { anomalyTime, type LearningConfig } from './gates';
import type { MaturitySource } from './maturity';
import { anomalyWorkload, planTightenEgress, verifyTightening } from './egress';
import { mergeUndo, runOperation, runUndo, type ExecDeps } from './execute';
import { allowListReason, planIntents, type PlannedAction } from './plan';
import { apiCalls, uncheckedLines } from './preview';
import { planQuarantine, QUARANTINE_LABEL, type QuarantineMechanism } from './quarantine';
import { planRevoke, serviceAccountOf } from './revoke';
import { takeBudgets, type BudgetStore } from './budgets';
import { checkRails } from './rails';
import type { RevertLedger } from './revert-ledger';
import { RecordConflictError, type ActionRecord, type ActionStore } from './store';
import type { ActionIntent, ActionPlan, Operation, UndoStep } from './types';
import { isolationReport, reachability, withPodLabels, withPolicy } from './verify';
import type { AnyNetworkPolicy } from '../netpol-api/cluster-types';
import { unreadableRef } from '../netpol-api/read';

export interface EngineDeps {
  cluster: string;
  mode: EnforcementMode;
  config: EnforcementConfig;
  now: () => Date;
  store: ActionStore;
  /** Budgets, the circuit breaker and the queue of held actions. */
  budgets: BudgetStore;
  /** Publishes Enforcement Action events; throws when they did not all go out. */
  announce: (actions: EnforcementAction[]) => Promise<void>;
  kube?: ClusterClient;
  iam?: IamPort;
  access?: AccessPolicyPort;
  /** IAM Identity Center (sso-admin), used when enforcement.identityCenter is configured. */
  sso?: SsoAdminPort;
  /** The EKS cluster name for access-policy calls; `cluster` when absent. */
  eksClusterName?: string;
  /** The AWS account boundwatch runs in; IAM changes are refused for principals of other accounts. */
  account?: string;
  scheduler?: RevertScheduler;
  /** Reverts owed (revert-ledger.ts): each scheduled revert is recorded, so one that never comes back is counted. */
  ledger?: RevertLedger;
  baselines?: BaselineSource;
  /** The baselines' maturity, for the gates; absent: signature findings only notify. */
  maturity?: MaturitySource;
  /** The detection learning periods the gates use. */
  learning?: LearningConfig;
  /** How long one attempt owns an action; longer than the function's timeout. Default 5 min. */
  leaseMs?: number;
  /** Attempts of a retryable failure before it is final. Default 5. */
  maxAttempts?: number;
  /** Reads of the cluster to verify an applied change before it is recorded unverified. Default 3. */
  verifyAttempts?: number;
}

/** Some actions must be tried again later (in progress elsewhere, or a retryable failure). */
export class RetryLaterError extends DownstreamError {
  constructor(
    message: string,
    readonly results: PlannedAction[],
  ) {
    super(message);
  }
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof AwsCallError) return err.retryable;
  return err instanceof DownstreamError;
}

interface ClusterFacts {
  inventory: ClusterInventory;
  /** Every live policy the simulator can read: NetworkPolicies and ClusterNetworkPolicies. */
  policies: AnyNetworkPolicy[];
  /** Live policies the simulator cannot read: residual uncertainty, named in the results. */
  unreadable: string[];
}

/** The cluster as the simulator sees it: pods, nodes, services and every policy of every kind. */
export async function readClusterFacts(kube: ClusterClient): Promise<ClusterFacts> {
  const [inventory, np, cnp] = await Promise.all([inventoryFromCluster(kube), kube.listNetworkPolicies(), kube.listClusterNetworkPolicies()]);
  return { inventory, policies: [...np.items, ...cnp.items], unreadable: [...np.unreadable, ...cnp.unreadable].map(unreadableRef) };
}

/** The quarantine mechanism: configured, or ClusterNetworkPolicy where the API serves it. */
async function quarantineMechanism(ctx: Ctx, kube: ClusterClient): Promise<{ mechanism: QuarantineMechanism; why: string }> {
  const setting = ctx.deps.config.quarantineWith;
  if (setting === 'network-policy') return { mechanism: 'network-policy', why: 'enforcement.quarantineWith is "network-policy"' };
  if (setting === 'cluster-network-policy') return { mechanism: 'cluster-network-policy', why: 'enforcement.quarantineWith is "cluster-network-policy"' };
  return (await kube.servesClusterNetworkPolicies())
    ? { mechanism: 'cluster-network-policy', why: 'the cluster serves networking.k8s.aws/v1alpha1 ClusterNetworkPolicy' }
    : { mechanism: 'network-policy', why: 'the cluster does not serve ClusterNetworkPolicy (EKS: VPC CNI before 1.21.1 or Kubernetes before 1.29)' };
}

function hashOf(action: EnforcementAction): string {
  return stableId('announced', JSON.stringify(action));
}

const FINAL = new Set(['planned', 'applied', 'skipped', 'reverted']);
/** Outcomes a retryable cause leaves open to redelivery. */
const RETRIED = new Set(['failed', 'partial']);

interface Ctx {
  deps: EngineDeps;
  anomaly: BehaviorAnomaly;
  mode: 'dry-run' | 'apply';
  exec: ExecDeps;
  /** Outcomes of this anomaly's earlier actions by kind and target (the revoke planner asks about the quarantine). */
  outcomes: Map<string, EnforcementAction['outcome'] | 'partial'>;
  /** Facts read while planning, reused to simulate the result in dry-run. */
  facts: Map<string, ClusterFacts>;
}

/**
 * Enforces one anomaly. Returns every action with its final state; throws RetryLaterError
 * (carrying the same results) when some action should be tried again by redelivery.
 */
export async function enforceAnomaly(deps: EngineDeps, anomaly: BehaviorAnomaly): Promise<PlannedAction[]> {
  if (deps.mode === 'off') return [];
  const maturity = deps.maturity ? await deps.maturity.maturity(anomaly) : undefined;
  const intents = planIntents({
    anomaly,
    mode: deps.mode,
    config: deps.config,
    now: deps.now(),
    ...(deps.learning ? { learning: deps.learning } : {}),
    ...(maturity ? { maturity } : {}),
  });
  const ctx: Ctx = {
    deps,
    anomaly,
    mode: deps.mode,
    exec: { ...(deps.kube ? { kube: deps.kube } : {}), ...(deps.iam ? { iam: deps.iam } : {}), ...(deps.access ? { access: deps.access } : {}), ...(deps.sso ? { sso: deps.sso } : {}), dryRun: deps.mode !== 'apply' },
    outcomes: new Map(),
    facts: new Map(),
  };
  const results: PlannedAction[] = [];
  const retry: string[] = [];
  for (const intent of intents) {
    const r = await processIntent(ctx, intent);
    results.push(r.result);
    ctx.outcomes.set(outcomeKey(intent.kind, intent.target.namespace, intent.target.name), r.result.action.partial ? 'partial' : r.result.action.outcome);
    if (r.retry) retry.push(`${intent.kind} ${intent.id}: ${r.retry}`);
  }
  if (retry.length) throw new RetryLaterError(`retry later: ${retry.join('; ')}`, results);
  return results;
}

function newRecord(ctx: Ctx, intent: ActionIntent, now: Date): ActionRecord {
  const at = now.toISOString();
  return {
    id: intent.id,
    anomalyId: ctx.anomaly.id,
    cluster: ctx.deps.cluster,
    kind: intent.kind,
    mode: ctx.mode,
    status: 'pending',
    action: {
      schemaVersion: SCHEMA_VERSION,
      id: intent.id,
      anomalyId: ctx.anomaly.id,
      cluster: ctx.deps.cluster,
      action: intent.kind,
      target: intent.target,
      mode: ctx.mode,
      outcome: 'planned',
      changes: [],
      ...(intent.kind !== 'notify' ? { expiresAt: intent.expiresAt } : {}),
      severity: ctx.anomaly.severity,
    },
    policies: [],
    operations: [],
    planned: false,
    undo: [],
    attempts: 1,
    leaseUntil: now.getTime() + (ctx.deps.leaseMs ?? 300_000),
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
}

const result = (rec: ActionRecord): PlannedAction => ({ action: rec.action, policies: rec.policies });

async function processIntent(ctx: Ctx, intent: ActionIntent): Promise<{ result: PlannedAction; retry?: string }> {
  const { deps } = ctx;
  const now = deps.now();
  let rec = await deps.store.get(intent.id, ctx.mode);
  if (!rec) {
    const fresh = newRecord(ctx, intent, now);
    if (await deps.store.create(fresh)) return run(ctx, intent, fresh);
    rec = (await deps.store.get(intent.id, ctx.mode))!;
  }
  if (rec.status === 'skipped' && rec.held && now.getTime() >= Date.parse(rec.held.retryAt)) return reevaluate(ctx, intent, rec);
  const maxAttempts = deps.maxAttempts ?? 5;
  const final = FINAL.has(rec.status) || (RETRIED.has(rec.status) && (!rec.retryable || rec.attempts >= maxAttempts));
  if (final) {
    // A redelivery: nothing is done again, only an announcement that did not go out is repeated.
    try {
      await announce(ctx, rec);
    } catch (err) {
      return { result: result(rec), retry: `announcing failed: ${errorMessage(err)}` };
    }
    return { result: result(rec) };
  }
  if (rec.status === 'pending' && (rec.leaseUntil ?? 0) > now.getTime()) return { result: result(rec), retry: 'in progress in another invocation' };
  // Resume an attempt that died, or retry a retryable failure.
  rec.status = 'pending';
  rec.attempts += 1;
  rec.leaseUntil = now.getTime() + (deps.leaseMs ?? 300_000);
  rec.updatedAt = now.toISOString();
  try {
    await deps.store.save(rec);
  } catch (err) {
    if (err instanceof RecordConflictError) return { result: result(rec), retry: 'taken over by another invocation' };
    throw err;
  }
  return run(ctx, intent, rec);
}

/** A held action whose time has come: planned again from scratch against the state now. */
async function reevaluate(ctx: Ctx, intent: ActionIntent, rec: ActionRecord): Promise<{ result: PlannedAction; retry?: string }> {
  const { deps } = ctx;
  const now = deps.now();
  rec.status = 'pending';
  rec.planned = false;
  rec.operations = [];
  rec.policies = [];
  rec.attempts += 1;
  rec.leaseUntil = now.getTime() + (deps.leaseMs ?? 300_000);
  rec.updatedAt = now.toISOString();
  // Acting later means expiring later: the expiry counts from the decision that acts.
  if (rec.action.expiresAt) rec.action = { ...rec.action, expiresAt: intent.expiresAt };
  try {
    await deps.store.save(rec);
  } catch (err) {
    if (err instanceof RecordConflictError) return { result: result(rec), retry: 'taken over by another invocation' };
    throw err;
  }
  const out = await run(ctx, intent, rec);
  if (!rec.held || (rec.status as ActionRecord['status']) !== 'skipped') {
    delete rec.held;
    await deps.budgets.remove(deps.cluster, ctx.mode, rec.id);
  }
  return out;
}

/**
 * Holds an action back (a rail that may clear, a spent budget): recorded as `skipped` with a
 * `held:` reason, queued first so it cannot be lost, re-evaluated from `retryAt`. Once the
 * queue time is over it is announced as not acted on and leaves the queue.
 */
async function hold(ctx: Ctx, rec: ActionRecord, changes: string[], why: string): Promise<{ result: PlannedAction; retry?: string }> {
  const { deps } = ctx;
  const now = deps.now();
  const b = deps.config.budgets;
  const since = rec.held?.since ?? now.toISOString();
  const until = rec.held?.until ?? new Date(now.getTime() + b.queueHours * 3_600_000).toISOString();
  if (now.getTime() > Date.parse(until)) {
    delete rec.held;
    await deps.budgets.remove(deps.cluster, ctx.mode, rec.id);
    return finish(ctx, rec, 'skipped', changes, `not acted on: ${why}; held since ${since} and the queue time (enforcement.budgets.queueHours ${b.queueHours}) is over`);
  }
  const retryAt = new Date(now.getTime() + b.retryMinutes * 60_000).toISOString();
  rec.held = { reason: why, since, retryAt, until };
  rec.planned = false;
  rec.operations = [];
  await deps.budgets.enqueue({ cluster: deps.cluster, mode: ctx.mode, actionId: rec.id, kind: rec.kind, anomaly: ctx.anomaly, reason: why, retryAt, until });
  return finish(ctx, rec, 'skipped', changes, `held: ${why}; queued, re-evaluated from ${retryAt} until ${until}`);
}

async function announce(ctx: Ctx, rec: ActionRecord): Promise<void> {
  const h = hashOf(rec.action);
  if (rec.announced === h) return;
  await ctx.deps.announce([rec.action]);
  rec.announced = h;
  await ctx.deps.store.save(rec);
}

async function finish(ctx: Ctx, rec: ActionRecord, status: Exclude<EnforcementAction['outcome'], 'reverted'> | 'partial', changes: string[], reason?: string): Promise<{ result: PlannedAction; retry?: string }> {
  rec.status = status;
  // The event has five outcomes; a partial one is `failed` (its goal is not met) marked partial.
  const action: EnforcementAction = { ...rec.action, outcome: status === 'partial' ? 'failed' : status, changes };
  if (status === 'partial') action.partial = true;
  else delete action.partial;
  if (reason) action.reason = reason;
  else delete action.reason;
  rec.action = action;
  delete rec.leaseUntil;
  rec.updatedAt = ctx.deps.now().toISOString();
  await ctx.deps.store.save(rec);
  try {
    await announce(ctx, rec);
  } catch (err) {
    return { result: result(rec), retry: `announcing failed: ${errorMessage(err)}` };
  }
  return { result: result(rec) };
}

/**
 * The time budgets are counted at: the anomaly's own time (its window's end), so a backlog of
 * late deliveries counts in the hours it happened, not all in the hour it arrives; never later
 * than the decision (a future-dated window cannot book budget ahead). A held action being
 * re-evaluated counts at the decision, or it would meet again the window that held it.
 */
export function budgetClock(ctx: Pick<Ctx, 'deps' | 'anomaly'>, rec: Pick<ActionRecord, 'held'>): Date {
  const now = ctx.deps.now();
  if (rec.held) return now;
  const t = anomalyTime(ctx.anomaly);
  return Number.isFinite(t) && t < now.getTime() ? new Date(t) : now;
}

async function run(ctx: Ctx, intent: ActionIntent, rec: ActionRecord): Promise<{ result: PlannedAction; retry?: string }> {
  const { deps } = ctx;
  try {
    const head = decisionLines(intent);
    if (intent.skip) return await finish(ctx, rec, 'skipped', head, intent.skip);
    if (!rec.planned) {
      // A failure while planning still says what was decided and why.
      rec.action = { ...rec.action, changes: head };
      const allowed = await liveAllowList(ctx, intent);
      if (allowed) return await finish(ctx, rec, 'skipped', head, allowed);
      const plan = await planFor(ctx, intent);
      if (plan.skip) return await finish(ctx, rec, 'skipped', [...head, ...plan.changes], plan.skip);
      // An action that must outlast something (a role's maximum session duration) keeps its own, later expiry.
      if (plan.expiresAt && rec.action.expiresAt && plan.expiresAt > rec.action.expiresAt) rec.action = { ...rec.action, expiresAt: plan.expiresAt };
      plan.changes = [...head, ...plan.changes];
      rec.action = { ...rec.action, changes: plan.changes };
      if (intent.kind !== 'notify') {
        // Blast-radius rails against the live cluster (rails.ts).
        const rails = await checkRails(deps.kube, deps.config.rails, plan.operations, intent.target);
        plan.changes.push(...rails.lines);
        rec.action = { ...rec.action, changes: plan.changes };
        if (rails.outcome === 'skip') return await finish(ctx, rec, 'skipped', plan.changes, rails.reason);
        if (rails.outcome === 'hold') return await hold(ctx, rec, plan.changes, rails.reason);
      }
      if (intent.kind !== 'notify' && !rec.rateCounted) {
        const budget = await takeBudgets({
          store: deps.budgets,
          config: deps.config.budgets,
          cluster: deps.cluster,
          mode: ctx.mode,
          now: budgetClock(ctx, rec),
          target: intent.target,
          principal: ctx.anomaly.principal,
          hourly: async () => {
            const rate = await deps.store.consumeRate(deps.cluster, budgetClock(ctx, rec), deps.config.maxActionsPerHour, ctx.mode);
            return { allowed: rate.allowed, reason: `rate limit: ${deps.config.maxActionsPerHour} actions per hour on cluster ${deps.cluster} reached (enforcement.maxActionsPerHour)` };
          },
        });
        if (budget.held) return await hold(ctx, rec, plan.changes, budget.held);
        rec.rateCounted = true;
      }
      rec.operations = plan.operations;
      rec.policies = plan.policies;
      rec.planned = true;
      await deps.store.save(rec);
    }
    if (ctx.mode === 'dry-run') return await dryRun(ctx, intent, rec);
    return await apply(ctx, intent, rec);
  } catch (err) {
    if (err instanceof RecordConflictError) return { result: result(rec), retry: 'taken over by another invocation' };
    return failed(ctx, rec, err);
  }
}

// ---- planning --------------------------------------------------------------------------

/** The decision behind an action, first in its `changes`: the response table's choice and the gate. */
function decisionLines(intent: ActionIntent): string[] {
  return [intent.why, intent.gate].filter((l): l is string => !!l);
}

/** Allow-list entries naming a workload match pods the anomaly names only by pod name. */
async function liveAllowList(ctx: Ctx, intent: ActionIntent): Promise<string | undefined> {
  const w = ctx.anomaly.workload;
  if (!ctx.deps.kube || !w?.pod || w.owner || intent.kind === 'notify' || !ctx.deps.config.allowList.some((e) => e.workload)) return undefined;
  const pod = await ctx.deps.kube.getPod(w.namespace, w.pod);
  const owner = pod ? podOwner(pod) : undefined;
  return owner ? allowListReason(ctx.anomaly, intent.kind, ctx.deps.config, `${owner.kind}/${owner.name}`) : undefined;
}

async function factsFor(ctx: Ctx, key: string): Promise<ClusterFacts | undefined> {
  if (!ctx.deps.kube) return undefined;
  let f = ctx.facts.get(key);
  if (!f) {
    f = await readClusterFacts(ctx.deps.kube);
    ctx.facts.set(key, f);
  }
  return f;
}

async function planFor(ctx: Ctx, intent: ActionIntent): Promise<ActionPlan> {
  const { deps, anomaly } = ctx;
  const kube = deps.kube;
  switch (intent.kind) {
    case 'quarantine': {
      const pod = kube ? await kube.getPod(intent.target.namespace!, intent.target.name) : undefined;
      const m = kube ? await quarantineMechanism(ctx, kube) : undefined;
      const plan = planQuarantine(intent, anomaly, { pod, ...(m ? { mechanism: m.mechanism, mechanismWhy: m.why } : {}) });
      if (plan.skip || !kube) return plan;
      const facts = await factsFor(ctx, intent.id);
      const podId = `${intent.target.namespace}/${intent.target.name}`;
      const before = reachability(facts!.inventory, facts!.policies, podId);
      plan.changes.push(`before: ${before.inbound.length} source${before.inbound.length === 1 ? '' : 's'} could reach the pod and it could reach ${before.outbound.length} destination${before.outbound.length === 1 ? '' : 's'} (NetworkPolicy simulator, live cluster)`);
      return plan;
    }
    case 'tighten-egress': {
      const facts = await factsFor(ctx, intent.id);
      const w = anomalyWorkload(anomaly, facts?.inventory);
      const baseline = w && deps.baselines ? await deps.baselines.destinations(workloadKey(w), new Date(anomaly.window.start)) : undefined;
      return planTightenEgress(intent, anomaly, { ...(facts ? { inventory: facts.inventory, policies: facts.policies } : {}), baseline });
    }
    case 'revoke-credentials': {
      const sa = intent.target.kind === 'ServiceAccount' ? serviceAccountOf(anomaly) : undefined;
      const podName = sa && anomaly.workload?.namespace === sa.namespace ? anomaly.workload.pod : undefined;
      let pod: V1Pod | null | undefined;
      if (kube && podName) pod = await kube.getPod(sa!.namespace, podName);
      const quarantine = podName ? ctx.outcomes.get(outcomeKey('quarantine', sa!.namespace, podName)) : undefined;
      const arn = intent.target.arn;
      // The role as IAM has it: its path (SSO permission-set roles, EKS access entries are keyed by the path-bearing ARN) and its maximum session duration.
      const roleName = intent.target.kind === 'IAMRole' && arn ? roleNameFromArn(arn) : undefined;
      const sameAccount = !deps.account || /^arn:aws[\w-]*:iam::(\d{12}):/.exec(arn ?? '')?.[1] === deps.account;
      const role = roleName && deps.iam && sameAccount ? await deps.iam.getRole(roleName) : undefined;
      const entryArn = role?.arn ?? arn;
      const accessPolicies = entryArn && deps.access ? await deps.access.listAssociated(deps.eksClusterName ?? deps.cluster, entryArn) : undefined;
      return planRevoke(intent, anomaly, {
        cluster: !!kube,
        ...(pod !== undefined ? { pod } : {}),
        ...(kube && sa ? { legacySecrets: await kube.legacyTokenSecrets(sa.namespace, sa.name) } : {}),
        ...(quarantine && quarantine !== 'reverted' ? { quarantine } : {}),
        boundTokenRevocation: deps.config.boundTokenRevocation,
        iam: !!deps.iam,
        eks: !!deps.access,
        preview: ctx.mode === 'dry-run',
        eksClusterName: deps.eksClusterName ?? deps.cluster,
        ...(deps.account ? { account: deps.account } : {}),
        ...(accessPolicies !== undefined ? { accessPolicies } : {}),
        ...(role !== undefined ? { role } : {}),
        revokeAccessPolicies: deps.config.revokeAccessPolicies,
        revocableRoles: deps.config.revocableRoles,
        revocableAccessPolicies: deps.config.revocableAccessPolicies,
        ...(roleName ? await identityCenterFacts(ctx, roleName, role) : {}),
        now: deps.now(),
      });
    }
    case 'notify':
      return { operations: [], changes: ['no change to the cluster or to credentials: the anomaly is announced on the alert topic only'], policies: [] };
  }
}

/** enforcement.identityCenter's view of an IAM Identity Center role: its permission set and the inline policy it has now. */
async function identityCenterFacts(ctx: Ctx, roleName: string, role: RoleInfo | null | undefined): Promise<{ identityCenter?: NonNullable<Parameters<typeof planRevoke>[2]['identityCenter']> }> {
  const ic = ctx.deps.config.identityCenter;
  const sso = ctx.deps.sso;
  const isSso = role ? role.path.startsWith(SSO_ROLE_PATH_PREFIX) : role === undefined && roleName.startsWith(SSO_ROLE_NAME_PREFIX);
  if (!ic || !isSso) return {};
  const name = permissionSetNameOf(roleName);
  const mapped = name ? ic.permissionSets[name] : undefined;
  const arn = mapped ?? (name && sso && ic.lookup ? await sso.findPermissionSet(ic.instanceArn, name) : undefined);
  const currentPolicy = arn && sso ? await sso.getInlinePolicy(ic.instanceArn, arn) : undefined;
  return {
    identityCenter: {
      instanceArn: ic.instanceArn,
      ...(name ? { permissionSetName: name } : {}),
      ...(arn !== undefined ? { permissionSetArn: arn } : {}),
      lookup: ic.lookup,
      access: !!sso,
      ...(currentPolicy !== undefined ? { currentPolicy } : {}),
    },
  };
}

function outcomeKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}:${namespace ?? ''}/${name}`;
}

// ---- dry run ---------------------------------------------------------------------------

async function dryRun(ctx: Ctx, intent: ActionIntent, rec: ActionRecord): Promise<{ result: PlannedAction; retry?: string }> {
  const changes = [...rec.action.changes, ...rec.operations.flatMap(apiCalls)];
  changes.push(...uncheckedLines(rec.operations, { cluster: !!ctx.deps.kube, iam: !!ctx.deps.iam, eks: !!ctx.deps.access, sso: !!ctx.deps.sso }));
  if (rec.operations.length && intent.kind !== 'notify') changes.push(`would schedule its revert at ${rec.action.expiresAt ?? intent.expiresAt} before changing anything`);
  let reason: string | undefined;
  if (ctx.deps.kube) {
    // The API server validates and admits each write without persisting it.
    for (const op of rec.operations.filter(touchesCluster)) {
      try {
        await runOperation(ctx.exec, op, ctx.anomaly.id);
      } catch (err) {
        if (isRetryable(err)) throw err;
        return finish(ctx, rec, 'failed', changes, `server-side dry run rejected it: ${errorMessage(err)}`);
      }
    }
    changes.push('server-side dry run: the API server accepted every change');
    const facts = ctx.facts.get(intent.id);
    if (facts) {
      const v = verification(ctx, intent, rec, simulateAfter(facts, rec.operations), false);
      changes.push(...v.lines);
      reason = v.reason;
    }
  }
  return finish(ctx, rec, 'planned', changes, reason);
}

const touchesCluster = (op: Operation) => op.op === 'apply-policy' || op.op === 'quarantine-pod' || op.op === 'isolate-pod' || op.op === 'delete-pod' || op.op === 'evict-pod' || op.op === 'delete-secret';

/** The cluster as it would be after the operations: relabelled pods, added policies. */
function simulateAfter(facts: ClusterFacts, ops: readonly Operation[]): ClusterFacts {
  let { inventory, policies } = facts;
  for (const op of ops) {
    if (op.op === 'quarantine-pod') {
      inventory = withPodLabels(inventory, `${op.namespace}/${op.pod}`, { [QUARANTINE_LABEL]: op.token });
      policies = withPolicy(policies, op.policy);
    } else if (op.op === 'isolate-pod') {
      const pod = inventory.pods.find((p) => p.namespace === op.namespace && p.name === op.pod);
      inventory = withPodLabels(inventory, `${op.namespace}/${op.pod}`, { ...(pod?.labels ?? {}), [QUARANTINE_LABEL]: op.token });
      policies = withPolicy(withPolicy<AnyNetworkPolicy>(policies, op.clusterPolicy), op.policy);
    } else if (op.op === 'apply-policy') {
      policies = withPolicy(policies, op.policy);
    }
  }
  return { inventory, policies, unreadable: facts.unreadable };
}

function verification(ctx: Ctx, intent: ActionIntent, rec: ActionRecord, facts: ClusterFacts, live: boolean): { lines: string[]; reason?: string } {
  const where = live ? 'against the live cluster' : 'on the simulated result';
  if (intent.kind === 'quarantine') {
    const op = rec.operations.find((o) => o.op === 'quarantine-pod' || o.op === 'isolate-pod');
    if (!op || (op.op !== 'quarantine-pod' && op.op !== 'isolate-pod')) return { lines: [] };
    const podId = `${op.namespace}/${op.pod}`;
    const admin = op.op === 'isolate-pod';
    const r = isolationReport(facts.inventory, facts.policies, podId, `${op.namespace}/${op.policy.metadata.name}`, { adminDeny: admin, unreadable: facts.unreadable });
    const lines = r.residual.length
      ? r.residual
      : [`verified with the ${admin ? 'policy simulator (ClusterNetworkPolicy tiers and NetworkPolicies)' : 'NetworkPolicy simulator'} ${where}: no pod, node or outside address reaches ${podId}, and it reaches nothing`];
    lines.push(...r.inherent);
    return { lines, ...(r.residual.length ? { reason: `isolation incomplete: ${r.residual.length} residual allowance${r.residual.length === 1 ? '' : 's'} (see changes)` } : {}) };
  }
  if (intent.kind === 'tighten-egress') {
    const op = rec.operations.find((o) => o.op === 'apply-policy');
    const w = anomalyWorkload(ctx.anomaly, facts.inventory);
    if (!op || op.op !== 'apply-policy' || !w) return { lines: [] };
    const lines = verifyTightening(ctx.anomaly, w, op.policy, facts, { live });
    const residual = lines.filter((l) => l.startsWith('residual path'));
    const unknown = lines.filter((l) => l.startsWith('residual uncertainty'));
    const reason = residual.length
      ? `still escapes: ${residual.length} of the anomaly's destinations remain reachable through other policies (see changes)`
      : unknown.length
        ? `not verified: ${unknown.length} live polic${unknown.length === 1 ? 'y' : 'ies'} could not be simulated (see changes)`
        : undefined;
    return { lines, ...(reason ? { reason } : {}) };
  }
  return { lines: [] };
}

// ---- apply -----------------------------------------------------------------------------

async function apply(ctx: Ctx, intent: ActionIntent, rec: ActionRecord): Promise<{ result: PlannedAction; retry?: string }> {
  const { deps } = ctx;
  if (rec.operations.length && !rec.schedule) {
    if (!deps.scheduler) throw new ConfigError('enforcement mode apply needs a revert scheduler');
    const dueAt = rec.action.expiresAt ?? deps.now().toISOString();
    rec.schedule = await deps.scheduler.schedule(rec.id, deps.cluster, new Date(dueAt));
    await deps.ledger?.owe(deps.cluster, rec.id, dueAt);
    await deps.store.save(rec);
  }
  const recordUndo = async (steps: UndoStep[]) => {
    const before = JSON.stringify(rec.undo);
    mergeUndo(rec.undo, steps);
    if (JSON.stringify(rec.undo) !== before) await deps.store.save(rec);
  };
  const notes: string[] = [];
  for (const op of rec.operations) {
    const r = await runOperation(ctx.exec, op, ctx.anomaly.id, recordUndo);
    await recordUndo(r.undo);
    if (op.op === 'deny-session-in-permission-set') notes.push(r.note);
  }
  const changes = [...rec.action.changes, ...notes];
  let reason: string | undefined;
  const ssoCheck = await verifyPermissionSets(ctx, rec);
  changes.push(...ssoCheck.lines);
  if (ssoCheck.unverified) reason = ssoCheck.unverified;
  if (deps.kube && (intent.kind === 'quarantine' || intent.kind === 'tighten-egress')) {
    const read = await verificationRead(deps.kube, deps.verifyAttempts ?? VERIFY_ATTEMPTS);
    if ('error' in read) {
      // The change succeeded; only reading it back failed. Rolling back here would flap a pod in
      // and out of quarantine on a flaky API server, so the action stays and says it is unverified.
      changes.push(`${UNVERIFIED}: reading the cluster back failed ${read.attempts} time${read.attempts === 1 ? '' : 's'} (${read.error}); the change is in place and was not rolled back — check it with kubectl, or release it with boundwatch release ${rec.id}`);
      reason = `${UNVERIFIED}: the verification read failed (${read.error})`;
    } else {
      const v = verification(ctx, intent, rec, read.facts, true);
      changes.push(...v.lines);
      if (v.reason) {
        // The change holds but does not close every path: its own outcome, and it pages.
        delete rec.retryable;
        return finish(ctx, rec, 'partial', changes, v.reason);
      }
    }
  }
  delete rec.retryable;
  return finish(ctx, rec, 'applied', changes, reason);
}

/**
 * Reads each permission set back after its deny was provisioned: the statement must be in its
 * inline policy. Missing (someone overwrote the policy in between): the action fails and is
 * rolled back and retried. The read itself failing leaves the change in place, unverified.
 */
async function verifyPermissionSets(ctx: Ctx, rec: ActionRecord): Promise<{ lines: string[]; unverified?: string }> {
  const lines: string[] = [];
  let unverified: string | undefined;
  for (const step of rec.undo) {
    if (step.undo !== 'remove-permission-set-statement' || !ctx.deps.sso) continue;
    const op = rec.operations.find((o) => o.op === 'deny-session-in-permission-set' && o.sid === step.sid);
    if (!op || op.op !== 'deny-session-in-permission-set') continue;
    let text: string;
    try {
      text = await ctx.deps.sso.getInlinePolicy(step.instanceArn, step.permissionSetArn);
    } catch (err) {
      lines.push(`${UNVERIFIED}: reading permission set ${step.permissionSetArn} back failed (${errorMessage(err)}); the deny is in place and was not rolled back`);
      unverified = `${UNVERIFIED}: the verification read of the permission set failed (${errorMessage(err)})`;
      continue;
    }
    if (!hasStatement(text, JSON.parse(op.statement) as PolicyStatement)) throw new DownstreamError(`statement ${step.sid} is not in the inline policy of permission set ${step.permissionSetArn} when read back (changed concurrently?)`);
    lines.push(`verified: the inline policy of permission set ${step.permissionSetArn} carries statement ${step.sid} (read back with sso:GetInlinePolicyForPermissionSet), provisioned to account ${step.accountId}`);
  }
  return { lines, ...(unverified ? { unverified } : {}) };
}

/** Marks an applied action whose result could not be read back. */
export const UNVERIFIED = 'applied, unverified';
const VERIFY_ATTEMPTS = 3;

/** Reads the cluster back after a change, a few times (each read has the client's own retries). */
async function verificationRead(kube: ClusterClient, attempts: number): Promise<{ facts: ClusterFacts } | { error: string; attempts: number }> {
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      return { facts: await readClusterFacts(kube) };
    } catch (err) {
      last = errorMessage(err);
    }
  }
  return { error: last, attempts };
}

/** Rolls back what ran, records the failure, announces it; retryable failures are retried by redelivery. */
async function failed(ctx: Ctx, rec: ActionRecord, err: unknown): Promise<{ result: PlannedAction; retry?: string }> {
  const { deps } = ctx;
  const retryable = isRetryable(err) && rec.attempts < (deps.maxAttempts ?? 5);
  const notes: string[] = [];
  let rollbackError: string | undefined;
  const reversible = rec.undo.filter((s) => s.undo !== 'irreversible');
  for (const step of [...reversible].reverse()) {
    try {
      notes.push(await runUndo(ctx.exec, step));
      rec.undo = rec.undo.filter((s) => s !== step);
    } catch (e) {
      rollbackError = errorMessage(e);
      break;
    }
  }
  if (!rollbackError && rec.schedule && !rec.undo.some((s) => s.undo !== 'irreversible')) {
    try {
      await deps.scheduler?.cancel(rec.schedule);
      delete rec.schedule;
      await deps.ledger?.settle(deps.cluster, rec.id);
    } catch {
      // The revert then runs at expiry and finds nothing to do.
    }
  }
  rec.retryable = retryable;
  // Changes that stay (irreversible steps, or a rollback that stopped) make the outcome partial.
  const stays = rec.undo.filter((s) => s.undo === 'irreversible').map((s) => s.what);
  const outcome = stays.length || rollbackError ? 'partial' : 'failed';
  const base = errorMessage(err);
  const tail = rollbackError
    ? `; rollback incomplete (${rollbackError}): the revert scheduled for ${rec.action.expiresAt} retries it`
    : notes.length
      ? `; rolled back: ${notes.join('; ')}`
      : '';
  const again = retryable ? ' (retried on redelivery)' : '';
  const kept = stays.length ? `; done and not undone: ${stays.join('; ')}` : '';
  try {
    const out = await finish(ctx, rec, outcome, rec.action.changes, `${base}${tail}${kept}${again}`);
    return retryable ? { ...out, retry: base } : out;
  } catch (e) {
    return { result: result(rec), retry: `recording the failure failed: ${errorMessage(e)}` };
  }
}

/**
 * Re-evaluates the held actions whose time has come (event time: the engine's clock), at
 * most `limit` of them: each one's anomaly is enforced again, which re-plans only the held
 * actions (the others are final). Run before each anomaly and on the scheduled sweep.
 */
export async function sweepHeld(deps: EngineDeps, limit = 25): Promise<PlannedAction[]> {
  if (deps.mode === 'off') return [];
  const mode = deps.mode;
  const out: PlannedAction[] = [];
  for (const h of await deps.budgets.due(deps.cluster, mode, deps.now(), limit)) {
    try {
      out.push(...(await enforceAnomaly(deps, h.anomaly)));
    } catch (err) {
      if (!(err instanceof RetryLaterError)) throw err;
      out.push(...err.results);
    }
    const rec = await deps.store.get(h.actionId, mode);
    // Its record decides: gone from the plan, or no longer held, it leaves the queue.
    if (!rec?.held || rec.status !== 'skipped') await deps.budgets.remove(deps.cluster, mode, h.actionId);
  }
  return out;
}
