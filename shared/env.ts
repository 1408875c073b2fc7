/**
 * Every environment variable the functions read, validated once at cold start. Domain code
 * never reads process.env; handlers call `readEnv()` at module scope and pass values down.
 */
import { z } from 'zod';
import { ConfigError, describeIssues } from './errors';

export const EnvNames = {
  tableName: 'TABLE_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  clusterName: 'CLUSTER_NAME',
  /** JSON of the validated BoundwatchConfig subset a function needs (detection, enforcement). */
  config: 'BOUNDWATCH_CONFIG',
  enforcementMode: 'ENFORCEMENT_MODE',
  /** Local runtime and tests only: a DynamoDB-compatible endpoint such as dynalite. */
  dynamoEndpoint: 'DYNAMODB_ENDPOINT',
  /** Local runtime and tests only: the local EventBridge-compatible endpoint. */
  eventBridgeEndpoint: 'EVENTBRIDGE_ENDPOINT',
  schedulerGroupName: 'SCHEDULER_GROUP_NAME',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  /** enforce and revert: the revert queue the revert schedules deliver to. */
  revertTargetArn: 'REVERT_TARGET_ARN',
  awsRegion: 'AWS_REGION',
  /** notify: the SNS topic alerts are published to. */
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** notify: JSON object cluster name -> audit log group, for the Logs Insights query in alerts. */
  auditLogGroups: 'AUDIT_LOG_GROUPS',
  /** enforce: SQS queue for the DeadLetterConfig of the revert schedules it creates. */
  schedulerDlqArn: 'SCHEDULER_DLQ_ARN',
} as const;

/** Reads a required variable, with the error message the style guide asks for. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`Environment variable ${name} is required`);
  return value;
}

export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Parses a JSON environment variable with a schema, naming the variable on failure. */
export function jsonEnv<T>(name: string, schema: z.ZodType<T>, env: NodeJS.ProcessEnv = process.env): T {
  const raw = requireEnv(name, env);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`Environment variable ${name} is not valid JSON`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new ConfigError(`Environment variable ${name}: ${describeIssues(result.error.issues)}`);
  }
  return result.data;
}
