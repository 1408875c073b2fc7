import { Match } from 'aws-cdk-lib/assertions';
import { allowedActions, example, onlyResource, resourcesOf, synthConfig, type Synth } from './support';

describe('highVolume: audit log through Kinesis Data Streams', () => {
  let s: Synth;
  beforeAll(() => {
    s = synthConfig(example('high-volume.json'));
  });

  it('creates an on-demand stream encrypted with the boundwatch key', () => {
    const key = onlyResource(s.template, 'AWS::KMS::Key').id;
    s.template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
      RetentionPeriodHours: 24,
    });
  });

  it('subscribes the audit log group to the stream through a role only CloudWatch Logs of this account can assume', () => {
    const stream = onlyResource(s.template, 'AWS::Kinesis::Stream').id;
    const writer = onlyResource(s.template, 'AWS::IAM::Role', 'AuditStreamWriter').id;
    s.template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: '/aws/eks/prod-eks/cluster',
      FilterPattern: '',
      DestinationArn: { 'Fn::GetAtt': [stream, 'Arn'] },
      RoleArn: { 'Fn::GetAtt': [writer, 'Arn'] },
    });
    s.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'logs.amazonaws.com' }, Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } } })],
      },
    });
    expect(allowedActions(s.template, 'AuditStreamWriter')).toEqual(expect.arrayContaining(['kinesis:PutRecord', 'kinesis:PutRecords']));
    expect(allowedActions(s.template, 'AuditStreamWriter').filter((a) => !/^(kinesis|kms|iam:PassRole)/.test(a))).toEqual([]);
  });

  it('feeds ingest-audit in batches, with partial batch responses, bisection and an on-failure queue', () => {
    const ingest = onlyResource(s.template, 'AWS::Lambda::Function', 'IngestAudit').id;
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ingest },
      EventSourceArn: { 'Fn::GetAtt': [onlyResource(s.template, 'AWS::Kinesis::Stream').id, 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditStreamFailures'), 'Arn'] } } },
    });
    expect(allowedActions(s.template, 'IngestAuditRole')).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator']));
  });

  it('does not also invoke ingest-audit directly from CloudWatch Logs', () => {
    const ingest = onlyResource(s.template, 'AWS::Lambda::Function', 'IngestAudit').id;
    const permissions = Object.values(resourcesOf(s.template, 'AWS::Lambda::Permission')).filter(
      (p) => JSON.stringify(p.Properties).includes(ingest) && (p.Properties as { Principal: string }).Principal === 'logs.amazonaws.com',
    );
    expect(permissions).toEqual([]);
    expect(Object.values(resourcesOf(s.template, 'AWS::Lambda::EventInvokeConfig')).some((c) => JSON.stringify(c.Properties).includes(ingest))).toBe(false);
  });

  it('alarms when ingestion falls 5 minutes behind the stream', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'boundwatch/prod-eks/ingest-audit/IteratorAge',
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
      Threshold: 300000,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: onlyResource(s.template, 'AWS::Lambda::Function', 'IngestAudit').id } }],
    });
  });
});
