/**
 * Fault injection against the README's delivery claims: a DynamoDB endpoint that accepts
 * connections and never answers must fail a payload (so it is retried) well inside a Lambda's
 * timeout, instead of hanging it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createDynamoClient, DYNAMO_TIMEOUTS } from '#shared/clients/dynamo';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { DEFAULT_DETECTION } from '#shared/detect/config';
import { ingestAuditEvent } from '#shared/detect/ingest';
import { auditEvent, subscriptionEvent } from '#test/support/audit-factory';

describe('a DynamoDB endpoint that never answers', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let endpoint: string;
  beforeAll(async () => {
    // Accepts, reads, never writes a byte back: a black hole, not a refused connection.
    server = createServer((s) => {
      sockets.add(s);
      s.on('data', () => undefined);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('has client timeouts by default, each attempt bounded so five stay inside a Lambda timeout', async () => {
    expect(DYNAMO_TIMEOUTS.requestMs * 5 + DYNAMO_TIMEOUTS.connectionMs).toBeLessThan(60_000);
    const handler: unknown = createDynamoClient({ endpoint }).config.requestHandler;
    const cfg = (handler as { configProvider?: Promise<{ requestTimeout?: number; connectionTimeout?: number }> }).configProvider;
    await expect(cfg).resolves.toMatchObject({ requestTimeout: DYNAMO_TIMEOUTS.requestMs, connectionTimeout: DYNAMO_TIMEOUTS.connectionMs, throwOnRequestTimeout: true });
  });

  it('fails the payload (to be retried) instead of hanging', async () => {
    const ddb = createDynamoClient({ endpoint, timeouts: { requestMs: 200, connectionMs: 200 } });
    const started = Date.now();
    const deps = { ddb, tableName: 't', eventBridge: eventBridgeClientFor('http://127.0.0.1:9'), busName: 'b', cluster: 'c', detection: DEFAULT_DETECTION };
    await expect(ingestAuditEvent(deps, subscriptionEvent([auditEvent({ at: new Date() })]))).rejects.toThrow(/timed? ?out|timeout/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
