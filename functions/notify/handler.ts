/**
 * Target of the AnomalyToAlerts and EnforcementToAlerts rules: formats the event for humans and
 * publishes it to the alerts topic. EventBridge invokes asynchronously; a failure is retried by
 * Lambda and then lands in the function's on-failure queue (alarmed), never dropped.
 */
import type { Context } from 'aws-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { publishAlert } from '#shared/alerts/publish';
import { EnvNames, jsonEnv, requireEnv } from '#shared/env';
import { LogMessage, MetricName } from '#shared/observability/metrics';
import { countMetric, createLogger, createMetrics } from '#shared/observability/powertools';
import { z } from 'zod';

const SERVICE = 'notify';
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);
const topicArn = requireEnv(EnvNames.alertTopicArn);
const auditLogGroups = jsonEnv(EnvNames.auditLogGroups, z.record(z.string(), z.string()));
const sns = new SNSClient({});

export const handler = async (event: unknown, context: Context): Promise<void> => {
  logger.addContext(context);
  try {
    const { messageId, alert, event: parsed } = await publishAlert(event, { sns, topicArn, auditLogGroups });
    const cluster = parsed.detail.cluster;
    countMetric(metrics, MetricName.alertsPublished, 1, { cluster, kind: alert.attributes.kind as string });
    logger.info(LogMessage.alertPublished, { messageId, eventId: parsed.id, ...alert.attributes });
  } catch (err) {
    logger.error('Alert not published', { error: err as Error });
    throw err;
  } finally {
    metrics.publishStoredMetrics();
  }
};
