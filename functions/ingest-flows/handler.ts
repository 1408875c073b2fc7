/**
 * Lambda entry for VPC Flow Logs (and JSON-lines flows) delivered by a CloudWatch Logs
 * subscription filter. Thin: configuration and clients at cold start, then
 * shared/flows/ingest.ts does the work. Bad payloads and records are counted and logged, never
 * thrown; a DynamoDB or EventBridge failure throws so that the asynchronous invocation is
 * retried (every write is idempotent per payload).
 */
import type { Context } from 'aws-lambda';
import { functionEnv, lazyHandler, type FunctionEnv } from '#shared/lambda/bootstrap';
import { EnvNames } from '#shared/env';
import { DEFAULT_NETWORK_CONFIG, type NetworkConfig } from '#shared/flows/config';
import { ingestFlowPayload, type FlowIngestDeps, type FlowIngestReport } from '#shared/flows/ingest';
import { vpcFlowFormat } from '#shared/flows/parse';
import { networkIngestBase } from '#shared/lambda/network-ingest';
import { createObservability, logAnomalies, withObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const SERVICE = 'ingest-flows';

function networkSettings(fe: FunctionEnv): { cluster: string; network: NetworkConfig } {
  if (!fe.optional(EnvNames.config)) return { cluster: fe.require(EnvNames.clusterName), network: DEFAULT_NETWORK_CONFIG };
  const config = fe.config();
  const network = config.detection.network;
  const format = network.format ?? config.cluster.flowLogFormat;
  // A bad format must fail the cold start, not every record.
  if (format) vpcFlowFormat(format);
  return { cluster: config.cluster.name, network: format ? { ...network, format } : network };
}

/** `overrides.dynamo` lets the local runtime pass a client that counts requests. */
export function depsFromEnv(env: NodeJS.ProcessEnv, overrides: { dynamo?: DynamoDBClient } = {}): FlowIngestDeps {
  const fe = functionEnv(env);
  const { cluster, network } = networkSettings(fe);
  return { ...networkIngestBase(fe, cluster, network, overrides), network };
}

function record(obs: Observability, report: FlowIngestReport): void {
  const { logger, metrics } = obs;
  countMetric(metrics, MetricName.flowRecordsIngested, report.records);
  for (const [reason, n] of Object.entries(report.rejected)) countMetric(metrics, MetricName.flowRecordsRejected, n, { reason });
  logAnomalies(obs, report.anomalies);
  if (Object.keys(report.rejected).length > 0) logger.warn('flow records rejected', { rejected: report.rejected });
  if (report.baselinesDamaged > 0) logger.warn('stored workload baselines unreadable: those workloads learn again', { baselinesDamaged: report.baselinesDamaged });
  logger.info('payload processed', {
    lines: report.lines,
    records: report.records,
    skipped: report.skipped,
    networkRejected: report.networkRejected,
    inferredBy: report.inferredBy,
    edges: report.edges,
    edgesDuplicate: report.edgesDuplicate,
    workloads: report.workloads,
    redelivered: report.redelivered,
    anomalies: report.anomalies.length,
  });
}

export function makeHandler(deps: FlowIngestDeps, obs: Observability) {
  return (event: unknown, context?: Context): Promise<FlowIngestReport> =>
    withObservability(obs, context, { failureMessage: 'payload failed; it will be retried' }, async () => {
      const report = await ingestFlowPayload(deps, event);
      record(obs, report);
      return report;
    });
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<FlowIngestReport>) => {
  const deps = depsFromEnv(process.env);
  return makeHandler(deps, createObservability(SERVICE, deps.cluster));
});
