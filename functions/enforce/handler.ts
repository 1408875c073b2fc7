/**
 * Lambda entry for Behavior Anomaly events routed by the `AnomalyToEnforce` rule. Thin: parse
 * the EventBridge envelope, hand the anomaly to the enforcement engine (shared/enforce), and
 * throw only when an action must be retried by redelivery (the engine's records make that
 * safe: a retry never acts twice). Clients are created once per container.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { functionEnv, lazyHandler } from '#shared/lambda/bootstrap';
import type { EnforcementConfig } from '#shared/config';
import { accessPolicyPort, awsRevertScheduler, iamPort, ssoAdminPort, type AccessPolicyPort, type IamPort, type RevertScheduler, type SsoAdminPort } from '#shared/enforce/aws';
import { flowGraphBaseline, type BaselineSource } from '#shared/enforce/baseline';
import { dynamoBudgets } from '#shared/enforce/budgets';
import { enforceAnomaly, RetryLaterError, sweepHeld, type EngineDeps } from '#shared/enforce/engine';
import type { LearningConfig } from '#shared/enforce/gates';
import { tableMaturity, type MaturitySource } from '#shared/enforce/maturity';
import type { PlannedAction } from '#shared/enforce/plan';
import { dynamoRevertLedger, REVERT_GRACE_MS, type RevertLedger } from '#shared/enforce/revert-ledger';
import { dynamoActionStore } from '#shared/enforce/store';
import { EnvNames } from '#shared/env';
import { ConfigError, ValidationError, describeIssues } from '#shared/errors';
import { publishEvents } from '#shared/events/publish';
import { dynamoProvenance, type ProvenanceStore } from '#shared/events/provenance';
import { AttackSequence, BehaviorAnomaly, DetailType, EnforcementMode, EventBridgeEnvelope, type EnforcementAction } from '#shared/events/schema';
import { sequenceAsAnomaly } from '#shared/runtime/respond';
import type { ClusterClient } from '#shared/k8s/client';
import { createObservability, withObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';

export interface EnforceDeps {
  eventBridge: EventBridgeClient;
  busName: string;
  cluster: string;
  mode: EnforcementMode;
  enforcement: EnforcementConfig;
  ddb: DynamoDBClient;
  tableName: string;
  /** Cluster access; absent: plans are made from the anomaly alone (dry-run only). */
  kube?: ClusterClient | undefined;
  iam?: IamPort | undefined;
  access?: AccessPolicyPort | undefined;
  /** IAM Identity Center; built only when enforcement.identityCenter is configured. */
  sso?: SsoAdminPort | undefined;
  scheduler?: RevertScheduler | undefined;
  baselines?: BaselineSource;
  maturity?: MaturitySource;
  learning?: LearningConfig;
  /** Where ingest recorded the anomalies it published; the table's records by default. */
  provenance?: ProvenanceStore;
  /** Reverts owed; the table's ledger by default. */
  ledger?: RevertLedger;
  now?: () => Date;
}

export interface EnforceResult {
  planned: PlannedAction[];
  /** Set when the anomaly was not acted on because boundwatch did not record it (forged or altered). */
  refused?: string;
}

/**
 * Dependencies from the environment. `overrides` replace what would be built for AWS: the
 * local runtime passes its own cluster client (or none), scheduler and no IAM/EKS access.
 */
export function depsFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<EnforceDeps> = {}): EnforceDeps {
  const fe = functionEnv(env);
  const config = fe.config();
  const mode = EnforcementMode.safeParse(fe.optional(EnvNames.enforcementMode) ?? config.cluster.enforcement);
  if (!mode.success) throw new ConfigError(`Environment variable ${EnvNames.enforcementMode} must be off, dry-run or apply`);
  const tableName = fe.tableName();
  const ddb = overrides.ddb ?? fe.dynamo();
  const cluster = config.cluster.name;
  const deps: EnforceDeps = {
    eventBridge: overrides.eventBridge ?? fe.eventBridge(),
    busName: fe.busName(),
    cluster,
    mode: mode.data,
    enforcement: config.enforcement,
    ddb,
    tableName,
    baselines: flowGraphBaseline({ client: ddb, tableName, cluster }),
    maturity: tableMaturity({ client: ddb, tableName, cluster }),
    learning: { learningDays: config.detection.learningDays, clusterLearningDays: config.detection.clusterLearningDays },
  };
  if (mode.data !== 'off') {
    if (!('kube' in overrides)) {
      deps.kube = fe.clusterClient();
      deps.access = accessPolicyPort(fe.eks());
    }
    if (!('iam' in overrides)) deps.iam = iamPort(fe.iam());
    if (!('sso' in overrides) && config.enforcement.identityCenter) deps.sso = ssoAdminPort(fe.ssoAdmin());
    if (!('scheduler' in overrides) && mode.data === 'apply') {
      deps.scheduler = awsRevertScheduler(fe.scheduler(), {
        groupName: fe.require(EnvNames.schedulerGroupName),
        roleArn: fe.require(EnvNames.schedulerRoleArn),
        targetArn: fe.require(EnvNames.revertTargetArn),
        ...(fe.optional(EnvNames.schedulerDlqArn) ? { deadLetterArn: fe.optional(EnvNames.schedulerDlqArn)! } : {}),
      });
    }
  }
  return { ...deps, ...overrides };
}

/** A Behavior Anomaly, or an Attack Sequence answered as the anomaly of its compromised workload. */
export function parseAnomalyEvent(event: unknown): BehaviorAnomaly {
  const envelope = EventBridgeEnvelope.safeParse(event);
  if (envelope.success && envelope.data['detail-type'] === DetailType.sequence) {
    const seq = AttackSequence.safeParse(envelope.data.detail);
    if (!seq.success) throw new ValidationError('invalid-sequence', `invalid Attack Sequence: ${describeIssues(seq.error.issues, 5)}`);
    return sequenceAsAnomaly(seq.data);
  }
  if (!envelope.success || envelope.data['detail-type'] !== DetailType.anomaly) {
    throw new ValidationError('not-anomaly-event', 'expected an EventBridge "Behavior Anomaly" or "Attack Sequence" event');
  }
  const detail = BehaviorAnomaly.safeParse(envelope.data.detail);
  if (!detail.success) {
    throw new ValidationError('invalid-anomaly', `invalid Behavior Anomaly: ${describeIssues(detail.error.issues, 5)}`);
  }
  return detail.data;
}

export function announcer(deps: Pick<EnforceDeps, 'eventBridge' | 'busName'>): (actions: EnforcementAction[]) => Promise<void> {
  return async (actions) => {
    if (actions.length) await publishEvents(deps.eventBridge, deps.busName, actions.map((a) => ({ detailType: DetailType.enforcement, detail: a })));
  };
}

export function makeHandler(deps: EnforceDeps, obs: Observability = createObservability('enforce', deps.cluster)) {
  const store = dynamoActionStore(deps.ddb, deps.tableName);
  // A damaged held record costs only its own action, by name; the others are still re-evaluated.
  const budgets = dynamoBudgets(deps.ddb, deps.tableName, { onUnreadable: (err) => obs.logger.error(err.message, { actionId: err.actionId }) });
  const announce = announcer(deps);
  const provenance = deps.provenance ?? dynamoProvenance(deps.ddb, deps.tableName);
  const ledger = deps.ledger ?? dynamoRevertLedger(deps.ddb, deps.tableName);
  const record = (planned: PlannedAction[], anomalyId: string) => {
    for (const p of planned) {
      countMetric(obs.metrics, MetricName.enforcementActions, 1, { action: p.action.action, outcome: p.action.outcome });
      obs.logger.info('enforcement action', { actionId: p.action.id, anomalyId, action: p.action.action, outcome: p.action.outcome, mode: p.action.mode, ...(p.action.reason ? { reason: p.action.reason } : {}) });
    }
  };
  const engineDeps = (account: unknown): EngineDeps => ({
    cluster: deps.cluster,
    mode: deps.mode,
    config: deps.enforcement,
    now: deps.now ?? (() => new Date()),
    store,
    budgets,
    announce,
    ...(deps.kube ? { kube: deps.kube } : {}),
    ...(deps.iam ? { iam: deps.iam } : {}),
    ...(deps.access ? { access: deps.access } : {}),
    ...(deps.sso ? { sso: deps.sso } : {}),
    ...(typeof account === 'string' && /^\d{12}$/.test(account) ? { account } : {}),
    ...(deps.scheduler ? { scheduler: deps.scheduler, ledger } : {}),
    ...(deps.baselines ? { baselines: deps.baselines } : {}),
    ...(deps.maturity ? { maturity: deps.maturity } : {}),
    ...(deps.learning ? { learning: deps.learning } : {}),
  });
  /** Held actions whose time has come are re-evaluated first; a failure there must not block this anomaly. */
  const sweep = async (account: unknown): Promise<PlannedAction[]> => {
    try {
      const out = await sweepHeld(engineDeps(account));
      record(out, 'held-sweep');
      return out;
    } catch (err) {
      obs.logger.warn('re-evaluating held actions failed; retried on the next invocation', { reason: err instanceof Error ? err.message : String(err) });
      return [];
    }
  };
  /**
   * RevertsPending: actions past their expiry (by more than the grace) whose revert has not
   * succeeded, emitted on every sweep, 0 included, so its alarm stays raised exactly while one is owed.
   */
  const countPendingReverts = async () => {
    const overdue = await ledger.overdue(deps.cluster, (deps.now ?? (() => new Date()))(), REVERT_GRACE_MS);
    countMetric(obs.metrics, MetricName.revertsPending, overdue.length);
    if (overdue.length) {
      obs.logger.error('reverts pending: actions past their expiry are still in force', { count: overdue.length, actions: overdue.slice(0, 20).map((o) => `${o.actionId} (due ${o.dueAt})`).join(', ') });
    }
  };
  return (event: unknown, context?: Context): Promise<EnforceResult> =>
    withObservability(obs, context, {}, async () => {
      // The scheduled sweep (an EventBridge schedule) re-evaluates held actions and counts the reverts that did not come back.
      if (isSweepEvent(event)) {
        const planned = await sweep((event as { account?: unknown }).account);
        await countPendingReverts();
        return { planned };
      }
      const anomaly = parseAnomalyEvent(event);
      // The bus delivers in its own account: that is the account whose IAM this function may change.
      const account = (event as { account?: unknown }).account;
      if (anomaly.cluster !== deps.cluster) {
        obs.logger.warn('anomaly for another cluster ignored', { anomalyId: anomaly.id, cluster: anomaly.cluster });
        return { planned: [] };
      }
      // Only an anomaly a boundwatch ingest function recorded with this exact content is acted on.
      const origin = await provenance.check(anomaly);
      if (!origin.verified) {
        obs.logger.error('anomaly refused: not recorded by boundwatch', { anomalyId: anomaly.id, reason: origin.reason });
        countMetric(obs.metrics, MetricName.anomaliesRefused, 1);
        return { planned: [], refused: origin.reason };
      }
      await sweep(account);
      try {
        const planned = await enforceAnomaly(engineDeps(account), anomaly);
        record(planned, anomaly.id);
        return { planned };
      } catch (err) {
        if (err instanceof RetryLaterError) {
          record(err.results, anomaly.id);
          obs.logger.warn('enforcement will be retried', { anomalyId: anomaly.id, reason: err.message });
        }
        throw err;
      }
    });
}

/** An EventBridge scheduled event (`detail-type: Scheduled Event`) asks for a sweep of held actions. */
export function isSweepEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { 'detail-type'?: unknown })['detail-type'] === 'Scheduled Event';
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<EnforceResult>) => makeHandler(depsFromEnv(process.env)));
