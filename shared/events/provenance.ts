/**
 * Provenance of Behavior Anomaly events. Anyone allowed to PutEvents on the bus could forge an
 * anomaly naming any pod or role, so the enforce function does not trust the event alone: the
 * ingest functions record every anomaly they publish in the table (its id and a SHA-256 of its
 * content), before publishing it, and enforce acts only on an anomaly whose record exists with
 * the same hash. The bus policy (infra/aws) is the first line; this record is the second, and
 * the one that also holds for a principal the bus policy cannot name.
 *
 * The same record says whether the anomaly reached the bus (`publishedAt`), so a payload
 * redelivered after a partly failed PutEvents publishes only what is missing: the anomalies that
 * did reach the bus are not paged or answered twice (publishAnomaliesOnce).
 *
 * | item            | pk                          | sk        | attributes                  |
 * |-----------------|-----------------------------|-----------|-----------------------------|
 * | anomaly record  | `ANOMALY#<cluster>#<id>`    | `ANOMALY` | hash, ttl, publishedAt?     |
 */
import { createHash } from 'node:crypto';
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { PublishEventsError, type OutgoingEvent } from './publish';
import { BehaviorAnomaly, DetailType } from './schema';

export const ANOMALY_SK = 'ANOMALY';
/** Long enough for the enforce rule's retries and a replay from the archive (30 days). */
const RECORD_RETENTION_S = 35 * 24 * 3600;

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * SHA-256 of the anomaly as the schema reads it, keys sorted: the same for the object ingest
 * publishes and for the detail enforce parses back from the event.
 */
export function anomalyHash(anomaly: BehaviorAnomaly): string {
  const parsed = BehaviorAnomaly.parse(anomaly);
  return createHash('sha256').update(JSON.stringify(canonical(parsed))).digest('hex');
}

export const anomalyKey = (cluster: string, id: string) => ({ pk: { S: `ANOMALY#${cluster}#${id}` }, sk: { S: ANOMALY_SK } });

const AnomalyRecord = z.object({ hash: z.object({ S: z.string().regex(/^[0-9a-f]{64}$/) }) });
/** What a record held before this delivery recorded it again. */
const PriorRecord = z.object({ hash: z.object({ S: z.string() }), publishedAt: z.object({ N: z.string() }).optional() });

export interface ProvenanceStore {
  /**
   * Records what an ingest function is about to publish. Idempotent (a redelivery writes the same
   * hash); returns the ids of those an earlier delivery already published with this content.
   */
  record(anomalies: readonly BehaviorAnomaly[], now: Date): Promise<Set<string>>;
  /** Notes that these anomalies reached the bus. */
  markPublished(anomalies: readonly BehaviorAnomaly[], now: Date): Promise<void>;
  /** `verified` only when boundwatch recorded this anomaly with exactly this content. */
  check(anomaly: BehaviorAnomaly): Promise<ProvenanceVerdict>;
}

export type ProvenanceVerdict = { verified: true } | { verified: false; reason: string };

export function dynamoProvenance(client: Pick<DynamoDBClient, 'send'>, tableName: string): ProvenanceStore {
  return {
    async record(anomalies, now) {
      const ttl = Math.floor(now.getTime() / 1000) + RECORD_RETENTION_S;
      const published = new Set<string>();
      for (const a of anomalies) {
        const hash = anomalyHash(a);
        // An update, not a put: it keeps `publishedAt` and tells what was there.
        const out = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: anomalyKey(a.cluster, a.id),
            UpdateExpression: 'SET #hash = :hash, #ttl = :ttl',
            ExpressionAttributeNames: { '#hash': 'hash', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':hash': { S: hash }, ':ttl': { N: String(ttl) } },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const prior = PriorRecord.safeParse(out.Attributes);
        if (prior.success && prior.data.hash.S === hash && prior.data.publishedAt) published.add(a.id);
      }
      return published;
    },
    async markPublished(anomalies, now) {
      for (const a of anomalies) {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: anomalyKey(a.cluster, a.id),
            UpdateExpression: 'SET publishedAt = :t',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':t': { N: String(now.getTime()) } },
          }),
        );
      }
    },
    async check(anomaly) {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: anomalyKey(anomaly.cluster, anomaly.id), ConsistentRead: true }));
      if (!out.Item) return { verified: false, reason: `anomaly ${anomaly.id} was not recorded by a boundwatch ingest function` };
      const rec = AnomalyRecord.safeParse(out.Item);
      if (!rec.success) return { verified: false, reason: `the record of anomaly ${anomaly.id} is unreadable` };
      if (rec.data.hash.S !== anomalyHash(anomaly)) return { verified: false, reason: `anomaly ${anomaly.id} differs from what boundwatch recorded (content hash mismatch)` };
      return { verified: true };
    },
  };
}

export interface PublishOnceReport {
  published: number;
  /** Anomalies an earlier delivery of the same payload already put on the bus. */
  alreadyPublished: number;
}

/**
 * Records the anomalies (provenance), then publishes those no earlier delivery published, and
 * notes each one that reached the bus, also when PutEvents failed for others (its error is
 * rethrown so the payload is retried). What can still publish twice: a crash between PutEvents
 * and the note, which costs one duplicate event, never a lost one.
 */
export async function publishAnomaliesOnce(
  store: ProvenanceStore,
  publish: (events: OutgoingEvent[]) => Promise<unknown>,
  anomalies: readonly BehaviorAnomaly[],
  now: Date,
): Promise<PublishOnceReport> {
  const already = await store.record(anomalies, now);
  const fresh = anomalies.filter((a) => !already.has(a.id));
  if (fresh.length === 0) return { published: 0, alreadyPublished: already.size };
  // The note is best effort: failing the payload for it would republish what is on the bus.
  // Without it, the payload's recorded id is what keeps a redelivery from publishing, once the
  // instance has written it (write-behind: until then a redelivery elsewhere may publish again).
  const note = async (published: readonly BehaviorAnomaly[]) => {
    try {
      await store.markPublished(published, now);
    } catch {
      // counted as not noted: at worst one duplicate if this payload is also redelivered
    }
  };
  try {
    await publish(fresh.map((a) => ({ detailType: DetailType.anomaly, detail: a, time: a.window.end })));
  } catch (err) {
    if (err instanceof PublishEventsError) {
      const failed = new Set(err.failures.map((f) => f.index));
      await note(fresh.filter((_, i) => !failed.has(i)));
    }
    throw err;
  }
  await note(fresh);
  return { published: fresh.length, alreadyPublished: already.size };
}
