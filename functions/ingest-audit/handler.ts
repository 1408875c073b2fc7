/**
 * Lambda entry for EKS audit logs delivered by a CloudWatch Logs subscription filter.
 * Thin: configuration and clients at cold start, then shared/ingest/audit.ts does the work.
 * Bad records are counted and logged, never thrown; a DynamoDB or EventBridge failure throws,
 * so that the asynchronous invocation is retried (and lands on the on-failure destination).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createDynamoClient } from '#shared/clients/dynamo';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { FunctionConfig } from '#shared/config';
import { EnvNames, jsonEnv, optionalEnv, requireEnv } from '#shared/env';
import { ingestAuditEvent, type AuditIngestDeps, type AuditIngestReport } from '#shared/ingest/audit';

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

export function defaultObservability(): Observability {
  return {
    logger: new Logger({ serviceName: 'ingest-audit' }),
    metrics: new Metrics({ namespace: 'boundwatch', serviceName: 'ingest-audit' }),
  };
}

function record(obs: Observability, cluster: string, report: AuditIngestReport): void {
  const { logger, metrics } = obs;
  metrics.addDimension('cluster', cluster);
  metrics.addMetric('AuditEventsIngested', MetricUnit.Count, report.accepted);
  const rejected = Object.values(report.rejected).reduce((a, b) => a + (b ?? 0), 0);
  metrics.addMetric('AuditEventsRejected', MetricUnit.Count, rejected);
  metrics.addMetric('AnomaliesDetected', MetricUnit.Count, report.anomalies.length);
  if (rejected > 0) logger.warn('records rejected', { rejected: report.rejected });
  for (const a of report.anomalies) {
    // Ids, types and principal only: evidence stays in the event, bodies never leave the audit log.
    logger.info('anomaly published', { anomalyId: a.id, severity: a.severity, principal: a.principal.name, findings: a.findings.map((f) => f.type) });
  }
  logger.info('payload processed', {
    received: report.received,
    accepted: report.accepted,
    ignored: report.ignored,
    principals: report.principals,
    redelivered: report.redelivered,
    anomalies: report.anomalies.length,
  });
}

export function makeHandler(deps: AuditIngestDeps, obs: Observability = defaultObservability()) {
  return async (event: unknown, context?: Context): Promise<AuditIngestReport> => {
    if (context) obs.logger.addContext(context);
    try {
      const report = await ingestAuditEvent(deps, event);
      record(obs, deps.cluster, report);
      return report;
    } catch (err) {
      obs.logger.error('payload failed; it will be retried', err as Error);
      throw err;
    } finally {
      obs.metrics.publishStoredMetrics();
    }
  };
}

let instance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: unknown, context: Context): Promise<AuditIngestReport> => {
  instance ??= makeHandler(depsFromEnv(process.env));
  return instance(event, context);
};
