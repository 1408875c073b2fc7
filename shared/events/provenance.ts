/**
 * Provenance of Behavior Anomaly events. Anyone allowed to PutEvents on the bus could forge an
 * anomaly naming any pod or role, so the enforce function does not trust the event alone: the
 * ingest functions record every anomaly they publish in the table (its id and a SHA-256 of its
 * content), before publishing it, and enforce acts only on an anomaly whose record exists with
 * the same hash. The bus policy (infra/aws) is the first line; this record is the second, and
 * the one that also holds for a principal the bus policy cannot name.
 *
 * | item            | pk                          | sk        | attributes               |
 * |-----------------|-----------------------------|-----------|--------------------------|
 * | anomaly record  | `ANOMALY#<cluster>#<id>`    | `ANOMALY` | hash, ttl                |
 */
import { createHash } from 'node:crypto';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { BehaviorAnomaly } from './schema';

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

export interface ProvenanceStore {
  /** Records what an ingest function is about to publish. Idempotent (a redelivery writes the same hash). */
  record(anomalies: readonly BehaviorAnomaly[], now: Date): Promise<void>;
  /** `verified` only when boundwatch recorded this anomaly with exactly this content. */
  check(anomaly: BehaviorAnomaly): Promise<ProvenanceVerdict>;
}

export type ProvenanceVerdict = { verified: true } | { verified: false; reason: string };

export function dynamoProvenance(client: Pick<DynamoDBClient, 'send'>, tableName: string): ProvenanceStore {
  return {
    async record(anomalies, now) {
      const ttl = Math.floor(now.getTime() / 1000) + RECORD_RETENTION_S;
      for (const a of anomalies) {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...anomalyKey(a.cluster, a.id), hash: { S: anomalyHash(a) }, ttl: { N: String(ttl) } },
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
