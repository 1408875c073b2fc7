/**
 * Lambda entry for runtime signals and attack sequences. It receives Falco alerts (a CloudWatch
 * Logs subscription payload of Falcosidekick's log group, or an SQS batch of its queue),
 * GuardDuty findings from the default bus, and boundwatch's own Behavior Anomaly events from
 * the boundwatch bus. Thin: configuration and clients at cold start, then shared/runtime/
 * ingest.ts does the work. Bad records are counted and logged, never thrown; a DynamoDB or
 * EventBridge failure throws so that the delivery is retried (every write is idempotent). An SQS
 * batch answers with a partial batch response instead (ingestRuntimeSqsBatch).
 */
import type { Context, SQSBatchResponse } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { functionEnv, lazyHandler, type FunctionEnv } from '#shared/lambda/bootstrap';
import { publishEvents } from '#shared/events/publish';
import { StoredInventory } from '#shared/inventory/snapshot-store';
import { createObservability, withObservability, type Observability } from '#shared/observability/invocation';
import { MetricName } from '#shared/observability/metrics';
import { countMetric } from '#shared/observability/powertools';
import { DEFAULT_RUNTIME_CONFIG } from '#shared/runtime/config';
import { isSqsEvent } from '#shared/runtime/delivery';
import { ingestRuntimeDelivery, ingestRuntimeSqsBatch, type RuntimeIngestDeps, type RuntimeIngestReport } from '#shared/runtime/ingest';

const SERVICE = 'ingest-runtime';

/** `overrides.dynamo` lets the local runtime pass a client that counts requests. */
export function depsFromEnv(env: NodeJS.ProcessEnv, overrides: { dynamo?: DynamoDBClient } = {}): RuntimeIngestDeps & { eventBridge: ReturnType<FunctionEnv['eventBridge']> } {
  const fe = functionEnv(env);
  const config = fe.config();
  const dynamo = overrides.dynamo ?? fe.dynamo();
  const tableName = fe.tableName();
  const eventBridge = fe.eventBridge();
  const busName = fe.busName();
  const cluster = config.cluster.name;
  const runtime = config.cluster.runtime ?? DEFAULT_RUNTIME_CONFIG;
  return {
    dynamo,
    tableName,
    cluster,
    inventory: new StoredInventory({ client: dynamo, tableName, cluster }),
    publish: (events) => publishEvents(eventBridge, busName, events),
    windowMs: runtime.sequenceWindowHours * 3_600_000,
    eventBridge,
  };
}

function record(obs: Observability, report: RuntimeIngestReport): void {
  const { logger, metrics } = obs;
  for (const [kind, n] of Object.entries(report.received)) countMetric(metrics, MetricName.runtimeSignalsIngested, n, { kind });
  for (const [reason, n] of Object.entries(report.rejected)) countMetric(metrics, MetricName.runtimeRecordsRejected, n, { reason });
  if (report.unjoined) countMetric(metrics, MetricName.runtimeSignalsUnjoined, report.unjoined);
  for (const q of report.sequences) {
    countMetric(metrics, MetricName.attackSequences, 1, { severity: q.severity });
    logger.warn('Attack sequence', { sequenceId: q.id, severity: q.severity, tactics: q.tactics, signals: q.signals.length, title: q.title });
  }
  if (Object.keys(report.rejected).length) logger.warn('runtime records rejected', { rejected: report.rejected });
  if (report.unjoined) logger.info('runtime signals not joined to a workload', { unjoined: report.unjoinedSignals });
  logger.info('delivery processed', {
    received: report.received,
    signals: report.signals,
    ignored: report.ignored,
    joined: report.joined,
    unjoined: report.unjoined,
    sequences: report.sequences.length,
    redelivered: report.redelivered,
  });
}

/** The report, and for an SQS batch the partial batch response Lambda expects. */
export type RuntimeIngestResult = RuntimeIngestReport & Partial<SQSBatchResponse>;

export function makeHandler(deps: RuntimeIngestDeps, obs: Observability) {
  return (event: unknown, context?: Context): Promise<RuntimeIngestResult> =>
    withObservability(obs, context, { failureMessage: 'delivery failed; it will be retried' }, async () => {
      if (isSqsEvent(event)) {
        const { report, failedMessageIds } = await ingestRuntimeSqsBatch(deps, event, (err, messageId) =>
          obs.logger.error(messageId ? 'queue message failed; it will be redelivered' : 'queue batch failed; trying its messages one by one', { messageId, error: err as Error }),
        );
        record(obs, report);
        return { ...report, batchItemFailures: failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
      }
      const report = await ingestRuntimeDelivery(deps, event);
      record(obs, report);
      return report;
    });
}

export const handler = lazyHandler((): ((event: unknown, context: Context) => Promise<RuntimeIngestReport | SQSBatchResponse>) => {
  const deps = depsFromEnv(process.env);
  const run = makeHandler(deps, createObservability(SERVICE, deps.cluster));
  return async (event, context) => {
    const out = await run(event, context);
    // To the SQS event source mapping, exactly its response (the report went to the logs).
    return out.batchItemFailures ? { batchItemFailures: out.batchItemFailures } : out;
  };
});
