/**
 * Item-level table access for functions that touch only a few item types. IAM's
 * `dynamodb:LeadingKeys` condition limits a request to items whose partition key matches one
 * of the patterns (StringLike), so a function can neither read nor overwrite the baselines,
 * actions or payload records it has no business with. The integration tests run the function's
 * code against a real table and check every request it makes against this list.
 */
import { anomalyKey } from '#shared/events/provenance';
import { KeyPrefix } from '#shared/store/table';

/** Some DynamoDB actions, on items whose partition key matches one of `leadingKeys` (StringLike). */
export interface TableGrant {
  /** e.g. `dynamodb:PutItem`. */
  actions: string[];
  leadingKeys: string[];
}

/** One IAM statement per grant: each action only on the item types it is used for. */
export type TableAccess = TableGrant[];

/**
 * ingest-runtime (shared/runtime/ingest.ts, store.ts): it writes signals under their correlation
 * keys, emitted sequences and their members; records each sequence's provenance (which enforce
 * checks) with an update that tells whether it was already published; reads sequences, members,
 * signals, and the cluster's inventory snapshots.
 */
export function runtimeTableAccess(cluster: string): TableAccess {
  const signal = `${KeyPrefix.signal}#${cluster}#*`;
  const sequence = `${KeyPrefix.sequence}#${cluster}#*`;
  const member = `${KeyPrefix.sequenceMember}#${cluster}#*`;
  return [
    { actions: ['dynamodb:PutItem'], leadingKeys: [signal, sequence, member] },
    { actions: ['dynamodb:UpdateItem'], leadingKeys: [anomalyKey(cluster, '*').pk.S] },
    { actions: ['dynamodb:GetItem'], leadingKeys: [sequence] },
    { actions: ['dynamodb:BatchGetItem'], leadingKeys: [member] },
    { actions: ['dynamodb:Query'], leadingKeys: [signal, `${KeyPrefix.inventory}#${cluster}`] },
  ];
}

/** Every action of the access. */
export function actionsOf(access: TableAccess): string[] {
  return [...new Set(access.flatMap((g) => g.actions))];
}

/** IAM StringLike: `*` any run of characters, `?` one character. */
export function stringLike(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

/** Whether one request (its action and the partition keys it names) is within one grant of the access. */
export function allows(access: TableAccess, action: string, partitionKeys: readonly string[]): boolean {
  return access.some((g) => g.actions.includes(action) && partitionKeys.every((pk) => g.leadingKeys.some((p) => stringLike(p, pk))));
}
