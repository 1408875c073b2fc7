/**
 * What boundwatch costs per million EKS audit events, from measured figures (the benchmark
 * feeds it `ingest.*` numbers) and published us-east-1 prices. Pure arithmetic, so the README
 * formula, the benchmark and the unit tests all agree:
 *
 *   lambda.compute  = 1e6 × (msPerEvent + overheadMsPerInvocation / eventsPerInvocation) / 1000
 *                     × memoryMB / 1024 × LAMBDA_GB_SECOND
 *   lambda.requests = 1e6 / eventsPerInvocation × LAMBDA_REQUEST
 *   dynamodb.writes = 1e3 × writeUnitsPer1kEvents × DYNAMODB_WRITE_UNIT
 *   dynamodb.reads  = 1e3 × readUnitsPer1kEvents × DYNAMODB_READ_UNIT
 *   eventbridge     = 1e3 × eventBridgeEventsPer1kEvents × EVENTBRIDGE_EVENT
 *   total           = the sum of the lines above (the `cost.usdPerMillionAuditEvents` bench key)
 *
 * Optional lines, reported separately: CloudWatch Logs ingestion of the audit log itself
 * (1e6 × bytesPerEvent / 2^30 × LOGS_INGEST_GB; you pay it for EKS audit logging with or
 * without boundwatch, while GuardDuty reads audit logs without it), and Kinesis Data Streams
 * data in and out for high-volume mode (on the gzip payloads CloudWatch Logs sends).
 */

/**
 * us-east-1 list prices in USD, from the AWS pricing pages below, as last checked in 2025.
 * Prices change: re-check them, or pass `prices` to `modelCostPerMillionAuditEvents`.
 */
export const US_EAST_1_PRICES = {
  /** Lambda, Arm (Graviton), first 7.5 billion GB-seconds a month. https://aws.amazon.com/lambda/pricing/ */
  lambdaGbSecond: 0.0000133334,
  /** Lambda requests: $0.20 per million. https://aws.amazon.com/lambda/pricing/ */
  lambdaRequest: 0.2 / 1e6,
  /** DynamoDB on-demand, Standard table class: $0.625 per million write request units (since 2024-11-01). https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoWriteUnit: 0.625 / 1e6,
  /** DynamoDB on-demand: $0.125 per million read request units. https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoReadUnit: 0.125 / 1e6,
  /** EventBridge custom events: $1.00 per million (each 64 KB chunk of a PutEvents entry). https://aws.amazon.com/eventbridge/pricing/ */
  eventBridgeEvent: 1.0 / 1e6,
  /** CloudWatch Logs, Standard log class, data ingestion: $0.50 per GB. https://aws.amazon.com/cloudwatch/pricing/ */
  logsIngestGb: 0.5,
  /** Kinesis Data Streams on-demand: $0.08 per GB written plus $0.04 per GB read. https://aws.amazon.com/kinesis/data-streams/pricing/ */
  kinesisGb: 0.08 + 0.04,
  /** Kinesis Data Streams on-demand stream hour: a fixed $0.04 per stream (cluster) and hour, not per event. */
  kinesisStreamHour: 0.04,
} as const;
export type Prices = { [K in keyof typeof US_EAST_1_PRICES]: number };

/** GuardDuty EKS Audit Log Monitoring, first 100 million events a month, us-east-1. https://aws.amazon.com/guardduty/pricing/ */
export const GUARDDUTY_EKS_AUDIT_USD_PER_MILLION = 1.6;

/** Lambda gives a function one vCPU's worth of CPU at 1,769 MB, proportionally less below. */
export const LAMBDA_MB_PER_VCPU = 1769;

export interface CostInputs {
  /** Billed Lambda milliseconds per audit event at `lambdaMemoryMB` (compute only). */
  lambdaMsPerEvent: number;
  lambdaMemoryMB: number;
  /** Audit events per Lambda invocation (CloudWatch Logs delivers them in batches). */
  eventsPerInvocation: number;
  /** Fixed billed milliseconds per invocation: DynamoDB and EventBridge round trips. Default 0. */
  overheadMsPerInvocation?: number;
  /** DynamoDB write request units per 1,000 events (1 per write of an item up to 1 KB). */
  dynamoWriteUnitsPer1kEvents: number;
  /** DynamoDB read request units per 1,000 events (0.5 per eventually consistent read up to 4 KB). */
  dynamoReadUnitsPer1kEvents: number;
  /** Events put on the boundwatch bus per 1,000 audit events (anomalies and actions). */
  eventBridgeEventsPer1kEvents: number;
  /** Average size of one audit event as CloudWatch Logs ingests it; enables the logs line. */
  auditEventBytes?: number;
  /** Fraction of the raw bytes left after gzip (CloudWatch Logs → Kinesis); enables the Kinesis line. */
  kinesisCompressedFraction?: number;
  prices?: Partial<Prices>;
}

export interface CostLine {
  key: string;
  label: string;
  /** Quantity per million audit events, in `unit`. */
  quantity: number;
  unit: string;
  unitPriceUsd: number;
  usd: number;
  /** Optional lines are not part of `totalUsd`. */
  optional: boolean;
}

export interface CostModel {
  lines: CostLine[];
  /** Lambda + DynamoDB + EventBridge per million audit events. */
  totalUsd: number;
  /** `totalUsd` plus the optional lines that were modelled. */
  totalWithOptionalUsd: number;
  guardDutyUsdPerMillion: number;
  /** GuardDuty's price divided by `totalUsd`: how many times cheaper boundwatch runs. */
  timesCheaperThanGuardDuty: number;
}

const MILLION = 1e6;
const GIB = 1024 ** 3;

/**
 * Converts a one-core benchmark throughput into billed ms per event at a Lambda memory size.
 * Below 1,769 MB the function gets a fraction of a vCPU, so it runs proportionally longer; in
 * GB-seconds the compute cost of CPU-bound work is then the same at any memory below 1,769 MB.
 */
export function lambdaMsPerEventFromThroughput(eventsPerSecOneCore: number, memoryMB: number): number {
  if (!(eventsPerSecOneCore > 0)) throw new RangeError('eventsPerSecOneCore must be positive');
  if (!(memoryMB >= 128)) throw new RangeError('memoryMB must be at least 128');
  return (1000 / eventsPerSecOneCore) * Math.max(1, LAMBDA_MB_PER_VCPU / memoryMB);
}

export function modelCostPerMillionAuditEvents(inputs: CostInputs): CostModel {
  validate(inputs);
  const p: Prices = { ...US_EAST_1_PRICES, ...inputs.prices };
  const invocations = MILLION / inputs.eventsPerInvocation;
  const billedMs = MILLION * inputs.lambdaMsPerEvent + invocations * (inputs.overheadMsPerInvocation ?? 0);
  const gbSeconds = (billedMs / 1000) * (inputs.lambdaMemoryMB / 1024);
  const writeUnits = (MILLION / 1000) * inputs.dynamoWriteUnitsPer1kEvents;
  const readUnits = (MILLION / 1000) * inputs.dynamoReadUnitsPer1kEvents;
  const busEvents = (MILLION / 1000) * inputs.eventBridgeEventsPer1kEvents;

  const line = (key: string, label: string, quantity: number, unit: string, unitPriceUsd: number, optional = false): CostLine => ({
    key,
    label,
    quantity,
    unit,
    unitPriceUsd,
    usd: quantity * unitPriceUsd,
    optional,
  });
  const lines: CostLine[] = [
    line('lambda.compute', `Lambda compute (Arm, ${inputs.lambdaMemoryMB} MB)`, gbSeconds, 'GB-s', p.lambdaGbSecond),
    line('lambda.requests', 'Lambda requests', invocations, 'requests', p.lambdaRequest),
    line('dynamodb.writes', 'DynamoDB on-demand writes', writeUnits, 'WRU', p.dynamoWriteUnit),
    line('dynamodb.reads', 'DynamoDB on-demand reads', readUnits, 'RRU', p.dynamoReadUnit),
    line('eventbridge.events', 'EventBridge custom events', busEvents, 'events', p.eventBridgeEvent),
  ];
  if (inputs.auditEventBytes !== undefined) {
    const gb = (MILLION * inputs.auditEventBytes) / GIB;
    lines.push(line('logs.ingestion', 'CloudWatch Logs ingestion of the audit log (optional)', gb, 'GB', p.logsIngestGb, true));
    if (inputs.kinesisCompressedFraction !== undefined) {
      lines.push(
        line('kinesis.data', 'Kinesis data in + out, high-volume mode (optional)', gb * inputs.kinesisCompressedFraction, 'GB', p.kinesisGb, true),
      );
    }
  }
  const totalUsd = sum(lines.filter((l) => !l.optional).map((l) => l.usd));
  const totalWithOptionalUsd = sum(lines.map((l) => l.usd));
  return {
    lines,
    totalUsd,
    totalWithOptionalUsd,
    guardDutyUsdPerMillion: GUARDDUTY_EKS_AUDIT_USD_PER_MILLION,
    timesCheaperThanGuardDuty: totalUsd > 0 ? GUARDDUTY_EKS_AUDIT_USD_PER_MILLION / totalUsd : Number.POSITIVE_INFINITY,
  };
}

/** Rows for a printed table (the benchmark's BenchSection rows). */
export function costRows(model: CostModel): Array<[string, string]> {
  const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;
  return [
    ...model.lines.map((l): [string, string] => [l.label, `${usd(l.usd)}  (${formatQuantity(l.quantity)} ${l.unit})`]),
    ['Total per million audit events (Lambda, DynamoDB, EventBridge)', usd(model.totalUsd)],
    ['Total with the optional lines', usd(model.totalWithOptionalUsd)],
    ['GuardDuty EKS Audit Log Monitoring, first 100M tier', usd(model.guardDutyUsdPerMillion)],
  ];
}

function formatQuantity(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(3)).toString();
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function validate(i: CostInputs): void {
  const nonNegative: Array<keyof CostInputs> = [
    'lambdaMsPerEvent',
    'dynamoWriteUnitsPer1kEvents',
    'dynamoReadUnitsPer1kEvents',
    'eventBridgeEventsPer1kEvents',
  ];
  for (const k of nonNegative) {
    const v = i[k] as number;
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${k} must be a finite number >= 0, got ${v}`);
  }
  if (!(i.eventsPerInvocation >= 1)) throw new RangeError(`eventsPerInvocation must be >= 1, got ${i.eventsPerInvocation}`);
  if (!(i.lambdaMemoryMB >= 128 && i.lambdaMemoryMB <= 10240)) throw new RangeError(`lambdaMemoryMB must be 128..10240, got ${i.lambdaMemoryMB}`);
  if (i.overheadMsPerInvocation !== undefined && !(i.overheadMsPerInvocation >= 0)) throw new RangeError('overheadMsPerInvocation must be >= 0');
  if (i.auditEventBytes !== undefined && !(i.auditEventBytes >= 0)) throw new RangeError('auditEventBytes must be >= 0');
  if (i.kinesisCompressedFraction !== undefined && !(i.kinesisCompressedFraction > 0 && i.kinesisCompressedFraction <= 1)) {
    throw new RangeError('kinesisCompressedFraction must be in (0, 1]');
  }
}

/**
 * An illustration (not a measurement) for the README until the benchmark supplies measured
 * figures: 20,000 events/s on one core, 512 MB, CloudWatch Logs batches of 100 events, 30 ms
 * of DynamoDB/EventBridge round trips per batch, 50 writes and 25 reads per 1,000 events.
 */
export const EXAMPLE_COST_INPUTS: CostInputs = {
  lambdaMsPerEvent: lambdaMsPerEventFromThroughput(20_000, 512),
  lambdaMemoryMB: 512,
  eventsPerInvocation: 100,
  overheadMsPerInvocation: 30,
  dynamoWriteUnitsPer1kEvents: 50,
  dynamoReadUnitsPer1kEvents: 25,
  eventBridgeEventsPer1kEvents: 1,
  auditEventBytes: 1500,
  kinesisCompressedFraction: 0.1,
};
