/**
 * Item-level table access for functions that touch only a few item types. IAM's
 * `dynamodb:LeadingKeys` condition limits a request to items whose partition key matches one
 * of the patterns (StringLike), so a function can neither read nor overwrite the baselines,
 * actions or payload records it has no business with. The integration tests run the function's
 * code against a real table and check every request it makes against this list.
 */
import { anomalyKey } from '#shared/events/provenance';
import { KeyPrefix } from '#shared/store/table';

export interface TableAccess {
  /** DynamoDB actions, e.g. `dynamodb:PutItem`. */
  actions: string[];
  /** StringLike patterns every partition key of a request must match. */
  leadingKeys: string[];
}

/**
 * ingest-runtime (shared/runtime/ingest.ts, store.ts): signals under their correlation keys,
 * emitted sequences and their members, the provenance record of each sequence (which enforce
 * checks), and read-only queries of the cluster's inventory snapshots.
 */
export function runtimeTableAccess(cluster: string): TableAccess {
  return {
    actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
    leadingKeys: [
      `${KeyPrefix.signal}#${cluster}#*`,
      `${KeyPrefix.sequence}#${cluster}#*`,
      `${KeyPrefix.sequenceMember}#${cluster}#*`,
      anomalyKey(cluster, '*').pk.S,
      `${KeyPrefix.inventory}#${cluster}`,
    ],
  };
}

/** IAM StringLike: `*` any run of characters, `?` one character. */
export function stringLike(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

/** Whether one request (action and the partition keys it names) is within the access. */
export function allows(access: TableAccess, action: string, partitionKeys: readonly string[]): boolean {
  return access.actions.includes(action) && partitionKeys.every((pk) => access.leadingKeys.some((p) => stringLike(p, pk)));
}
