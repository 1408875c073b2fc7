/**
 * The reverts boundwatch owes: one item per applied action whose revert is scheduled, written
 * when the schedule is created and removed when the action is reverted (or found to have
 * nothing to revert). An item past its due time is a revert that has not come back: failing and
 * waiting for its next retry, or a schedule that never fired. The enforce function's sweep
 * counts those every five minutes as the `RevertsPending` metric, which is alarmed.
 *
 * Items: `pk = REVERTDUE#<cluster>`, `sk = <actionId>`, `dueAt` (ISO), `ttl` 30 days after due,
 * so one Query reads a cluster's owed reverts; a forgotten item cannot alarm forever.
 */
import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { queryAll } from '../clients/dynamo';
import { KeyPrefix } from '../store/table';

export interface OwedRevert {
  actionId: string;
  dueAt: string;
}

export interface RevertLedger {
  /** The revert of `actionId` is due at `dueAt`. Idempotent. */
  owe(cluster: string, actionId: string, dueAt: string): Promise<void>;
  /** Reverted, or nothing to revert: no longer owed. Idempotent. */
  settle(cluster: string, actionId: string): Promise<void>;
  /** Owed reverts due more than `graceMs` before `now`, oldest first. */
  overdue(cluster: string, now: Date, graceMs: number): Promise<OwedRevert[]>;
}

/** A revert normally runs within a minute of its due time; after this it counts as pending. */
export const REVERT_GRACE_MS = 10 * 60_000;
const KEEP_AFTER_DUE_S = 30 * 24 * 3600;

export function revertLedgerPk(cluster: string): string {
  return `${KeyPrefix.revertDue}#${cluster}`;
}

export function dynamoRevertLedger(client: DynamoDBClient, tableName: string): RevertLedger {
  return {
    async owe(cluster, actionId, dueAt) {
      const ttl = Math.floor(Date.parse(dueAt) / 1000) + KEEP_AFTER_DUE_S;
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: revertLedgerPk(cluster) }, sk: { S: actionId }, dueAt: { S: dueAt }, ttl: { N: String(Number.isFinite(ttl) ? ttl : Math.floor(Date.now() / 1000) + KEEP_AFTER_DUE_S) } },
        }),
      );
    },
    async settle(cluster, actionId) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: revertLedgerPk(cluster) }, sk: { S: actionId } } }));
    },
    async overdue(cluster, now, graceMs) {
      const until = new Date(now.getTime() - graceMs).toISOString();
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'dueAt < :until',
        ExpressionAttributeValues: { ':pk': { S: revertLedgerPk(cluster) }, ':until': { S: until } },
        ConsistentRead: true,
      });
      const out: OwedRevert[] = items.map((item) => ({ actionId: item.sk?.S ?? '', dueAt: item.dueAt?.S ?? '' }));
      return out.filter((o) => o.actionId && o.dueAt).sort((a, b) => a.dueAt.localeCompare(b.dueAt));
    },
  };
}
