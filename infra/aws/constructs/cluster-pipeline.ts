/**
 * Everything boundwatch deploys for one EKS cluster: audit (and flow) ingestion from CloudWatch
 * Logs, optionally through Kinesis; the enforce and revert functions with the EventBridge rule,
 * Scheduler group and role that drive them; the inventory function; and the EKS access entries
 * that map boundwatch's roles to Kubernetes groups. Nothing here looks anything up: the cluster
 * is addressed by name, account and region only, so `cdk synth` works offline.
 */
import { Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as logDestinations from 'aws-cdk-lib/aws-logs-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_REVOCABLE_TAG } from '#shared/enforce/iam-scope';
import { compactFunctionConfig, functionConfigFor, type BoundwatchConfig, type ClusterConfig, type EnforcementConfig } from '#shared/config';
import { EnvNames } from '#shared/env';
import { ConfigError } from '#shared/errors';
import { RuleTarget, type RuleDefinition } from '#shared/events/rules';
import { forCluster, toCdkEventPattern } from '../event-patterns';
import { EKS_GROUPS, PROTECTED_TAG, scheduleGroupName } from '../names';
import { acknowledgeKeyGrants } from '../nag';
import { BoundwatchFunction, type VpcPlacement } from './boundwatch-function';
import { DeadLetterQueue } from './dead-letter-queue';
import { RuntimeIngestion } from './runtime-ingestion';
import { packageDetectionFiles } from '../detection-files';

/** Quick redeliveries of a revert message whose next attempt could not even be scheduled, before its DLQ. */
export const REVERT_QUEUE_MAX_RECEIVES = 5;

/** Lambda caps all environment variables of a function at 4 KB together. */
const MAX_CONFIG_ENV_BYTES = 3 * 1024;

export interface ClusterPipelineProps {
  cluster: ClusterConfig;
  config: BoundwatchConfig;
  projectRoot: string;
  key: kms.IKey;
  table: dynamodb.Table;
  bus: events.EventBus;
  /**
   * The shared rule definitions (shared/events/rules.ts). Those with target `enforce` and
   * `runtime` are deployed here, narrowed to the cluster; `alerts` ones by the Alerts construct.
   */
  rules: readonly RuleDefinition[];
}

export class ClusterPipeline extends Construct {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly ingestAudit: BoundwatchFunction;
  readonly ingestFlows?: BoundwatchFunction;
  readonly ingestDns?: BoundwatchFunction;
  readonly enforce: BoundwatchFunction;
  readonly revert: BoundwatchFunction;
  readonly inventory: BoundwatchFunction;
  readonly runtime: RuntimeIngestion;
  readonly enforcerRole: iam.Role;
  readonly schedulerRole: iam.Role;
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  /** Where revert schedules deliver; read by the revert function. */
  readonly revertQueue: sqs.Queue;
  readonly rules: events.Rule[] = [];
  /** The rules of `rules` that are on the boundwatch bus (the others are on the default bus). */
  readonly boundwatchBusRules = new Set<events.Rule>();
  readonly deadLetterQueues: DeadLetterQueue[] = [];
  /** High-volume mode only. */
  readonly auditStream?: kinesis.Stream;
  /** The group boundwatch created for the in-VPC functions (no `securityGroupIds` given). */
  functionSecurityGroup?: ec2.CfnSecurityGroup;

  constructor(scope: Construct, id: string, props: ClusterPipelineProps) {
    super(scope, id);
    const { cluster, key, table, bus } = props;
    const stack = Stack.of(this);
    this.clusterName = cluster.name;
    this.clusterArn = stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: cluster.name });

    // Detection list files go into the ingest-audit package; the config points at them there.
    const packaged = packageDetectionFiles(props.config.detection, process.cwd());
    const functionConfig = JSON.stringify(compactFunctionConfig({ ...functionConfigFor(props.config, cluster.name), detection: packaged.detection }));
    if (Buffer.byteLength(functionConfig) > MAX_CONFIG_ENV_BYTES) {
      throw new ConfigError(
        `clusters (${cluster.name}): the detection and enforcement settings take ${Buffer.byteLength(functionConfig)} bytes as JSON; Lambda environment variables allow ${MAX_CONFIG_ENV_BYTES} here`,
      );
    }
    const clusterEnv = { [EnvNames.clusterName]: cluster.name, [EnvNames.config]: functionConfig };
    const common = { projectRoot: props.projectRoot, encryptionKey: key };

    // --- Audit ingestion -------------------------------------------------------------------
    this.ingestAudit = new BoundwatchFunction(this, 'IngestAudit', {
      ...common,
      name: 'ingest-audit',
      description: `boundwatch ${cluster.name}: EKS audit log to per-principal baselines and anomalies`,
      memorySize: 1024,
      timeout: Duration.minutes(2),
      environment: clusterEnv,
      extraFiles: packaged.files,
    })
      .bindTable(table)
      .bindBus(bus);
    const auditLogGroup = logs.LogGroup.fromLogGroupName(this, 'AuditLogGroup', cluster.auditLogGroup);
    if (props.config.highVolume) {
      this.auditStream = this.routeThroughKinesis(auditLogGroup, key);
    } else {
      this.deadLetterQueues.push(this.ingestAudit.withAsyncFailureQueue(key));
      // Empty pattern: the handler keeps the kube-apiserver-audit-* streams and counts the rest.
      new logs.SubscriptionFilter(this, 'AuditSubscription', {
        logGroup: auditLogGroup,
        destination: new logDestinations.LambdaDestination(this.ingestAudit.fn),
        filterPattern: logs.FilterPattern.allEvents(),
        filterName: 'boundwatch-audit',
      });
    }

    // --- Flow ingestion (optional) ---------------------------------------------------------
    if (cluster.flowLogGroup) {
      this.ingestFlows = new BoundwatchFunction(this, 'IngestFlows', {
        ...common,
        name: 'ingest-flows',
        description: `boundwatch ${cluster.name}: flow records to the flow graph and network anomalies`,
        memorySize: 1024,
        timeout: Duration.minutes(2),
        environment: clusterEnv,
      })
        .bindTable(table)
        .bindBus(bus);
      this.deadLetterQueues.push(this.ingestFlows.withAsyncFailureQueue(key));
      new logs.SubscriptionFilter(this, 'FlowSubscription', {
        logGroup: logs.LogGroup.fromLogGroupName(this, 'FlowLogGroup', cluster.flowLogGroup),
        destination: new logDestinations.LambdaDestination(this.ingestFlows.fn),
        filterPattern: logs.FilterPattern.allEvents(),
        filterName: 'boundwatch-flows',
      });
    }

    // --- Resolver query log ingestion (optional) -------------------------------------------
    if (cluster.resolverLogGroup) {
      this.ingestDns = new BoundwatchFunction(this, 'IngestDns', {
        ...common,
        name: 'ingest-dns',
        description: `boundwatch ${cluster.name}: Resolver query logs to per-workload DNS anomalies`,
        memorySize: 512,
        timeout: Duration.minutes(2),
        environment: clusterEnv,
      })
        .bindTable(table)
        .bindBus(bus);
      this.deadLetterQueues.push(this.ingestDns.withAsyncFailureQueue(key));
      new logs.SubscriptionFilter(this, 'ResolverSubscription', {
        logGroup: logs.LogGroup.fromLogGroupName(this, 'ResolverLogGroup', cluster.resolverLogGroup),
        destination: new logDestinations.LambdaDestination(this.ingestDns.fn),
        filterPattern: logs.FilterPattern.allEvents(),
        filterName: 'boundwatch-dns',
      });
    }

    // --- Enforcement -----------------------------------------------------------------------
    const vpc = this.vpcPlacement(cluster);
    // enforce and revert are one principal: what one does, the other must be able to undo.
    this.enforcerRole = new iam.Role(this, 'EnforcerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `boundwatch ${cluster.name}: enforce and revert`,
    });
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'RevertSchedules', { name: scheduleGroupName(cluster.name) });
    const scheduleGroupArn = stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: scheduleGroupName(cluster.name) });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': scheduleGroupArn } },
      }),
      description: `boundwatch ${cluster.name}: EventBridge Scheduler invokes revert`,
    });

    const enforcementEnv = {
      ...clusterEnv,
      [EnvNames.enforcementMode]: cluster.enforcement,
      [EnvNames.schedulerGroupName]: this.scheduleGroup.name as string,
      [EnvNames.schedulerRoleArn]: this.schedulerRole.roleArn,
    };
    this.revert = new BoundwatchFunction(this, 'Revert', {
      ...common,
      name: 'revert',
      description: `boundwatch ${cluster.name}: reverts an enforcement action when it expires`,
      role: this.enforcerRole,
      vpc,
      environment: enforcementEnv,
    })
      .bindTable(table)
      .bindBus(bus);
    const revertDlq = this.revert.withAsyncFailureQueue(key);
    this.deadLetterQueues.push(revertDlq);
    // Schedules deliver to the revert queue, which the revert function reads: a delivery survives
    // a throttled or failing function, a failed revert schedules its own next attempt (hours of
    // doubling waits, shared/enforce/revert.ts), and what still fails is redriven to the DLQ.
    this.revertQueue = new sqs.Queue(this, 'RevertQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      dataKeyReuse: Duration.minutes(15),
      enforceSSL: true,
      // Six times the function's timeout, as Lambda asks of an event source queue.
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: revertDlq.queue, maxReceiveCount: REVERT_QUEUE_MAX_RECEIVES },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.revert.fn.addEventSource(new sources.SqsEventSource(this.revertQueue, { batchSize: 5, reportBatchItemFailures: true }));
    // The scheduler role can deliver to the revert queue (and invoke revert, for schedules created
    // before the queue existed), nothing else; schedules it cannot deliver go to revert's DLQ.
    this.revertQueue.grantSendMessages(this.schedulerRole);
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.revert.fn.functionArn] }),
    );
    revertDlq.queue.grantSendMessages(this.schedulerRole);
    acknowledgeKeyGrants(this.schedulerRole);

    // A failed revert schedules its next attempt like enforce schedules the first.
    this.revert.fn.addEnvironment(EnvNames.revertTargetArn, this.revertQueue.queueArn);
    this.revert.fn.addEnvironment(EnvNames.schedulerDlqArn, revertDlq.queue.queueArn);

    this.enforce = new BoundwatchFunction(this, 'Enforce', {
      ...common,
      name: 'enforce',
      description: `boundwatch ${cluster.name}: NetworkPolicy and credential enforcement (${cluster.enforcement})`,
      role: this.enforcerRole,
      vpc,
      environment: {
        ...enforcementEnv,
        [EnvNames.revertTargetArn]: this.revertQueue.queueArn,
        [EnvNames.schedulerDlqArn]: revertDlq.queue.queueArn,
      },
    })
      .bindTable(table)
      .bindBus(bus);
    const enforceDlq = this.enforce.withAsyncFailureQueue(key);
    this.deadLetterQueues.push(enforceDlq);
    // Anomalies and attack sequences (answered as the anomaly of the compromised workload).
    for (const def of props.rules.filter((r) => r.target === RuleTarget.enforce)) {
      const rule = new events.Rule(this, def.id, {
        eventBus: bus,
        description: `${def.description} (cluster ${cluster.name})`,
        eventPattern: toCdkEventPattern(forCluster(def.pattern, cluster.name)),
      });
      rule.addTarget(
        new targets.LambdaFunction(this.enforce.fn, { deadLetterQueue: enforceDlq.queue, retryAttempts: 8, maxEventAge: Duration.hours(2) }),
      );
      this.rules.push(rule);
      this.boundwatchBusRules.add(rule);
    }
    // Held actions (over a budget, below a replica floor) are re-evaluated even when no anomaly comes.
    const sweepSchedule = new events.Rule(this, 'EnforceSweepSchedule', {
      description: `boundwatch ${cluster.name}: re-evaluate held enforcement actions every 5 minutes`,
      schedule: events.Schedule.rate(Duration.minutes(5)),
    });
    sweepSchedule.addTarget(
      new targets.LambdaFunction(this.enforce.fn, { deadLetterQueue: enforceDlq.queue, retryAttempts: 2, maxEventAge: Duration.minutes(5) }),
    );
    this.rules.push(sweepSchedule);

    // --- Inventory -------------------------------------------------------------------------
    this.inventory = new BoundwatchFunction(this, 'Inventory', {
      ...common,
      name: 'inventory',
      description: `boundwatch ${cluster.name}: snapshots namespaces, pods, services and nodes`,
      memorySize: 1024,
      timeout: Duration.minutes(2),
      vpc,
      environment: clusterEnv,
    }).bindTable(table);
    this.inventory.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [this.clusterArn] }));
    // A missed snapshot is replaced five minutes later; retry once, then keep it for a look.
    const inventoryDlq = this.inventory.withAsyncFailureQueue(key, { retryAttempts: 1, maxEventAge: Duration.minutes(5) });
    this.deadLetterQueues.push(inventoryDlq);
    const inventorySchedule = new events.Rule(this, 'InventorySchedule', {
      description: `boundwatch ${cluster.name}: inventory snapshot every 5 minutes`,
      schedule: events.Schedule.rate(Duration.minutes(5)),
    });
    inventorySchedule.addTarget(
      new targets.LambdaFunction(this.inventory.fn, { deadLetterQueue: inventoryDlq.queue, retryAttempts: 2, maxEventAge: Duration.minutes(5) }),
    );
    this.rules.push(inventorySchedule);

    // --- Runtime signals and attack sequences ----------------------------------------------
    this.runtime = new RuntimeIngestion(this, 'Runtime', {
      cluster,
      projectRoot: props.projectRoot,
      key,
      table,
      bus,
      environment: clusterEnv,
      rules: props.rules,
    });
    this.deadLetterQueues.push(...this.runtime.deadLetterQueues);
    this.rules.push(...this.runtime.busRules, ...this.runtime.defaultBusRules);
    for (const rule of this.runtime.busRules) this.boundwatchBusRules.add(rule);

    // --- Cluster access --------------------------------------------------------------------
    // Requires the cluster's authentication mode to be API or API_AND_CONFIG_MAP.
    new eks.CfnAccessEntry(this, 'EnforcerAccessEntry', {
      clusterName: cluster.name,
      principalArn: this.enforcerRole.roleArn,
      kubernetesGroups: [EKS_GROUPS.enforcer],
      type: 'STANDARD',
    });
    new eks.CfnAccessEntry(this, 'InventoryAccessEntry', {
      clusterName: cluster.name,
      principalArn: this.inventory.role.roleArn,
      kubernetesGroups: [EKS_GROUPS.inventory],
      type: 'STANDARD',
    });

    // After every role exists: the enforcer's denies name them all.
    this.grantEnforcement(cluster, props.config.enforcement);

    // boundwatch's own roles are never targets of credential revocation (see grantEnforcement).
    for (const role of [this.enforcerRole, this.schedulerRole, this.inventory.role, this.ingestAudit.role, this.runtime.ingestRuntime.role]) {
      Tags.of(role).add(PROTECTED_TAG.key, PROTECTED_TAG.value);
    }
    if (this.ingestFlows) Tags.of(this.ingestFlows.role).add(PROTECTED_TAG.key, PROTECTED_TAG.value);
    if (this.ingestDns) Tags.of(this.ingestDns.role).add(PROTECTED_TAG.key, PROTECTED_TAG.value);
  }

  /** Every function of the cluster, for alarms and the dashboard. */
  get functions(): BoundwatchFunction[] {
    return [this.ingestAudit, ...(this.ingestFlows ? [this.ingestFlows] : []), ...(this.ingestDns ? [this.ingestDns] : []), this.enforce, this.revert, this.inventory, this.runtime.ingestRuntime];
  }

  /**
   * High-volume mode: CloudWatch Logs → Kinesis Data Streams → ingest-audit. Kinesis absorbs
   * bursts, the event source mapping batches, and failures are per record: the handler reports
   * batch item failures, a failing batch is bisected, and what still fails goes to a queue.
   */
  private routeThroughKinesis(auditLogGroup: logs.ILogGroup, key: kms.IKey): kinesis.Stream {
    const stack = Stack.of(this);
    const stream = new kinesis.Stream(this, 'AuditStream', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: key,
      retentionPeriod: Duration.hours(24),
    });
    Validations.of(stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason: 'The stream carries the full Kubernetes audit log; it is encrypted with the boundwatch customer managed key like every other boundwatch store, so one key policy, rotation and CloudTrail trail govern all of it.',
    });
    const writer = new iam.Role(this, 'AuditStreamWriter', {
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: { ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:*` } },
      }),
      description: 'boundwatch: CloudWatch Logs writes the audit log to Kinesis',
    });
    acknowledgeKeyGrants(writer);
    new logs.SubscriptionFilter(this, 'AuditSubscription', {
      logGroup: auditLogGroup,
      destination: new logDestinations.KinesisDestination(stream, { role: writer }),
      filterPattern: logs.FilterPattern.allEvents(),
      filterName: 'boundwatch-audit',
    });
    const failures = new DeadLetterQueue(this, 'AuditStreamFailures', {
      encryptionKey: key,
      purpose: 'ingest-audit: Kinesis records that failed after retries and bisection',
      label: 'ingest-audit-stream',
    });
    this.deadLetterQueues.push(failures);
    this.ingestAudit.deadLetterQueue = failures;
    this.ingestAudit.fn.addEventSource(
      new sources.KinesisEventSource(stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        parallelizationFactor: 2,
        onFailure: new sources.SqsDlq(failures.queue),
      }),
    );
    return stream;
  }

  /**
   * What enforce and revert may do (exactly the calls of shared/enforce/aws.ts and the EKS
   * token source). Always: describe the cluster, list a principal's access policies, read a role
   * (iam:GetRole: its path, tags and maximum session duration). With `enforcement: apply` only:
   * put and delete the inline deny that revokes a session, on the roles of
   * `enforcement.revocableRoles` alone (path prefixes; the tag as an `aws:ResourceTag`
   * condition; nothing when neither is configured); with `revokeAccessPolicies` only, disassociate
   * and re-associate the access policies of `revocableAccessPolicies` (an `eks:policyArn`
   * condition); create and delete revert schedules. The planner reads the same settings
   * (shared/enforce/iam-scope.ts), so it never plans a write this policy refuses. Explicit denies
   * keep boundwatch's own roles, the CDK deployment roles, roles tagged
   * `boundwatch:protected=true` and protectedPrincipals out of reach whatever the scope says.
   */
  private grantEnforcement(cluster: ClusterConfig, enforcement: EnforcementConfig): void {
    const stack = Stack.of(this);
    const role = this.enforcerRole;
    const accessEntries = stack.formatArn({ service: 'eks', resource: 'access-entry', resourceName: `${cluster.name}/*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [this.clusterArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:ListAssociatedAccessPolicies'], resources: [accessEntries] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:eks:<AWS::Region>:<AWS::AccountId>:access-entry/${cluster.name}/*]`,
      reason: 'Access entry ARNs end in an id EKS assigns; the statements are limited to this cluster\'s entries: listing (read-only), and changing only the access policies of enforcement.revocableAccessPolicies (eks:policyArn condition), with boundwatch\'s own entries denied.',
    });
    // Planning a revocation reads the role the anomaly names (dry-run too, so the preview is what
    // apply would do): its path (IAM Identity Center roles cannot be changed in IAM; EKS access
    // entries are keyed by the path-bearing ARN; revocableRoles.paths), its tags
    // (revocableRoles.tag) and its maximum session duration (how long a session deny must stay).
    // Read-only, and only roles of this account.
    const roles = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:GetRole'], resources: [roles] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]',
      reason:
        'The role an anomaly names is unknown at deploy time: iam:GetRole (read-only) on this account\'s roles in every mode; with apply, the inline session deny (PutRolePolicy/DeleteRolePolicy, no attach) only with the condition aws:ResourceTag of enforcement.revocableRoles.tag, and explicit denies on boundwatch\'s roles, CDK roles, protected-tagged roles and protectedPrincipals.',
    });
    const ic = enforcement.identityCenter;
    if (ic) this.grantIdentityCenter(ic, cluster.enforcement === 'apply');
    if (cluster.enforcement !== 'apply') return;

    const scope = enforcement.revocableRoles;
    const sessionDeny = ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'];
    for (const path of scope.paths) {
      const under = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${path.slice(1)}*` });
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: sessionDeny, resources: [under] }));
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role${path}*]`,
        reason: `enforcement.revocableRoles.paths names ${path}: the operator's choice of roles whose sessions may be revoked (inline deny only; boundwatch's own, CDK, protected and protectedPrincipals roles are denied).`,
      });
    }
    if (scope.tag) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: sessionDeny,
          resources: [roles],
          conditions: { StringEquals: { [`aws:ResourceTag/${scope.tag.key}`]: scope.tag.value } },
        }),
      );
    }
    if (enforcement.revokeAccessPolicies) {
      // Only the policies boundwatch may remove, and restore at revert: never e.g. cluster admin on an entry that had none.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy'],
          resources: [accessEntries],
          conditions: { ArnEquals: { 'eks:policyArn': enforcement.revocableAccessPolicies.map((n) => `arn:${stack.partition}:eks::aws:cluster-access-policy/${n}`) } },
        }),
      );
    }
    const schedules = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.name}/*` });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], resources: [schedules] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroup.name}/*]`,
      reason: 'One revert schedule per enforcement action, named at run time; limited to this cluster\'s schedule group.',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );

    // Explicit denies win over any allow, including the role/* above.
    const protectedRoles = [
      this.enforcerRole.roleArn,
      this.schedulerRole.roleArn,
      this.inventory.role.roleArn,
      this.ingestAudit.role.roleArn,
      ...(this.ingestFlows ? [this.ingestFlows.role.roleArn] : []),
      ...(this.ingestDns ? [this.ingestDns.role.roleArn] : []),
      this.runtime.ingestRuntime.role.roleArn,
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'cdk-*' }),
      ...protectedRoleArns(enforcement.protectedPrincipals),
    ];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
        resources: protectedRoles,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
        resources: [roles],
        conditions: { StringEquals: { [`aws:ResourceTag/${PROTECTED_TAG.key}`]: PROTECTED_TAG.value } },
      }),
    );
    // Associating a policy with boundwatch's own access entries would turn the enforcer into a
    // cluster admin: deny it.
    const ownEntries = [this.enforcerRole, this.inventory.role].map((r) =>
      stack.formatArn({ service: 'eks', resource: 'access-entry', resourceName: `${cluster.name}/role/${stack.account}/${r.roleName}/*` }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy'],
        resources: ownEntries,
      }),
    );
  }

  /**
   * IAM Identity Center (enforcement.identityCenter): the permission set of an SSO role is read
   * in every mode (the preview checks the deny fits its inline policy); with apply, its inline
   * policy may be changed and provisioned to this account only. Writes name the instance, this
   * account and the mapped permission sets exactly; with `lookup`, any permission set of the
   * instance, but only with the tag boundwatch:revocable=true (aws:ResourceTag condition).
   */
  private grantIdentityCenter(ic: NonNullable<EnforcementConfig['identityCenter']>, apply: boolean): void {
    const stack = Stack.of(this);
    const role = this.enforcerRole;
    const instanceId = ic.instanceArn.split('/').pop()!;
    const partition = ic.instanceArn.split(':')[1]!;
    const mapped = [...new Set(Object.values(ic.permissionSets))].sort();
    const anySet = `arn:${partition}:sso:::permissionSet/${instanceId}/*`;
    const reads = ['sso:DescribePermissionSet', 'sso:GetInlinePolicyForPermissionSet'];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...reads, ...(ic.lookup ? ['sso:ListPermissionSets'] : [])], resources: [ic.instanceArn, ...mapped] }));
    if (ic.lookup) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: reads, resources: [anySet] }));
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${anySet}]`,
        reason: 'enforcement.identityCenter.lookup: the permission set of an SSO role is found by name at run time; reads on any permission set of the configured instance, writes only on those tagged boundwatch:revocable=true.',
      });
    }
    if (!apply) return;
    const writes = ['sso:PutInlinePolicyToPermissionSet', 'sso:DeleteInlinePolicyFromPermissionSet', 'sso:ProvisionPermissionSet'];
    const account = `arn:${partition}:sso:::account/${stack.account}`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...writes, 'sso:DescribePermissionSetProvisioningStatus'], resources: [ic.instanceArn, account, ...mapped] }));
    if (ic.lookup) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: writes,
          resources: [anySet],
          conditions: { StringEquals: { [`aws:ResourceTag/${DEFAULT_REVOCABLE_TAG.key}`]: DEFAULT_REVOCABLE_TAG.value } },
        }),
      );
    }
  }

  /**
   * Private cluster endpoints: the functions that call the Kubernetes API (enforce, revert,
   * inventory) run in the given subnets with the given security groups, or one allowing HTTPS out.
   * The private endpoint's ENIs carry the cluster security group, which admits only itself by
   * default: with `clusterSecurityGroupId`, the stack adds one ingress rule on 443 from each of the
   * functions' groups (removed with the stack; the group itself stays EKS's).
   */
  private vpcPlacement(cluster: ClusterConfig): VpcPlacement | undefined {
    if (!cluster.subnetIds?.length) return undefined;
    let securityGroupIds = cluster.securityGroupIds ?? [];
    if (securityGroupIds.length === 0) {
      const sg = new ec2.CfnSecurityGroup(this, 'FunctionSecurityGroup', {
        groupDescription: `boundwatch ${cluster.name}: functions reaching the cluster endpoint`,
        vpcId: cluster.vpcId as string,
        securityGroupEgress: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIp: '0.0.0.0/0', description: 'HTTPS to the EKS API and AWS endpoints' }],
      });
      this.functionSecurityGroup = sg;
      securityGroupIds = [sg.attrGroupId];
    }
    if (cluster.clusterSecurityGroupId) {
      securityGroupIds.forEach((source, i) => {
        new ec2.CfnSecurityGroupIngress(this, `ClusterEndpointIngress${i}`, {
          groupId: cluster.clusterSecurityGroupId!,
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          sourceSecurityGroupId: source,
          description: `boundwatch ${cluster.name}: enforce, revert and inventory to the Kubernetes API`,
        });
      });
    }
    return { subnetIds: cluster.subnetIds, securityGroupIds };
  }
}

/**
 * IAM role ARNs among `enforcement.protectedPrincipals` (role ARNs, or the assumed-role ARNs
 * audit events carry as canonical ARNs), for the explicit deny. Other principals (usernames,
 * service accounts) are protected by the enforce function itself.
 */
export function protectedRoleArns(principals: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of principals) {
    const role = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(.+)$/.exec(p);
    if (role) {
      out.push(p);
      continue;
    }
    const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)(\/.*)?$/.exec(p);
    if (assumed) {
      // The session ARN drops the role's path: cover the role at the root and under any path.
      out.push(`arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`, `arn:${assumed[1]}:iam::${assumed[2]}:role/*/${assumed[3]}`);
    }
  }
  return [...new Set(out)];
}
