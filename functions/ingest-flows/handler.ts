/**
 * Lambda entry for VPC Flow Logs (and JSON-lines flows) delivered by a CloudWatch Logs
 * subscription filter. Thin: configuration and clients at cold start, then
 * shared/flows/ingest.ts does the work. Bad payloads and records are counted and logged, never
 * thrown; a DynamoDB or EventBridge failure throws so that the asynchronous invocation is
 * retried (every write is idempotent per payload).
 */
import type { Context } from 'aws-lambda';
import { createDynamoClient } from '#shared/clients/dynamo';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { EnvNames, optionalEnv, requireEnv } from '#shared/env';
import { ConfigError } from '#shared/errors';
import { publishEvents } from '#shared/events/publish';
import { DEFAULT_NETWORK_CONFIG, networkConfigFromFunctionConfig, type NetworkConfig } from '#shared/flows/config';
import { ingestFlowPayload, type FlowIngestDeps, type FlowIngestReport } from '#shared/flows/ingest';
import { vpcFlowFormat } from '#shared/flows/parse';
import { StoredInventory } from '#shared/inventory/snapshot-store';
import { createObservability, logAnomalies, withObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const SERVICE = 'ingest-flows';

function networkSettings(env: NodeJS.ProcessEnv): { cluster: string; network: NetworkConfig } {
  const raw = optionalEnv(EnvNames.config, env);
  if (!raw) return { cluster: requireEnv(EnvNames.clusterName, env), network: DEFAULT_NETWORK_CONFIG };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`Environment variable ${EnvNames.config} is not valid JSON`);
  }
  const settings = networkConfigFromFunctionConfig(parsed);
  // A bad format must fail the cold start, not every record.
  if (settings.network.format) vpcFlowFormat(settings.network.format);
  return settings;
}

/** `overrides.dynamo` lets the local runtime pass a client that counts requests. */
export function depsFromEnv(env: NodeJS.ProcessEnv, overrides: { dynamo?: DynamoDBClient } = {}): FlowIngestDeps {
  const { cluster, network } = networkSettings(env);
  const region = optionalEnv(EnvNames.awsRegion, env);
  const dynamo = overrides.dynamo ?? createDynamoClient({ endpoint: optionalEnv(EnvNames.dynamoEndpoint, env), region });
  const tableName = requireEnv(EnvNames.tableName, env);
  const eventBridge = eventBridgeClientFor(optionalEnv(EnvNames.eventBridgeEndpoint, env), region ? { region } : {});
  const busName = requireEnv(EnvNames.eventBusName, env);
  return {
    dynamo,
    tableName,
    cluster,
    network,
    inventory: new StoredInventory(
      { client: dynamo, tableName, cluster },
      { vpcCidrs: network.vpcCidrs, externalPrefixV4: network.externalPrefixV4, externalPrefixV6: network.externalPrefixV6 },
    ),
    publish: (events) => publishEvents(eventBridge, busName, events),
  };
}

function record(obs: Observability, report: FlowIngestReport): void {
  const { logger, metrics } = obs;
  countMetric(metrics, MetricName.flowRecordsIngested, report.records);
  for (const [reason, n] of Object.entries(report.rejected)) countMetric(metrics, MetricName.flowRecordsRejected, n, { reason });
  logAnomalies(obs, report.anomalies);
  if (Object.keys(report.rejected).length > 0) logger.warn('flow records rejected', { rejected: report.rejected });
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

let instance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: unknown, context: Context): Promise<FlowIngestReport> => {
  if (!instance) {
    const deps = depsFromEnv(process.env);
    instance = makeHandler(deps, createObservability(SERVICE, deps.cluster));
  }
  return instance(event, context);
};
