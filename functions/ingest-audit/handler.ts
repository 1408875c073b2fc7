/**
 * Lambda entry for EKS audit logs, delivered either by a CloudWatch Logs subscription filter
 * (`{awslogs:{data}}`, asynchronous) or, in high-volume mode, through Kinesis Data Streams
 * (each record's data is the same base64 gzip payload). Thin: configuration and clients at
 * cold start, then shared/detect/ingest.ts does the work.
 *
 * Bad records are counted and logged, never thrown. A DynamoDB or EventBridge failure throws
 * (CloudWatch Logs path: the asynchronous invocation is retried, then lands on the on-failure
 * destination) or marks the Kinesis record failed in a partial batch response, so only it and
 * the records after it are redelivered; redelivery is idempotent.
 */
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { functionEnv, lazyHandler } from '#shared/lambda/bootstrap';
import { ingestAuditEvent, type AuditIngestDeps, type AuditIngestReport } from '#shared/detect/ingest';
import { DEFAULT_WRITE_AFTER_MS, ProfileCache } from '#shared/detect/profile-cache';
import { mergeReports } from '#shared/detect/ingest-report';
import { compileIntel } from '#shared/detect/ip-list';
import { ConfigError } from '#shared/errors';
import { createObservability, logAnomalies, withObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';

/**
 * `overrides.ddb` lets the local runtime pass a client that counts requests, `overrides.cache`
 * its own write-behind (one instance, no other writers: see infra/local/runtime.ts).
 */
export function depsFromEnv(env: NodeJS.ProcessEnv, overrides: { ddb?: DynamoDBClient; cache?: ProfileCache } = {}): AuditIngestDeps {
  const fe = functionEnv(env);
  const config = fe.config();
  return {
    ddb: overrides.ddb ?? fe.dynamo(),
    tableName: fe.tableName(),
    eventBridge: fe.eventBridge(),
    busName: fe.busName(),
    cluster: config.cluster.name,
    detection: config.detection,
    // IP lists given by file travel in the deployment package; read them once, here.
    intel: compileIntel(config.detection, readListFile),
    // Lives as long as the instance: profiles are written back when they change shape or once per
    // interval, not after every small payload (shared/detect/profile-cache.ts bounds what a crash loses).
    cache: overrides.cache ?? new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS }),
  };
}

function readListFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read IP list ${path}: ${(err as Error).message}`);
  }
}

function record(obs: Observability, report: AuditIngestReport): void {
  const { logger, metrics } = obs;
  countMetric(metrics, MetricName.auditEventsIngested, report.accepted);
  for (const [reason, n] of Object.entries(report.rejected)) countMetric(metrics, MetricName.auditEventsRejected, n ?? 0, { reason });
  if (Object.keys(report.rejected).length > 0) logger.warn('records rejected', { rejected: report.rejected });
  logAnomalies(obs, report.anomalies);
  for (const f of report.failedPrincipals) {
    countMetric(metrics, MetricName.principalsDeadLettered, 1, { reason: f.reason });
    // The rest of the payload went on; these events are in the table under DEADLETTER#<cluster>.
    logger.error('principal dead-lettered', { principal: f.key.slice(0, 256), reason: f.reason, detail: f.detail, events: f.auditIDs.length, auditIDs: f.auditIDs.slice(0, 100) });
  }
  for (const d of report.profilesDamaged) {
    // Only that principal (or group) is affected: it learns again, and its next write replaces the item.
    logger.error('stored profile unreadable: it learns again', { principal: d.key.slice(0, 256), kind: d.kind, reason: d.reason.slice(0, 500) });
  }
  logger.info('payload processed', {
    received: report.received,
    accepted: report.accepted,
    ignored: report.ignored,
    principals: report.principals,
    redelivered: report.redelivered,
    duplicatesDropped: report.duplicatesDropped,
    anomalies: report.anomalies.length,
  });
}

export function isKinesisEvent(event: unknown): event is KinesisStreamEvent {
  const records = (event as { Records?: Array<{ eventSource?: string }> } | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records[0]?.eventSource === 'aws:kinesis';
}

/**
 * One Kinesis record: its data is the CloudWatch Logs payload, encoded exactly as `awslogs.data`,
 * so it takes the same path (undecodable data is counted, not failed).
 */
function ingestKinesisRecord(deps: AuditIngestDeps, record: KinesisStreamRecord): Promise<AuditIngestReport> {
  return ingestAuditEvent(deps, { awslogs: { data: record.kinesis.data } });
}

/**
 * Kinesis records in order, stopping at the first that fails: Lambda retries from the lowest
 * failed sequence number, so every record after it is redelivered anyway, and processing them
 * now would judge a principal's later requests before its earlier ones (and count them twice).
 */
async function ingestKinesisInOrder(
  deps: AuditIngestDeps,
  event: KinesisStreamEvent,
  obs: Observability,
): Promise<{ response: KinesisStreamBatchResponse; reports: AuditIngestReport[] }> {
  const reports: AuditIngestReport[] = [];
  for (const [i, rec] of event.Records.entries()) {
    try {
      reports.push(await ingestKinesisRecord(deps, rec));
    } catch (err) {
      obs.logger.error('record failed; Lambda will retry from it, with the records after it', {
        sequenceNumber: rec.kinesis.sequenceNumber,
        notProcessed: event.Records.length - i - 1,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      return { response: { batchItemFailures: [{ itemIdentifier: rec.kinesis.sequenceNumber }] }, reports };
    }
  }
  return { response: { batchItemFailures: [] }, reports };
}

export type IngestAuditResult = AuditIngestReport | KinesisStreamBatchResponse;

export function makeHandler(deps: AuditIngestDeps, obs: Observability = createObservability('ingest-audit', deps.cluster)) {
  return (event: unknown, context?: Context): Promise<IngestAuditResult> =>
    withObservability(obs, context, { failureMessage: 'payload failed; it will be retried' }, async () => {
      if (isKinesisEvent(event)) {
        const { response, reports } = await ingestKinesisInOrder(deps, event, obs);
        record(obs, mergeReports(reports));
        return response;
      }
      const report = await ingestAuditEvent(deps, event);
      record(obs, report);
      return report;
    });
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<IngestAuditResult>) => makeHandler(depsFromEnv(process.env)));
