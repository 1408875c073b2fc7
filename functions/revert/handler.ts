/**
 * Lambda entry for the revert of an enforcement action, invoked by the action's EventBridge
 * Scheduler one-time schedule at expiry (input `{"actionId": ..., "cluster": ..., "trigger":
 * "expiry"}`), or directly to release an action early (`"trigger": "release"`). Thin: the
 * record in DynamoDB says what was changed; shared/enforce/revert.ts restores it, records and
 * announces `reverted`. A failed step throws, so the schedule's retry policy (then its
 * dead-letter queue) takes over; a repeated invocation finds the action reverted and does
 * nothing.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { accessPolicyPort, awsRevertScheduler, iamPort, ssoAdminPort, type AccessPolicyPort, type IamPort, type RevertScheduler, type SsoAdminPort } from '#shared/enforce/aws';
import { revertAction, type RevertResult } from '#shared/enforce/revert';
import { dynamoActionStore } from '#shared/enforce/store';
import { EnvNames } from '#shared/env';
import { functionEnv, lazyHandler } from '#shared/lambda/bootstrap';
import { ValidationError, describeIssues } from '#shared/errors';
import { publishEvents } from '#shared/events/publish';
import { DetailType } from '#shared/events/schema';
import type { ClusterClient } from '#shared/k8s/client';
import { createObservability, withObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';

export const RevertEvent = z.object({
  actionId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a boundwatch action id'),
  cluster: z.string().optional(),
  trigger: z.enum(['expiry', 'release']).default('expiry'),
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
    // Only cancel() is used here (release); the schedule of an expiry deletes itself.
    if (group) deps.scheduler = awsRevertScheduler(fe.scheduler(), { groupName: group });
  }
  return { ...deps, ...overrides };
}

export function makeHandler(deps: RevertDepsEnv, obs: Observability = createObservability('revert', deps.cluster)) {
  const store = dynamoActionStore(deps.ddb, deps.tableName);
  return (event: unknown, context?: Context): Promise<RevertResult> =>
    withObservability(obs, context, {}, async () => {
      const input = RevertEvent.safeParse(event);
      if (!input.success) throw new ValidationError('invalid-revert-input', `invalid revert input: ${describeIssues(input.error.issues)}`);
      const { actionId, trigger } = input.data;
      const result = await revertAction(
        {
          store,
          now: deps.now ?? (() => new Date()),
          announce: async (actions) => {
            await publishEvents(deps.eventBridge, deps.busName, actions.map((a) => ({ detailType: DetailType.enforcement, detail: a })));
          },
          ...(deps.kube ? { kube: deps.kube } : {}),
          ...(deps.iam ? { iam: deps.iam } : {}),
          ...(deps.access ? { access: deps.access } : {}),
          ...(deps.sso ? { sso: deps.sso } : {}),
          ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
        },
        actionId,
        trigger,
      );
      obs.logger.info('revert', { actionId, trigger, status: result.status });
      if (result.status === 'reverted' && result.action) countMetric(obs.metrics, MetricName.enforcementActions, 1, { action: result.action.action, outcome: 'reverted' });
      return result;
    });
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<RevertResult>) => makeHandler(depsFromEnv(process.env)));
