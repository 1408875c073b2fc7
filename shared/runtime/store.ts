/**
 * Signals and emitted sequences in the table. Each signal is written once under each of its
 * correlation keys (`SIGNAL#<cluster>#<key>`, sorted by event time), so that the signals tied
 * to a workload or principal within a window are one Query per key. Writes are idempotent
 * (same key, same item), so a redelivered signal changes nothing.
 *
 * An emitted sequence is remembered by id with the number of signals it was published with:
 * it is published again only when it has grown, never on a redelivery of what it already holds.
 * Each of its signals remembers the first story it was told in (`SEQMEMBER`), so that a story
 * keeps its id when a signal older than its first one arrives late (see storiesOf).
 */
import { batchGetAll } from '../clients/dynamo';
import { GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SequenceSignal, type AttackSequence } from '../events/schema';
import { forEachLimit } from '../async';
import { KeyPrefix } from '../store/table';

export interface SignalStoreDeps {
  client: DynamoDBClient;
  tableName: string;
  cluster: string;
}

/** Signals read per correlation key and query: a key busier than this keeps its first ones. */
export const MAX_SIGNALS_PER_KEY = 500;

const signalPk = (cluster: string, key: string) => `${KeyPrefix.signal}#${cluster}#${key}`;
const sequencePk = (cluster: string, id: string) => `${KeyPrefix.sequence}#${cluster}#${id}`;
const memberPk = (cluster: string, signalId: string) => `${KeyPrefix.sequenceMember}#${cluster}#${signalId}`;
const MEMBER_SK = 'MEMBER';

/** Expiry (epoch seconds): kept for twice the window after the event, so late signals still join. */
function ttlFor(eventTime: string, windowMs: number): number {
  return Math.floor((Date.parse(eventTime) + 2 * windowMs + 86_400_000) / 1000);
}

export async function putSignals(deps: SignalStoreDeps, signals: Array<{ signal: SequenceSignal; keys: string[] }>, windowMs: number): Promise<number> {
  const writes = signals.flatMap(({ signal, keys }) => keys.map((key) => ({ signal, key })));
  await forEachLimit(writes, 16, async ({ signal, key }) => {
    await deps.client.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: {
          pk: { S: signalPk(deps.cluster, key) },
          sk: { S: `${signal.time}#${signal.id}` },
          data: { S: JSON.stringify(signal) },
          ttl: { N: String(ttlFor(signal.time, windowMs)) },
        },
      }),
    );
  });
  return writes.length;
}

export interface KeyQueryResult {
  signals: SequenceSignal[];
  /** Stored items that no longer parse (a newer writer, a damaged item): skipped and counted. */
  invalid: number;
}

/** Signals stored under `key` with event time in [from, to]. */
export async function signalsForKey(deps: SignalStoreDeps, key: string, from: number, to: number): Promise<KeyQueryResult> {
  const out: KeyQueryResult = { signals: [], invalid: 0 };
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
        ExpressionAttributeValues: {
          ':pk': { S: signalPk(deps.cluster, key) },
          ':a': { S: new Date(from).toISOString() },
          ':b': { S: `${new Date(to).toISOString()}~` },
        },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      let raw: unknown;
      try {
        raw = JSON.parse(item.data?.S ?? '');
      } catch {
        out.invalid += 1;
        continue;
      }
      const parsed = SequenceSignal.safeParse(raw);
      if (parsed.success) out.signals.push(parsed.data);
      else out.invalid += 1;
    }
    start = out.signals.length < MAX_SIGNALS_PER_KEY ? page.LastEvaluatedKey : undefined;
  } while (start);
  return out;
}

/** How many signals the sequence was last published with (0: never). */
export async function emittedSignalCount(deps: SignalStoreDeps, id: string): Promise<number> {
  const got = await deps.client.send(
    new GetItemCommand({ TableName: deps.tableName, Key: { pk: { S: sequencePk(deps.cluster, id) }, sk: { S: 'SEQUENCE' } }, ConsistentRead: true }),
  );
  const n = Number(got.Item?.signals?.N ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/**
 * The published stories these signals were first told in: sequence id → how many of the
 * signals it holds. Empty when none was published yet.
 */
export async function storiesOf(deps: SignalStoreDeps, signalIds: readonly string[]): Promise<Map<string, number>> {
  const keys = [...new Set(signalIds)].map((id) => ({ pk: { S: memberPk(deps.cluster, id) }, sk: { S: MEMBER_SK } }));
  const out = new Map<string, number>();
  if (keys.length === 0) return out;
  for (const item of await batchGetAll(deps.client, deps.tableName, keys, { maxAttempts: 8, what: 'sequence member(s)' })) {
    const id = item.sequenceId?.S;
    if (id) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

export async function recordEmitted(deps: SignalStoreDeps, seq: AttackSequence, windowMs: number): Promise<void> {
  // First the members (a signal keeps the first story it was told in), then the count.
  await forEachLimit(seq.signals, 16, async (s) => {
    await deps.client
      .send(
        new PutItemCommand({
          TableName: deps.tableName,
          Item: { pk: { S: memberPk(deps.cluster, s.id) }, sk: { S: MEMBER_SK }, sequenceId: { S: seq.id }, ttl: { N: String(ttlFor(seq.window.end, windowMs)) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((err: unknown) => {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
      });
  });
  await deps.client.send(
    new PutItemCommand({
      TableName: deps.tableName,
      Item: {
        pk: { S: sequencePk(deps.cluster, seq.id) },
        sk: { S: 'SEQUENCE' },
        signals: { N: String(seq.signals.length) },
        severity: { S: seq.severity },
        ttl: { N: String(ttlFor(seq.window.end, windowMs)) },
      },
      // Never shrink: a concurrent invocation that saw more signals wins.
      ConditionExpression: 'attribute_not_exists(pk) OR signals < :n',
      ExpressionAttributeValues: { ':n': { N: String(seq.signals.length) } },
    }),
  ).catch((err: unknown) => {
    if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
  });
}
