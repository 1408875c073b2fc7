/**
 * Where failed asynchronous work waits for a human: Lambda on-failure destinations, EventBridge
 * target DLQs, Kinesis on-failure records and Scheduler DLQs. Encrypted with the stack key,
 * TLS only, kept the SQS maximum of 14 days; an alarm on its depth pages the topic.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  encryptionKey: kms.IKey;
  /** What lands here, for the alarm description. */
  purpose: string;
  /** Short name for alarms and the dashboard, e.g. `enforce`. */
  label: string;
}

export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly purpose: string;
  readonly label: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.purpose = props.purpose;
    this.label = props.label;
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      // Reuse data keys for 15 minutes instead of 5: DLQs are quiet, this only saves KMS calls.
      dataKeyReuse: Duration.minutes(15),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Failed events are evidence; a stack update must not drop them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (Lambda/EventBridge/Scheduler failures); it is drained by people, and its depth is alarmed.',
    });
  }
}
