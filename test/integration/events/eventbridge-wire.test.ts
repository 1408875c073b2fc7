/**
 * The real @aws-sdk/client-eventbridge over HTTP to the local endpoint, then the LocalBus and
 * its targets: PutEvents validation as AWS does it, the event shape targets receive, per-entry
 * failures retried by publishEvents, whole-request 5xx retried by the SDK, and targets that
 * publish further events while drain() waits for all of it.
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { LocalBus, type BusEvent } from '#infra/local/bus';
import { startLocalEventBridge, type LocalEventBridge } from '#infra/local/eventbridge-server';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { DownstreamError } from '#shared/errors';
import { PublishEventsError, publishEvents } from '#shared/events/publish';
import { boundwatchRules } from '#shared/events/rules';
import { BehaviorAnomaly, DetailType, EventBridgeEnvelope, SEVERITIES } from '#shared/events/schema';
import { anomalyDetail, enforcementDetail } from '#test/unit/events/sample-events';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// The enforce and alert rules (the runtime rule's target, ingest-runtime, has its own suites).
const rules = boundwatchRules({ enforcementMinSeverity: 'HIGH', alertMinSeverity: 'MEDIUM' }).filter((r) => r.target !== 'runtime');
const fastRetries = { baseDelayMs: 1, maxDelayMs: 5 };

let eb: LocalEventBridge;
let client: EventBridgeClient;
let received: Record<'enforce' | 'alerts', BusEvent[]>;

async function start(busOpts: ConstructorParameters<typeof LocalBus>[0] = {}): Promise<void> {
  const bus = new LocalBus({ rules, retryDelayMs: 1, ...busOpts });
  eb = await startLocalEventBridge({ bus, now: () => new Date('2024-05-01T12:00:00.456Z') });
  client = eventBridgeClientFor(eb.endpoint);
  received = { enforce: [], alerts: [] };
}

afterEach(async () => {
  client?.destroy();
  await eb?.stop();
});

function anomalies(n: number): Array<{ detailType: string; detail: BehaviorAnomaly }> {
  return Array.from({ length: n }, (_, i) => ({
    detailType: DetailType.anomaly,
    detail: anomalyDetail({ id: `anomaly-${i}`, severity: SEVERITIES[i % SEVERITIES.length]! }),
  }));
}

describe('PutEvents through the real SDK to the local endpoint', () => {
  beforeEach(async () => {
    await start();
    eb.bus.registerTarget('enforce', (e) => void received.enforce.push(e));
    eb.bus.registerTarget('alerts', (e) => void received.alerts.push(e));
  });

  it('routes 25 anomalies in requests of 10, 10 and 5 to the targets the rules select', async () => {
    const out = await publishEvents(client, 'boundwatch', anomalies(25), fastRetries);
    await eb.bus.drain();

    expect(out).toMatchObject({ published: 25, attempts: 1, requests: 3 });
    expect(eb.requests.map((r) => [r.target, r.status, r.entries])).toEqual([
      ['AWSEvents.PutEvents', 200, 10],
      ['AWSEvents.PutEvents', 200, 10],
      ['AWSEvents.PutEvents', 200, 5],
    ]);
    expect(eb.bus.events.map((e) => (e.detail as BehaviorAnomaly).id)).toEqual(anomalies(25).map((a) => a.detail.id));
    expect(eb.bus.events.map((e) => e.id)).toEqual(out.eventIds);
    const severities = (events: BusEvent[]) => [...new Set(events.map((e) => (e.detail as BehaviorAnomaly).severity))].sort();
    expect(severities(received.enforce)).toEqual(['CRITICAL', 'HIGH']);
    expect(severities(received.alerts)).toEqual(['CRITICAL', 'HIGH', 'MEDIUM']);
    expect(received.enforce).toHaveLength(12); // indexes 2,3 of each group of 4 among 25
  });

  it('delivers the event exactly as an EventBridge target receives it', async () => {
    const detail = anomalyDetail({ severity: 'CRITICAL' });
    const out = await publishEvents(client, 'boundwatch', [
      { detailType: DetailType.anomaly, detail, time: '2024-01-01T00:00:00.789Z', resources: ['arn:aws:eks:us-east-1:000000000000:cluster/prod-eks'] },
      { detailType: DetailType.anomaly, detail },
    ]);
    await eb.bus.drain();

    const [withTime, withoutTime] = eb.bus.events;
    expect(withTime).toEqual({
      version: '0',
      id: out.eventIds[0],
      'detail-type': 'Behavior Anomaly',
      source: 'boundwatch',
      account: '000000000000',
      time: '2024-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:eks:us-east-1:000000000000:cluster/prod-eks'],
      detail,
    });
    expect(Object.keys(withTime as BusEvent)).toEqual(['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
    expect(withTime?.id).toMatch(UUID);
    // What the enforce and notify handlers parse at their edge accepts it unchanged.
    expect(EventBridgeSchema.parse(withTime)).toEqual(withTime);
    expect(EventBridgeEnvelope.parse(withTime)).toEqual(withTime);
    expect(BehaviorAnomaly.parse(withTime?.detail)).toEqual(detail);
    // Without Time, EventBridge stamps the time of the call, to the second.
    expect(withoutTime).toMatchObject({ time: '2024-05-01T12:00:00Z', resources: [] });
    expect(received.enforce.map((e) => e.id)).toEqual(out.eventIds);
  });

  it('validates entries as EventBridge does, per entry and per request', async () => {
    const good: PutEventsRequestEntry = { Source: 'boundwatch', DetailType: 'Behavior Anomaly', Detail: '{"severity":"LOW"}', EventBusName: 'boundwatch' };
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          good,
          { ...good, Detail: undefined },
          { ...good, Source: undefined },
          { ...good, Detail: '{"severity":' },
          { ...good, Detail: '["not","an","object"]' },
          { ...good, EventBusName: 'other-bus' },
          { ...good, EventBusName: eb.busArn },
          { ...good, EventBusName: undefined },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ResourceNotFoundException',
      'ok',
      'ResourceNotFoundException',
    ]);
    expect(out.Entries?.[1]?.ErrorMessage).toBe('Parameter Detail is not valid. Reason: Detail is a required argument.');
    expect(out.Entries?.[7]?.ErrorMessage).toBe('Event bus default does not exist.');
    expect(eb.bus.events).toHaveLength(2);

    await expect(client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => good) }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    const big = { ...good, Detail: JSON.stringify({ pad: 'x'.repeat(140_000) }) };
    await expect(client.send(new PutEventsCommand({ Entries: [big, big] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(eb.bus.events).toHaveLength(2);
  });

  it('retries entries failed with FailedEntryCount > 0 and publishes each event once', async () => {
    eb.failNextEntries(3, 'ThrottlingException', 'Rate exceeded');
    const out = await publishEvents(client, 'boundwatch', anomalies(12), fastRetries);
    await eb.bus.drain();

    expect(out).toMatchObject({ published: 12, attempts: 2, requests: 3 });
    expect(eb.requests.map((r) => [r.entries, r.failedEntries])).toEqual([
      [10, 3],
      [2, 0],
      [3, 0],
    ]);
    const ids = eb.bus.events.map((e) => (e.detail as BehaviorAnomaly).id);
    expect(ids.sort()).toEqual(anomalies(12).map((a) => a.detail.id).sort());
    expect(new Set(eb.bus.events.map((e) => e.id)).size).toBe(12);
  });

  it('gives up with a DownstreamError when entries keep failing', async () => {
    eb.failNextEntries(1000, 'InternalFailure');
    const err = await publishEvents(client, 'boundwatch', anomalies(4), { ...fastRetries, maxAttempts: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishEventsError);
    expect(err).toBeInstanceOf(DownstreamError);
    expect((err as Error).message).toMatch(/4 of 4 entries not published after 3 attempt\(s\) \(InternalFailure: 4\)/);
    expect(eb.requests).toHaveLength(3);
    expect(eb.bus.events).toEqual([]);
  });

  it('lets the SDK retry a whole request answered with 503', async () => {
    eb.failNextRequests(2, 503);
    const out = await publishEvents(client, 'boundwatch', anomalies(3), fastRetries);
    expect(out).toMatchObject({ published: 3, requests: 1 });
    expect(eb.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(eb.bus.events).toHaveLength(3);
  });

  it('surfaces a 500 that outlasts the SDK retries as DownstreamError', async () => {
    const impatient = eventBridgeClientFor(eb.endpoint, { maxAttempts: 2 });
    eb.failNextRequests(5, 500);
    const err = await publishEvents(impatient, 'boundwatch', anomalies(1), fastRetries).catch((e: unknown) => e);
    impatient.destroy();
    expect(err).toBeInstanceOf(DownstreamError);
    expect((err as DownstreamError).cause).toMatchObject({ $metadata: { httpStatusCode: 500 } });
    expect(eb.requests.map((r) => r.status)).toEqual([500, 500]);
    expect(eb.bus.events).toEqual([]);
  });
});

describe('targets that publish through the endpoint', () => {
  it('drain() waits for Enforcement Actions published by the enforce target, in a stable order', async () => {
    await start();
    eb.bus.registerTarget('enforce', async (e) => {
      const anomaly = e.detail as BehaviorAnomaly;
      // Slow enough that a drain() which did not wait would see nothing.
      await new Promise((r) => setTimeout(r, 20));
      await publishEvents(client, 'boundwatch', [
        {
          detailType: DetailType.enforcement,
          detail: enforcementDetail({ id: `action-for-${anomaly.id}`, anomalyId: anomaly.id, outcome: 'applied', mode: 'apply' }),
        },
      ]);
    });
    eb.bus.registerTarget('alerts', (e) => void received.alerts.push(e));

    await publishEvents(client, 'boundwatch', [
      { detailType: DetailType.anomaly, detail: anomalyDetail({ id: 'a1', severity: 'HIGH' }) },
      { detailType: DetailType.anomaly, detail: anomalyDetail({ id: 'a2', severity: 'CRITICAL' }) },
      { detailType: DetailType.anomaly, detail: anomalyDetail({ id: 'a3', severity: 'LOW' }) },
    ]);
    await eb.bus.drain();

    const label = (e: BusEvent) => `${e['detail-type']}:${(e.detail as { id: string }).id}`;
    expect(eb.bus.events.map(label)).toEqual([
      'Behavior Anomaly:a1',
      'Behavior Anomaly:a2',
      'Behavior Anomaly:a3',
      'Enforcement Action:action-for-a1',
      'Enforcement Action:action-for-a2',
    ]);
    expect(received.alerts.map(label)).toEqual([
      'Behavior Anomaly:a1',
      'Behavior Anomaly:a2',
      'Enforcement Action:action-for-a1',
      'Enforcement Action:action-for-a2',
    ]);
    expect(eb.bus.failedDeliveries).toEqual([]);
  });

  it('records a target that keeps failing instead of losing the event', async () => {
    await start({ maxAttempts: 3 });
    let calls = 0;
    eb.bus.registerTarget('enforce', () => {
      calls += 1;
      throw new Error('cluster unreachable');
    });
    eb.bus.registerTarget('alerts', () => {});
    const out = await publishEvents(client, 'boundwatch', [{ detailType: DetailType.anomaly, detail: anomalyDetail({ severity: 'CRITICAL' }) }]);
    await eb.bus.drain();
    expect(calls).toBe(3);
    expect(eb.bus.failedDeliveries).toEqual([
      { eventId: out.eventIds[0], ruleId: 'AnomalyToEnforce', target: 'enforce', attempts: 3, error: 'cluster unreachable' },
    ]);
  });
});
