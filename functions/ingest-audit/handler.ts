/**
 * Lambda entry for EKS audit logs delivered by a CloudWatch Logs subscription filter.
 * Thin: configuration and clients at cold start, then shared/ingest/audit.ts does the work.
 * Bad records are counted and logged, never thrown; a DynamoDB or EventBridge failure throws,
 * so that the asynchronous invocation is retried (and lands on the on-failure destination).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createDynamoClient } from '#shared/clients/dynamo';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { FunctionConfig } from '#shared/config';
import { EnvNames, jsonEnv, optionalEnv, requireEnv } from '#shared/env';
import { ingestAuditEvent, type AuditIngestDeps, type AuditIngestReport } from '#shared/ingest/audit';
import { LogMessage, MetricName, anomalyLogKeys } from '#shared/observability/metrics';
import { countMetric, createLogger, createMetrics } from '#shared/observability/powertools';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

export function depsFromEnv(env: NodeJS.ProcessEnv): AuditIngestDeps {
  const config = jsonEnv(EnvNames.config, FunctionConfig, env);
  return {
    ddb: createDynamoClient({ endpoint: optionalEnv(EnvNames.dynamoEndpoint, env), region: optionalEnv(EnvNames.awsRegion, env) }),
    tableName: requireEnv(EnvNames.tableName, env),
    eventBridge: eventBridgeClientFor(optionalEnv(EnvNames.eventBridgeEndpoint, env), { region: optionalEnv(EnvNames.awsRegion, env) }),
    busName: requireEnv(EnvNames.eventBusName, env),
    cluster: config.cluster.name,
    detection: config.detection,
  };
}

export function defaultObservability(cluster: string): Observability {
  return { logger: createLogger('ingest-audit'), metrics: createMetrics('ingest-audit', { cluster }) };
}

function record(obs: Observability, report: AuditIngestReport): void {
  const { logger, metrics } = obs;
  countMetric(metrics, MetricName.auditEventsIngested, report.accepted);
  for (const [reason, n] of Object.entries(report.rejected)) countMetric(metrics, MetricName.auditEventsRejected, n ?? 0, { reason });
  if (Object.keys(report.rejected).length > 0) logger.warn('records rejected', { rejected: report.rejected });
  const bySeverity = new Map<string, number>();
  for (const a of report.anomalies) {
    bySeverity.set(a.severity, (bySeverity.get(a.severity) ?? 0) + 1);
    // Identifiers only: evidence stays in the event, request bodies never leave the audit log.
    logger.info(LogMessage.anomalyDetected, anomalyLogKeys(a));
  }
  for (const [severity, n] of bySeverity) countMetric(metrics, MetricName.anomaliesDetected, n, { severity });
  logger.info('payload processed', {
    received: report.received,
    accepted: report.accepted,
    ignored: report.ignored,
    principals: report.principals,
    redelivered: report.redelivered,
    anomalies: report.anomalies.length,
  });
}

export function makeHandler(deps: AuditIngestDeps, obs: Observability = defaultObservability(deps.cluster)) {
  return async (event: unknown, context?: Context): Promise<AuditIngestReport> => {
    if (context) obs.logger.addContext(context);
    try {
      const report = await ingestAuditEvent(deps, event);
      record(obs, report);
      return report;
    } catch (err) {
      obs.logger.error('payload failed; it will be retried', err as Error);
      throw err;
    } finally {
      // Metrics with extra dimensions went out as single-metric records already.
      if (obs.metrics.hasStoredMetrics()) obs.metrics.publishStoredMetrics();
    }
  };
}

let instance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: unknown, context: Context): Promise<AuditIngestReport> => {
  instance ??= makeHandler(depsFromEnv(process.env));
  return instance(event, context);
};
