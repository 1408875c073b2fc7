/**
 * Runtime signals and attack sequences for one cluster: the ingest-runtime function and what
 * feeds it. Every Behavior Anomaly of the cluster (the shared runtime-target rules, narrowed to
 * the cluster), GuardDuty's EKS findings from the account's default bus, and Falco alerts from
 * Falcosidekick's CloudWatch Logs output (a subscription to `runtime.falcoLogGroup`) and/or its
 * SQS output (a queue this construct creates when `runtime.falcoQueue` is set).
 *
 * Least privilege: the function reads and writes only the table items of its cluster it uses
 * (infra/aws/table-access.ts) and puts events on the boundwatch bus only.
 */
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as logDestinations from 'aws-cdk-lib/aws-logs-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ClusterConfig } from '#shared/config';
import { RuleTarget, type RuleDefinition } from '#shared/events/rules';
import { DEFAULT_RUNTIME_CONFIG } from '#shared/runtime/config';
import { guardDutyRule } from '#shared/runtime/guardduty';
import { forCluster, toCdkEventPattern } from '../event-patterns';
import { runtimeTableAccess } from '../table-access';
import { BoundwatchFunction } from './boundwatch-function';
import { DeadLetterQueue } from './dead-letter-queue';

export interface RuntimeIngestionProps {
  cluster: ClusterConfig;
  projectRoot: string;
  key: kms.IKey;
  table: dynamodb.Table;
  bus: events.EventBus;
  /** CLUSTER_NAME and BOUNDWATCH_CONFIG, as the cluster's other functions get them. */
  environment: Record<string, string>;
  /** The shared rule definitions; those with target `runtime` are deployed here. */
  rules: readonly RuleDefinition[];
}

/** Falcosidekick's queue: a message not processed after this many receives goes to the failure queue. */
export const FALCO_MAX_RECEIVES = 5;

export class RuntimeIngestion extends Construct {
  readonly ingestRuntime: BoundwatchFunction;
  /** Rules on the boundwatch bus (AnomalyToSequences). */
  readonly busRules: events.Rule[] = [];
  /** Rules on the account's default bus (GuardDuty findings). */
  readonly defaultBusRules: events.Rule[] = [];
  readonly deadLetterQueues: DeadLetterQueue[] = [];
  /** The queue Falcosidekick's SQS output writes to (`runtime.falcoQueue`). */
  readonly falcoQueue?: sqs.Queue;
  /** What Falcosidekick's role needs to send to it. */
  readonly falcoSenderPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: RuntimeIngestionProps) {
    super(scope, id);
    const { cluster, key, table, bus } = props;
    const runtime = cluster.runtime ?? DEFAULT_RUNTIME_CONFIG;

    this.ingestRuntime = new BoundwatchFunction(this, 'IngestRuntime', {
      name: 'ingest-runtime',
      projectRoot: props.projectRoot,
      encryptionKey: key,
      description: `boundwatch ${cluster.name}: Falco and GuardDuty signals and anomalies to attack sequences`,
      memorySize: 512,
      timeout: Duration.minutes(1),
      environment: props.environment,
    })
      .bindTableItems(table, runtimeTableAccess(cluster.name))
      .bindBus(bus);
    const failures = this.ingestRuntime.withAsyncFailureQueue(key);
    this.deadLetterQueues.push(failures);
    const target = () =>
      new targets.LambdaFunction(this.ingestRuntime.fn, { deadLetterQueue: failures.queue, retryAttempts: 8, maxEventAge: Duration.hours(6) });

    for (const def of props.rules.filter((r) => r.target === RuleTarget.runtime)) {
      const rule = new events.Rule(this, def.id, {
        eventBus: bus,
        description: `${def.description} (cluster ${cluster.name})`,
        eventPattern: toCdkEventPattern(forCluster(def.pattern, cluster.name)),
      });
      rule.addTarget(target());
      this.busRules.push(rule);
    }

    if (runtime.guardDuty) {
      // Not narrowed to the cluster: an attack-sequence finding need not name one; the function
      // ignores (and counts) findings about other clusters.
      const def = guardDutyRule();
      const rule = new events.Rule(this, def.id, {
        description: `${def.description} (cluster ${cluster.name})`,
        eventPattern: toCdkEventPattern(def.pattern),
      });
      rule.addTarget(target());
      this.defaultBusRules.push(rule);
    }

    if (runtime.falcoLogGroup) {
      // Empty pattern: the handler counts what is not a Falco alert.
      new logs.SubscriptionFilter(this, 'FalcoSubscription', {
        logGroup: logs.LogGroup.fromLogGroupName(this, 'FalcoLogGroup', runtime.falcoLogGroup),
        destination: new logDestinations.LambdaDestination(this.ingestRuntime.fn),
        filterPattern: logs.FilterPattern.allEvents(),
        filterName: 'boundwatch-falco',
      });
    }

    if (runtime.falcoQueue) [this.falcoQueue, this.falcoSenderPolicy] = this.createFalcoQueue(cluster.name, key);
  }

  /**
   * Falcosidekick's SQS output writes here; ingest-runtime reads batches with partial batch
   * responses (a batch that fails is retried message by message, and only the messages that
   * fail again are redelivered). After FALCO_MAX_RECEIVES receives a message moves to an
   * encrypted failure queue, whose depth is alarmed like every dead-letter queue.
   */
  private createFalcoQueue(clusterName: string, key: kms.IKey): [sqs.Queue, iam.ManagedPolicy] {
    const failed = new DeadLetterQueue(this, 'FalcoFailures', {
      encryptionKey: key,
      purpose: `ingest-runtime ${clusterName}: Falco queue messages that failed ${FALCO_MAX_RECEIVES} times`,
      label: 'ingest-runtime-falco',
    });
    this.deadLetterQueues.push(failed);
    const queue = new sqs.Queue(this, 'FalcoQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      dataKeyReuse: Duration.minutes(15),
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // Six times the function timeout, as Lambda advises for SQS sources.
      visibilityTimeout: Duration.minutes(6),
      deadLetterQueue: { queue: failed.queue, maxReceiveCount: FALCO_MAX_RECEIVES },
    });
    this.ingestRuntime.fn.addEventSource(
      new sources.SqsEventSource(queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(5), reportBatchItemFailures: true }),
    );

    // What Falcosidekick's role needs (attach it to the role of its service account): send to
    // this queue, and use the key only through SQS to encrypt what it sends.
    const stack = Stack.of(this);
    const sender = new iam.ManagedPolicy(this, 'FalcoSenderPolicy', {
      description: `boundwatch ${clusterName}: lets Falcosidekick's SQS output send to the boundwatch Falco queue`,
      statements: [
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.${Aws.URL_SUFFIX}` } },
        }),
      ],
    });
    return [queue, sender];
  }
}
