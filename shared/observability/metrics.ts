/**
 * The metrics contract between the functions (which emit them through Powertools metrics, as
 * CloudWatch embedded metric format) and the CDK dashboard and alarms (which read them). Emit
 * only these names, with exactly the dimensions listed here, so the dashboard finds them.
 *
 * Every metric also carries the dimension `service` (added by Powertools: the function's
 * service name). Per-cluster functions get `cluster` as a default dimension from
 * `createMetrics(name, { cluster })`; notify, which serves every cluster, passes it per metric.
 */
export const METRICS_NAMESPACE = 'boundwatch';

export const MetricName = {
  /** Audit events accepted by ingest-audit (after the kube-apiserver-audit-* stream filter). */
  auditEventsIngested: 'AuditEventsIngested',
  /** Audit records that could not be used; dimension `reason` (stable ValidationError reason). */
  auditEventsRejected: 'AuditEventsRejected',
  /** Principals one payload gave up on (detection threw, or the profile cannot be written); dimension `reason`. Each is dead-lettered with its audit ids. */
  principalsDeadLettered: 'PrincipalsDeadLettered',
  /** Flow records accepted by ingest-flows. */
  flowRecordsIngested: 'FlowRecordsIngested',
  /** Flow records that could not be used; dimension `reason`. */
  flowRecordsRejected: 'FlowRecordsRejected',
  /** Behavior Anomaly events published; dimension `severity`. */
  anomaliesDetected: 'AnomaliesDetected',
  /** Enforcement Action events; dimensions `action` and `outcome`. */
  enforcementActions: 'EnforcementActions',
  /** Anomaly events enforce refused because no ingest function recorded them (forged or altered). */
  anomaliesRefused: 'AnomaliesRefused',
  /**
   * Enforcement actions past their expiry (by more than 10 minutes) whose revert has not
   * succeeded: failing and waiting for its next attempt, or a schedule that never fired. Emitted
   * by enforce's 5-minute sweep from the revert ledger, 0 included (shared/enforce/revert-ledger.ts).
   */
  revertsPending: 'RevertsPending',
  /** Inventory snapshots written by the inventory function. */
  inventorySnapshots: 'InventorySnapshots',
  /** Alerts published to the SNS topic by notify; dimensions `cluster` and `kind` (anomaly | enforcement). */
  alertsPublished: 'AlertsPublished',
  /** Runtime signals (Falco, GuardDuty, anomalies) ingested by ingest-runtime, by `kind` of delivery. */
  runtimeSignalsIngested: 'RuntimeSignalsIngested',
  /** Runtime records rejected, by `reason`. */
  runtimeRecordsRejected: 'RuntimeRecordsRejected',
  /** Signals no workload could be found for (kept and reported). */
  runtimeSignalsUnjoined: 'RuntimeSignalsUnjoined',
  /** Attack sequences published (new or grown), by `severity`. */
  attackSequences: 'AttackSequences',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const MetricDimension = {
  service: 'service',
  cluster: 'cluster',
  severity: 'severity',
  action: 'action',
  outcome: 'outcome',
  reason: 'reason',
  kind: 'kind',
} as const;
export type MetricDimension = (typeof MetricDimension)[keyof typeof MetricDimension];

/** The dimensions each metric carries besides `service` and the default `cluster`. */
export const METRIC_DIMENSIONS: Readonly<Record<MetricName, readonly MetricDimension[]>> = {
  [MetricName.auditEventsIngested]: [],
  [MetricName.auditEventsRejected]: [MetricDimension.reason],
  [MetricName.principalsDeadLettered]: [MetricDimension.reason],
  [MetricName.flowRecordsIngested]: [],
  [MetricName.flowRecordsRejected]: [MetricDimension.reason],
  [MetricName.anomaliesDetected]: [MetricDimension.severity],
  [MetricName.enforcementActions]: [MetricDimension.action, MetricDimension.outcome],
  [MetricName.anomaliesRefused]: [],
  [MetricName.revertsPending]: [],
  [MetricName.inventorySnapshots]: [],
  [MetricName.alertsPublished]: [MetricDimension.cluster, MetricDimension.kind],
  [MetricName.runtimeSignalsIngested]: [MetricDimension.kind],
  [MetricName.runtimeRecordsRejected]: [MetricDimension.reason],
  [MetricName.runtimeSignalsUnjoined]: [],
  [MetricName.attackSequences]: [MetricDimension.severity],
};

/**
 * Log lines the dashboard queries with CloudWatch Logs Insights. ingest-audit and ingest-flows
 * log `LogMessage.anomalyDetected` once per published anomaly, with `anomalyLogKeys(...)`.
 */
export const LogMessage = {
  anomalyDetected: 'Anomaly detected',
  alertPublished: 'Alert published',
} as const;

/** The structured keys of an `Anomaly detected` log line: identifiers only, never evidence. */
export function anomalyLogKeys(a: {
  id: string;
  cluster: string;
  severity: string;
  category: string;
  principal: { type: string; name: string };
  findings: ReadonlyArray<{ type: string }>;
}): Record<string, string> {
  return {
    anomalyId: a.id,
    cluster: a.cluster,
    severity: a.severity,
    category: a.category,
    principal: a.principal.name,
    principalType: a.principal.type,
    findings: a.findings.map((f) => f.type).join(','),
  };
}
