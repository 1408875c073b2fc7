/**
 * The embedded runtime's RevertScheduler: where AWS has an EventBridge Scheduler one-time
 * schedule per action, the local runtime keeps a due-revert item in its own table and runs the
 * reverts that are due at the start and at the end of every run (`replay --state` keeps them
 * between runs). Items: `pk = REVERTQ#<cluster>`, `sk = <due ISO time>#<actionId>`, so one
 * Query finds everything due by a time, in order.
 */
import { DeleteItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RevertScheduler } from '#shared/enforce/aws';

export const REVERT_QUEUE_PREFIX = 'REVERTQ';

export interface DueRevert {
  actionId: string;
  dueAt: string;
  /** The schedule's name (its sort key), for cancel(). */
  name: string;
}

export interface LocalRevertScheduler extends RevertScheduler {
  /** Reverts due at `now` or before, oldest first. */
  due(now: Date): Promise<DueRevert[]>;
}

export function localRevertScheduler(client: DynamoDBClient, tableName: string, cluster: string): LocalRevertScheduler {
  const pk = `${REVERT_QUEUE_PREFIX}#${cluster}`;
  return {
    description: `the local runtime's revert queue (table ${tableName})`,
    async schedule(actionId, _cluster, at) {
      const name = `${at.toISOString()}#${actionId}`;
      // Idempotent: the same action and time give the same item.
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: pk }, sk: { S: name }, actionId: { S: actionId }, dueAt: { S: at.toISOString() } },
        }),
      );
      return name;
    },
    async cancel(name) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: name } } }));
    },
    async due(now) {
      const out: DueRevert[] = [];
      let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk <= :until',
            // '~' sorts after '#', so every action due at exactly `now` is included.
            ExpressionAttributeValues: { ':pk': { S: pk }, ':until': { S: `${now.toISOString()}~` } },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          out.push({ actionId: item.actionId?.S ?? '', dueAt: item.dueAt?.S ?? '', name: item.sk?.S ?? '' });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return out.filter((d) => d.actionId);
    },
  };
}
