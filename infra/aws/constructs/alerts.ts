/**
 * Paging: the encrypted SNS topic with the configured email and HTTPS subscriptions, the notify
 * function that turns boundwatch events into readable messages (shared/alerts/format.ts), and
 * the AnomalyToAlerts / EnforcementToAlerts rules that feed it. CloudWatch alarms publish to the
 * same topic.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as eventsLib from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { BoundwatchConfig } from '#shared/config';
import { EnvNames } from '#shared/env';
import { ConfigError } from '#shared/errors';
import { RuleTarget, type RuleDefinition } from '#shared/events/rules';
import { toCdkEventPattern } from '../event-patterns';
import { BoundwatchFunction } from './boundwatch-function';
import type { DeadLetterQueue } from './dead-letter-queue';

export interface AlertsProps {
  config: BoundwatchConfig;
  projectRoot: string;
  key: kms.IKey;
  bus: events.EventBus;
  rules: RuleDefinition[];
}

export class Alerts extends Construct {
  readonly topic: sns.Topic;
  readonly notify: BoundwatchFunction;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly rules: eventsLib.Rule[] = [];

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'boundwatch alerts',
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const email of props.config.alerts.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    for (const url of props.config.alerts.httpsEndpoints) {
      this.topic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    // Alarms publish as the CloudWatch service, limited to this account's alarms.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        },
      }),
    );

    const auditLogGroups = JSON.stringify(Object.fromEntries(props.config.clusters.map((c) => [c.name, c.auditLogGroup])));
    // Lambda allows 4 KB of environment in total; a stack this large should be split by account or region.
    if (Buffer.byteLength(auditLogGroups) > 3 * 1024) {
      throw new ConfigError(`clusters: ${props.config.clusters.length} clusters' audit log group names exceed what the notify function's environment can hold (3 KB); deploy them as separate stacks (-c stackName=...) in separate regions or accounts`);
    }
    this.notify = new BoundwatchFunction(this, 'Notify', {
      name: 'notify',
      projectRoot: props.projectRoot,
      encryptionKey: props.key,
      description: 'boundwatch: formats anomalies and enforcement actions and publishes them to the alerts topic',
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: { [EnvNames.auditLogGroups]: auditLogGroups },
    }).bindTopic(this.topic);
    this.deadLetterQueue = this.notify.withAsyncFailureQueue(props.key);

    for (const def of props.rules.filter((r) => r.target === RuleTarget.alerts)) {
      const rule = new eventsLib.Rule(this, def.id, {
        eventBus: props.bus,
        description: def.description,
        eventPattern: toCdkEventPattern(def.pattern),
      });
      rule.addTarget(
        new targets.LambdaFunction(this.notify.fn, {
          deadLetterQueue: this.deadLetterQueue.queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      );
      this.rules.push(rule);
    }
  }
}
