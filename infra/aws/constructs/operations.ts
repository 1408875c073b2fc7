/**
 * Operating boundwatch: alarms on everything that can lose or delay work (function errors and
 * throttles, failed events that could not reach their queue, Kinesis iterator age, dead-letter
 * queue depth, EventBridge targets that could not even reach their DLQ), all to the alerts topic; and
 * a dashboard to watch it live, built on the metric names in shared/observability/metrics.ts.
 */
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LogMessage, METRICS_NAMESPACE, MetricDimension, MetricName } from '#shared/observability/metrics';
import type { BoundwatchFunction } from './boundwatch-function';
import type { DeadLetterQueue } from './dead-letter-queue';

export interface MonitoredFunction {
  fn: BoundwatchFunction;
  /** e.g. `prod-eks/ingest-audit`; names the alarms and dashboard lines. */
  label: string;
  /** Invoked asynchronously (CloudWatch Logs, EventBridge, Scheduler): watch on-failure delivery. */
  async: boolean;
  /** Fed by a Kinesis event source mapping: watch the iterator age. */
  stream?: boolean;
  /** Where its alarms go (the cluster's nested stack); the operations construct by default. */
  alarmScope?: Construct;
}

export interface MonitoredRule {
  rule: events.Rule;
  label: string;
  /** Set for rules on a custom bus: AWS/Events then has an EventBusName dimension too. */
  eventBusName?: string | undefined;
  alarmScope?: Construct;
}

export interface OperationsProps {
  topic: sns.ITopic;
  functions: MonitoredFunction[];
  queues: Array<{ dlq: DeadLetterQueue; label: string; alarmScope?: Construct }>;
  /** Queues boundwatch reads its input from (Falcosidekick's): alarmed when they fall behind. */
  inputQueues?: Array<{ queue: sqs.IQueue; label: string; alarmScope?: Construct }>;
  /** Clusters with an ingest-runtime function: alarmed on rejected and unjoinable signals. */
  runtimeClusters?: Array<{ cluster: string; alarmScope?: Construct }>;
  /** Clusters whose enforce sweep counts owed reverts: alarmed while one is pending. */
  revertClusters?: Array<{ cluster: string; alarmScope?: Construct }>;
  rules: MonitoredRule[];
  /** Log groups of the functions that log `Anomaly detected` (the ingest functions). */
  anomalyLogGroupNames: string[];
  clusters: string[];
}

/** Kinesis records older than this mean ingestion is falling behind the audit log. */
export const ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000;
/** A Falco alert waiting this long in its queue means ingest-runtime is failing or falling behind. */
export const INPUT_QUEUE_AGE_ALARM_S = 15 * 60;
/**
 * Runtime signals that name a workload no inventory snapshot knows, per hour. A few are normal
 * (a pod gone between snapshots); many mean the inventory function is not running.
 */
export const UNJOINED_SIGNALS_ALARM_PER_HOUR = 25;

export class Operations extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const alarm = (
      scope: Construct | undefined,
      alarmId: string,
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      treatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) => {
      const a = new cloudwatch.Alarm(scope ?? this, alarmId, {
        alarmName: `boundwatch/${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData,
      });
      // The action per alarm's stack: a cluster's alarms reach the topic through a parameter.
      a.addAlarmAction(new actions.SnsAction(props.topic));
      this.alarms.push(a);
      return a;
    };
    const idOf = (label: string) => label.replace(/[^A-Za-z0-9]/g, '');

    for (const { fn, label, async, stream, alarmScope } of props.functions) {
      const f = fn.fn;
      const base = idOf(label);
      alarm(alarmScope, `${base}Errors`, `${label}/Errors`, f.metricErrors({ period, statistic: 'Sum' }), 1, `${label} failed invocations. Failed work is retried, then lands in its dead-letter queue.`);
      alarm(alarmScope, `${base}Throttles`, `${label}/Throttles`, f.metricThrottles({ period, statistic: 'Sum' }), 1, `${label} was throttled: raise the account's Lambda concurrency or look for a burst.`);
      // AsyncEventsDropped would repeat the dead-letter queue alarm (dropped events go to the
      // on-failure queue first); an event that cannot even reach the queue is what is lost.
      if (async) {
        alarm(alarmScope, `${base}DestinationFailures`, `${label}/DestinationDeliveryFailures`, f.metric('DestinationDeliveryFailures', { period, statistic: 'Sum' }), 1, `${label} could not deliver failed events to its dead-letter queue: they are lost.`);
      }
      if (stream) {
        alarm(alarmScope, `${base}IteratorAge`, `${label}/IteratorAge`, f.metric('IteratorAge', { period, statistic: 'Maximum' }), ITERATOR_AGE_ALARM_MS, `${label} is more than 5 minutes behind the audit log stream.`);
      }
    }
    for (const { dlq, label, alarmScope } of props.queues) {
      alarm(
        alarmScope,
        `${idOf(label)}Depth`,
        `${label}/DeadLetters`,
        dlq.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        1,
        `${dlq.purpose}. Inspect the messages, fix the cause, then redrive them.`,
      );
    }
    for (const { queue, label, alarmScope } of props.inputQueues ?? []) {
      alarm(
        alarmScope,
        `${idOf(label)}Age`,
        `${label}/OldestMessageAge`,
        queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
        INPUT_QUEUE_AGE_ALARM_S,
        `${label}: a message has waited 15 minutes or more; ingest-runtime is failing or falling behind (its Errors alarm and logs say which).`,
      );
    }
    for (const { cluster, alarmScope } of props.runtimeClusters ?? []) {
      const label = `${cluster}/ingest-runtime`;
      const base = idOf(label);
      // Rejected records carry a `reason` dimension: a Metrics Insights query sums them all.
      alarm(
        alarmScope,
        `${base}Rejected`,
        `${label}/${MetricName.runtimeRecordsRejected}`,
        new cloudwatch.MathExpression({
          expression: `SELECT SUM(${MetricName.runtimeRecordsRejected}) FROM "${METRICS_NAMESPACE}" WHERE ${MetricDimension.cluster} = '${cluster}'`,
          label: 'rejected',
          period,
          usingMetrics: {},
        }),
        1,
        `${label} received Falco or GuardDuty records it cannot read (by reason in the dashboard and its logs): a Falcosidekick output misconfigured, a changed format, or someone writing to its inputs.`,
      );
      alarm(
        alarmScope,
        `${base}Unjoined`,
        `${label}/${MetricName.runtimeSignalsUnjoined}`,
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: MetricName.runtimeSignalsUnjoined,
          dimensionsMap: { [MetricDimension.service]: 'ingest-runtime', [MetricDimension.cluster]: cluster },
          period: Duration.hours(1),
          statistic: 'Sum',
        }),
        UNJOINED_SIGNALS_ALARM_PER_HOUR,
        `${label}: ${UNJOINED_SIGNALS_ALARM_PER_HOUR} or more runtime signals in an hour named a pod no inventory snapshot knows; they are kept, but cannot join a story by workload. Check the ${cluster}/inventory function.`,
      );
    }
    for (const { cluster, alarmScope } of props.revertClusters ?? []) {
      const label = `${cluster}/enforce`;
      // The sweep emits the count every 5 minutes, 0 included; a missing point keeps the state, so
      // the alarm stays raised until a sweep finds nothing owed (enforce's Errors alarm covers a sweep that stops).
      alarm(
        alarmScope,
        `${idOf(label)}RevertsPending`,
        `${label}/${MetricName.revertsPending}`,
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: MetricName.revertsPending,
          dimensionsMap: { [MetricDimension.service]: 'enforce', [MetricDimension.cluster]: cluster },
          period: Duration.minutes(10),
          statistic: 'Maximum',
        }),
        1,
        `${cluster}: an enforcement action is past its expiry and still in force (its revert keeps failing and is retried with a doubling wait, or its schedule never fired). enforce logs "reverts pending" with the action ids; the revert function's logs say why; release it with the revert function (README "Releasing an action early").`,
        cloudwatch.TreatMissingData.IGNORE,
      );
    }
    for (const { rule, label, eventBusName, alarmScope } of props.rules) {
      // CloudFormation's Ref of a rule on a custom bus is `<bus>|<rule>`, not the rule name the
      // metric dimension wants (cloudformation-coverage-roadmap#1131).
      const ruleName = eventBusName ? Fn.select(1, Fn.split('|', rule.ruleName)) : rule.ruleName;
      alarm(
        alarmScope,
        `${idOf(label)}DlqFailures`,
        `${label}/InvocationsFailedToBeSentToDlq`,
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'InvocationsFailedToBeSentToDlq',
          dimensionsMap: { RuleName: ruleName, ...(eventBusName ? { EventBusName: eventBusName } : {}) },
          period,
          statistic: 'Sum',
        }),
        1,
        `EventBridge could neither deliver ${label} events nor put them in the dead-letter queue: they are lost.`,
      );
    }

    this.dashboard = this.buildDashboard(props);
  }

  private buildDashboard(props: OperationsProps): cloudwatch.Dashboard {
    const live = Duration.minutes(1);
    const insights = (label: string, query: string) =>
      new cloudwatch.MathExpression({ expression: query, label, period: live, usingMetrics: {} });
    const graph = (title: string, metrics: cloudwatch.IMetric[], opts: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left: metrics, width: 12, height: 6, ...opts });
    const sum = (metric: string, by: string) => `SELECT SUM(${metric}) FROM "${METRICS_NAMESPACE}" GROUP BY ${by}`;

    const region = Stack.of(this).region;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `boundwatch-${region}`,
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: [
          '# boundwatch',
          `Clusters: ${props.clusters.join(', ')}. Alarms and alerts go to the boundwatch alerts topic.`,
          'Behavior metrics come from the functions (Powertools EMF, namespace `boundwatch`), grouped with Metrics Insights queries, which cover recent data: keep the range to hours.',
        ].join('\n\n'),
        width: 24,
        height: 3,
      }),
    );
    dashboard.addWidgets(
      graph('Audit events ingested, by cluster', [insights('ingested', sum(MetricName.auditEventsIngested, 'cluster'))]),
      graph('Audit records rejected, by reason', [insights('rejected', sum(MetricName.auditEventsRejected, 'reason'))]),
    );
    dashboard.addWidgets(
      graph('Anomalies, by severity', [insights('anomalies', sum(MetricName.anomaliesDetected, 'severity'))], { stacked: true }),
      graph('Enforcement actions, by action and outcome', [insights('actions', sum(MetricName.enforcementActions, 'action, outcome'))], { stacked: true }),
    );
    dashboard.addWidgets(
      graph('Flow records ingested and rejected', [
        insights('ingested', sum(MetricName.flowRecordsIngested, 'cluster')),
        insights('rejected', sum(MetricName.flowRecordsRejected, 'reason')),
      ]),
      graph('Alerts published, by kind', [insights('alerts', sum(MetricName.alertsPublished, 'kind'))]),
    );
    dashboard.addWidgets(
      graph('Runtime signals, by delivery kind; rejected; unjoined', [
        insights('signals', sum(MetricName.runtimeSignalsIngested, 'kind')),
        insights('rejected', sum(MetricName.runtimeRecordsRejected, 'reason')),
        insights('unjoined', sum(MetricName.runtimeSignalsUnjoined, 'cluster')),
      ]),
      graph('Attack sequences, by severity', [insights('sequences', sum(MetricName.attackSequences, 'severity'))], { stacked: true }),
    );
    if (props.anomalyLogGroupNames.length > 0) {
      dashboard.addWidgets(
        new cloudwatch.LogQueryWidget({
          title: 'Anomalies by principal',
          logGroupNames: props.anomalyLogGroupNames,
          view: cloudwatch.LogQueryVisualizationType.TABLE,
          queryLines: [
            'fields principal, severity, cluster',
            `filter message = "${LogMessage.anomalyDetected}"`,
            'stats count(*) as anomalies by principal, severity, cluster',
            'sort anomalies desc',
            'limit 25',
          ],
          width: 12,
          height: 8,
        }),
        new cloudwatch.LogQueryWidget({
          title: 'Latest anomalies',
          logGroupNames: props.anomalyLogGroupNames,
          view: cloudwatch.LogQueryVisualizationType.TABLE,
          queryLines: [
            'fields @timestamp, severity, cluster, principal, findings, anomalyId',
            `filter message = "${LogMessage.anomalyDetected}"`,
            'sort @timestamp desc',
            'limit 20',
          ],
          width: 12,
          height: 8,
        }),
      );
    }
    const fnMetric = (pick: (f: MonitoredFunction) => cloudwatch.Metric) => props.functions.map((f) => pick(f).with({ label: f.label, period: live }));
    dashboard.addWidgets(
      graph('Function errors', fnMetric((f) => f.fn.fn.metricErrors({ statistic: 'Sum' }))),
      graph('Function duration p99', fnMetric((f) => f.fn.fn.metricDuration({ statistic: 'p99' }))),
    );
    const queueDepth = props.queues.map(({ dlq, label }) =>
      dlq.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label, period: live }),
    );
    const iteratorAges = props.functions
      .filter((f) => f.stream)
      .map((f) => f.fn.fn.metric('IteratorAge', { statistic: 'Maximum', label: f.label, period: live }));
    dashboard.addWidgets(
      graph('Dead-letter queue depth', queueDepth),
      iteratorAges.length > 0
        ? graph('Kinesis iterator age (ms)', iteratorAges)
        : graph('Function throttles', fnMetric((f) => f.fn.fn.metricThrottles({ statistic: 'Sum' }))),
    );
    // An alarm status widget shows at most 100 alarms.
    for (let i = 0; i < this.alarms.length; i += 100) {
      dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms.slice(i, i + 100), width: 24, height: 6 }));
    }
    return dashboard;
  }
}
