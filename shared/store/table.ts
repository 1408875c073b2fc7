/**
 * boundwatch keeps all its state in one DynamoDB table (on-demand, PITR, TTL on `ttl`).
 *
 * Key design: `pk` (S) partition key, `sk` (S) sort key. Every item type has its own `pk`
 * prefix so that one principal's, workload's or action's data lives in one partition and is
 * read with a single GetItem/Query:
 *
 * | item                        | pk                                  | sk                         |
 * |-----------------------------|-------------------------------------|----------------------------|
 * | principal behavior profile  | `PRINCIPAL#<cluster>#<principalKey>`| `PROFILE`                  |
 * | peer-group profile          | `GROUP#<cluster>#<groupKey>`        | `PROFILE`                  |
 * | cluster state (learning)    | `CLUSTER#<cluster>`                 | `META`                     |
 * | flow-graph edge             | `FLOW#<cluster>#<srcWorkload>`      | `<dst>#<port>#<protocol>`  |
 * | workload network baseline   | `WORKLOAD#<cluster>#<workload>`     | `NETPROFILE`               |
 * | inventory snapshot          | `INVENTORY#<cluster>`               | `<ISO time>`               |
 * | enforcement action          | `ACTION#<actionId>`                 | `ACTION`                   |
 * | dry-run plan of an action   | `ACTION#<actionId>#dry-run`         | `ACTION`                   |
 * | enforcement rate window     | `RATE#<cluster>#<yyyy-mm-ddThh>`    | `RATE`                     |
 * | dry-run rate window         | `RATE#<cluster>#<yyyy-mm-ddThh>#dry-run` | `RATE`                |
 * | action budget window       | `BUDGET#<cluster>#<mode>#<scope>#<window start>` | `BUDGET`    |
 * | held (queued) action        | `HELD#<cluster>#<mode>`             | `<actionId>`               |
 * | local revert queue          | `REVERTQ#<cluster>`                 | `<due ISO>#<actionId>`     |
 * | revert owed (ledger)        | `REVERTDUE#<cluster>`               | `<actionId>`               |
 * | sequence signal, per key    | `SIGNAL#<cluster>#<correlationKey>` | `<event ISO>#<signalId>`   |
 * | emitted attack sequence     | `SEQUENCE#<cluster>#<sequenceId>`   | `SEQUENCE`                 |
 * | principal given up on       | `DEADLETTER#<cluster>`              | `<payloadId>#<keyDigest>`  |
 * | audit payloads absorbed     | `PAYLOAD#<cluster>#<stream>#<minute>` | `ABSORBED`               |
 * | ... past a full item        | `PAYLOAD#<cluster>#<stream>#<minute>#<id>` | `PAYLOAD`           |
 * | story a signal was told in  | `SEQMEMBER#<cluster>#<signalId>`    | `MEMBER`                   |
 *
 * `ttl` (epoch seconds) lets DynamoDB expire stale items: decayed profiles, old flow edges,
 * released actions, absorbed-payload ids once CloudWatch can no longer redeliver the payloads.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const TableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
} as const;

export const KeyPrefix = {
  principal: 'PRINCIPAL',
  group: 'GROUP',
  cluster: 'CLUSTER',
  flow: 'FLOW',
  workload: 'WORKLOAD',
  inventory: 'INVENTORY',
  action: 'ACTION',
  rate: 'RATE',
  budget: 'BUDGET',
  held: 'HELD',
  signal: 'SIGNAL',
  sequence: 'SEQUENCE',
  deadLetter: 'DEADLETTER',
  payload: 'PAYLOAD',
  sequenceMember: 'SEQMEMBER',
  revertDue: 'REVERTDUE',
} as const;

/** The table as tests and the local runtime create it; the CDK stack declares the same keys. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TableKeys.partitionKey, AttributeType: 'S' },
      { AttributeName: TableKeys.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TableKeys.partitionKey, KeyType: 'HASH' },
      { AttributeName: TableKeys.sortKey, KeyType: 'RANGE' },
    ],
  };
}
