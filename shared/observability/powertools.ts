/**
 * One Powertools logger and one metrics instance per function, created at module scope:
 *
 *   const logger = createLogger('ingest-audit');
 *   const metrics = createMetrics('ingest-audit', { cluster: env.clusterName });
 *   countMetric(metrics, MetricName.anomaliesDetected, 1, { severity: 'HIGH' });
 *
 * The CDK construct sets POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE too; passing
 * them here keeps the local runtime and tests identical to Lambda.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE, type MetricDimension, type MetricName } from './metrics';

export function createLogger(serviceName: string, opts: { persistentKeys?: Record<string, string> } = {}): Logger {
  return new Logger({ serviceName, persistentKeys: opts.persistentKeys ?? {} });
}

export function createMetrics(serviceName: string, opts: { cluster?: string } = {}): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName,
    defaultDimensions: opts.cluster ? { cluster: opts.cluster } : {},
  });
}

/**
 * Adds a Count metric with exactly the dimensions METRIC_DIMENSIONS lists for it. A metric with
 * extra dimensions goes out as its own EMF record (`singleMetric`), so dimensions never leak
 * onto the other metrics of the same invocation. Throws on a missing or unexpected dimension:
 * the dashboard would silently miss such a metric.
 */
export function countMetric(
  metrics: Metrics,
  name: MetricName,
  value: number,
  dimensions: Partial<Record<MetricDimension, string>> = {},
): void {
  const expected = METRIC_DIMENSIONS[name];
  const given = Object.keys(dimensions).sort();
  if (given.join(',') !== [...expected].sort().join(',')) {
    throw new Error(`metric ${name} takes dimensions [${expected.join(', ')}], got [${given.join(', ')}]`);
  }
  if (expected.length === 0) {
    metrics.addMetric(name, MetricUnit.Count, value);
    return;
  }
  const single = metrics.singleMetric();
  for (const d of expected) single.addDimension(d, dimensions[d] as string);
  single.addMetric(name, MetricUnit.Count, value);
}
