/**
 * Lambda entry for the revert of an enforcement action. Three ways in:
 * - the revert queue (SQS, the event source): the action's EventBridge Scheduler one-time
 *   schedule delivers `{"actionId", "cluster", "trigger": "expiry"[, "attempt"]}` there at expiry;
 * - directly, to release an action early (`"trigger": "release"`; the caller sees any error);
 * - directly, from schedules created before the queue existed.
 * Thin: the record in DynamoDB says what was changed; shared/enforce/revert.ts restores it,
 * records and announces `reverted`, and when a revert at expiry fails schedules the next
 * attempt with a doubling wait (revertOrRetry). A queue message fails only when even that could
 * not be done: the queue redelivers it, then moves it to the revert dead-letter queue. A
 * repeated delivery finds the action reverted and does nothing.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { accessPolicyPort, awsRevertScheduler, iamPort, ssoAdminPort, type AccessPolicyPort, type IamPort, type RevertScheduler, type SsoAdminPort } from '#shared/enforce/aws';
import { revertOrRetry, type RevertResult } from '#shared/enforce/revert';
import { dynamoRevertLedger, type RevertLedger } from '#shared/enforce/revert-ledger';
import { dynamoActionStore } from '#shared/enforce/store';
import { EnvNames } from '#shared/env';
import { functionEnv, lazyHandler } from '#shared/lambda/bootstrap';
import { ValidationError, describeIssues } from '#shared/errors';
import { publishEvents } from '#shared/events/publish';
import { DetailType, type EnforcementAction } from '#shared/events/schema';
import type { ClusterClient } from '#shared/k8s/client';
import { createObservability, withObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';

export const RevertEvent = z.object({
  actionId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a boundwatch action id'),
  cluster: z.string().optional(),
  trigger: z.enum(['expiry', 'release']).default('expiry'),
  attempt: z.number().int().min(1).max(100).optional(),
});

export interface RevertDepsEnv {
  eventBridge: EventBridgeClient;
  busName: string;
  cluster: string;
  ddb: DynamoDBClient;
  tableName: string;
  kube?: ClusterClient | undefined;
  iam?: IamPort | undefined;
  access?: AccessPolicyPort | undefined;
  /** IAM Identity Center; built only when enforcement.identityCenter is configured. */
  sso?: SsoAdminPort | undefined;
  scheduler?: RevertScheduler | undefined;
  ledger?: RevertLedger | undefined;
  now?: () => Date;
}

export function depsFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<RevertDepsEnv> = {}): RevertDepsEnv {
  const fe = functionEnv(env);
  const cluster = fe.config().cluster.name;
  const deps: RevertDepsEnv = {
    eventBridge: overrides.eventBridge ?? fe.eventBridge(),
    busName: fe.busName(),
    cluster,
    ddb: overrides.ddb ?? fe.dynamo(),
    tableName: fe.tableName(),
  };
  // A revert must work whatever the mode is now: actions applied before a switch to dry-run still expire.
  if (!('kube' in overrides)) {
    deps.kube = fe.clusterClient();
    deps.access = accessPolicyPort(fe.eks());
  }
  if (!('iam' in overrides)) deps.iam = iamPort(fe.iam());
  // A revert removes what an action put in a permission set, whatever the configuration says now.
  if (!('sso' in overrides) && fe.config().enforcement.identityCenter) deps.sso = ssoAdminPort(fe.ssoAdmin());
  if (!('scheduler' in overrides)) {
    const group = fe.optional(EnvNames.schedulerGroupName);
    // cancel() on release; schedule() for the next attempt of a failed revert (the schedule of an expiry deletes itself).
    if (group) {
      const roleArn = fe.optional(EnvNames.schedulerRoleArn);
      const targetArn = fe.optional(EnvNames.revertTargetArn);
      const deadLetterArn = fe.optional(EnvNames.schedulerDlqArn);
      deps.scheduler = awsRevertScheduler(fe.scheduler(), { groupName: group, ...(roleArn ? { roleArn } : {}), ...(targetArn ? { targetArn } : {}), ...(deadLetterArn ? { deadLetterArn } : {}) });
    }
  }
  return { ...deps, ...overrides };
}

/** An SQS event source delivery (the revert queue), as opposed to a direct invocation. */
export function isQueueEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown })?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs');
}

export function makeHandler(deps: RevertDepsEnv, obs: Observability = createObservability('revert', deps.cluster)) {
  const store = dynamoActionStore(deps.ddb, deps.tableName);
  const ledger = deps.ledger ?? dynamoRevertLedger(deps.ddb, deps.tableName);
  const revertDeps = {
    store,
    ledger,
    cluster: deps.cluster,
    now: deps.now ?? (() => new Date()),
    announce: async (actions: EnforcementAction[]) => {
      await publishEvents(deps.eventBridge, deps.busName, actions.map((a) => ({ detailType: DetailType.enforcement, detail: a })));
    },
    ...(deps.kube ? { kube: deps.kube } : {}),
    ...(deps.iam ? { iam: deps.iam } : {}),
    ...(deps.access ? { access: deps.access } : {}),
    ...(deps.sso ? { sso: deps.sso } : {}),
    ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
  };
  const run = async (event: unknown): Promise<RevertResult> => {
    const input = RevertEvent.safeParse(event);
    if (!input.success) throw new ValidationError('invalid-revert-input', `invalid revert input: ${describeIssues(input.error.issues)}`);
    const { attempt } = input.data;
    const result = await revertOrRetry(revertDeps, { actionId: input.data.actionId, trigger: input.data.trigger, cluster: input.data.cluster ?? deps.cluster, ...(attempt ? { attempt } : {}) });
    const { actionId, trigger } = input.data;
    if (result.status === 'retry-scheduled') obs.logger.warn('revert failed; next attempt scheduled', { actionId, trigger, attempt: result.retry?.attempt, at: result.retry?.at, reason: result.notes.join('; ') });
    else obs.logger.info('revert', { actionId, trigger, status: result.status });
    if (result.status === 'reverted' && result.action) countMetric(obs.metrics, MetricName.enforcementActions, 1, { action: result.action.action, outcome: 'reverted' });
    return result;
  };
  const handle = (event: unknown, context?: Context): Promise<RevertResult | SQSBatchResponse> =>
    withObservability(obs, context, {}, async () => {
      if (!isQueueEvent(event)) return run(event);
      // One message per revert; a failure is reported for that message alone (partial batch response).
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        try {
          let body: unknown;
          try {
            body = JSON.parse(record.body);
          } catch {
            throw new ValidationError('invalid-revert-input', 'revert queue message is not JSON');
          }
          await run(body);
        } catch (err) {
          obs.logger.error('revert message failed; the queue redelivers it, then keeps it in the revert dead-letter queue', { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount, reason: err instanceof Error ? err.message : String(err) });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    });
  // A queue delivery answers with its failed messages, a direct invocation with the revert's result.
  return handle as <E>(event: E, context?: Context) => Promise<E extends SQSEvent ? SQSBatchResponse : RevertResult>;
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<RevertResult | SQSBatchResponse>) => makeHandler(depsFromEnv(process.env)));
