/**
 * The runtime layer on AWS: every shared rule deployed to its target, ingest-runtime with
 * item-level table access, the GuardDuty rule on the default bus, Falco delivery through a log
 * group subscription or a queue, and the alarms that watch them.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { boundwatchRules, RuleTarget, type RuleDefinition } from '#shared/events/rules';
import { guardDutyRule } from '#shared/runtime/guardduty';
import { loadConfig } from '#infra/aws/config';
import { forCluster } from '#infra/aws/event-patterns';
import { runtimeTableAccess } from '#infra/aws/table-access';
import { FALCO_MAX_RECEIVES } from '#infra/aws/constructs/runtime-ingestion';
import { actionsOf, allowedActions, example, minimal, onlyResource, resourcesOf, statementsOfRole, synthConfig, type Synth } from './support';

type Rule = { id: string; Properties: { EventBusName?: unknown; EventPattern: unknown; Targets: Array<{ Arn: unknown; DeadLetterConfig?: { Arn: unknown } }> } };
const idPart = (cluster: string) => `Cluster${cluster.replace(/[^A-Za-z0-9]/g, '')}`;
const fnArn = (s: Synth, part: string) => ({ 'Fn::GetAtt': [onlyResource(s.template, 'AWS::Lambda::Function', part).id, 'Arn'] });
const busRef = (s: Synth) => ({ Ref: onlyResource(s.template, 'AWS::Events::EventBus').id });
const rulesOf = (s: Synth, part: string): Rule[] =>
  Object.entries(resourcesOf(s.template, 'AWS::Events::Rule', part)).map(([id, r]) => ({ id, Properties: r.Properties as Rule['Properties'] }));

describe('every shared rule is deployed to its target (multi-cluster example)', () => {
  const config = example('multi-cluster.json');
  let s: Synth;
  beforeAll(() => {
    s = synthConfig(config);
  });
  const parsed = loadConfig({ tryGetContext: (k) => (k === 'boundwatch' ? config : undefined) });
  const defs = boundwatchRules({ enforcementMinSeverity: parsed.enforcement.minSeverity, alertMinSeverity: parsed.alerts.minSeverity });
  const clusters = parsed.clusters.map((c) => c.name);

  it('covers every target the shared rules use, including the sequence rules', () => {
    expect(new Set(defs.map((d) => d.target))).toEqual(new Set(Object.values(RuleTarget)));
    expect(defs.map((d) => d.id)).toEqual(expect.arrayContaining(['AnomalyToSequences', 'SequenceToEnforce', 'SequenceToAlerts']));
  });

  const where = (d: RuleDefinition): Array<[string, string]> =>
    d.target === RuleTarget.alerts ? [[`Alerts${d.id}`, 'Notify']] : clusters.map((c) => [`${idPart(c)}${d.target === RuleTarget.enforce ? '' : 'Runtime'}${d.id}`, `${idPart(c)}${d.target === RuleTarget.enforce ? 'Enforce' : 'RuntimeIngestRuntime'}`]);

  it.each(defs.map((d) => [d.id, d.target, d] as const))('%s → %s', (_id, _target, def) => {
    for (const [rulePart, fnPart] of where(def)) {
      const [rule, ...more] = rulesOf(s, rulePart);
      expect([rulePart, more.length, !!rule]).toEqual([rulePart, 0, true]);
      const cluster = clusters.find((c) => rulePart.startsWith(idPart(c)));
      expect(rule!.Properties.EventBusName).toEqual(busRef(s));
      expect(rule!.Properties.EventPattern).toEqual(cluster ? forCluster(def.pattern, cluster) : def.pattern);
      expect(rule!.Properties.Targets).toHaveLength(1);
      expect(rule!.Properties.Targets[0]!.Arn).toEqual(fnArn(s, fnPart));
      // Undeliverable events wait in a queue, never dropped.
      expect(rule!.Properties.Targets[0]!.DeadLetterConfig?.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/FailedInvocationsQueue/), 'Arn'] });
    }
  });

  it('deploys no rule on the boundwatch bus that is not a shared definition', () => {
    const onBus = Object.entries(resourcesOf(s.template, 'AWS::Events::Rule')).filter(([, r]) => r.Properties?.EventBusName !== undefined);
    const expected = defs.flatMap((d) => where(d).map(([part]) => part));
    expect(onBus).toHaveLength(expected.length);
    for (const [id] of onBus) expect(expected.some((part) => id.startsWith(part))).toBe(true);
  });
});

describe('ingest-runtime (one cluster, defaults)', () => {
  let s: Synth;
  beforeAll(() => {
    s = synthConfig(minimal());
  });

  it('may touch only its cluster\'s signals, sequences, provenance records and inventory, and use the key only through DynamoDB', () => {
    const statements = statementsOfRole(s.template, 'IngestRuntimeRole').filter((st) => st.Effect === 'Allow');
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    const access = runtimeTableAccess('prod-eks');

    const table = { 'Fn::GetAtt': [onlyResource(s.template, 'AWS::DynamoDB::Table').id, 'Arn'] };
    expect(dynamo).toEqual(
      access.map((g) => ({
        Effect: 'Allow',
        Action: g.actions.length === 1 ? g.actions[0] : g.actions,
        Resource: table,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': g.leadingKeys } },
      })),
    );
    expect(Object.fromEntries(access.map((g) => [g.actions.join(','), g.leadingKeys]))).toEqual({
      'dynamodb:PutItem': ['SIGNAL#prod-eks#*', 'SEQUENCE#prod-eks#*', 'SEQMEMBER#prod-eks#*'],
      'dynamodb:UpdateItem': ['ANOMALY#prod-eks#*'],
      'dynamodb:GetItem': ['SEQUENCE#prod-eks#*'],
      'dynamodb:BatchGetItem': ['SEQMEMBER#prod-eks#*'],
      'dynamodb:Query': ['SIGNAL#prod-eks#*', 'INVENTORY#prod-eks'],
    });
    const viaDynamo = statements.find((st) => actionsOf(st).includes('kms:Encrypt'))!;
    expect(viaDynamo.Condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } } });
    const putEvents = statements.filter((st) => actionsOf(st).includes('events:PutEvents'));
    expect(putEvents).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [onlyResource(s.template, 'AWS::Events::EventBus').id, 'Arn'] } })]);
    expect(allowedActions(s.template, 'IngestRuntimeRole').filter((a) => !/^(dynamodb|kms|events|logs|sqs):/.test(a))).toEqual([]);
    // Its only queue permission: sending failed invocations to its own dead-letter queue.
    const sqsStatements = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('sqs:')));
    expect(sqsStatements.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/IngestRuntimeFailedInvocationsQueue/), 'Arn'] }]);
    expect(allowedActions(s.template, 'IngestRuntimeRole').filter((a) => a.startsWith('events:'))).toEqual(['events:PutEvents']);
  });

  it('is one of the roles allowed to put boundwatch events, and is protected from revocation', () => {
    const bus = onlyResource(s.template, 'AWS::Events::EventBusPolicy');
    const role = Object.keys(resourcesOf(s.template, 'AWS::IAM::Role', 'IngestRuntimeRole'))[0]!;
    expect(JSON.stringify(bus.Properties)).toContain(`"Fn::GetAtt":["${role}","Arn"]`);
    expect((Object.values(resourcesOf(s.template, 'AWS::IAM::Role', 'IngestRuntimeRole'))[0]!.Properties as { Tags: unknown }).Tags).toEqual([
      { Key: 'boundwatch:protected', Value: 'true' },
    ]);
    // In apply mode the enforcer's explicit deny names it among boundwatch's own roles.
    const apply = synthConfig(minimal({}, { enforcement: 'apply' }));
    const denies = statementsOfRole(apply.template, 'EnforcerRole').filter((st) => st.Effect === 'Deny' && JSON.stringify(st.Action).includes('iam:PutRolePolicy'));
    expect(JSON.stringify(denies)).toContain(`"Fn::GetAtt":["${role}","Arn"]`);
  });

  it('retries failed invocations twice, then keeps them in its dead-letter queue', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: onlyResource(s.template, 'AWS::Lambda::Function', 'IngestRuntime').id },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestRuntimeFailedInvocationsQueue'), 'Arn'] } } },
    });
  });

  it('receives only the GuardDuty finding types it uses, from the default bus', () => {
    const [rule, ...more] = rulesOf(s, 'GuardDutyToSequences');
    expect(more).toEqual([]);
    expect(rule!.Properties.EventBusName).toBeUndefined();
    expect(rule!.Properties.EventPattern).toEqual(guardDutyRule().pattern);
    expect(rule!.Properties.EventPattern).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { type: [{ wildcard: '*:Kubernetes/*' }, { wildcard: '*:Runtime/*' }, 'AttackSequence:EKS/CompromisedCluster'] },
    });
    expect(rule!.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: fnArn(s, 'IngestRuntime'), DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/IngestRuntimeFailedInvocationsQueue/), 'Arn'] } } }),
    ]);
  });

  it('has no Falco input unless configured', () => {
    expect(Object.keys(resourcesOf(s.template, 'AWS::SQS::Queue', 'Falco'))).toEqual([]);
    expect(Object.keys(resourcesOf(s.template, 'AWS::Logs::SubscriptionFilter', 'Falco'))).toEqual([]);
    // The only event source mapping is the revert queue's.
    expect(Object.keys(resourcesOf(s.template, 'AWS::Lambda::EventSourceMapping')).filter((id) => !id.includes('Revert'))).toEqual([]);
  });

  it('alarms on records it cannot read and on signals it cannot join', () => {
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);
    const rejected = alarms.find((a) => a.AlarmName === 'boundwatch/prod-eks/ingest-runtime/RuntimeRecordsRejected')!;
    expect(rejected.Metrics).toEqual([
      expect.objectContaining({ Expression: 'SELECT SUM(RuntimeRecordsRejected) FROM "boundwatch" WHERE cluster = \'prod-eks\'', Period: 300 }),
    ]);
    expect(rejected.Threshold).toBe(1);
    const unjoined = alarms.find((a) => a.AlarmName === 'boundwatch/prod-eks/ingest-runtime/RuntimeSignalsUnjoined')!;
    expect(unjoined).toMatchObject({
      Namespace: 'boundwatch',
      MetricName: 'RuntimeSignalsUnjoined',
      Period: 3600,
      Dimensions: expect.arrayContaining([{ Name: 'cluster', Value: 'prod-eks' }, { Name: 'service', Value: 'ingest-runtime' }]),
    });
  });
});

describe('Falco delivery', () => {
  it('subscribes ingest-runtime to Falcosidekick\'s log group, imported by name', () => {
    const s = synthConfig(minimal({}, { runtime: { falcoLogGroup: '/falco/prod-eks', guardDuty: false } }));
    s.template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: '/falco/prod-eks',
      FilterPattern: '',
      FilterName: 'boundwatch-falco',
      DestinationArn: fnArn(s, 'IngestRuntime'),
    });
    expect(JSON.stringify(resourcesOf(s.template, 'AWS::Logs::LogGroup'))).not.toContain('/falco/');
    // guardDuty: false leaves the default bus alone.
    expect(rulesOf(s, 'GuardDutyToSequences')).toEqual([]);
  });

  it('creates an encrypted queue with a failure queue, read in batches with partial batch responses, and a policy for the sender', () => {
    const s = synthConfig(minimal({}, { runtime: { falcoQueue: true } }));
    const queue = onlyResource(s.template, 'AWS::SQS::Queue', 'RuntimeFalcoQueue');
    const failures = onlyResource(s.template, 'AWS::SQS::Queue', 'RuntimeFalcoFailures');
    const key = onlyResource(s.template, 'AWS::KMS::Key').id;

    expect(queue.Properties).toMatchObject({
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [failures.id, 'Arn'] }, maxReceiveCount: FALCO_MAX_RECEIVES },
    });
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue.id, 'Arn'] },
      FunctionName: { Ref: onlyResource(s.template, 'AWS::Lambda::Function', 'IngestRuntime').id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    const sender = onlyResource(s.template, 'AWS::IAM::ManagedPolicy', 'FalcoSenderPolicy');
    const statements = (sender.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queue.id, 'Arn'] } },
      {
        Effect: 'Allow',
        Action: expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']),
        Resource: { 'Fn::GetAtt': [key, 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } } },
      },
    ]);
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.entries(outputs).find(([id]) => id.includes('FalcoQueueUrl'))?.[1].Value).toEqual({ Ref: queue.id });
    expect(Object.keys(outputs).some((id) => id.includes('FalcoSenderPolicyArn'))).toBe(true);

    // Alarmed when a message waits 15 minutes, and the failure queue like every dead-letter queue.
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);
    expect(alarms.find((a) => a.AlarmName === 'boundwatch/prod-eks/falco-queue/OldestMessageAge')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 900,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue.id, 'QueueName'] } }],
    });
    expect(alarms.find((a) => a.AlarmName === 'boundwatch/prod-eks/ingest-runtime-falco/DeadLetters')).toMatchObject({
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [failures.id, 'QueueName'] } }],
    });
  });
});
