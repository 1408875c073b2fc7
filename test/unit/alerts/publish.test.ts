import type { PublishCommand } from '@aws-sdk/client-sns';
import { parseAlertEvent, publishAlert } from '#shared/alerts/publish';
import { ValidationError } from '#shared/errors';
import { anomalyEvent, enforcementEvent } from './factories';

function fakeSns() {
  const sent: PublishCommand[] = [];
  return {
    sent,
    send: async (c: PublishCommand) => {
      sent.push(c);
      return { MessageId: `m-${sent.length}` };
    },
  };
}

describe('publishAlert', () => {
  it('publishes subject, message and filterable attributes to the topic', async () => {
    // Prepare
    const sns = fakeSns();

    // Act
    const out = await publishAlert(anomalyEvent(), { sns, topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts' });

    // Assess
    expect(out.messageId).toBe('m-1');
    const input = sns.sent[0]!.input;
    expect(input.TopicArn).toBe('arn:aws:sns:eu-west-1:111122223333:alerts');
    expect(input.Subject).toBe(out.alert.subject);
    expect(input.Message).toBe(out.alert.message);
    expect(input.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'anomaly' },
      severity: { DataType: 'String', StringValue: 'HIGH' },
      cluster: { DataType: 'String', StringValue: 'prod-eks' },
      category: { DataType: 'String', StringValue: 'api' },
    });
  });

  it('passes the configured audit log groups to the formatter', async () => {
    const sns = fakeSns();

    await publishAlert(anomalyEvent(), { sns, topicArn: 't', auditLogGroups: { 'prod-eks': '/eks/prod/audit' } });

    expect(sns.sent[0]!.input.Message).toContain('Log group:  /eks/prod/audit');
  });

  it('surfaces a failed publish instead of swallowing it', async () => {
    const sns = { send: async () => Promise.reject(new Error('KMSAccessDenied')) };

    await expect(publishAlert(enforcementEvent(), { sns, topicArn: 't' })).rejects.toThrow('KMSAccessDenied');
  });
});

describe('parseAlertEvent', () => {
  it.each([
    ['not an event', { hello: 'world' }, 'invalid-envelope'],
    ['another source', { ...anomalyEvent(), source: 'aws.guardduty' }, 'unknown-source'],
    ['another detail-type', { ...anomalyEvent(), 'detail-type': 'Something Else' }, 'unknown-detail-type'],
    ['an invalid detail', { ...anomalyEvent(), detail: { ...anomalyEvent().detail, severity: 'SEVERE' } }, 'invalid-detail'],
    ['an enforcement detail under the anomaly type', { ...enforcementEvent(), 'detail-type': 'Behavior Anomaly' }, 'invalid-detail'],
  ])('rejects %s with a ValidationError', (_, raw, reason) => {
    let caught: unknown;
    try {
      parseAlertEvent(raw);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).reason).toBe(reason);
  });

  it('accepts both event types', () => {
    expect(parseAlertEvent(anomalyEvent()).detail.cluster).toBe('prod-eks');
    expect(parseAlertEvent(enforcementEvent())['detail-type']).toBe('Enforcement Action');
  });
});
