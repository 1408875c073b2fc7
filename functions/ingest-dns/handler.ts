/**
 * Lambda entry for Route 53 Resolver query logs delivered by a CloudWatch Logs subscription
 * filter. Thin: configuration and clients at cold start, then shared/dns/ingest.ts does the
 * work. Bad payloads and records are counted and logged, never thrown; a DynamoDB or
 * EventBridge failure throws so that the asynchronous invocation is retried (the batch id makes
 * the retry a recognised redelivery).
 */
import type { Context } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_DNS_CONFIG } from '#shared/dns/config';
import { ingestDnsPayload, type DnsIngestDeps, type DnsIngestReport } from '#shared/dns/ingest';
import { EnvNames } from '#shared/env';
import { DEFAULT_NETWORK_CONFIG } from '#shared/flows/config';
import { functionEnv, lazyHandler } from '#shared/lambda/bootstrap';
import { networkIngestBase } from '#shared/lambda/network-ingest';
import { createObservability, logAnomalies, withObservability, type Observability } from '#shared/observability/invocation';

const SERVICE = 'ingest-dns';

/** `overrides.dynamo` lets the local runtime pass a client that counts requests. */
export function depsFromEnv(env: NodeJS.ProcessEnv, overrides: { dynamo?: DynamoDBClient } = {}): DnsIngestDeps {
  const fe = functionEnv(env);
  const config = fe.optional(EnvNames.config) ? fe.config() : undefined;
  const cluster = config?.cluster.name ?? fe.require(EnvNames.clusterName);
  // Pod addresses resolve exactly as flows do, so both name the same workload.
  const network = config?.detection.network ?? DEFAULT_NETWORK_CONFIG;
  return { ...networkIngestBase(fe, cluster, network, overrides), dns: config?.detection.dns ?? DEFAULT_DNS_CONFIG };
}

function record(obs: Observability, report: DnsIngestReport): void {
  logAnomalies(obs, report.anomalies);
  if (Object.keys(report.rejected).length > 0) obs.logger.warn('query log records rejected', { rejected: report.rejected });
  if (report.baselinesDamaged > 0) obs.logger.warn('stored DNS baselines unreadable: those workloads learn again', { baselinesDamaged: report.baselinesDamaged });
  obs.logger.info('payload processed', {
    queries: report.queries, unattributed: report.unattributed, workloads: report.workloads, redelivered: report.redelivered, anomalies: report.anomalies.length,
  });
}

export function makeHandler(deps: DnsIngestDeps, obs: Observability) {
  return (event: unknown, context?: Context): Promise<DnsIngestReport> =>
    withObservability(obs, context, { failureMessage: 'payload failed; it will be retried' }, async () => {
      const report = await ingestDnsPayload(deps, event);
      record(obs, report);
      return report;
    });
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<DnsIngestReport>) => {
  const deps = depsFromEnv(process.env);
  return makeHandler(deps, createObservability(SERVICE, deps.cluster));
});
