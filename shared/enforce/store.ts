/**
 * Enforcement state in the boundwatch table (shared/store/table.ts):
 *
 * | item          | pk                        | sk       | attributes                                   |
 * |---------------|---------------------------|----------|----------------------------------------------|
 * | action record | `ACTION#<actionId>[#dry-run]` | `ACTION` | status, cluster, kind, mode, expiresAt, version, body (JSON), ttl |
 * | rate window   | `RATE#<cluster>#<hour>[#dry-run]` | `RATE` | count, ttl                                   |
 *
 * Every write to a record is conditional on its `version` (optimistic concurrency), and the
 * first write on its absence: two deliveries of one anomaly cannot both create, resume or
 * finish the same action. The rate window is one atomic counter per cluster and UTC hour.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { BoundwatchError } from '../errors';
import type { ActionKind, EnforcementAction, EnforcementMode } from '../events/schema';
import { KeyPrefix } from '../store/table';
import { parseActionRecord } from './record-schema';
import type { NetworkPolicy } from '../netpol-api/types';
import type { Operation, UndoStep } from './types';

export const ACTION_SK = 'ACTION';
export const RATE_SK = 'RATE';
/** Records stay this long after expiry, for the audit trail. */
const RECORD_RETENTION_S = 90 * 24 * 3600;

export type RecordStatus = 'pending' | 'planned' | 'applied' | 'partial' | 'skipped' | 'failed' | 'reverted';

export interface ActionRecord {
  id: string;
  anomalyId: string;
  cluster: string;
  kind: ActionKind;
  mode: Exclude<EnforcementMode, 'off'>;
  status: RecordStatus;
  /** The action as last computed (what is or will be announced). */
  action: EnforcementAction;
  policies: NetworkPolicy[];
  /** Recorded before they run (write-ahead); a resumed action replays them, it never re-plans. */
  operations: Operation[];
  planned: boolean;
  /** What to undo, appended as each operation succeeds. */
  undo: UndoStep[];
  /** Stable hash of the last announced action; differs from `action` until it is published. */
  announced?: string;
  attempts: number;
  /** Epoch ms until which the current attempt owns the record. */
  leaseUntil?: number;
  /** A failed attempt that a redelivery may retry (it cannot double-act: operations are idempotent). */
  retryable?: boolean;
  rateCounted?: boolean;
  /** Held back by a rail or a budget: queued (budgets.ts) and re-evaluated from `retryAt` until `until`. */
  held?: { reason: string; since: string; retryAt: string; until: string };
  /** Name of the revert schedule, once created. */
  schedule?: string;
  createdAt: string;
  updatedAt: string;
  /** The revert: when and why, and what it did. */
  revertedAt?: string;
  revertTrigger?: 'expiry' | 'release';
  revertNotes?: string[];
  revertError?: string;
  /** Optimistic-concurrency counter; 0 before the first write. */
  version: number;
}

/** Someone else wrote the record since it was read. */
export class RecordConflictError extends BoundwatchError {}

export type RecordMode = ActionRecord['mode'];

export interface ActionStore {
  /** The record of an action in a mode (dry-run plans and applied actions are kept apart). */
  get(id: string, mode?: RecordMode): Promise<ActionRecord | undefined>;
  /** Creates the record if no record has its id; false when one exists. */
  create(rec: ActionRecord): Promise<boolean>;
  /** Writes the record if nobody wrote it since it was read (its `version`), and bumps the version. */
  save(rec: ActionRecord): Promise<ActionRecord>;
  /** Takes one action from the cluster's budget (per mode) for the hour of `now`; false when it is spent. */
  consumeRate(cluster: string, now: Date, max: number, mode?: RecordMode): Promise<{ allowed: boolean; count: number }>;
}

/**
 * `ACTION#<id>` for applied actions; dry-run plans live beside them (`ACTION#<id>#dry-run`),
 * so that switching a cluster to apply acts on an anomaly a dry run already planned.
 */
export function actionPk(id: string, mode: RecordMode = 'apply'): string {
  return mode === 'apply' ? `${KeyPrefix.action}#${id}` : `${KeyPrefix.action}#${id}#${mode}`;
}

export function ratePk(cluster: string, now: Date, mode: RecordMode = 'apply'): string {
  const base = `${KeyPrefix.rate}#${cluster}#${now.toISOString().slice(0, 13)}`;
  return mode === 'apply' ? base : `${base}#${mode}`;
}

const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });

function toItem(rec: ActionRecord): Record<string, AttributeValue> {
  const expiry = Math.floor(Date.parse(rec.action.expiresAt ?? rec.updatedAt) / 1000);
  return {
    pk: s(actionPk(rec.id, rec.mode)),
    sk: s(ACTION_SK),
    status: s(rec.status),
    cluster: s(rec.cluster),
    kind: s(rec.kind),
    mode: s(rec.mode),
    anomalyId: s(rec.anomalyId),
    ...(rec.action.expiresAt ? { expiresAt: s(rec.action.expiresAt) } : {}),
    version: n(rec.version),
    body: s(JSON.stringify(rec)),
    ttl: n((Number.isFinite(expiry) ? expiry : Math.floor(Date.now() / 1000)) + RECORD_RETENTION_S),
  };
}

function fromItem(item: Record<string, AttributeValue>): ActionRecord {
  const rec = parseActionRecord(item.pk?.S ?? '?', item.body?.S);
  rec.version = Number(item.version?.N ?? rec.version ?? 0);
  return rec;
}

export function dynamoActionStore(client: DynamoDBClient, tableName: string): ActionStore {
  return {
    async get(id, mode = 'apply') {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: s(actionPk(id, mode)), sk: s(ACTION_SK) }, ConsistentRead: true }));
      return out.Item ? fromItem(out.Item) : undefined;
    },
    async create(rec) {
      const first = { ...rec, version: 1 };
      try {
        await client.send(new PutItemCommand({ TableName: tableName, Item: toItem(first), ConditionExpression: 'attribute_not_exists(pk)' }));
        rec.version = 1;
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return false;
        throw err;
      }
    },
    async save(rec) {
      const next = { ...rec, version: rec.version + 1 };
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: toItem(next),
            ConditionExpression: '#v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': n(rec.version) },
          }),
        );
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) throw new RecordConflictError(`action ${rec.id} was changed by another invocation`);
        throw err;
      }
      rec.version = next.version;
      return rec;
    },
    async consumeRate(cluster, now, max, mode = 'apply') {
      if (max <= 0) return { allowed: false, count: 0 };
      const hourEnd = Math.floor(now.getTime() / 3_600_000 + 1) * 3600;
      try {
        const out = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: s(ratePk(cluster, now, mode)), sk: s(RATE_SK) },
            UpdateExpression: 'ADD #c :one SET #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#c) OR #c < :max',
            ExpressionAttributeNames: { '#c': 'count', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':one': n(1), ':max': n(max), ':ttl': n(hourEnd + 24 * 3600) },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return { allowed: true, count: Number(out.Attributes?.count?.N ?? 1) };
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return { allowed: false, count: max };
        throw err;
      }
    },
  };
}
