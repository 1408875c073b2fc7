/**
 * Publishing an alert: validate the EventBridge event notify received, format it and publish it
 * to the SNS topic. The SNS client is a parameter so tests need no SDK mocks.
 */
import { PublishCommand, type PublishCommandOutput } from '@aws-sdk/client-sns';
import { ValidationError, describeIssues } from '../errors';
import {
  AttackSequence,
  BehaviorAnomaly,
  DetailType,
  EVENT_SOURCE,
  EnforcementAction,
  EventBridgeEnvelope,
  type AnomalyEvent,
  type EnforcementEvent,
  type SequenceEvent,
} from '../events/schema';
import { formatAlert, type FormattedAlert } from './format';

export interface SnsSender {
  send(command: PublishCommand): Promise<Pick<PublishCommandOutput, 'MessageId'>>;
}

export interface PublishAlertDeps {
  sns: SnsSender;
  topicArn: string;
  auditLogGroups?: Readonly<Record<string, string>>;
}

export interface PublishedAlert {
  messageId: string | undefined;
  alert: FormattedAlert;
  event: AnomalyEvent | EnforcementEvent | SequenceEvent;
}

/** Narrows an EventBridge event to one of boundwatch's two event types, or throws a ValidationError. */
export function parseAlertEvent(raw: unknown): AnomalyEvent | EnforcementEvent | SequenceEvent {
  const envelope = EventBridgeEnvelope.safeParse(raw);
  if (!envelope.success) throw new ValidationError('invalid-envelope', `not an EventBridge event: ${envelope.error.issues[0]?.message}`);
  const e = envelope.data;
  if (e.source !== EVENT_SOURCE) throw new ValidationError('unknown-source', `unexpected event source "${e.source}"`);
  const schema =
    e['detail-type'] === DetailType.anomaly
      ? BehaviorAnomaly
      : e['detail-type'] === DetailType.enforcement
        ? EnforcementAction
        : e['detail-type'] === DetailType.sequence
          ? AttackSequence
          : undefined;
  if (!schema) throw new ValidationError('unknown-detail-type', `unexpected detail-type "${e['detail-type']}"`);
  const detail = schema.safeParse(e.detail);
  if (!detail.success) {
    const issues = describeIssues(detail.error.issues);
    throw new ValidationError('invalid-detail', `invalid ${e['detail-type']} detail: ${issues}`);
  }
  return { ...e, version: '0', detail: detail.data } as AnomalyEvent | EnforcementEvent | SequenceEvent;
}

export async function publishAlert(raw: unknown, deps: PublishAlertDeps): Promise<PublishedAlert> {
  const event = parseAlertEvent(raw);
  const alert = formatAlert(event, { auditLogGroups: deps.auditLogGroups });
  const out = await deps.sns.send(
    new PublishCommand({
      TopicArn: deps.topicArn,
      Subject: alert.subject,
      Message: alert.message,
      MessageAttributes: Object.fromEntries(
        Object.entries(alert.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  );
  return { messageId: out.MessageId, alert, event };
}
