import { METRIC_DIMENSIONS, MetricName, anomalyLogKeys } from '#shared/observability/metrics';
import { countMetric, createMetrics } from '#shared/observability/powertools';

/** Captures the EMF records Powertools writes to stdout. */
function captureEmf(run: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('_aws'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function dimensionSets(record: Record<string, unknown>): string[][] {
  const aws = record._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> };
  return aws.CloudWatchMetrics[0]!.Dimensions;
}

describe('countMetric', () => {
  beforeEach(() => {
    delete process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
  });

  it('emits a per-severity anomaly count with service, cluster and severity dimensions', () => {
    // Prepare
    const metrics = createMetrics('ingest-audit', { cluster: 'prod-eks' });

    // Act
    const records = captureEmf(() => countMetric(metrics, MetricName.anomaliesDetected, 2, { severity: 'HIGH' }));

    // Assess
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect((r._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0]!.Namespace).toBe('boundwatch');
    expect(dimensionSets(r)[0]!.sort()).toEqual(['cluster', 'service', 'severity']);
    expect(r).toMatchObject({ AnomaliesDetected: 2, service: 'ingest-audit', cluster: 'prod-eks', severity: 'HIGH' });
  });

  it('keeps metrics without extra dimensions in the shared record until flushed', () => {
    const metrics = createMetrics('ingest-audit', { cluster: 'prod-eks' });

    const records = captureEmf(() => {
      countMetric(metrics, MetricName.auditEventsIngested, 500);
      countMetric(metrics, MetricName.auditEventsIngested, 20);
      metrics.publishStoredMetrics();
    });

    expect(records).toHaveLength(1);
    expect(dimensionSets(records[0]!)[0]!.sort()).toEqual(['cluster', 'service']);
    expect(records[0]!.AuditEventsIngested).toEqual([500, 20]);
  });

  it.each([
    ['a missing dimension', MetricName.enforcementActions, { action: 'quarantine' }],
    ['an unexpected dimension', MetricName.auditEventsIngested, { severity: 'LOW' }],
  ])('refuses %s, which the dashboard would never find', (_, name, dims) => {
    const metrics = createMetrics('enforce', { cluster: 'prod-eks' });

    expect(() => countMetric(metrics, name, 1, dims)).toThrow(/takes dimensions/);
  });

  it('declares dimensions for every metric name', () => {
    expect(Object.keys(METRIC_DIMENSIONS).sort()).toEqual(Object.values(MetricName).sort());
  });
});

describe('anomalyLogKeys', () => {
  it('carries identifiers for the dashboard query, never evidence', () => {
    const keys = anomalyLogKeys({
      id: 'a1',
      cluster: 'prod-eks',
      severity: 'HIGH',
      category: 'api',
      principal: { type: 'IAMRole', name: 'arn:aws:iam::111122223333:role/ci' },
      findings: [{ type: 'SecretsAccessed' }, { type: 'NewVerb' }],
    });

    expect(keys).toEqual({
      anomalyId: 'a1',
      cluster: 'prod-eks',
      severity: 'HIGH',
      category: 'api',
      principal: 'arn:aws:iam::111122223333:role/ci',
      principalType: 'IAMRole',
      findings: 'SecretsAccessed,NewVerb',
    });
  });
});
