import {
  costRows,
  EXAMPLE_COST_INPUTS,
  GUARDDUTY_EKS_AUDIT_USD_PER_MILLION,
  lambdaMsPerEventFromThroughput,
  modelCostPerMillionAuditEvents,
  US_EAST_1_PRICES,
  type CostInputs,
} from '#test/bench/cost-model';

const base: CostInputs = {
  lambdaMsPerEvent: 0.1,
  lambdaMemoryMB: 1024,
  eventsPerInvocation: 100,
  overheadMsPerInvocation: 20,
  dynamoWriteUnitsPer1kEvents: 40,
  dynamoReadUnitsPer1kEvents: 20,
  eventBridgeEventsPer1kEvents: 2,
};

function usd(model: ReturnType<typeof modelCostPerMillionAuditEvents>, key: string): number {
  const line = model.lines.find((l) => l.key === key);
  if (!line) throw new Error(`no line ${key}`);
  return line.usd;
}

describe('modelCostPerMillionAuditEvents', () => {
  it('prices each line by the documented formula', () => {
    // Act
    const m = modelCostPerMillionAuditEvents(base);

    // Assess: 1e6 × 0.1 ms + 1e4 invocations × 20 ms = 300 s at 1 GB = 300 GB-s
    expect(usd(m, 'lambda.compute')).toBeCloseTo(300 * 0.0000133334, 10);
    expect(usd(m, 'lambda.requests')).toBeCloseTo(10_000 * 0.2e-6, 10);
    expect(usd(m, 'dynamodb.writes')).toBeCloseTo(40_000 * 0.625e-6, 10);
    expect(usd(m, 'dynamodb.reads')).toBeCloseTo(20_000 * 0.125e-6, 10);
    expect(usd(m, 'eventbridge.events')).toBeCloseTo(2_000 * 1e-6, 10);
    expect(m.totalUsd).toBeCloseTo(0.004 + 0.002 + 0.025 + 0.0025 + 0.002, 6);
  });

  it('compares with GuardDuty EKS audit log monitoring at $1.60 per million', () => {
    const m = modelCostPerMillionAuditEvents(base);

    expect(m.guardDutyUsdPerMillion).toBe(1.6);
    expect(m.timesCheaperThanGuardDuty).toBeCloseTo(GUARDDUTY_EKS_AUDIT_USD_PER_MILLION / m.totalUsd, 10);
  });

  it('reports CloudWatch Logs ingestion and Kinesis as optional lines outside the total', () => {
    // 1 KiB per event: 1e6 KiB = 0.953674 GiB
    const m = modelCostPerMillionAuditEvents({ ...base, auditEventBytes: 1024, kinesisCompressedFraction: 0.1 });
    const gb = 1e6 / 1024 / 1024;

    expect(usd(m, 'logs.ingestion')).toBeCloseTo(gb * 0.5, 10);
    expect(usd(m, 'kinesis.data')).toBeCloseTo(gb * 0.1 * 0.12, 10);
    expect(m.lines.filter((l) => l.optional).map((l) => l.key)).toEqual(['logs.ingestion', 'kinesis.data']);
    expect(m.totalUsd).toBeCloseTo(modelCostPerMillionAuditEvents(base).totalUsd, 12);
    expect(m.totalWithOptionalUsd).toBeCloseTo(m.totalUsd + gb * 0.5 + gb * 0.012, 10);
  });

  it('leaves the optional lines out when their inputs are absent', () => {
    expect(modelCostPerMillionAuditEvents(base).lines.some((l) => l.optional)).toBe(false);
  });

  it('takes other prices, e.g. another region', () => {
    const m = modelCostPerMillionAuditEvents({ ...base, prices: { dynamoWriteUnit: 1e-6 } });

    expect(usd(m, 'dynamodb.writes')).toBeCloseTo(0.04, 10);
    expect(usd(m, 'dynamodb.reads')).toBeCloseTo(20_000 * US_EAST_1_PRICES.dynamoReadUnit, 10);
  });

  it('gets cheaper per event with larger batches (fewer requests, less overhead)', () => {
    const small = modelCostPerMillionAuditEvents({ ...base, eventsPerInvocation: 10 });
    const large = modelCostPerMillionAuditEvents({ ...base, eventsPerInvocation: 1000 });

    expect(large.totalUsd).toBeLessThan(small.totalUsd);
  });

  it.each([
    ['negative ms', { lambdaMsPerEvent: -1 }, /lambdaMsPerEvent/],
    ['zero batch', { eventsPerInvocation: 0 }, /eventsPerInvocation/],
    ['too much memory', { lambdaMemoryMB: 20000 }, /lambdaMemoryMB/],
    ['NaN writes', { dynamoWriteUnitsPer1kEvents: Number.NaN }, /dynamoWriteUnitsPer1kEvents/],
    ['compression above 1', { auditEventBytes: 100, kinesisCompressedFraction: 2 }, /kinesisCompressedFraction/],
  ])('rejects %s', (_, override, message) => {
    expect(() => modelCostPerMillionAuditEvents({ ...base, ...override })).toThrow(message);
  });
});

describe('lambdaMsPerEventFromThroughput', () => {
  it('scales one-core throughput by the vCPU share below 1,769 MB', () => {
    expect(lambdaMsPerEventFromThroughput(10_000, 1769)).toBeCloseTo(0.1, 10);
    expect(lambdaMsPerEventFromThroughput(10_000, 3538)).toBeCloseTo(0.1, 10);
    expect(lambdaMsPerEventFromThroughput(10_000, 512)).toBeCloseTo(0.1 * (1769 / 512), 10);
  });

  it('makes CPU-bound compute cost independent of memory below one vCPU', () => {
    const at = (mb: number) =>
      usd(modelCostPerMillionAuditEvents({ ...base, overheadMsPerInvocation: 0, lambdaMemoryMB: mb, lambdaMsPerEvent: lambdaMsPerEventFromThroughput(10_000, mb) }), 'lambda.compute');

    expect(at(256)).toBeCloseTo(at(1024), 10);
    expect(at(3538)).toBeGreaterThan(at(1024));
  });
});

describe('EXAMPLE_COST_INPUTS', () => {
  it('models the README example: a few cents per million, far below GuardDuty', () => {
    const m = modelCostPerMillionAuditEvents(EXAMPLE_COST_INPUTS);

    expect(m.totalUsd).toBeGreaterThan(0.01);
    expect(m.totalUsd).toBeLessThan(0.1);
    expect(m.timesCheaperThanGuardDuty).toBeGreaterThan(10);
  });
});

describe('costRows', () => {
  it('prints every line, the totals and GuardDuty', () => {
    const rows = costRows(modelCostPerMillionAuditEvents({ ...base, auditEventBytes: 1024 }));

    expect(rows.map(([label]) => label)).toEqual([
      'Lambda compute (Arm, 1024 MB)',
      'Lambda requests',
      'DynamoDB on-demand writes',
      'DynamoDB on-demand reads',
      'EventBridge custom events',
      'CloudWatch Logs ingestion of the audit log (optional)',
      'Total per million audit events (Lambda, DynamoDB, EventBridge)',
      'Total with the optional lines',
      'GuardDuty EKS Audit Log Monitoring, first 100M tier',
    ]);
    expect(rows.at(-1)![1]).toBe('$1.6000');
    expect(rows[2]![1]).toBe('$0.0250  (40,000 WRU)');
  });
});
