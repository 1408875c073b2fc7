/**
 * The embedded DynamoDB: dynalite (a DynamoDB wire-protocol server) in-process on a free
 * loopback port, in memory or on disk (`--state DIR`). Code talks to it with the real
 * @aws-sdk/client-dynamodb over HTTP, exactly as it talks to DynamoDB on AWS.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';

export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startDynalite(opts: { path?: string } = {}): Promise<LocalDynamo> {
  // dynalite is CommonJS without types; loaded lazily so commands that don't need it start fast.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (o: Record<string, unknown>) => Server;
  if (opts.path) mkdirSync(opts.path, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(opts.path ? { path: opts.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // dynalite keeps leveldb handles; closing the server is enough for the in-memory store.
      }),
  };
}
