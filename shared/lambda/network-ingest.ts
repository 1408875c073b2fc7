/**
 * What the two network ingest functions (ingest-flows, ingest-dns) are both built from: the
 * table, the bus, and the stored inventory that resolves pod addresses, with the same address
 * settings so that a flow and a DNS query from one pod name the same workload.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { publishEvents, type OutgoingEvent } from '../events/publish';
import type { NetworkConfig } from '../flows/config';
import { StoredInventory, type InventoryProvider } from '../inventory/snapshot-store';
import type { FunctionEnv } from './bootstrap';

export interface NetworkIngestBase {
  dynamo: DynamoDBClient;
  tableName: string;
  cluster: string;
  inventory: InventoryProvider;
  publish(events: OutgoingEvent[]): Promise<unknown>;
}

/** `overrides.dynamo` lets the local runtime pass a client that counts requests. */
export function networkIngestBase(fe: FunctionEnv, cluster: string, network: NetworkConfig, overrides: { dynamo?: DynamoDBClient } = {}): NetworkIngestBase {
  const dynamo = overrides.dynamo ?? fe.dynamo();
  const tableName = fe.tableName();
  const eventBridge = fe.eventBridge();
  const busName = fe.busName();
  return {
    dynamo,
    tableName,
    cluster,
    inventory: new StoredInventory(
      { client: dynamo, tableName, cluster },
      { vpcCidrs: network.vpcCidrs, externalPrefixV4: network.externalPrefixV4, externalPrefixV6: network.externalPrefixV6 },
    ),
    publish: (events) => publishEvents(eventBridge, busName, events),
  };
}
