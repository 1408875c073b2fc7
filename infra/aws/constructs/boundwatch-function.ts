/**
 * Every boundwatch Lambda: functions/<name>/handler.ts bundled by the local esbuild (never
 * Docker), nodejs22.x on arm64, its own role and log group (retention, encrypted), source maps,
 * Powertools settings, and `bind*` helpers that grant IAM and set the matching environment
 * variable together, so a function never gets a name it cannot use or a grant it is not told of.
 */
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { EnvNames } from '#shared/env';
import { METRICS_NAMESPACE } from '#shared/observability/metrics';
import { acknowledgeKeyGrants } from '../nag';
import { functionEntry } from '../paths';
import { DeadLetterQueue } from './dead-letter-queue';
import { shellQuote, type PackagedFile } from '../detection-files';
import type { TableAccess } from '../table-access';

/** The runtime boundwatch is built and tested for; see the AwsSolutions-L1 acknowledgment. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;
/** Function logs hold principals and anomaly ids: keep them as long as the anomalies matter. */
export const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

export interface VpcPlacement {
  subnetIds: string[];
  securityGroupIds: string[];
}

export interface BoundwatchFunctionProps {
  /** The folder under functions/, e.g. `ingest-audit`; also the Powertools service name. */
  name: string;
  projectRoot: string;
  description: string;
  encryptionKey: kms.IKey;
  memorySize?: number;
  timeout?: Duration;
  environment?: Record<string, string>;
  /** A role shared with another function (enforce and revert act as one principal in EKS). */
  role?: iam.Role;
  vpc?: VpcPlacement | undefined;
  logRetention?: logs.RetentionDays;
  /** Files copied into the deployment package (e.g. detection IP lists). */
  extraFiles?: readonly PackagedFile[];
}

export class BoundwatchFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly serviceName: string;
  /** Set by `withAsyncFailureQueue`. */
  deadLetterQueue?: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: BoundwatchFunctionProps) {
    super(scope, id);
    this.serviceName = props.name;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Our own role: no AWSLambdaBasicExecutionRole (which may write to any log group).
    this.role =
      props.role ??
      new iam.Role(this, 'Role', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `boundwatch ${props.name}`,
      });
    this.logGroup.grantWrite(this.role);
    acknowledgeKeyGrants(this.role);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: functionEntry(props.projectRoot, props.name),
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      role: this.role,
      logGroup: this.logGroup,
      awsSdkConnectionReuse: false, // SDK v3 reuses connections by default
      environment: {
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle everything, the AWS SDK included: the function runs the exact versions the
        // lockfile pins and the tests ran, not whatever SDK the runtime image carries today.
        externalModules: [],
        tsconfig: path.join(props.projectRoot, 'tsconfig.json'),
        logLevel: nodejs.LogLevel.WARNING,
        ...(props.extraFiles?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, output: string) =>
                  props.extraFiles!.flatMap((f) => [
                    `mkdir -p ${shellQuote(path.dirname(path.join(output, f.target)))}`,
                    `cp ${shellQuote(f.source)} ${shellQuote(path.join(output, f.target))}`,
                  ]),
              },
            }
          : {}),
      },
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'boundwatch targets nodejs22.x, the runtime its toolchain and tests cover (Node 20/22); moving to a newer runtime is a tested change, not a drift.',
    });

    if (props.vpc) this.placeInVpc(props.vpc);
  }

  /** Table read/write and TABLE_NAME. */
  bindTable(table: dynamodb.Table): this {
    table.grantReadWriteData(this.fn);
    this.fn.addEnvironment(EnvNames.tableName, table.tableName);
    return this;
  }

  /**
   * Per grant, its actions only on items whose partition key matches its leading keys; and
   * TABLE_NAME. The table key may be used only through DynamoDB (kms:ViaService).
   */
  bindTableItems(table: dynamodb.Table, access: TableAccess): this {
    const stack = Stack.of(this);
    for (const grant of access) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: grant.actions,
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': grant.leadingKeys } },
        }),
      );
    }
    if (table.encryptionKey) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
          resources: [table.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${Aws.URL_SUFFIX}` } },
        }),
      );
    }
    this.fn.addEnvironment(EnvNames.tableName, table.tableName);
    return this;
  }

  /** events:PutEvents on the bus and EVENT_BUS_NAME. */
  bindBus(bus: events.EventBus): this {
    bus.grantPutEventsTo(this.fn);
    this.fn.addEnvironment(EnvNames.eventBusName, bus.eventBusName);
    return this;
  }

  /** sns:Publish (and the key use encryption needs) and ALERT_TOPIC_ARN. */
  bindTopic(topic: sns.ITopic): this {
    topic.grantPublish(this.fn);
    this.fn.addEnvironment(EnvNames.alertTopicArn, topic.topicArn);
    return this;
  }

  /**
   * Asynchronous invocations (CloudWatch Logs, EventBridge, Scheduler) are retried by Lambda and
   * then sent to an encrypted queue instead of being dropped.
   */
  withAsyncFailureQueue(encryptionKey: kms.IKey, opts: { retryAttempts?: number; maxEventAge?: Duration } = {}): DeadLetterQueue {
    const dlq = new DeadLetterQueue(this, 'FailedInvocations', {
      encryptionKey,
      purpose: `${this.serviceName}: invocations that failed after retries`,
      label: this.serviceName,
    });
    this.fn.configureAsyncInvoke({
      retryAttempts: opts.retryAttempts ?? 2,
      maxEventAge: opts.maxEventAge ?? Duration.hours(6),
      onFailure: new destinations.SqsDestination(dlq.queue),
    });
    this.deadLetterQueue = dlq;
    return dlq;
  }

  /**
   * Private cluster endpoints: the function runs in the given subnets. The ENI permissions Lambda
   * needs are scoped to those subnets and security groups; only the two Describe calls, which
   * have no resource-level permissions, take `*`.
   */
  private placeInVpc(vpc: VpcPlacement): void {
    const stack = Stack.of(this);
    const { subnetIds, securityGroupIds } = vpc;
    (this.fn.node.defaultChild as lambda.CfnFunction).vpcConfig = { subnetIds, securityGroupIds };

    const arn = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name });
    const eni = arn('network-interface', '*');
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [eni, ...subnetIds.map((s) => arn('subnet', s)), ...securityGroupIds.map((g) => arn('security-group', g))],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: [eni],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
        resources: ['*'],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permissions; Lambda needs them to attach the function to the VPC.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
      reason: 'Lambda creates and deletes the function\'s ENIs; their ids are not known before they exist. Creation is limited to the configured subnets and security groups.',
    });
  }
}
