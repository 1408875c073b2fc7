/**
 * The EventBridge rules, defined once: the CDK stack deploys these patterns and the local bus
 * routes with the very same objects, so a pattern that works locally works on AWS.
 */
import { DetailType, EVENT_SOURCE, SEVERITIES, type Severity, severityRank } from './schema';

/** An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). */
export type EventPattern = { [key: string]: unknown };

/** The severities at or above `min`, as an EventBridge list of literal matches. */
export function severitiesAtLeast(min: Severity): Severity[] {
  return SEVERITIES.filter((s) => severityRank(s) >= severityRank(min));
}

export const RuleTarget = {
  enforce: 'enforce',
  alerts: 'alerts',
  /** The ingest-runtime function: anomalies are signals of attack sequences. */
  runtime: 'runtime',
} as const;
export type RuleTarget = (typeof RuleTarget)[keyof typeof RuleTarget];

export interface RuleDefinition {
  /** Stable id, used as the CDK construct id and the local rule name. */
  id: string;
  description: string;
  pattern: EventPattern;
  target: RuleTarget;
}

export interface RuleThresholds {
  enforcementMinSeverity: Severity;
  alertMinSeverity: Severity;
}

export function boundwatchRules(t: RuleThresholds): RuleDefinition[] {
  return [
    {
      id: 'AnomalyToEnforce',
      description: `Behavior anomalies of severity ${t.enforcementMinSeverity} or above go to the enforce function`,
      pattern: {
        source: [EVENT_SOURCE],
        'detail-type': [DetailType.anomaly],
        detail: { severity: severitiesAtLeast(t.enforcementMinSeverity) },
      },
      target: RuleTarget.enforce,
    },
    {
      id: 'AnomalyToAlerts',
      description: `Behavior anomalies of severity ${t.alertMinSeverity} or above page through SNS`,
      pattern: {
        source: [EVENT_SOURCE],
        'detail-type': [DetailType.anomaly],
        detail: { severity: severitiesAtLeast(t.alertMinSeverity) },
      },
      target: RuleTarget.alerts,
    },
    {
      id: 'AnomalyToSequences',
      // Every severity: a LOW anomaly alone never makes a sequence, but it can be one step of one.
      description: 'Every Behavior Anomaly goes to ingest-runtime, which ties it to runtime signals and other anomalies of the same workload or principal',
      pattern: {
        source: [EVENT_SOURCE],
        'detail-type': [DetailType.anomaly],
        detail: { severity: [...SEVERITIES] },
      },
      target: RuleTarget.runtime,
    },
    {
      id: 'SequenceToEnforce',
      description: `Attack sequences of severity ${t.enforcementMinSeverity} or above go to the enforce function (answered as the anomaly of the compromised workload)`,
      pattern: {
        source: [EVENT_SOURCE],
        'detail-type': [DetailType.sequence],
        detail: { severity: severitiesAtLeast(t.enforcementMinSeverity) },
      },
      target: RuleTarget.enforce,
    },
    {
      id: 'SequenceToAlerts',
      description: `Attack sequences of severity ${t.alertMinSeverity} or above page through SNS, as one story`,
      pattern: {
        source: [EVENT_SOURCE],
        'detail-type': [DetailType.sequence],
        detail: { severity: severitiesAtLeast(t.alertMinSeverity) },
      },
      target: RuleTarget.alerts,
    },
    {
      id: 'EnforcementToAlerts',
      description: 'Enforcement actions that were applied, failed (partial ones included) or reverted are announced through SNS',
      pattern: {
        source: [EVENT_SOURCE],
        'detail-type': [DetailType.enforcement],
        // A notify-only action changes nothing: its anomaly already paged.
        detail: { outcome: ['applied', 'failed', 'reverted'], action: [{ 'anything-but': 'notify' }] },
      },
      target: RuleTarget.alerts,
    },
    {
      id: 'EnforcementNotTakenToAlerts',
      description: 'Changing actions not taken (skipped or held) page when their anomaly was HIGH or above, and when the circuit breaker trips',
      pattern: {
        source: [EVENT_SOURCE],
        'detail-type': [DetailType.enforcement],
        detail: {
          outcome: ['skipped'],
          action: [{ 'anything-but': 'notify' }],
          $or: [{ severity: severitiesAtLeast('HIGH') }, { reason: [{ prefix: 'held: circuit breaker tripped' }] }],
        },
      },
      target: RuleTarget.alerts,
    },
  ];
}

