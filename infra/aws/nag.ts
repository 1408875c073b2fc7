/**
 * cdk-nag acknowledgments used in more than one place. Each states why the finding is accepted;
 * one-off acknowledgments sit next to the resource they are about.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * CDK's KMS grants (table, queue, stream and topic grants) use `kms:GenerateDataKey*` and
 * `kms:ReEncrypt*`. They are limited to boundwatch's one key, whose use is what they grant.
 */
export function acknowledgeKeyGrants(role: IConstruct): void {
  const reason =
    'CDK KMS grant for the resources this role uses (table, queues, topic, stream); the statement is limited to the boundwatch key ARN, and the wildcard only spans the variants of one operation (GenerateDataKey, GenerateDataKeyWithoutPlaintext; ReEncryptFrom/To).';
  Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason });
  Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason });
}
