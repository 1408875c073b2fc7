import { Match } from 'aws-cdk-lib/assertions';
import { boundwatchRules } from '#shared/events/rules';
import { BehaviorAnomaly, EnforcementAction } from '#shared/events/schema';
import { actionsOf, allowedActions, defaultConfig, minimal, onlyResource, resourcesOf, statementsOfRole, synthConfig, type Synth } from './support';

let s: Synth;
beforeAll(() => {
  s = synthConfig(defaultConfig());
});

const keyRef = () => ({ 'Fn::GetAtt': [onlyResource(s.template, 'AWS::KMS::Key').id, 'Arn'] });

describe('encryption key', () => {
  it('is a customer managed key with rotation, kept on stack deletion, aliased alias/boundwatch', () => {
    s.template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    s.template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/boundwatch' });
  });

  it('lets CloudWatch Logs use it only for this account and region\'s log groups', () => {
    s.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudWatchLogs',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('lets CloudWatch alarms (this account) and EventBridge (dead-letter queues) encrypt', () => {
    s.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudWatchAlarms',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
          Match.objectLike({ Sid: 'EventBridgeDeadLetterQueues', Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
        ]),
      },
    });
  });
});

describe('table', () => {
  it('is on-demand, pk/sk strings, point-in-time recovery, TTL on `ttl`, encrypted with the key, protected from deletion', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyRef() },
        DeletionProtectionEnabled: true,
      },
    });
  });
});

describe('event bus, archive and schema registry', () => {
  it('creates the bus named boundwatch and archives every boundwatch event for 30 days', () => {
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'boundwatch' });
    s.template.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['boundwatch'] }, RetentionDays: 30 });
  });

  it('denies putting source "boundwatch" events to every principal but boundwatch\'s own function roles', () => {
    const policies = Object.values(resourcesOf(s.template, 'AWS::Events::EventBusPolicy'));
    const statements = policies.flatMap((p) => {
      const st = (p.Properties as { Statement?: unknown; Policy?: { Statement: unknown[] } });
      return st.Policy ? st.Policy.Statement : st.Statement ? [st.Statement] : [];
    }) as Array<{ Sid?: string; Condition: { ArnNotEquals: Record<string, unknown> } }>;
    const deny = statements.find((x) => String(x.Sid).endsWith('OnlyBoundwatchPutsBoundwatchEvents'));
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'events:PutEvents', Condition: { StringEquals: { 'events:source': 'boundwatch' } } });
    const writers = (deny!.Condition.ArnNotEquals['aws:PrincipalArn'] as Array<{ 'Fn::GetAtt': [string, string] }>).map((r) => r['Fn::GetAtt'][0]).sort();
    const cluster = s.stack.clusters[0]!;
    const expected = [cluster.ingestAudit.role, ...(cluster.ingestFlows ? [cluster.ingestFlows.role] : []), cluster.runtime.ingestRuntime.role, cluster.enforcerRole].map((r) => s.stack.getLogicalId(r.node.defaultChild as never)).sort();
    expect(writers).toEqual(expected);
    // The alert formatter, the inventory function and the scheduler only read or invoke: not writers.
    expect(writers).not.toContain(s.stack.getLogicalId(cluster.inventory.role.node.defaultChild as never));
  });

  it('registers a draft-04 JSON Schema for each event, generated from the zod schemas', () => {
    s.template.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'boundwatch' });
    const schemas = Object.values(resourcesOf(s.template, 'AWS::EventSchemas::Schema')).map((r) => r.Properties as Record<string, string>);
    expect(schemas.map((p) => [p.SchemaName, p.Type, p.RegistryName]).sort()).toEqual([
      ['boundwatch@AttackSequence', 'JSONSchemaDraft4', 'boundwatch'],
      ['boundwatch@BehaviorAnomaly', 'JSONSchemaDraft4', 'boundwatch'],
      ['boundwatch@EnforcementAction', 'JSONSchemaDraft4', 'boundwatch'],
    ]);
    const anomaly = JSON.parse(schemas.find((p) => p.SchemaName === 'boundwatch@BehaviorAnomaly')!.Content!);
    expect(anomaly.properties['detail-type']).toEqual({ type: 'string', enum: ['Behavior Anomaly'] });
    expect(anomaly.properties.detail.required.sort()).toEqual(
      Object.entries(BehaviorAnomaly.shape).filter(([, v]) => !v.safeParse(undefined).success).map(([k]) => k).sort(),
    );
    const action = JSON.parse(schemas.find((p) => p.SchemaName === 'boundwatch@EnforcementAction')!.Content!);
    expect(Object.keys(action.properties.detail.properties).sort()).toEqual(Object.keys(EnforcementAction.shape).sort());
  });
});

describe('alerts', () => {
  it('encrypts the topic with the key and allows publishing over TLS only', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyRef() });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('subscribes no one by default, and every configured email and HTTPS endpoint otherwise', () => {
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withSubs = synthConfig(minimal({ alerts: { emails: ['a@example.com', 'b@example.com'], httpsEndpoints: ['https://hooks.example.com/bw'] } }));

    withSubs.template.resourceCountIs('AWS::SNS::Subscription', 3);
    withSubs.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'a@example.com' });
    withSubs.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'b@example.com' });
    withSubs.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://hooks.example.com/bw' });
  });

  it('routes the shared AnomalyToAlerts and EnforcementToAlerts patterns to notify, with a DLQ and retries', () => {
    const shared = boundwatchRules({ enforcementMinSeverity: 'HIGH', alertMinSeverity: 'MEDIUM' }).filter((r) => r.target === 'alerts');
    const notify = onlyResource(s.template, 'AWS::Lambda::Function', 'Notify').id;
    for (const def of shared) {
      const rule = onlyResource(s.template, 'AWS::Events::Rule', `Alerts${def.id}`);
      expect(rule.Properties.EventPattern).toEqual(def.pattern);
      expect(rule.Properties.EventBusName).toEqual({ Ref: onlyResource(s.template, 'AWS::Events::EventBus').id });
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [notify, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^AlertsNotifyFailedInvocationsQueue/), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        }),
      ]);
    }
  });

  it('sends every MEDIUM+ anomaly by default, and follows alerts.minSeverity', () => {
    const pattern = (syn: Synth) => onlyResource(syn.template, 'AWS::Events::Rule', 'AlertsAnomalyToAlerts').Properties.EventPattern as { detail: { severity: string[] } };

    expect(pattern(s).detail.severity).toEqual(['MEDIUM', 'HIGH', 'CRITICAL']);
    expect(pattern(synthConfig(minimal({ alerts: { minSeverity: 'CRITICAL' } }))).detail.severity).toEqual(['CRITICAL']);
  });

  it('gives notify the topic, the audit log groups for its evidence query, and nothing else', () => {
    const fn = onlyResource(s.template, 'AWS::Lambda::Function', 'Notify');
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    expect(env.ALERT_TOPIC_ARN).toEqual({ Ref: onlyResource(s.template, 'AWS::SNS::Topic').id });
    expect(JSON.parse(env.AUDIT_LOG_GROUPS as string)).toEqual({ 'replace-me': '/aws/eks/replace-me/cluster' });
    expect(env.TABLE_NAME).toBeUndefined();
    expect(allowedActions(s.template, 'Notify')).toEqual([
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });
});

describe('every function', () => {
  const functions = () => Object.entries(resourcesOf(s.template, 'AWS::Lambda::Function'));

  it('runs nodejs22.x on arm64 with source maps and Powertools settings', () => {
    expect(functions().length).toBe(6);
    for (const [id, fn] of functions()) {
      const p = fn.Properties as { Runtime: string; Architectures: string[]; Environment: { Variables: Record<string, string> }; Handler: string };
      expect([id, p.Runtime, p.Architectures, p.Handler]).toEqual([id, 'nodejs22.x', ['arm64'], 'index.handler']);
      expect(p.Environment.Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_METRICS_NAMESPACE: 'boundwatch',
        POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^(notify|ingest-audit|ingest-runtime|enforce|revert|inventory)$/),
      });
    }
  });

  it('logs to its own encrypted log group kept 90 days, and may write only there', () => {
    for (const [id, fn] of functions()) {
      const logGroupId = ((fn.Properties as { LoggingConfig: { LogGroup: { Ref: string } } }).LoggingConfig.LogGroup.Ref);
      s.template.hasResource('AWS::Logs::LogGroup', Match.objectLike({ DeletionPolicy: 'Retain' }));
      const lg = resourcesOf(s.template, 'AWS::Logs::LogGroup')[logGroupId];
      expect([id, lg?.Properties]).toEqual([id, { RetentionInDays: 90, KmsKeyId: keyRef() }]);
      const role = (fn.Properties as { Role: { 'Fn::GetAtt': [string, string] } }).Role['Fn::GetAtt'][0];
      const logStatements = statementsOfRole(s.template, role).filter((st) => actionsOf(st).some((a) => a.startsWith('logs:')));
      expect(logStatements.every((st) => JSON.stringify(st.Resource).includes('Logs'))).toBe(true);
    }
  });

  it('has no AWS managed policy attached', () => {
    for (const role of Object.values(resourcesOf(s.template, 'AWS::IAM::Role'))) {
      expect((role.Properties as { ManagedPolicyArns?: unknown }).ManagedPolicyArns).toBeUndefined();
    }
  });

  it('sends asynchronous invocations that still fail after their retries (at most 2) to an encrypted queue', () => {
    const configs = Object.values(resourcesOf(s.template, 'AWS::Lambda::EventInvokeConfig'));
    expect(configs.length).toBe(6);
    for (const c of configs) {
      expect(c.Properties).toMatchObject({
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/FailedInvocationsQueue/), 'Arn'] } } },
      });
      expect([1, 2]).toContain((c.Properties as { MaximumRetryAttempts: number }).MaximumRetryAttempts);
    }
  });
});

describe('dead-letter queues', () => {
  it('are encrypted with the key, TLS only, keep messages 14 days and survive stack updates', () => {
    const all = Object.entries(resourcesOf(s.template, 'AWS::SQS::Queue'));
    // The revert queue is an input (read by the revert function), redriven into revert's dead-letter queue.
    const queues = all.filter(([id]) => !id.includes('RevertQueue'));
    expect([all.length, queues.length]).toEqual([7, 6]);
    for (const [id, q] of all) {
      const retention = id.includes('RevertQueue') ? 4 * 24 * 3600 : 1209600;
      expect([id, q.Properties]).toEqual([id, expect.objectContaining({ KmsMasterKeyId: keyRef(), MessageRetentionPeriod: retention })]);
      expect(q.DeletionPolicy).toBe('Retain');
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });
});

describe('outputs', () => {
  it('tells the deployer where the topic, bus, table, dashboard and each cluster\'s revert function are', () => {
    expect(Object.keys(s.template.findOutputs('*')).sort()).toEqual([
      'AlertsTopicArn',
      'DashboardUrl',
      'EventBusName',
      'RevertFunctionNamereplaceme',
      'TableName',
    ]);
    // On the core stack, where `cdk deploy` prints outputs (a nested stack's outputs are not printed).
    expect(Object.keys(s.root.findOutputs('*'))).toContain('RevertFunctionNamereplaceme');
    expect(s.template.findOutputs('RevertFunctionNamereplaceme')).toEqual({
      RevertFunctionNamereplaceme: expect.objectContaining({ Value: { Ref: onlyResource(s.template, 'AWS::Lambda::Function', 'Revert').id } }),
    });
  });
});
