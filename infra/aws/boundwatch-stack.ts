/**
 * The boundwatch stack: one per AWS account and region, covering every configured cluster.
 * Core (key, table, bus, schema registry), alerts (topic, notify, rules), one nested stack per
 * cluster (cluster-stack.ts: its pipeline and alarms), and operations (core alarms, dashboard).
 * Environment-agnostic and lookup-free, so `cdk synth` runs offline and the same template
 * deploys to any account.
 */
import { Annotations, Aws, CfnCondition, CfnOutput, CfnResource, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct, IConstruct } from 'constructs';
import type { BoundwatchConfig } from '#shared/config';
import { boundwatchRules, RuleTarget, type RuleDefinition } from '#shared/events/rules';
import { EVENT_SOURCE } from '#shared/events/schema';
import { TableKeys } from '#shared/store/table';
import { REGIONS_WITHOUT_SCHEMAS_AND_ARCHIVES, regionSupport } from '#shared/preflight/regions';
import { eventSchemas, SCHEMA_REGISTRY_NAME } from './event-schemas';
import { Alerts } from './constructs/alerts';
import type { ClusterPipeline } from './constructs/cluster-pipeline';
import { ClusterStack, clusterScopeId } from './cluster-stack';
import { Operations, type MonitoredFunction } from './constructs/operations';

/** The bus name is part of the contract (shared/events/README.md#the-bus): users subscribe their own rules to it. */
export const EVENT_BUS_NAME = 'boundwatch';
export const KEY_ALIAS = 'alias/boundwatch';
/** CloudFormation's limit of resources per template (the core and each nested stack alike). */
export const MAX_STACK_RESOURCES = 500;

/**
 * Which construct deploys the rules of each target: a Record over RuleTarget, so a target added
 * to shared/events/rules.ts does not compile until it is deployed somewhere.
 */
const DEPLOYED_BY: Record<RuleTarget, 'Alerts' | 'ClusterPipeline'> = {
  [RuleTarget.alerts]: 'Alerts',
  [RuleTarget.enforce]: 'ClusterPipeline',
  [RuleTarget.runtime]: 'ClusterPipeline',
};

export interface BoundwatchStackProps extends StackProps {
  config: BoundwatchConfig;
  projectRoot: string;
  /** The region `cdk deploy` targets, when known at synth (config.ts targetRegion): for warnings only. */
  targetRegion?: string | undefined;
}

export class BoundwatchStack extends Stack {
  readonly key: kms.Key;
  readonly table: dynamodb.Table;
  readonly bus: events.EventBus;
  readonly alerts: Alerts;
  /** One nested stack per cluster (cluster-stack.ts). */
  readonly clusterStacks: ClusterStack[];
  readonly clusters: ClusterPipeline[];
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: BoundwatchStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.key = this.createKey();

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TableKeys.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TableKeys.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TableKeys.ttlAttribute,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      // Baselines take weeks to learn: never lose them to a stack deletion or a replacement.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: EVENT_BUS_NAME });
    // The template is region-agnostic, so regional gaps are CloudFormation conditions: GovCloud
    // rejects a bus description, and some regions have no schema registry or archives.
    const inGovCloud = new CfnCondition(this, 'InGovCloud', { expression: Fn.conditionEquals(Aws.PARTITION, 'aws-us-gov') });
    (this.bus.node.defaultChild as events.CfnEventBus).addPropertyOverride(
      'Description',
      Fn.conditionIf(inGovCloud.logicalId, Aws.NO_VALUE, 'boundwatch: Behavior Anomaly and Enforcement Action events'),
    );
    const inChina = new CfnCondition(this, 'InChina', { expression: Fn.conditionEquals(Aws.PARTITION, 'aws-cn') });
    if (props.targetRegion) this.warnAboutRegion(props.targetRegion);
    const hasSchemasAndArchives = new CfnCondition(this, 'HasSchemasAndArchives', {
      expression: Fn.conditionNot(Fn.conditionOr(...REGIONS_WITHOUT_SCHEMAS_AND_ARCHIVES.map((r) => Fn.conditionEquals(Aws.REGION, r)))),
    });
    // Replay after a target was broken: every boundwatch event, kept 30 days.
    const archive = this.bus.archive('Archive', {
      description: 'Every boundwatch event, for replay',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(30),
    });
    (archive.node.defaultChild as CfnResource).cfnOptions.condition = hasSchemasAndArchives;
    this.createSchemaRegistry(hasSchemasAndArchives);

    const rules = boundwatchRules({
      enforcementMinSeverity: config.enforcement.minSeverity,
      alertMinSeverity: config.alerts.minSeverity,
    });
    const deployedBy = (by: 'Alerts' | 'ClusterPipeline'): RuleDefinition[] => rules.filter((r) => DEPLOYED_BY[r.target] === by);

    this.alerts = new Alerts(this, 'Alerts', { config, projectRoot: props.projectRoot, key: this.key, bus: this.bus, rules: deployedBy('Alerts') });

    this.clusterStacks = config.clusters.map(
      (cluster) =>
        new ClusterStack(this, clusterScopeId(cluster.name), {
          cluster,
          config,
          projectRoot: props.projectRoot,
          key: this.key,
          table: this.table,
          bus: this.bus,
          rules: deployedBy('ClusterPipeline'),
        }),
    );
    this.clusters = this.clusterStacks.map((s) => s.pipeline);

    this.restrictBoundwatchSource();

    this.operations = new Operations(this, 'Operations', {
      topic: this.alerts.topic,
      clusters: config.clusters.map((c) => c.name),
      functions: [
        { fn: this.alerts.notify, label: 'notify', async: true },
        ...this.clusterStacks.flatMap(({ pipeline: c, alarmScope }): MonitoredFunction[] => [
          { fn: c.ingestAudit, label: `${c.clusterName}/ingest-audit`, async: !c.auditStream, stream: !!c.auditStream, alarmScope },
          ...(c.ingestFlows ? [{ fn: c.ingestFlows, label: `${c.clusterName}/ingest-flows`, async: true, alarmScope }] : []),
          ...(c.ingestDns ? [{ fn: c.ingestDns, label: `${c.clusterName}/ingest-dns`, async: true, alarmScope }] : []),
          { fn: c.enforce, label: `${c.clusterName}/enforce`, async: true, alarmScope },
          { fn: c.revert, label: `${c.clusterName}/revert`, async: true, alarmScope },
          { fn: c.inventory, label: `${c.clusterName}/inventory`, async: true, alarmScope },
          { fn: c.runtime.ingestRuntime, label: `${c.clusterName}/ingest-runtime`, async: true, alarmScope },
        ]),
      ],
      queues: [
        { dlq: this.alerts.deadLetterQueue, label: 'notify' },
        ...this.clusterStacks.flatMap(({ pipeline: c, alarmScope }) => c.deadLetterQueues.map((dlq) => ({ dlq, label: `${c.clusterName}/${dlq.label}`, alarmScope }))),
      ],
      rules: [
        ...this.alerts.rules.map((rule) => ({ rule, label: rule.node.id, eventBusName: EVENT_BUS_NAME })),
        ...this.clusterStacks.flatMap(({ pipeline: c, alarmScope }) =>
          c.rules.map((rule) => ({
            rule,
            label: `${c.clusterName}/${rule.node.id}`,
            eventBusName: c.boundwatchBusRules.has(rule) ? EVENT_BUS_NAME : undefined,
            alarmScope,
          })),
        ),
      ],
      inputQueues: this.clusterStacks.flatMap(({ pipeline: c, alarmScope }) =>
        c.runtime.falcoQueue ? [{ queue: c.runtime.falcoQueue, label: `${c.clusterName}/falco-queue`, alarmScope }] : [],
      ),
      runtimeClusters: this.clusterStacks.map(({ pipeline: c, alarmScope }) => ({ cluster: c.clusterName, alarmScope })),
      revertClusters: this.clusterStacks.map(({ pipeline: c, alarmScope }) => ({ cluster: c.clusterName, alarmScope })),
      anomalyLogGroupNames: this.clusters.flatMap((c) => [c.ingestAudit, ...(c.ingestFlows ? [c.ingestFlows] : []), ...(c.ingestDns ? [c.ingestDns] : [])].map((f) => f.logGroup.logGroupName)),
    });

    new CfnOutput(this, 'AlertsTopicArn', { value: this.alerts.topic.topicArn, description: 'SNS topic for alerts and alarms: subscribe pagers here' });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName, description: 'EventBridge bus with Behavior Anomaly and Enforcement Action events' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'DynamoDB table with baselines, inventory and enforcement actions' });
    new CfnOutput(this, 'DashboardUrl', {
      // The console has its own domain per partition; only the commercial one is addressed per
      // region, the others take the region from the query string alone.
      value: Fn.join('', [
        'https://',
        Fn.conditionIf(inGovCloud.logicalId, 'console.amazonaws-us-gov.com', Fn.conditionIf(inChina.logicalId, 'console.amazonaws.cn', `${this.region}.console.aws.amazon.com`)).toString(),
        `/cloudwatch/home?region=${this.region}#dashboards:name=${this.operations.dashboard.dashboardName}`,
      ]),
      description: 'CloudWatch dashboard',
    });
    // Releasing an action early on AWS: invoke the cluster's revert function (README "Deploy to AWS").
    // On the core stack: `cdk deploy` prints only its outputs, not a nested stack's.
    for (const c of this.clusters) {
      new CfnOutput(this, `RevertFunctionName-${c.clusterName}`, {
        value: c.revert.fn.functionName,
        description: `boundwatch ${c.clusterName}: invoke with {"actionId":"<id>","trigger":"release"} to release an enforcement action early`,
      });
    }
    // Falcosidekick's SQS output: where to send, and the policy its role needs (README "Sending Falco ...").
    for (const c of this.clusters) {
      const { falcoQueue, falcoSenderPolicy } = c.runtime;
      if (!falcoQueue || !falcoSenderPolicy) continue;
      new CfnOutput(this, `FalcoQueueUrl-${c.clusterName}`, { value: falcoQueue.queueUrl, description: `boundwatch ${c.clusterName}: Falcosidekick config.aws.sqs.url` });
      new CfnOutput(this, `FalcoSenderPolicyArn-${c.clusterName}`, {
        value: falcoSenderPolicy.managedPolicyArn,
        description: `boundwatch ${c.clusterName}: attach to Falcosidekick's IAM role`,
      });
    }

    // Without clusterSecurityGroupId, the group to allow on the cluster security group (README "Private clusters").
    for (const c of this.clusters) {
      if (!c.functionSecurityGroup) continue;
      new CfnOutput(this, `FunctionSecurityGroup-${c.clusterName}`, {
        value: c.functionSecurityGroup.attrGroupId,
        description: `boundwatch ${c.clusterName}: security group of enforce, revert and inventory; the cluster security group must allow it on 443`,
      });
    }

    // Fail the synth, naming the stack, rather than the deploy halfway through.
    for (const s of [this, ...this.clusterStacks]) {
      s.node.addValidation({
        validate: () => {
          const n = countResources(s);
          return n > MAX_STACK_RESOURCES ? [`${s.node.path}: ${n} resources, more than CloudFormation's ${MAX_STACK_RESOURCES} per stack`] : [];
        },
      });
    }
  }

  /**
   * One customer managed key (rotated yearly) for the table, topic, queues, streams and function
   * logs. Besides the account (IAM policies decide who in it may use the key), the key policy
   * lets in exactly the services that encrypt on boundwatch's behalf.
   */
  private createKey(): kms.Key {
    const key = new kms.Key(this, 'Key', {
      alias: KEY_ALIAS,
      description: 'boundwatch: table, alerts topic, dead-letter queues, audit stream and function logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts this account's log groups in this region with it. Its principal is
    // regional, so it takes the partition's domain (amazonaws.com.cn in China); global service
    // principals (lambda.amazonaws.com...) are the same name in every partition.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.${Aws.URL_SUFFIX}`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*` } },
      }),
    );
    // CloudWatch alarms publish to the encrypted alerts topic.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // EventBridge writes undeliverable events to the encrypted dead-letter queues. EventBridge's
    // KMS requests carry no aws:SourceAccount/SourceArn; the queue policies limit which rules.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeDeadLetterQueues',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    return key;
  }

  /**
   * Provenance, first line: only boundwatch's own functions may put `source: boundwatch` events
   * on the bus (an explicit deny wins over any identity policy in the account, an administrator's
   * included, until the bus policy itself is changed). The second line is in the enforce
   * function: it acts only on anomalies the ingest functions recorded in the table
   * (shared/events/provenance.ts). Other sources stay open for users' own events.
   */
  private restrictBoundwatchSource(): void {
    const writers = [
      ...new Set(
        this.clusters.flatMap((c) => [c.ingestAudit.role, ...(c.ingestFlows ? [c.ingestFlows.role] : []), ...(c.ingestDns ? [c.ingestDns.role] : []), c.runtime.ingestRuntime.role, c.enforcerRole]),
      ),
    ];
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyBoundwatchPutsBoundwatchEvents',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          StringEquals: { 'events:source': EVENT_SOURCE },
          ArnNotEquals: { 'aws:PrincipalArn': writers.map((r) => r.roleArn) },
        },
      }),
    );
  }

  /**
   * The template handles every region itself (conditions); when synth knows the target region,
   * it says what that region will not get, so a deploy there is not a surprise.
   */
  private warnAboutRegion(region: string): void {
    const { missing, partition } = regionSupport(region);
    if (missing.length === 0) return;
    Annotations.of(this).addWarningV2(
      'boundwatch:region-lacks-optional-resources',
      `${region} (${partition}) has no ${missing.join(', ')}: the stack leaves ${missing.length > 1 ? 'them' : 'it'} out there; detection, enforcement and alerts are unaffected`,
    );
  }

  /** The registry makes both events discoverable and gives users code bindings for them. */
  private createSchemaRegistry(condition: CfnCondition): void {
    const registry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
      registryName: SCHEMA_REGISTRY_NAME,
      description: 'boundwatch events (source "boundwatch")',
    });
    registry.cfnOptions.condition = condition;
    for (const s of eventSchemas()) {
      const schema = new eventschemas.CfnSchema(this, `Schema${s.schemaName.split('@')[1]}`, {
        registryName: SCHEMA_REGISTRY_NAME,
        schemaName: s.schemaName,
        type: 'JSONSchemaDraft4',
        description: s.description,
        content: JSON.stringify(s.content),
      });
      schema.node.addDependency(registry);
      schema.cfnOptions.condition = condition;
    }
  }
}

/** CloudFormation resources a stack's own template holds (a nested stack's are its own). */
function countResources(stack: Stack): number {
  const walk = (c: IConstruct): number =>
    (CfnResource.isCfnResource(c) && Stack.of(c) === stack ? 1 : 0) + c.node.children.reduce((n, child) => n + walk(child), 0);
  return walk(stack);
}
