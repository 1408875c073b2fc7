/**
 * Persistence of behavior profiles in the boundwatch table (key design: shared/store/table.ts).
 *
 * One item per principal holds its whole profile as a JSON document plus a `version` for
 * optimistic concurrency: concurrent invocations for the same principal never overwrite each
 * other's learning; the loser reloads and reapplies.
 *
 * Redelivery is recognised per payload, by "absorbed" items: the ids of the payloads whose
 * learning was kept, grouped by log stream and by the minute of the payload's first log event
 * (`PAYLOAD#<cluster>#<stream digest>#<minute>`), so a redelivery, which carries the same
 * events, looks in exactly one item. An instance adds the ids of the payloads it absorbed in one
 * conditional update per item when it writes its learning (claimPayloads), on condition that none
 * of them is there yet: whichever instance claims a payload first keeps its learning, any other
 * drops it. An item holds at most MAX_IDS_PER_BUCKET ids (a few KB, so a write costs a few
 * units); past that it is marked full for good and each further payload gets a record of its own.
 * Items expire after the retry horizon (ABSORBED_TTL_SECONDS).
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { KeyPrefix, TableKeys } from '../store/table';
import { encodeWithinBudget, readStoredProfile } from './baseline-codec';
import { boundedUtf8 } from '../text';
import { createHash } from 'node:crypto';
import { upgradeProfile, type PrincipalProfile } from './baseline';
import { batchGetAll } from '../clients/dynamo';
import { DownstreamError } from '../errors';

export interface StoredProfile {
  profile: PrincipalProfile;
  version: number;
}

/**
 * A stored profile that did not read as one (baseline-codec.ts): it is left out, so its
 * principal or group learns again, and the next write replaces it at `version`.
 */
export interface DamagedProfile {
  key: string;
  kind: 'principal' | 'group';
  version: number;
  reason: string;
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

/**
 * How long the record of an absorbed payload is kept: CloudWatch Logs retries a failed
 * asynchronous invocation for up to 6 hours (Lambda's maximum event age), Kinesis records live
 * at most 24 hours in the stream; a day and a half covers both with margin (DynamoDB deletes
 * expired items within days, so records may live longer, never shorter). Each claim sets it
 * anew from the wall clock, so an item lives at least this long after its last id.
 */
export const ABSORBED_TTL_SECONDS = 36 * 3600;

/**
 * Most payload ids an absorbed item takes (22 characters each, about 5 KB in all). A stream
 * delivers about 30 payloads a minute; only replays of logs whose timestamps are not spread
 * (or a very busy stream) reach it, and then each further payload gets a record of its own.
 */
export const MAX_IDS_PER_BUCKET = 200;
/** Ids per conditional update: keeps the condition expression well inside DynamoDB's 4 KB. */
const CLAIM_CHUNK = 50;
const ABSORBED_SK = 'ABSORBED';
const OVERFLOW_SK = 'PAYLOAD';

/** A payload's id as absorbed items store it: 128 bits of its digest, base64url (22 ASCII characters). */
export function payloadTag(payloadId: string): string {
  return createHash('sha256').update(payloadId).digest().subarray(0, 16).toString('base64url');
}

/**
 * The absorbed item a payload's id goes to: its log group and stream (digested: stream names
 * are long) and the minute of its first log event's CloudWatch timestamp. Every field comes
 * from the payload itself, so every delivery of it names the same item.
 */
export function absorbedPk(cluster: string, logGroup: string, logStream: string, firstTimestamp: number): string {
  const stream = createHash('sha256').update(`${logGroup}\n${logStream}`).digest().subarray(0, 12).toString('base64url');
  const minute = Number.isFinite(firstTimestamp) ? Math.floor(firstTimestamp / 60_000) : 0;
  return `${KeyPrefix.payload}#${cluster}#${stream}#${minute}`;
}

/** What an absorbed item says (empty when absent). */
export interface AbsorbedIds {
  ids: Set<string>;
  /** No id is added any more: payloads not listed have records of their own. */
  full: boolean;
}

function absorbedOf(item: Record<string, AttributeValue> | undefined): AbsorbedIds {
  return { ids: new Set(item?.ids?.SS ?? []), full: item?.full?.BOOL === true };
}

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
 * Loads the profiles of the given principals and peer groups, the cluster meta and the given
 * absorbed items, with as few reads as possible (BatchGetItem, 100 keys a request). Profiles
 * that do not read are `damaged`.
 */
export async function loadProfiles(
  ddb: DynamoDBClient,
  tableName: string,
  cluster: string,
  principalKeys: string[],
  groupKeys: string[] = [],
  absorbedPks: string[] = [],
): Promise<{ profiles: Map<string, StoredProfile>; groups: Map<string, StoredProfile>; meta: ClusterMeta | undefined; absorbed: Map<string, AbsorbedIds>; damaged: DamagedProfile[] }> {
  const wanted = [
    key(clusterPk(cluster), META_SK),
    ...absorbedPks.map((pk) => key(pk, ABSORBED_SK)),
    ...principalKeys.map((k) => key(principalPk(cluster, k), PROFILE_SK)),
    ...groupKeys.map((k) => key(groupPk(cluster, k), PROFILE_SK)),
  ];
  // Nine rounds of retries for keys DynamoDB leaves unprocessed.
  const items = await batchGetAll(ddb, tableName, wanted, { maxAttempts: 9, what: 'keys' });
  const profiles = new Map<string, StoredProfile>();
  const groups = new Map<string, StoredProfile>();
  const absorbed = new Map<string, AbsorbedIds>(absorbedPks.map((pk) => [pk, absorbedOf(undefined)]));
  const groupPrefix = `${KeyPrefix.group}#`;
  const damaged: DamagedProfile[] = [];
  const asked = new Map([...principalKeys.map((k) => [principalPk(cluster, k), k] as const), ...groupKeys.map((k) => [groupPk(cluster, k), k] as const)]);
  let meta: ClusterMeta | undefined;
  for (const item of items) {
    const pk = item[TableKeys.partitionKey]?.S ?? '';
    if (item[TableKeys.sortKey]?.S === ABSORBED_SK) {
      absorbed.set(pk, absorbedOf(item));
      continue;
    }
    if (pk === clusterPk(cluster)) {
      meta = { firstSeen: Number(item.firstSeen?.N) };
      continue;
    }
    const doc = item.doc?.S;
    if (!doc) continue;
    const kind = pk.startsWith(groupPrefix) ? 'group' : 'principal';
    const read = readStoredProfile(doc);
    const version = Number(item.version?.N ?? '0');
    const ownKey = 'profile' in read && (kind === 'group' ? groupPk : principalPk)(cluster, read.profile.key) === pk;
    if (ownKey) (kind === 'group' ? groups : profiles).set(read.profile.key, { profile: upgradeProfile(read.profile), version });
    else damaged.push({ key: asked.get(pk) ?? pk, kind, version, reason: 'damaged' in read ? read.damaged : 'stored under another key' });
  }
  return { profiles, groups, meta, absorbed, damaged };
}

const ttlAfter = (nowMs: number) => ({ N: String(Math.floor(nowMs / 1000) + ABSORBED_TTL_SECONDS) });

/** Whether a payload not listed in its (full) absorbed item has a record of its own. */
export async function hasOwnRecord(ddb: DynamoDBClient, tableName: string, absorbed: string, tag: string): Promise<boolean> {
  const out = await ddb.send(new GetItemCommand({ TableName: tableName, Key: key(`${absorbed}#${tag}`, OVERFLOW_SK), ConsistentRead: true }));
  return out.Item !== undefined;
}

/** A payload's own record, past a full absorbed item: false when it already exists. */
async function putOwnRecord(ddb: DynamoDBClient, tableName: string, absorbed: string, tag: string, nowMs: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...key(`${absorbed}#${tag}`, OVERFLOW_SK), [TableKeys.ttlAttribute]: ttlAfter(nowMs) },
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

/** Adds ids to an absorbed item unless it is full, would overflow, or holds any of them already. */
async function addIds(ddb: DynamoDBClient, tableName: string, absorbed: string, tags: string[], nowMs: number): Promise<boolean> {
  const values: Record<string, AttributeValue> = { ':new': { SS: tags }, ':ttl': ttlAfter(nowMs), ':room': { N: String(MAX_IDS_PER_BUCKET - tags.length) } };
  const none = tags.map((t, i) => {
    values[`:p${i}`] = { S: t };
    return `NOT contains(#ids, :p${i})`;
  });
  try {
    await ddb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(absorbed, ABSORBED_SK),
        UpdateExpression: 'ADD #ids :new SET #ttl = :ttl',
        ConditionExpression: `attribute_not_exists(#full) AND (attribute_not_exists(#ids) OR size(#ids) <= :room) AND ${none.join(' AND ')}`,
        ExpressionAttributeNames: { '#ids': 'ids', '#full': 'full', '#ttl': TableKeys.ttlAttribute },
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

async function readAbsorbed(ddb: DynamoDBClient, tableName: string, absorbed: string): Promise<AbsorbedIds> {
  const out = await ddb.send(new GetItemCommand({ TableName: tableName, Key: key(absorbed, ABSORBED_SK), ConsistentRead: true }));
  return absorbedOf(out.Item);
}

/** Marks an absorbed item full for good and returns its final ids: none is added after this. */
async function markFull(ddb: DynamoDBClient, tableName: string, absorbed: string, nowMs: number): Promise<AbsorbedIds> {
  const out = await ddb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: key(absorbed, ABSORBED_SK),
      UpdateExpression: 'SET #full = :true, #ttl = :ttl',
      ExpressionAttributeNames: { '#full': 'full', '#ttl': TableKeys.ttlAttribute },
      ExpressionAttributeValues: { ':true': { BOOL: true }, ':ttl': ttlAfter(nowMs) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return absorbedOf(out.Attributes);
}

const MAX_CLAIM_ROUNDS = 8;

/**
 * Records that this instance absorbed the given payloads (ids of one absorbed item), table-wide
 * and exactly once: each id ends up claimed by exactly one caller, whoever runs concurrently.
 * `duplicates` are the payloads someone else absorbed first: their learning must be dropped.
 *
 * Why exactly once: an id is added to the item only by a conditional update that fails when the
 * id is there; once the item is marked full nothing is added to it any more, and an id missing
 * from the full item can only be claimed by the conditional put of its own record.
 */
export async function claimPayloads(
  ddb: DynamoDBClient,
  tableName: string,
  absorbed: string,
  tags: readonly string[],
  nowMs: number,
): Promise<{ claimed: string[]; duplicates: string[] }> {
  const claimed: string[] = [];
  const duplicates: string[] = [];
  let rest = [...new Set(tags)];
  for (let round = 0; rest.length > 0; round++) {
    if (round >= MAX_CLAIM_ROUNDS) throw new DownstreamError(`absorbed payloads ${absorbed}: ${round} conflicting claims in a row`);
    const chunk = rest.slice(0, CLAIM_CHUNK);
    if (await addIds(ddb, tableName, absorbed, chunk, nowMs)) {
      claimed.push(...chunk);
      rest = rest.slice(chunk.length);
      continue;
    }
    // Refused: some are there already, or the item is (or would be) full.
    let now = await readAbsorbed(ddb, tableName, absorbed);
    const fresh = rest.filter((t) => !now.ids.has(t)).length;
    if (!now.full && now.ids.size + Math.min(CLAIM_CHUNK, fresh) > MAX_IDS_PER_BUCKET) now = await markFull(ddb, tableName, absorbed, nowMs);
    for (const t of rest) if (now.ids.has(t)) duplicates.push(t);
    rest = rest.filter((t) => !now.ids.has(t));
    if (!now.full) continue;
    for (const t of rest) (await putOwnRecord(ddb, tableName, absorbed, t, nowMs) ? claimed : duplicates).push(t);
    rest = [];
  }
  return { claimed, duplicates };
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
