import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { LogMessage, MetricName } from '#shared/observability/metrics';
import { logAnomalies, withObservability, type InvocationContext, type Observability } from '#shared/observability/invocation';
import { createMetrics } from '#shared/observability/powertools';

function fakeObservability(stored = true) {
  const calls: string[] = [];
  const logger = {
    addContext: jest.fn(() => calls.push('addContext')),
    info: jest.fn(),
    error: jest.fn(() => calls.push('error')),
  };
  const metrics = {
    hasStoredMetrics: jest.fn(() => stored),
    publishStoredMetrics: jest.fn(() => calls.push('publish')),
  };
  const obs = { logger: logger as unknown as Logger, metrics: metrics as unknown as Metrics } satisfies Observability;
  return { obs, logger, metrics, calls };
}

const context = { awsRequestId: 'req-1' } as unknown as InvocationContext;

describe('withObservability', () => {
  it('puts the context on the logger, returns the result and publishes stored metrics', async () => {
    const { obs, logger, calls } = fakeObservability();
    await expect(withObservability(obs, context, {}, async () => 42)).resolves.toBe(42);
    expect(logger.addContext).toHaveBeenCalledWith(context);
    expect(calls).toEqual(['addContext', 'publish']);
  });

  it('publishes nothing when no metric is stored, and works without a context', async () => {
    const { obs, logger, metrics } = fakeObservability(false);
    await withObservability(obs, undefined, {}, async () => undefined);
    expect(logger.addContext).not.toHaveBeenCalled();
    expect(metrics.publishStoredMetrics).not.toHaveBeenCalled();
  });

  it('logs a failure with the given message, rethrows it and still publishes', async () => {
    const { obs, logger, calls } = fakeObservability();
    const boom = new Error('boom');
    await expect(
      withObservability(obs, context, { failureMessage: 'payload failed; it will be retried' }, async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(logger.error).toHaveBeenCalledWith('payload failed; it will be retried', boom);
    expect(calls).toEqual(['addContext', 'error', 'publish']);
  });

  it('rethrows without logging when no failure message is given', async () => {
    const { obs, logger, metrics } = fakeObservability();
    await expect(
      withObservability(obs, context, {}, async () => {
        throw new Error('retry later');
      }),
    ).rejects.toThrow('retry later');
    expect(logger.error).not.toHaveBeenCalled();
    expect(metrics.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });
});

describe('logAnomalies', () => {
  beforeEach(() => {
    delete process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
  });

  const anomaly = (id: string, severity: string) => ({
    id,
    cluster: 'prod-eks',
    severity,
    category: 'api',
    principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout' },
    findings: [{ type: 'secret-enumeration' }, { type: 'new-source-ip' }],
    evidence: { body: 'never logged' },
  });

  it('logs identifiers of each anomaly and counts them once per severity', () => {
    const info = jest.fn();
    const obs = { logger: { info } as unknown as Logger, metrics: createMetrics('ingest-audit', { cluster: 'prod-eks' }) };
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      logAnomalies(obs, [anomaly('a1', 'HIGH'), anomaly('a2', 'CRITICAL'), anomaly('a3', 'HIGH')]);
    } finally {
      spy.mockRestore();
    }

    expect(info).toHaveBeenCalledTimes(3);
    expect(info).toHaveBeenNthCalledWith(1, LogMessage.anomalyDetected, {
      anomalyId: 'a1',
      cluster: 'prod-eks',
      severity: 'HIGH',
      category: 'api',
      principal: 'system:serviceaccount:shop:checkout',
      principalType: 'ServiceAccount',
      findings: 'secret-enumeration,new-source-ip',
    });
    const records = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.severity, r[MetricName.anomaliesDetected]])).toEqual([
      ['HIGH', 2],
      ['CRITICAL', 1],
    ]);
  });
});
