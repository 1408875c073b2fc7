/**
 * Persistence of behavior profiles in the boundwatch table (key design: shared/store/table.ts).
 *
 * One item per principal holds its whole profile as a JSON document plus a `version` for
 * optimistic concurrency: concurrent invocations for the same principal never overwrite each
 * other's learning; the loser reloads and reapplies. Redelivery is recognised per payload: a
 * small record per absorbed payload (`PAYLOAD#…`, conditional put, expiring after the retry
 * horizon), so profiles need not carry lists of payload ids.
 */
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { KeyPrefix, TableKeys } from '../store/table';
import { decodeProfile, encodeWithinBudget } from './baseline-codec';
import { boundedUtf8 } from '../text';
import { createHash } from 'node:crypto';
import { upgradeProfile, type PrincipalProfile } from './baseline';
import { batchGetAll } from '../clients/dynamo';

export interface StoredProfile {
  profile: PrincipalProfile;
  version: number;
}

export interface ClusterMeta {
  firstSeen: number;
}

/**
 * Longest principal or group key in a partition key, in UTF-8 bytes (DynamoDB allows 2,048 for
 * the whole key). Usernames are the authenticator's to choose: a longer one is stored under a
 * prefix and a digest of the whole, so it keeps one item of its own.
 */
export const MAX_KEY_BYTES = 1024;

export function principalPk(cluster: string, key: string): string {
  return `${KeyPrefix.principal}#${cluster}#${boundedUtf8(key, MAX_KEY_BYTES)}`;
}

/** Peer-group profiles (kubelets, control plane, the replicas of one workload) are items of their own. */
export function groupPk(cluster: string, groupKey: string): string {
  return `${KeyPrefix.group}#${cluster}#${boundedUtf8(groupKey, MAX_KEY_BYTES)}`;
}
const PROFILE_SK = 'PROFILE';
const PAYLOAD_SK = 'PAYLOAD';
const payloadPk = (cluster: string, payloadId: string) => `${KeyPrefix.payload}#${cluster}#${payloadId}`;

/**
 * How long a payload record is kept: CloudWatch Logs retries a failed asynchronous invocation
 * for up to 6 hours (Lambda's maximum event age), Kinesis records live at most 24 hours in the
 * stream; a day and a half covers both with margin (DynamoDB deletes expired items within days,
 * so records may live longer, never shorter).
 */
export const PAYLOAD_RECORD_TTL_SECONDS = 36 * 3600;
const clusterPk = (cluster: string) => `${KeyPrefix.cluster}#${cluster}`;
const META_SK = 'META';

function key(pk: string, sk: string): Record<string, AttributeValue> {
  return { [TableKeys.partitionKey]: { S: pk }, [TableKeys.sortKey]: { S: sk } };
}

export class ProfileConflictError extends Error {
  constructor(readonly principalKey: string) {
    super(`profile of ${principalKey} changed concurrently`);
    this.name = 'ProfileConflictError';
  }
}

/**
 * Loads the profiles of the given principals and peer groups, and the cluster meta, with as few
 * reads as possible (BatchGetItem, 100 keys a request).
 */
export async function loadProfiles(
  ddb: DynamoDBClient,
  tableName: string,
  cluster: string,
  principalKeys: string[],
  groupKeys: string[] = [],
  payloadId?: string,
): Promise<{ profiles: Map<string, StoredProfile>; groups: Map<string, StoredProfile>; meta: ClusterMeta | undefined; payloadSeen: boolean }> {
  const wanted = [
    key(clusterPk(cluster), META_SK),
    ...(payloadId !== undefined ? [key(payloadPk(cluster, payloadId), PAYLOAD_SK)] : []),
    ...principalKeys.map((k) => key(principalPk(cluster, k), PROFILE_SK)),
    ...groupKeys.map((k) => key(groupPk(cluster, k), PROFILE_SK)),
  ];
  // Nine rounds of retries for keys DynamoDB leaves unprocessed.
  const items = await batchGetAll(ddb, tableName, wanted, { maxAttempts: 9, what: 'keys' });
  const profiles = new Map<string, StoredProfile>();
  const groups = new Map<string, StoredProfile>();
  const groupPrefix = `${KeyPrefix.group}#`;
  let meta: ClusterMeta | undefined;
  let payloadSeen = false;
  const seenPk = payloadId !== undefined ? payloadPk(cluster, payloadId) : undefined;
  for (const item of items) {
    const pk = item[TableKeys.partitionKey]?.S ?? '';
    if (pk === seenPk) {
      payloadSeen = true;
      continue;
    }
    if (pk === clusterPk(cluster)) {
      meta = { firstSeen: Number(item.firstSeen?.N) };
      continue;
    }
    const doc = item.doc?.S;
    if (!doc) continue;
    const profile = upgradeProfile(decodeProfile(doc));
    (pk.startsWith(groupPrefix) ? groups : profiles).set(profile.key, { profile, version: Number(item.version?.N ?? '0') });
  }
  return { profiles, groups, meta, payloadSeen };
}

/**
 * Records that a payload was absorbed, unless it already was (a redelivery racing the first
 * delivery): returns false then, and the caller must not keep what it learned from it.
 */
export async function recordPayload(ddb: DynamoDBClient, tableName: string, cluster: string, payloadId: string, nowMs: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          ...key(payloadPk(cluster, payloadId), PAYLOAD_SK),
          [TableKeys.ttlAttribute]: { N: String(Math.floor(nowMs / 1000) + PAYLOAD_RECORD_TTL_SECONDS) },
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TableKeys.partitionKey },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/**
 * Writes a profile if nobody else wrote it since we read `expectedVersion` (0 = absent).
 * Throws ProfileConflictError otherwise.
 */
export async function saveProfile(
  ddb: DynamoDBClient,
  tableName: string,
  cluster: string,
  profile: PrincipalProfile,
  expectedVersion: number,
  ttlSeconds: number,
  kind: 'principal' | 'group' = 'principal',
): Promise<number> {
  const version = expectedVersion + 1;
  try {
    await ddb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          ...key(kind === 'group' ? groupPk(cluster, profile.key) : principalPk(cluster, profile.key), PROFILE_SK),
          doc: { S: encodeWithinBudget(profile).doc },
          version: { N: String(version) },
          principalType: { S: profile.type },
          lastSeen: { N: String(profile.lastSeen) },
          [TableKeys.ttlAttribute]: { N: String(ttlSeconds) },
        },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#pk)' : '#v = :expected',
        ExpressionAttributeNames: expectedVersion === 0 ? { '#pk': TableKeys.partitionKey } : { '#v': 'version' },
        ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } }),
      }),
    );
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) throw new ProfileConflictError(profile.key);
    throw err;
  }
  return version;
}

/** Records the earliest event time seen for the cluster (starts its learning period). */
export async function recordClusterFirstSeen(ddb: DynamoDBClient, tableName: string, cluster: string, firstSeen: number): Promise<void> {
  try {
    await ddb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(clusterPk(cluster), META_SK),
        UpdateExpression: 'SET firstSeen = :t',
        ConditionExpression: 'attribute_not_exists(firstSeen) OR firstSeen > :t',
        ExpressionAttributeValues: { ':t': { N: String(firstSeen) } },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
}

/** How long a dead-letter record stays (for a responder to replay or inspect the events). */
export const DEAD_LETTER_TTL_DAYS = 14;
const MAX_DEAD_LETTER_IDS = 2000;

/**
 * Records the principals a payload gave up on, with their events' audit ids, one item each under
 * `DEADLETTER#<cluster>`. The sort key is the payload id and a digest of the principal, so a
 * redelivered payload rewrites the same items instead of adding more.
 */
export async function recordDeadLetters(
  ddb: DynamoDBClient,
  tableName: string,
  cluster: string,
  payloadId: string,
  failed: ReadonlyArray<{ key: string; reason: string; detail: string; auditIDs: readonly string[] }>,
  nowMs: number,
): Promise<void> {
  for (const f of failed) {
    const digest = createHash('sha256').update(f.key).digest('hex').slice(0, 32);
    await ddb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          ...key(`${KeyPrefix.deadLetter}#${cluster}`, `${payloadId}#${digest}`),
          principal: { S: boundedUtf8(f.key, MAX_KEY_BYTES) },
          reason: { S: f.reason },
          detail: { S: boundedUtf8(f.detail, 1024) },
          events: { N: String(f.auditIDs.length) },
          // Audit ids are the client's too: each bounded, and at most 2,000 (about 100 KB).
          auditIDs: { L: f.auditIDs.slice(0, MAX_DEAD_LETTER_IDS).map((id) => ({ S: boundedUtf8(id, 64) })) },
          at: { S: new Date(nowMs).toISOString() },
          [TableKeys.ttlAttribute]: { N: String(Math.floor(nowMs / 1000) + DEAD_LETTER_TTL_DAYS * 86_400) },
        },
      }),
    );
  }
}
