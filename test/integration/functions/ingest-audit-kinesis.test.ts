/**
 * High-volume mode: the ingest handler reading CloudWatch Logs payloads from Kinesis records,
 * answering with a partial batch response. Real wire to dynalite and the local EventBridge.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { DEFAULT_DETECTION } from '#shared/detect/config';
import { createMetrics } from '#shared/observability/powertools';
import { makeHandler } from '#functions/ingest-audit/handler';
import { LocalBus } from '#infra/local/bus';
import { startLocalEventBridge, type LocalEventBridge } from '#infra/local/eventbridge-server';
import { startDynalite, type LocalDynamo } from '#infra/local/dynamo-server';
import { freshTable } from '#test/support/dynamo';
import { auditEvent, serviceAccountUser, subscriptionEvent } from '#test/support/audit-factory';
import { DAY_MS } from '#shared/detect/config';
import { loadProfiles } from '#shared/detect/baseline-store';
import { DEFAULT_WRITE_AFTER_MS, ProfileCache } from '#shared/detect/profile-cache';

function kinesisEvent(datas: string[]): KinesisStreamEvent {
  return {
    Records: datas.map((data, i) => ({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:4959${i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::111122223333:role/ingest',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/boundwatch-audit',
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'k', sequenceNumber: `4959000000000000000000000000${i}`, data, approximateArrivalTimestamp: 1 },
    })),
  };
}

const T0 = Date.parse('2024-03-01T08:00:00Z');
const checkout = serviceAccountUser('shop', 'checkout', { name: 'checkout-1' });
const routine = (day: number) => Array.from({ length: 4 }, (_, i) => auditEvent({ user: checkout, at: new Date(T0 + day * DAY_MS + i * 1000) }));

describe('ingest-audit on Kinesis records', () => {
  let dynamo: LocalDynamo;
  let eb: LocalEventBridge;
  beforeAll(async () => {
    dynamo = await startDynalite();
    eb = await startLocalEventBridge({ bus: new LocalBus() });
  });
  afterAll(async () => {
    await eb.stop();
    await dynamo.stop();
  });

  async function handler() {
    const { client, tableName, counter } = await freshTable(dynamo.endpoint);
    // The instance cache, as deployed: a throttled write's learning stays there for the retry.
    const cache = new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS });
    const deps = { ddb: client, tableName, eventBridge: eventBridgeClientFor(eb.endpoint), busName: eb.bus.name, cluster: 'k', detection: DEFAULT_DETECTION, cache };
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    return { counter, run: makeHandler(deps, { logger: new Logger({ logLevel: 'SILENT' }), metrics: createMetrics('ingest-audit', { cluster: 'k' }) }) };
  }

  it('ingests every record exactly as the CloudWatch Logs path does, counting undecodable ones', async () => {
    const payloads = [subscriptionEvent(routine(0)), subscriptionEvent(routine(1))];
    const viaKinesis = await handler();
    const response = await viaKinesis.run(kinesisEvent([payloads[0]!.awslogs.data, 'bm90IGd6aXA=', payloads[1]!.awslogs.data]));
    expect(response).toEqual({ batchItemFailures: [] });
    const direct = await handler();
    const reports = [await direct.run(payloads[0]), await direct.run(payloads[1])];
    expect(reports.map((r) => ('accepted' in r ? r.accepted : -1))).toEqual([4, 4]);
    expect(viaKinesis.counter.writes).toBe(direct.counter.writes);
    expect(viaKinesis.counter.writes).toBeGreaterThan(0);
  });

  it('marks a record whose downstream call failed, so Lambda retries from it', async () => {
    const { run } = await handler();
    const ok = subscriptionEvent(routine(0)).awslogs.data;
    // DynamoDB unreachable: the SDK's retries give up and the record is reported failed.
    await dynamo.stop();
    try {
      const response = await run(kinesisEvent([ok]));
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '49590000000000000000000000000' }] });
    } finally {
      dynamo = await startDynalite();
    }
  }, 60_000);

  it('stops at the first failed record: the records after it are not processed now, and the retry from it counts nothing twice', async () => {
    const { run, client, tableName } = await handlerWithTable();
    const cart = serviceAccountUser('shop', 'cart', { name: 'cart-1' });
    const front = serviceAccountUser('shop', 'frontend', { name: 'frontend-1' });
    const batch = (user: ReturnType<typeof serviceAccountUser>) => subscriptionEvent(Array.from({ length: 3 }, (_, i) => auditEvent({ user, at: new Date(T0 + i * 1000) }))).awslogs.data;
    const datas = [batch(checkout), batch(cart), batch(front)];
    // Fault injection: the middle record's profile write is throttled (SDK retries bypassed).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const pk = (args.input as { Item?: { pk?: { S?: string } } }).Item?.pk?.S ?? '';
        if (context.commandName === 'PutItemCommand' && pk.endsWith(':cart')) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return next(args);
      },
      { step: 'initialize', name: 'throttle-cart' },
    );
    const event = kinesisEvent(datas);
    const first = await run(event);
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]!.kinesis.sequenceNumber }] });
    const events = async (key: string) => (await loadProfiles(client, tableName, 'k', [key])).profiles.get(key)?.profile.events;
    expect(await events('system:serviceaccount:shop:checkout')).toBe(3);
    expect(await events('system:serviceaccount:shop:frontend')).toBeUndefined();
    client.middlewareStack.remove('throttle-cart');
    // Lambda redelivers from the failed record on: the same data, the same sequence numbers.
    const retry = await run({ Records: event.Records.slice(1) });
    expect(retry).toEqual({ batchItemFailures: [] });
    expect(await events('system:serviceaccount:shop:checkout')).toBe(3);
    expect(await events('system:serviceaccount:shop:cart')).toBe(3);
    expect(await events('system:serviceaccount:shop:frontend')).toBe(3);
  });

  async function handlerWithTable() {
    const { client, tableName } = await freshTable(dynamo.endpoint);
    // The instance cache, as deployed: a throttled write's learning stays there for the retry.
    const cache = new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS });
    const deps = { ddb: client, tableName, eventBridge: eventBridgeClientFor(eb.endpoint), busName: eb.bus.name, cluster: 'k', detection: DEFAULT_DETECTION, cache };
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    return { client, tableName, run: makeHandler(deps, { logger: new Logger({ logLevel: 'SILENT' }), metrics: createMetrics('ingest-audit', { cluster: 'k' }) }) };
  }
});
