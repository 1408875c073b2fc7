/**
 * publishEvents against an injected fake client: chunking and the retry arithmetic. The wire
 * itself is covered by test/integration/events (real SDK against the local endpoint).
 */
import type { EventBridgeClient, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { DownstreamError, ValidationError } from '#shared/errors';
import {
  MAX_REQUEST_BYTES,
  PublishEventsError,
  chunkPutEventsEntries,
  publishEvents,
  putEventsEntrySize,
  toPutEventsEntries,
  type OutgoingEvent,
} from '#shared/events/publish';
import { DetailType, EVENT_SOURCE } from '#shared/events/schema';

type Responder = (entries: PutEventsRequestEntry[], call: number) => PutEventsResultEntry[] | Error;

/** A client whose `send` records each PutEvents request and answers with `respond`. */
function fakeClient(respond: Responder = (entries) => entries.map(() => ({}))) {
  const calls: PutEventsRequestEntry[][] = [];
  let nextId = 0;
  const client = {
    send: async (command: { input: { Entries?: PutEventsRequestEntry[] } }) => {
      const entries = command.input.Entries ?? [];
      calls.push(entries);
      const out = respond(entries, calls.length);
      if (out instanceof Error) throw out;
      const withIds = out.map((r) => (r.ErrorCode ? r : { EventId: `id-${nextId++}`, ...r }));
      return { FailedEntryCount: withIds.filter((r) => r.ErrorCode).length, Entries: withIds };
    },
  };
  return { client: client as unknown as EventBridgeClient, calls };
}

function events(n: number, detailBytes = 10): OutgoingEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    detailType: DetailType.anomaly,
    detail: { id: `a${i}`, pad: 'x'.repeat(detailBytes) },
  }));
}

const noSleep = { sleep: async () => {}, random: () => 0.5 };

describe('toPutEventsEntries', () => {
  it('sets source, detail-type, JSON detail, bus, time and resources', () => {
    const [entry] = toPutEventsEntries('boundwatch', [
      { detailType: DetailType.enforcement, detail: { a: 1 }, time: '2024-01-01T00:00:00Z', resources: ['arn:x'] },
    ]);
    expect(entry).toEqual({
      Source: EVENT_SOURCE,
      DetailType: 'Enforcement Action',
      Detail: '{"a":1}',
      EventBusName: 'boundwatch',
      Time: new Date('2024-01-01T00:00:00Z'),
      Resources: ['arn:x'],
    });
  });

  it.each([
    ['an array detail', { detailType: 'X', detail: [] as unknown as object }, 'invalid-detail'],
    ['an invalid time', { detailType: 'X', detail: {}, time: 'yesterday' }, 'invalid-event-time'],
    ['an empty detail-type', { detailType: '', detail: {} }, 'missing-detail-type'],
  ])('rejects %s with a ValidationError', (_name, event, reason) => {
    let thrown: unknown;
    try {
      toPutEventsEntries('b', [event]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).reason).toBe(reason);
  });
});

describe('putEventsEntrySize', () => {
  it('counts Time as 14 bytes and strings as UTF-8 bytes, as AWS documents', () => {
    const entry: PutEventsRequestEntry = {
      Source: 'boundwatch', // 10
      DetailType: 'é', // 2 bytes in UTF-8
      Detail: '{"k":"€"}', // 8 ASCII + 3 = 11
      Resources: ['ab', 'c'], // 3
      Time: new Date(),
      EventBusName: 'not counted',
    };
    expect(putEventsEntrySize(entry)).toBe(14 + 10 + 2 + 11 + 3);
    expect(putEventsEntrySize({ ...entry, Time: undefined })).toBe(10 + 2 + 11 + 3);
  });
});

describe('chunkPutEventsEntries', () => {
  it('splits 25 small entries into requests of 10, 10 and 5, in order', () => {
    const entries = toPutEventsEntries('b', events(25));
    const chunks = chunkPutEventsEntries(entries, (e) => e);
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(chunks.flat()).toEqual(entries);
  });

  it('starts a new request before 256 KB would be exceeded', () => {
    // Each entry is ~100 KB: two fit in one request, a third would not.
    const entries = toPutEventsEntries('b', events(5, 100_000));
    const chunks = chunkPutEventsEntries(entries, (e) => e);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 1]);
    for (const c of chunks) {
      expect(c.reduce((n, e) => n + putEventsEntrySize(e), 0)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    }
  });
});

describe('publishEvents', () => {
  it('publishes in chunks of 10 and returns ids by input index', async () => {
    const { client, calls } = fakeClient();
    const out = await publishEvents(client, 'boundwatch', events(23), noSleep);
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(out).toEqual({ published: 23, attempts: 1, requests: 3, eventIds: expect.any(Array) });
    expect(out.eventIds[0]).toBe('id-0');
    expect(out.eventIds[22]).toBe('id-22');
  });

  it('splits by size as well as by count', async () => {
    const { client, calls } = fakeClient();
    await publishEvents(client, 'boundwatch', events(3, 150_000), noSleep);
    expect(calls.map((c) => c.length)).toEqual([1, 1, 1]);
  });

  it('rejects an entry over 256 KB before sending anything', async () => {
    const { client, calls } = fakeClient();
    const batch = [...events(2), ...events(1, MAX_REQUEST_BYTES)];
    await expect(publishEvents(client, 'boundwatch', batch, noSleep)).rejects.toThrow(/Event 2 \(Behavior Anomaly\) is \d+ bytes/);
    expect(calls).toHaveLength(0);
  });

  it('retries only the failed entries, with backoff, until they go through', async () => {
    const { client, calls } = fakeClient((entries, call) =>
      entries.map((e) => {
        const id = (JSON.parse(e.Detail ?? '{}') as { id: string }).id;
        // a1 and a7 throttled on the first round, a7 again on the second.
        if ((call === 1 && (id === 'a1' || id === 'a7')) || (call === 2 && id === 'a7')) {
          return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
        }
        return {};
      }),
    );
    const delays: number[] = [];
    const out = await publishEvents(client, 'boundwatch', events(10), {
      baseDelayMs: 100,
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    const ids = (c: PutEventsRequestEntry[]) => c.map((e) => (JSON.parse(e.Detail ?? '{}') as { id: string }).id);
    expect(calls.map(ids)).toEqual([['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'], ['a1', 'a7'], ['a7']]);
    expect(out.published).toBe(10);
    expect(out.attempts).toBe(3);
    expect(out.requests).toBe(3);
    // Full jitter at 0.5 of caps 100 ms and 200 ms.
    expect(delays).toEqual([50, 100]);
    // Every input got the id of the request that finally accepted it.
    expect(out.eventIds.every((id) => id.startsWith('id-'))).toBe(true);
  });

  it('keeps backoff bounded by maxDelayMs', async () => {
    const { client } = fakeClient((entries) => entries.map(() => ({ ErrorCode: 'InternalFailure' })));
    const delays: number[] = [];
    await expect(
      publishEvents(client, 'boundwatch', events(1), {
        maxAttempts: 8,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        random: () => 0.999,
        sleep: async (ms) => {
          delays.push(ms);
        },
      }),
    ).rejects.toThrow(PublishEventsError);
    expect(delays).toHaveLength(7);
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(delays.slice(0, 4)).toEqual([99, 199, 399, 799]);
  });

  it('gives up after maxAttempts with a DownstreamError naming the count and codes', async () => {
    const { client, calls } = fakeClient((entries) =>
      entries.map((_e, i) => (i % 2 === 0 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : {})),
    );
    const err = await publishEvents(client, 'boundwatch', events(4), { ...noSleep, maxAttempts: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownstreamError);
    expect(err).toBeInstanceOf(PublishEventsError);
    const e = err as PublishEventsError;
    expect(e.message).toMatch(/1 of 4 entries not published after 3 attempt\(s\) \(ThrottlingException: 1\)/);
    expect(e.published).toBe(3);
    expect(e.failures).toEqual([{ index: 0, detailType: 'Behavior Anomaly', errorCode: 'ThrottlingException', errorMessage: 'slow down' }]);
    // Round 1: 4 entries (0 and 2 fail); round 2: [0, 2] (0 fails); round 3: [0] fails again.
    expect(calls.map((c) => c.length)).toEqual([4, 2, 1]);
  });

  it('does not retry entries AWS documents as non-retryable, and still reports them', async () => {
    const { client, calls } = fakeClient((entries) =>
      entries.map((_e, i) => (i === 1 ? { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } : {})),
    );
    const err = (await publishEvents(client, 'boundwatch', events(3), noSleep).catch((e: unknown) => e)) as PublishEventsError;
    expect(err).toBeInstanceOf(PublishEventsError);
    expect(err.message).toMatch(/1 of 3 entries not published after 1 attempt\(s\) \(MalformedDetail: 1\)/);
    expect(calls).toHaveLength(1);
  });

  it('surfaces a whole-request failure as DownstreamError with the cause', async () => {
    const boom = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailableException' });
    const { client } = fakeClient((_entries, call) => (call === 2 ? boom : _entries.map(() => ({}))));
    const err = (await publishEvents(client, 'boundwatch', events(15), noSleep).catch((e: unknown) => e)) as DownstreamError;
    expect(err).toBeInstanceOf(DownstreamError);
    expect(err.message).toMatch(/10 of 15 entries published/);
    expect(err.cause).toBe(boom);
  });

  it('refuses a response whose FailedEntryCount disagrees with its entries', async () => {
    const client = {
      send: async () => ({ FailedEntryCount: 1, Entries: [{ EventId: 'x' }] }),
    } as unknown as EventBridgeClient;
    await expect(publishEvents(client, 'boundwatch', events(1), noSleep)).rejects.toThrow(/FailedEntryCount 1/);
  });
});
