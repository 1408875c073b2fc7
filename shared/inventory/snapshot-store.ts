/**
 * Inventory snapshots in DynamoDB: `pk = INVENTORY#<cluster>`, `sk = <ISO time taken>`; the
 * inventory is gzipped JSON in `data` (binary). A snapshot larger than one item allows is split
 * over extra items `sk = <ISO time>#<n>`, written before the head item so that a reader who sees
 * the head sees every part.
 *
 * Flows are resolved against the snapshots around their time (shared/inventory/resolve.ts):
 * `StoredInventory.timelineFor(from, to)` loads the last snapshot at or before `from` and every
 * snapshot up to `to`, caching parsed snapshots across invocations (they never change).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { z } from 'zod';
import { PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../errors';
import { KeyPrefix } from '../store/table';
import { ClusterInventory, normalizeInventory } from './cluster';
import { InventoryTimeline, type InventorySnapshot, type ResolveOptions } from './resolve';

export interface SnapshotStoreDeps {
  client: DynamoDBClient;
  tableName: string;
  cluster: string;
  now?: () => number;
}

/** Below DynamoDB's 400 KB item limit, with room for the key and attributes. */
export const CHUNK_BYTES = 350_000;

export function inventoryPk(cluster: string): string {
  return `${KeyPrefix.inventory}#${cluster}`;
}

function toMs(t: Date | number | string): number {
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new ValidationError('invalid-time', `snapshot time ${String(t)} is not a valid date`);
  return ms;
}

/**
 * Stores one inventory snapshot taken at `takenAt`. Storing the same snapshot again overwrites
 * it with identical content, so the scheduled function and the local runtime can retry freely.
 */
export async function putInventorySnapshot(
  deps: SnapshotStoreDeps,
  inventory: z.input<typeof ClusterInventory>,
  takenAt: Date | number | string,
  opts: { ttlDays?: number } = {},
): Promise<{ sk: string; bytes: number; chunks: number }> {
  const sk = new Date(toMs(takenAt)).toISOString();
  const data = gzipSync(Buffer.from(JSON.stringify(normalizeInventory(ClusterInventory.parse(inventory)))));
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK_BYTES) chunks.push(data.subarray(i, i + CHUNK_BYTES));
  if (chunks.length === 0) chunks.push(Buffer.alloc(0));
  const ttl = Math.floor(((deps.now ?? Date.now)() + (opts.ttlDays ?? 7) * 86_400_000) / 1000);
  const pk = inventoryPk(deps.cluster);
  for (let i = chunks.length - 1; i >= 0; i--) {
    const item: Record<string, AttributeValue> = {
      pk: { S: pk },
      sk: { S: i === 0 ? sk : `${sk}#${i}` },
      data: { B: chunks[i] as Buffer },
      ttl: { N: String(ttl) },
    };
    if (i === 0) {
      item.takenAt = { N: String(toMs(takenAt)) };
      item.chunks = { N: String(chunks.length) };
    }
    await deps.client.send(new PutItemCommand({ TableName: deps.tableName, Item: item }));
  }
  return { sk, bytes: data.length, chunks: chunks.length };
}

async function query(deps: SnapshotStoreDeps, input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>) {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await deps.client.send(new QueryCommand({ TableName: deps.tableName, ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = input.Limit ? undefined : page.LastEvaluatedKey;
  } while (start);
  return items;
}

const isHead = (sk: string): boolean => !sk.includes('#');

/** Head keys (ISO times) of the snapshots needed for flows between `from` and `to`. */
export async function snapshotKeysFor(deps: SnapshotStoreDeps, from: number, to: number): Promise<string[]> {
  const pk = inventoryPk(deps.cluster);
  const fromIso = new Date(from).toISOString();
  const toIso = new Date(to).toISOString();
  const inRange = await query(deps, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
    ExpressionAttributeValues: { ':pk': { S: pk }, ':a': { S: fromIso }, ':b': { S: `${toIso}~` } },
    ProjectionExpression: 'sk',
  });
  const keys = inRange.map((i) => i.sk?.S ?? '').filter(isHead);
  // The snapshot in force at `from`: the latest one before it (part items may come first).
  const before = await query(deps, {
    KeyConditionExpression: 'pk = :pk AND sk < :a',
    ExpressionAttributeValues: { ':pk': { S: pk }, ':a': { S: fromIso } },
    ProjectionExpression: 'sk',
    ScanIndexForward: false,
    Limit: 40,
  });
  const prev = before.map((i) => i.sk?.S ?? '').find(isHead);
  if (prev) keys.unshift(prev);
  if (keys.length === 0) {
    // Nothing at or before the flows: the earliest later snapshot is the best guess there is.
    const after = await query(deps, {
      KeyConditionExpression: 'pk = :pk AND sk > :b',
      ExpressionAttributeValues: { ':pk': { S: pk }, ':b': { S: `${toIso}~` } },
      ProjectionExpression: 'sk',
      Limit: 40,
    });
    const next = after.map((i) => i.sk?.S ?? '').find(isHead);
    if (next) keys.push(next);
  }
  return keys;
}

/** Reads and reassembles one snapshot by its head key. */
export async function loadSnapshot(deps: SnapshotStoreDeps, sk: string): Promise<InventorySnapshot> {
  const items = await query(deps, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': { S: inventoryPk(deps.cluster) }, ':sk': { S: sk } },
  });
  const head = items.find((i) => i.sk?.S === sk);
  if (!head) throw new ValidationError('snapshot-missing', `inventory snapshot ${sk} not found`);
  const count = Number(head.chunks?.N ?? 1);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const part = items.find((it) => it.sk?.S === (i === 0 ? sk : `${sk}#${i}`))?.data?.B;
    if (!part) throw new ValidationError('snapshot-incomplete', `inventory snapshot ${sk} is missing part ${i} of ${count}`);
    parts.push(part);
  }
  const inventory = normalizeInventory(ClusterInventory.parse(JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8'))));
  return { takenAt: Number(head.takenAt?.N ?? Date.parse(sk)), inventory };
}

/** Where the flow pipeline gets its view of the cluster for a span of flow time. */
export interface InventoryProvider {
  timelineFor(from: number, to: number): Promise<InventoryTimeline>;
}

/** A fixed set of snapshots (tests, and the command line's `--cluster FILE`). */
export class StaticInventory implements InventoryProvider {
  constructor(private readonly timeline: InventoryTimeline) {}
  timelineFor(): Promise<InventoryTimeline> {
    return Promise.resolve(this.timeline);
  }
}

/** Snapshots from the table, cached for the life of the process (a warm Lambda keeps them). */
export class StoredInventory implements InventoryProvider {
  private readonly cache = new Map<string, InventorySnapshot>();
  private last?: { key: string; timeline: InventoryTimeline };

  constructor(
    private readonly deps: SnapshotStoreDeps,
    private readonly resolveOptions: ResolveOptions = {},
    private readonly maxCached = 32,
  ) {}

  async timelineFor(from: number, to: number): Promise<InventoryTimeline> {
    const keys = await snapshotKeysFor(this.deps, from, to);
    const cacheKey = keys.join('|');
    if (this.last?.key === cacheKey) return this.last.timeline;
    const snaps: InventorySnapshot[] = [];
    for (const k of keys) {
      let snap = this.cache.get(k);
      if (!snap) {
        snap = await loadSnapshot(this.deps, k);
        this.cache.set(k, snap);
        if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
      }
      snaps.push(snap);
    }
    const timeline = new InventoryTimeline(snaps, this.resolveOptions);
    this.last = { key: cacheKey, timeline };
    return timeline;
  }
}
