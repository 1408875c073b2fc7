/**
 * What the event handlers (ingest-audit, ingest-flows, enforce, revert) do around their work on
 * every invocation: the Lambda context on each log line, a failure logged before it is rethrown
 * for Lambda to retry, and the stored metrics flushed whatever happens; and, for the ingest
 * functions, the published anomalies counted and logged the way the dashboard reads them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { LogMessage, MetricName, anomalyLogKeys } from './metrics';
import { countMetric, createLogger, createMetrics } from './powertools';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/** The logger and metrics of one per-cluster function. */
export function createObservability(service: string, cluster: string): Observability {
  return { logger: createLogger(service), metrics: createMetrics(service, { cluster }) };
}

/** The invocation context the logger takes (Lambda's; shared/ does not name Lambda types). */
export type InvocationContext = Parameters<Logger['addContext']>[0];

/**
 * Runs one invocation. With `failureMessage`, an error is logged with it before it is rethrown;
 * without, it is rethrown as it is.
 */
export async function withObservability<T>(
  obs: Observability,
  context: InvocationContext | undefined,
  opts: { failureMessage?: string },
  run: () => Promise<T>,
): Promise<T> {
  if (context) obs.logger.addContext(context);
  try {
    return await run();
  } catch (err) {
    if (opts.failureMessage) obs.logger.error(opts.failureMessage, err as Error);
    throw err;
  } finally {
    // Metrics with extra dimensions went out as single-metric records already.
    if (obs.metrics.hasStoredMetrics()) obs.metrics.publishStoredMetrics();
  }
}

/** One `Anomaly detected` line per anomaly and one AnomaliesDetected count per severity. */
export function logAnomalies(obs: Observability, anomalies: ReadonlyArray<Parameters<typeof anomalyLogKeys>[0]>): void {
  const bySeverity = new Map<string, number>();
  for (const a of anomalies) {
    bySeverity.set(a.severity, (bySeverity.get(a.severity) ?? 0) + 1);
    // Identifiers only: evidence stays in the event, request bodies never leave the audit log.
    obs.logger.info(LogMessage.anomalyDetected, anomalyLogKeys(a));
  }
  for (const [severity, n] of bySeverity) countMetric(obs.metrics, MetricName.anomaliesDetected, n, { severity });
}
