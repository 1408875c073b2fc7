/**
 * Target of the AnomalyToAlerts and EnforcementToAlerts rules: formats the event for humans and
 * publishes it to the alerts topic. EventBridge invokes asynchronously; a failure is retried by
 * Lambda and then lands in the function's on-failure queue (alarmed), never dropped. One
 * function serves every cluster of the stack, so its metrics take the cluster per alert.
 */
import type { Context } from 'aws-lambda';
import type { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { publishAlert } from '#shared/alerts/publish';
import { functionEnv, lazyHandler } from '#shared/lambda/bootstrap';
import { EnvNames, jsonEnv } from '#shared/env';
import { withObservability, type Observability } from '#shared/observability/invocation';
import { LogMessage, MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';

const SERVICE = 'notify';

export interface NotifyDeps {
  sns: SNSClient;
  topicArn: string;
  /** Cluster name → audit log group, for the Logs Insights query in each alert. */
  auditLogGroups: Record<string, string>;
}

export function depsFromEnv(env: NodeJS.ProcessEnv): NotifyDeps {
  const fe = functionEnv(env);
  return {
    sns: fe.sns(),
    topicArn: fe.require(EnvNames.alertTopicArn),
    auditLogGroups: jsonEnv(EnvNames.auditLogGroups, z.record(z.string(), z.string()), env),
  };
}

export function makeHandler(deps: NotifyDeps, obs: Observability) {
  return (event: unknown, context?: Context): Promise<void> =>
    withObservability(obs, context, { failureMessage: 'Alert not published' }, async () => {
      const { messageId, alert, event: parsed } = await publishAlert(event, deps);
      countMetric(obs.metrics, MetricName.alertsPublished, 1, { cluster: parsed.detail.cluster, kind: alert.attributes.kind as string });
      obs.logger.info(LogMessage.alertPublished, { messageId, eventId: parsed.id, ...alert.attributes });
    });
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<void>) =>
  makeHandler(depsFromEnv(process.env), functionEnv(process.env).stackObservability(SERVICE)),
);
