import { Match } from 'aws-cdk-lib/assertions';
import { functionConfigFor } from '#shared/config';
import { boundwatchRules } from '#shared/events/rules';
import { loadConfig } from '#infra/aws/config';
import { protectedRoleArns } from '#infra/aws/constructs/cluster-pipeline';
import { scheduleGroupName } from '#infra/aws/names';
import { allowedActions, example, minimal, onlyResource, resourcesOf, statementsOfRole, synthConfig, type Synth } from './support';

const fnId = (syn: Synth, part: string) => onlyResource(syn.template, 'AWS::Lambda::Function', part).id;
const envOf = (syn: Synth, part: string) =>
  (onlyResource(syn.template, 'AWS::Lambda::Function', part).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const clusterArn = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:cluster/${name}`]],
});

describe('one cluster, defaults (dry-run)', () => {
  let s: Synth;
  beforeAll(() => {
    s = synthConfig(minimal());
  });

  it('subscribes ingest-audit to the existing audit log group with an empty pattern', () => {
    s.template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: '/aws/eks/prod-eks/cluster',
      FilterPattern: '',
      FilterName: 'boundwatch-audit',
      DestinationArn: { 'Fn::GetAtt': [fnId(s, 'IngestAudit'), 'Arn'] },
    });
    // The log group is imported by name, never created or replaced.
    expect(JSON.stringify(resourcesOf(s.template, 'AWS::Logs::LogGroup'))).not.toContain('/aws/eks/');
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'logs.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId(s, 'IngestAudit'), 'Arn'] },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([':log-group:/aws/eks/prod-eks/cluster:*'])] },
    });
  });

  it('retries ingest-audit twice, then keeps the payload in its dead-letter queue', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId(s, 'IngestAudit') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestAuditFailedInvocationsQueue'), 'Arn'] } } },
    });
  });

  it('gives ingest-audit the table, the bus and its cluster configuration', () => {
    const env = envOf(s, 'IngestAudit');

    expect(env.TABLE_NAME).toEqual({ Ref: onlyResource(s.template, 'AWS::DynamoDB::Table').id });
    expect(env.EVENT_BUS_NAME).toEqual({ Ref: onlyResource(s.template, 'AWS::Events::EventBus').id });
    expect(env.CLUSTER_NAME).toBe('prod-eks');
    expect(JSON.parse(env.BOUNDWATCH_CONFIG as string)).toEqual(functionConfigFor(loadConfig({ tryGetContext: (k) => (k === 'boundwatch' ? minimal() : undefined) }), 'prod-eks'));
    expect(allowedActions(s.template, 'IngestAuditRole')).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:Query', 'events:PutEvents']),
    );
    expect(allowedActions(s.template, 'IngestAuditRole').filter((a) => /^(iam|eks|scheduler|sns):/.test(a))).toEqual([]);
  });

  it('deploys no flow ingestion without flowLogGroup', () => {
    expect(Object.keys(resourcesOf(s.template, 'AWS::Lambda::Function', 'IngestFlows'))).toEqual([]);
    s.template.resourceCountIs('AWS::Logs::SubscriptionFilter', 1);
  });

  it('routes the shared AnomalyToEnforce pattern, narrowed to the cluster, to enforce', () => {
    const shared = boundwatchRules({ enforcementMinSeverity: 'HIGH', alertMinSeverity: 'MEDIUM' }).find((r) => r.id === 'AnomalyToEnforce')!;
    const rule = onlyResource(s.template, 'AWS::Events::Rule', 'AnomalyToEnforce');

    expect(rule.Properties.EventPattern).toEqual({
      ...shared.pattern,
      detail: { ...(shared.pattern.detail as object), cluster: ['prod-eks'] },
    });
    expect(rule.Properties.EventBusName).toEqual({ Ref: onlyResource(s.template, 'AWS::Events::EventBus').id });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId(s, 'Enforce'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/EnforceFailedInvocationsQueue/), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      }),
    ]);
  });

  it('tells enforce and revert their mode, schedule group, scheduler role, the revert queue and the schedule DLQ', () => {
    const queue = onlyResource(s.template, 'AWS::SQS::Queue', 'RevertQueue').id;
    for (const fn of ['Enforce', 'Revert']) {
      const env = envOf(s, fn);
      expect(env).toMatchObject({ CLUSTER_NAME: 'prod-eks', ENFORCEMENT_MODE: 'dry-run', SCHEDULER_GROUP_NAME: 'boundwatch-prod-eks' });
      expect(env.SCHEDULER_ROLE_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/SchedulerRole/), 'Arn'] });
      // Schedules (enforce's first, revert's retries) deliver to the revert queue.
      expect(env.REVERT_TARGET_ARN).toEqual({ 'Fn::GetAtt': [queue, 'Arn'] });
      expect(env.SCHEDULER_DLQ_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/RevertFailedInvocationsQueue/), 'Arn'] });
    }
  });

  it('feeds revert from an encrypted revert queue whose failed messages are redriven to the revert DLQ after 5 receives', () => {
    const queue = onlyResource(s.template, 'AWS::SQS::Queue', 'RevertQueue');
    expect(queue.Properties).toMatchObject({
      KmsMasterKeyId: expect.anything(),
      VisibilityTimeout: 360,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/RevertFailedInvocationsQueue/), 'Arn'] }, maxReceiveCount: 5 },
    });
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue.id, 'Arn'] },
      FunctionName: { Ref: fnId(s, 'Revert') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
    });
    // The queue's visibility outlasts the function (Lambda asks for six times its timeout).
    expect((queue.Properties.VisibilityTimeout as number) >= 6 * (onlyResource(s.template, 'AWS::Lambda::Function', 'Revert').Properties.Timeout as number)).toBe(true);
    const send = statementsOfRole(s.template, 'SchedulerRole').find((st) => JSON.stringify(st.Action).includes('sqs:SendMessage') && JSON.stringify(st.Resource).includes(queue.id));
    expect(send).toBeDefined();
  });

  it('runs enforce and revert as one role, which in dry-run can only read the cluster and the roles it names', () => {
    const enforce = onlyResource(s.template, 'AWS::Lambda::Function', 'Enforce').Properties.Role;
    expect(onlyResource(s.template, 'AWS::Lambda::Function', 'Revert').Properties.Role).toEqual(enforce);
    const actions = allowedActions(s.template, 'EnforcerRole');

    expect(actions.filter((a) => /^(eks|iam|scheduler):/.test(a))).toEqual(['eks:DescribeCluster', 'eks:ListAssociatedAccessPolicies', 'iam:GetRole']);
    const getRole = statementsOfRole(s.template, 'EnforcerRole').find((st) => JSON.stringify(st.Action).includes('iam:GetRole'))!;
    // Read-only, roles of this account only (the role an anomaly names is unknown at deploy time).
    expect(getRole).toEqual({ Action: 'iam:GetRole', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/*']] } });
    const describe = statementsOfRole(s.template, 'EnforcerRole').find((st) => JSON.stringify(st.Action).includes('eks:DescribeCluster'))!;
    expect(describe.Resource).toEqual(clusterArn('prod-eks'));
  });

  it('creates the schedule group and a scheduler role that can deliver to the revert queue (and invoke revert) and nothing else', () => {
    s.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'boundwatch-prod-eks' });
    s.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([':schedule-group/boundwatch-prod-eks'])] } },
            },
          }),
        ],
      },
    });
    const invoke = statementsOfRole(s.template, 'SchedulerRole').filter((st) => JSON.stringify(st.Action).includes('lambda:'));
    expect(invoke).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [fnId(s, 'Revert'), 'Arn'] } }]);
    expect(allowedActions(s.template, 'SchedulerRole')).toEqual([
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
      'lambda:InvokeFunction',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });

  it('maps the enforcer and inventory roles to their Kubernetes groups with EKS access entries', () => {
    s.template.resourceCountIs('AWS::EKS::AccessEntry', 2);
    s.template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: 'prod-eks',
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EnforcerRole'), 'Arn'] },
      KubernetesGroups: ['boundwatch:enforcer'],
      Type: 'STANDARD',
    });
    s.template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: 'prod-eks',
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('InventoryRole'), 'Arn'] },
      KubernetesGroups: ['boundwatch:inventory'],
      Type: 'STANDARD',
    });
  });

  it('runs inventory every 5 minutes, read-only on the cluster, writing to the table', () => {
    const rule = onlyResource(s.template, 'AWS::Events::Rule', 'InventorySchedule');
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId(s, 'Inventory'), 'Arn'] }, DeadLetterConfig: expect.any(Object) }),
    ]);
    const actions = allowedActions(s.template, 'InventoryRole');
    expect(actions.filter((a) => /^(eks|iam|scheduler|events):/.test(a))).toEqual(['eks:DescribeCluster']);
    expect(actions).toContain('dynamodb:PutItem');
  });

  it('tags boundwatch\'s own roles as protected from credential revocation', () => {
    for (const part of ['EnforcerRole', 'SchedulerRole', 'InventoryRole', 'IngestAuditRole']) {
      const role = Object.values(resourcesOf(s.template, 'AWS::IAM::Role', part))[0]!;
      expect((role.Properties as { Tags: unknown }).Tags).toEqual([{ Key: 'boundwatch:protected', Value: 'true' }]);
    }
  });

  it('places no function in a VPC', () => {
    for (const fn of Object.values(resourcesOf(s.template, 'AWS::Lambda::Function'))) {
      expect((fn.Properties as { VpcConfig?: unknown }).VpcConfig).toBeUndefined();
    }
  });
});

describe('enforcement: apply', () => {
  let s: Synth;
  beforeAll(() => {
    s = synthConfig(
      minimal(
        { enforcement: { protectedPrincipals: ['arn:aws:iam::111122223333:role/ops/platform-admin', 'arn:aws:sts::111122223333:assumed-role/BreakGlass/alice', 'alice@example.com'] } },
        { enforcement: 'apply' },
      ),
    );
  });

  it('adds the write permissions enforcement needs, scoped to the cluster, its schedule group, the scheduler role and the roles tagged revocable', () => {
    const st = statementsOfRole(s.template, 'EnforcerRole').filter((x) => x.Effect === 'Allow');
    const find = (action: string) => st.find((x) => JSON.stringify(x.Action).includes(action))!;
    const roles = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/*']] };

    // Sorted: @aws-cdk/aws-iam:minimizePolicies (cdk.json) orders a merged statement's actions.
    expect([...(find('scheduler:CreateSchedule').Action as string[])].sort()).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']);
    // Access policies are not changed unless enforcement.revokeAccessPolicies: no permission for it either.
    expect(allowedActions(s.template, 'EnforcerRole').filter((a) => /^(eks|iam|scheduler):/.test(a))).toEqual([
      'eks:DescribeCluster',
      'eks:ListAssociatedAccessPolicies',
      'iam:DeleteRolePolicy',
      'iam:GetRole',
      'iam:PassRole',
      'iam:PutRolePolicy',
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
    ]);
    // The session deny: only on roles tagged boundwatch:revocable=true (the default enforcement.revocableRoles).
    expect(find('iam:PutRolePolicy')).toEqual({
      Action: ['iam:DeleteRolePolicy', 'iam:PutRolePolicy'],
      Effect: 'Allow',
      Resource: roles,
      Condition: { StringEquals: { 'aws:ResourceTag/boundwatch:revocable': 'true' } },
    });
    // Reading the named role (its path, tags, maximum session duration): read-only, this account's roles, nothing else.
    expect(find('iam:GetRole')).toEqual({ Action: 'iam:GetRole', Effect: 'Allow', Resource: roles });
    expect(find('scheduler:CreateSchedule').Resource).toEqual({ 'Fn::Join': ['', expect.arrayContaining([':schedule/boundwatch-prod-eks/*'])] });
    expect(find('iam:PassRole')).toEqual({
      Action: 'iam:PassRole',
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/SchedulerRole/), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    expect(envOf(s, 'Enforce').ENFORCEMENT_MODE).toBe('apply');
  });

  it('denies revoking boundwatch\'s own, the CDK, protected-tagged and protectedPrincipals roles', () => {
    const denies = statementsOfRole(s.template, 'EnforcerRole').filter((x) => x.Effect === 'Deny');
    const iamDeny = denies.find((d) => !d.Condition && JSON.stringify(d.Action).includes('iam:PutRolePolicy'))!;
    const resources = JSON.stringify(iamDeny.Resource);

    for (const own of ['EnforcerRole', 'SchedulerRole', 'InventoryRole', 'IngestAuditRole']) expect(resources).toMatch(new RegExp(`"Clusterprodeks${own}`));
    expect(resources).toContain(':role/cdk-*');
    expect(iamDeny.Resource).toEqual(
      expect.arrayContaining([
        'arn:aws:iam::111122223333:role/ops/platform-admin',
        'arn:aws:iam::111122223333:role/BreakGlass',
        'arn:aws:iam::111122223333:role/*/BreakGlass',
      ]),
    );
    expect(denies).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { StringEquals: { 'aws:ResourceTag/boundwatch:protected': 'true' } } }),
    );
    const eksDeny = denies.find((d) => JSON.stringify(d.Action).includes('eks:AssociateAccessPolicy'))!;
    expect(JSON.stringify(eksDeny.Resource)).toMatch(/access-entry\/prod-eks\/role\/.*EnforcerRole/);
    expect(JSON.stringify(eksDeny.Resource)).toMatch(/InventoryRole/);
  });
});

describe('enforcement: apply, with revocableRoles.paths and revokeAccessPolicies', () => {
  let s: Synth;
  beforeAll(() => {
    s = synthConfig(minimal({ enforcement: { revocableRoles: { paths: ['/ci/', '/teams/platform/'], tag: null }, revokeAccessPolicies: true, revocableAccessPolicies: ['AmazonEKSEditPolicy', 'AmazonEKSViewPolicy'] } }, { enforcement: 'apply' }));
  });

  it('grants the session deny on the configured path prefixes only, and no tag-based grant', () => {
    const writes = statementsOfRole(s.template, 'EnforcerRole').filter((x) => x.Effect === 'Allow' && JSON.stringify(x.Action).includes('iam:PutRolePolicy'));
    expect(writes).toEqual([
      {
        Action: ['iam:DeleteRolePolicy', 'iam:PutRolePolicy'],
        Effect: 'Allow',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/ci/*']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/teams/platform/*']] },
        ],
      },
    ]);
  });

  it('conditions access-policy changes on eks:policyArn: only the configured access policies, on this cluster\'s entries', () => {
    const eks = statementsOfRole(s.template, 'EnforcerRole').filter((x) => x.Effect === 'Allow' && JSON.stringify(x.Action).includes('eks:AssociateAccessPolicy'));
    expect(eks).toEqual([
      {
        Action: ['eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', expect.arrayContaining([':access-entry/prod-eks/*'])] },
        Condition: {
          ArnEquals: {
            'eks:policyArn': [
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSEditPolicy']] },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSViewPolicy']] },
            ],
          },
        },
      },
    ]);
  });

  it('grants no IAM write at all when neither paths nor a tag is configured', () => {
    const none = synthConfig(minimal({ enforcement: { revocableRoles: { tag: null } } }, { enforcement: 'apply' }));
    expect(allowedActions(none.template, 'EnforcerRole').filter((a) => a.startsWith('iam:'))).toEqual(['iam:GetRole', 'iam:PassRole']);
  });
});

describe('protectedRoleArns', () => {
  it('keeps role ARNs, maps assumed-role ARNs to their role, ignores other principals', () => {
    expect(
      protectedRoleArns([
        'arn:aws:iam::111122223333:role/admin',
        'arn:aws-us-gov:sts::111122223333:assumed-role/Ops/bob',
        'system:serviceaccount:kube-system:x',
        'arn:aws:iam::111122223333:user/carol',
      ]),
    ).toEqual(['arn:aws:iam::111122223333:role/admin', 'arn:aws-us-gov:iam::111122223333:role/Ops', 'arn:aws-us-gov:iam::111122223333:role/*/Ops']);
  });
});

describe('several clusters (infra/aws/examples/multi-cluster.json)', () => {
  let s: Synth;
  beforeAll(() => {
    s = synthConfig(example('multi-cluster.json'));
  });

  it('deploys one pipeline per cluster, with flows only where configured', () => {
    const fns = Object.keys(resourcesOf(s.template, 'AWS::Lambda::Function'));
    expect(fns.length).toBe(1 + 6 + 5 + 5);
    for (const c of ['Clusterprodeks', 'Clusterstagingeks', 'Clusterbatcheks']) {
      for (const f of ['IngestAudit', 'Enforce', 'Revert', 'Inventory', 'RuntimeIngestRuntime']) expect(fns.filter((id) => id.startsWith(`${c}${f}Function`))).toHaveLength(1);
    }
    expect(fns.filter((id) => id.includes('IngestFlows'))).toHaveLength(1);
    s.template.hasResourceProperties('AWS::Logs::SubscriptionFilter', { LogGroupName: '/vpc/prod/flows', FilterName: 'boundwatch-flows' });
    // Audit ×3, flows on prod-eks, Falco's log group on staging-eks.
    s.template.resourceCountIs('AWS::Logs::SubscriptionFilter', 5);
    s.template.resourceCountIs('AWS::EKS::AccessEntry', 6);
    s.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 3);
  });

  it('narrows each enforce rule to its own cluster and mode', () => {
    const rules = Object.values(resourcesOf(s.template, 'AWS::Events::Rule', 'AnomalyToEnforce'));
    expect(rules.map((r) => (r.Properties as { EventPattern: { detail: { cluster: string[] } } }).EventPattern.detail.cluster).sort()).toEqual([
      ['batch_eks'],
      ['prod-eks'],
      ['staging-eks'],
    ]);
    expect(envOf(s, 'ClusterprodeksEnforce').ENFORCEMENT_MODE).toBe('apply');
    expect(envOf(s, 'ClusterstagingeksEnforce').ENFORCEMENT_MODE).toBe('dry-run');
    expect(envOf(s, 'ClusterbatcheksEnforce').ENFORCEMENT_MODE).toBe('off');
  });

  it('gives notify every cluster\'s audit log group', () => {
    expect(JSON.parse(envOf(s, 'Notify').AUDIT_LOG_GROUPS as string)).toEqual({
      'prod-eks': '/aws/eks/prod-eks/cluster',
      'staging-eks': '/aws/eks/staging-eks/cluster',
      batch_eks: '/aws/eks/batch_eks/cluster',
    });
  });

  it('puts the functions that reach a private endpoint in its subnets, with an HTTPS-only security group when none is given', () => {
    const sg = onlyResource(s.template, 'AWS::EC2::SecurityGroup');
    expect(sg.id).toMatch(/^Clusterprodeks/);
    expect(sg.Properties).toMatchObject({
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      SecurityGroupEgress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0', Description: expect.any(String) }],
    });
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    for (const f of ['Enforce', 'Revert', 'Inventory']) {
      expect(onlyResource(s.template, 'AWS::Lambda::Function', `Clusterprodeks${f}`).Properties.VpcConfig).toEqual({
        SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-1a2b3c4d5e6f70819'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [sg.id, 'GroupId'] }],
      });
      expect(onlyResource(s.template, 'AWS::Lambda::Function', `Clusterbatcheks${f}`).Properties.VpcConfig).toEqual({
        SubnetIds: ['subnet-2a2b3c4d5e6f70819'],
        SecurityGroupIds: ['sg-0123456789abcdef0'],
      });
    }
    expect(onlyResource(s.template, 'AWS::Lambda::Function', 'ClusterprodeksIngestAudit').Properties.VpcConfig).toBeUndefined();
    expect(onlyResource(s.template, 'AWS::Lambda::Function', 'ClusterstagingeksEnforce').Properties.VpcConfig).toBeUndefined();
  });

  it('lets the functions\' security group reach the private endpoint: one ingress on 443 to the cluster security group', () => {
    const sg = onlyResource(s.template, 'AWS::EC2::SecurityGroup', 'Clusterprodeks');
    const ingress = Object.values(resourcesOf(s.template, 'AWS::EC2::SecurityGroupIngress'));
    expect(ingress.map((r) => r.Properties)).toEqual([
      {
        GroupId: 'sg-0c1d2e3f4a5b6c7d8',
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: { 'Fn::GetAtt': [sg.id, 'GroupId'] },
        Description: expect.stringContaining('prod-eks'),
      },
    ]);
    // batch_eks gives no cluster security group: no rule, and its group is the user's to allow.
    expect(JSON.stringify(ingress)).not.toContain('sg-0123456789abcdef0');
    // The group boundwatch created is named in the core stack's outputs, for the manual rule.
    expect(s.root.findOutputs('FunctionSecurityGroupprodeks')).toEqual({ FunctionSecurityGroupprodeks: expect.objectContaining({ Value: expect.anything() }) });
    expect(Object.keys(s.root.findOutputs('FunctionSecurityGroupbatcheks'))).toEqual([]);
  });

  it('adds a rule from each given security group when the functions use the user\'s groups', () => {
    const t = synthConfig(
      minimal({}, { subnetIds: ['subnet-0abc'], securityGroupIds: ['sg-0aaa', 'sg-0bbb'], clusterSecurityGroupId: 'sg-0ccc' }),
    ).template;
    const ingress = Object.values(resourcesOf(t, 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({ GroupId: 'sg-0ccc', FromPort: 443, ToPort: 443, SourceSecurityGroupId: 'sg-0aaa' }),
      expect.objectContaining({ GroupId: 'sg-0ccc', FromPort: 443, ToPort: 443, SourceSecurityGroupId: 'sg-0bbb' }),
    ]);
    expect(Object.keys(t.findResources('AWS::EC2::SecurityGroup'))).toEqual([]);
    expect(onlyResource(t, 'AWS::Lambda::Function', 'Inventory').Properties.VpcConfig).toEqual({ SubnetIds: ['subnet-0abc'], SecurityGroupIds: ['sg-0aaa', 'sg-0bbb'] });
  });

  it('limits ENI creation to the configured subnets and security groups', () => {
    const create = statementsOfRole(s.template, 'ClusterbatcheksEnforcerRole').find((st) => st.Action === 'ec2:CreateNetworkInterface')!;
    const text = JSON.stringify(create.Resource);
    expect(text).toContain(':subnet/subnet-2a2b3c4d5e6f70819');
    expect(text).toContain(':security-group/sg-0123456789abcdef0');
    expect(text).toContain(':network-interface/*');
    const describe = statementsOfRole(s.template, 'ClusterbatcheksEnforcerRole').find((st) => JSON.stringify(st.Action).includes('ec2:Describe'))!;
    expect(describe.Action).toEqual(['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets']);
  });
});

describe('names', () => {
  it('keeps the schedule group name within 64 characters for the longest cluster names', () => {
    const long = 'c'.repeat(100);
    const name = scheduleGroupName(long);

    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^boundwatch-c+-[0-9a-f]{8}$/);
    expect(scheduleGroupName(`${'c'.repeat(99)}d`)).not.toBe(name);
    const s = synthConfig(minimal({}, { name: long, auditLogGroup: `/aws/eks/${long}/cluster` }));
    s.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: name });
  });
});

describe('Resolver query log ingestion (resolverLogGroup)', () => {
  it('is absent unless configured', () => {
    expect(Object.keys(resourcesOf(synthConfig(minimal()).template, 'AWS::Lambda::Function', 'IngestDns'))).toEqual([]);
  });

  it('subscribes ingest-dns to the configured group, with the rights of flow ingestion and no more', () => {
    const s = synthConfig(minimal({}, { resolverLogGroup: '/aws/route53/resolver/prod', flowLogGroup: '/vpc/prod/flows' }));
    expect(Object.keys(resourcesOf(s.template, 'AWS::Lambda::Function', 'IngestDns'))).toHaveLength(1);
    s.template.hasResourceProperties('AWS::Logs::SubscriptionFilter', { LogGroupName: '/aws/route53/resolver/prod', FilterName: 'boundwatch-dns', FilterPattern: '' });
    const dns = allowedActions(s.template, 'IngestDnsRole');
    expect(dns).toEqual(allowedActions(s.template, 'IngestFlowsRole'));
    expect(dns.filter((a) => /^(iam|eks|scheduler|sns):/.test(a))).toEqual([]);
  });
});

describe('enforcement.identityCenter: the permission sets of SSO roles', () => {
  const INSTANCE = 'arn:aws:sso:::instance/ssoins-72231e2b4e6a8f10';
  const ADMIN = 'arn:aws:sso:::permissionSet/ssoins-72231e2b4e6a8f10/ps-0123456789abcdef';
  const sso = (s: Synth) => statementsOfRole(s.template, 'EnforcerRole').filter((x) => x.Effect === 'Allow' && JSON.stringify(x.Action).includes('sso:'));
  const writes = /sso:(Put|Delete|Provision)/;

  it('dry-run: reads of the instance and the mapped permission sets only', () => {
    const s = synthConfig(minimal({ enforcement: { identityCenter: { instanceArn: INSTANCE, permissionSets: { PlatformAdmin: ADMIN } } } }));
    expect(sso(s)).toEqual([{ Action: ['sso:DescribePermissionSet', 'sso:GetInlinePolicyForPermissionSet'], Effect: 'Allow', Resource: [INSTANCE, ADMIN] }]);
  });

  it('apply with a map: inline-policy writes and provisioning name the instance, this account and the mapped permission sets exactly', () => {
    const s = synthConfig(minimal({ enforcement: { identityCenter: { instanceArn: INSTANCE, permissionSets: { PlatformAdmin: ADMIN } } } }, { enforcement: 'apply' }));
    const w = sso(s).filter((x) => writes.test(JSON.stringify(x.Action)));
    expect(w).toHaveLength(1);
    expect(w[0]!.Action).toEqual(['sso:DeleteInlinePolicyFromPermissionSet', 'sso:DescribePermissionSetProvisioningStatus', 'sso:ProvisionPermissionSet', 'sso:PutInlinePolicyToPermissionSet']);
    expect(w[0]!.Resource).toEqual([INSTANCE, ADMIN, { 'Fn::Join': ['', ['arn:aws:sso:::account/', { Ref: 'AWS::AccountId' }]] }]);
    expect(w[0]!.Condition).toBeUndefined();
  });

  it('apply with lookup: any permission set of the instance only with the tag boundwatch:revocable=true', () => {
    const s = synthConfig(minimal({ enforcement: { identityCenter: { instanceArn: INSTANCE, lookup: true } } }, { enforcement: 'apply' }));
    const wild = sso(s).filter((x) => writes.test(JSON.stringify(x.Action)) && JSON.stringify(x.Resource).includes('*'));
    expect(wild).toEqual([
      {
        Action: ['sso:DeleteInlinePolicyFromPermissionSet', 'sso:ProvisionPermissionSet', 'sso:PutInlinePolicyToPermissionSet'],
        Effect: 'Allow',
        Resource: 'arn:aws:sso:::permissionSet/ssoins-72231e2b4e6a8f10/*',
        Condition: { StringEquals: { 'aws:ResourceTag/boundwatch:revocable': 'true' } },
      },
    ]);
    expect(allowedActions(s.template, 'EnforcerRole')).toContain('sso:ListPermissionSets');
  });
});
