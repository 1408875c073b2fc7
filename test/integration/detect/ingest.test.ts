/**
 * The ingest path over the real wire: @aws-sdk/client-dynamodb against dynalite (and DynamoDB
 * Local where Java is present), @aws-sdk/client-eventbridge against the local endpoint.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ABSORBED_TTL_SECONDS, loadProfiles } from '#shared/detect/baseline-store';
import { createDynamoClient } from '#shared/clients/dynamo';
import { DEFAULT_DETECTION, DAY_MS, DetectionConfig } from '#shared/detect/config';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { flushAll, ingestAuditEvent, type AuditIngestDeps } from '#shared/detect/ingest';
import { DEFAULT_WRITE_AFTER_MS, ProfileCache } from '#shared/detect/profile-cache';
import { DetailType } from '#shared/events/schema';
import { DEFAULT_DETECTORS } from '#shared/detect/engine';
import type { AuditDetector } from '#shared/detect/types';
import { dynamoBackends, freshTable, useBackendAndBus } from '#test/support/dynamo';
import { auditEvent, serviceAccountUser, subscriptionEvent } from '#test/support/audit-factory';

const T0 = Date.parse('2024-03-01T08:00:00Z');
const checkout = serviceAccountUser('shop', 'checkout', { name: 'checkout-6d9f5b8c7-x2k4q' });
const cart = serviceAccountUser('shop', 'cart', { name: 'cart-7d9f5b8c6-x2k4q' });
// Another replica of cart, under its own (differently named) service account: same workload group.
const cart2 = serviceAccountUser('shop', 'cart-v2', { name: 'cart-7d9f5b8c6-m8n7p' });

const routine = (user: ReturnType<typeof serviceAccountUser>, day: number, n = 5) =>
  Array.from({ length: n }, (_, i) => auditEvent({ user, at: new Date(T0 + day * DAY_MS + i * 60_000) }));
const secretsDump = (day: number) =>
  auditEvent({ user: checkout, at: new Date(T0 + day * DAY_MS + 3_600_000), verb: 'list', objectRef: { resource: 'secrets' }, requestURI: '/api/v1/secrets', sourceIPs: ['203.0.113.9'] });

describe.each(dynamoBackends())('audit ingestion on $name', (backend) => {
  const servers = useBackendAndBus(backend);

  async function deps(): Promise<AuditIngestDeps & { counter: { reads: number; writes: number } }> {
    const { client, tableName, counter } = await freshTable(servers.dynamo.endpoint);
    return {
      ddb: client,
      tableName,
      counter,
      eventBridge: eventBridgeClientFor(servers.eb.endpoint),
      busName: servers.eb.bus.name,
      cluster: `c-${Math.random().toString(36).slice(2, 8)}`,
      detection: DEFAULT_DETECTION,
    };
  }

  it('writes one profile update per principal and per touched peer group per payload, not one per event', async () => {
    const d = await deps();
    const report = await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, 0, 30), ...routine(cart, 0, 20), ...routine(cart2, 0, 10)]));
    expect(report).toMatchObject({ received: 60, accepted: 60, principals: 3, redelivered: 0 });
    // Three principals, two workload groups (two cart replicas share one), the payload record, the cluster's first-seen marker.
    expect(d.counter.writes).toBe(3 + 2 + 1 + 1);
    const { groups } = await loadProfiles(d.ddb, d.tableName, d.cluster, [], ['workload:shop/cart', 'workload:shop/checkout']);
    expect(groups.get('workload:shop/cart')?.profile.events).toBe(30);
    const { profiles } = await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:checkout', 'system:serviceaccount:shop:cart']);
    expect(profiles.get('system:serviceaccount:shop:checkout')?.profile.events).toBe(30);
    expect(profiles.get('system:serviceaccount:shop:cart')?.profile.events).toBe(20);
    // The next payload: two principals in two groups, its payload record, no cluster marker any more.
    const before = d.counter.writes;
    await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, 1, 30), ...routine(cart, 1, 20)]));
    expect(d.counter.writes - before).toBe(2 + 2 + 1);
  });

  it('is idempotent on redelivery of the same payload: no double counting, the same anomaly id', async () => {
    const d = await deps();
    for (let day = 0; day < 9; day++) await ingestAuditEvent(d, subscriptionEvent(routine(checkout, day)));
    const attack = subscriptionEvent([...routine(checkout, 9, 2), secretsDump(9)]);
    const first = await ingestAuditEvent(d, attack);
    expect(first.anomalies).toHaveLength(1);
    const writesBefore = d.counter.writes;
    const again = await ingestAuditEvent(d, attack);
    expect(again.redelivered).toBe(1);
    expect(again.anomalies).toEqual([]);
    expect(d.counter.writes).toBe(writesBefore);
    const { profiles } = await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:checkout']);
    expect(profiles.get('system:serviceaccount:shop:checkout')?.profile.events).toBe(9 * 5 + 3);
  });

  it('publishes before learning: when PutEvents fails, nothing is learned and the retry re-detects under the same id', async () => {
    const d = await deps();
    for (let day = 0; day < 9; day++) await ingestAuditEvent(d, subscriptionEvent(routine(checkout, day)));
    const attack = subscriptionEvent([secretsDump(9)]);
    servers.eb.failNextEntries(100, 'InternalFailure');
    await expect(ingestAuditEvent({ ...d }, attack)).rejects.toThrow();
    servers.eb.failNextEntries(0);
    const published = servers.eb.bus.events.length;
    const retry = await ingestAuditEvent(d, attack);
    expect(retry.anomalies).toHaveLength(1);
    await servers.eb.bus.drain();
    const delivered = servers.eb.bus.events.slice(published).filter((e) => e['detail-type'] === DetailType.anomaly);
    expect(delivered.map((e) => (e.detail as { id: string }).id)).toEqual([retry.anomalies[0]!.id]);
    const { profiles } = await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:checkout']);
    expect(profiles.get('system:serviceaccount:shop:checkout')?.profile.events).toBe(9 * 5 + 1);
  }, 60_000);

  it('publishes each anomaly once when PutEvents failed for only some: the redelivery sends only what did not reach the bus', async () => {
    const d = await deps();
    for (let day = 0; day < 9; day++) await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, day), ...routine(cart, day)]));
    const cartDump = auditEvent({ ...secretsDump(9), user: cart });
    const attack = subscriptionEvent([secretsDump(9), cartDump]);
    const before = servers.eb.bus.events.length;
    // The first entry of the next PutEvents is refused for good; the second reaches the bus.
    servers.eb.failNextEntries(1, 'MalformedDetail');
    await expect(ingestAuditEvent(d, attack)).rejects.toThrow();
    servers.eb.failNextEntries(0);
    const retry = await ingestAuditEvent(d, attack);
    expect(retry.anomalies).toHaveLength(2);
    // A third delivery (a late duplicate) publishes nothing.
    await ingestAuditEvent(d, attack);
    await servers.eb.bus.drain();
    const delivered = servers.eb.bus.events.slice(before).filter((e) => e['detail-type'] === DetailType.anomaly).map((e) => (e.detail as { id: string }).id);
    expect(delivered.sort()).toEqual(retry.anomalies.map((a) => a.id).sort());
  }, 60_000);

  it('keeps both learnings when two payloads for one principal are ingested concurrently', async () => {
    const d = await deps();
    await ingestAuditEvent(d, subscriptionEvent(routine(checkout, 0, 3)));
    await Promise.all([
      ingestAuditEvent(d, subscriptionEvent(routine(checkout, 1, 4))),
      ingestAuditEvent(d, subscriptionEvent(routine(checkout, 2, 6))),
      ingestAuditEvent(d, subscriptionEvent(routine(checkout, 3, 7))),
    ]);
    const { profiles } = await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:checkout']);
    expect(profiles.get('system:serviceaccount:shop:checkout')?.profile.events).toBe(3 + 4 + 6 + 7);
  });

  describe('with an instance cache (write-behind)', () => {
    const instance = (d: AuditIngestDeps): AuditIngestDeps => ({ ...d, cache: new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS }) });
    /** A payload of `n` routine requests of `user`, `at` ms after day `day` starts, one second apart. */
    const small = (user: ReturnType<typeof serviceAccountUser>, day: number, at: number, n = 3) =>
      subscriptionEvent(Array.from({ length: n }, (_, i) => auditEvent({ user, at: new Date(T0 + day * DAY_MS + at + i * 100) })));
    const eventsOf = async (d: AuditIngestDeps) =>
      (await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:checkout'])).profiles.get('system:serviceaccount:shop:checkout')?.profile.events;
    /** A table where checkout's routine keys are established (seen on two days): later payloads change no shape. */
    const established = async () => {
      const d = await deps();
      for (let day = 0; day < 2; day++) await ingestAuditEvent(d, subscriptionEvent(routine(checkout, day)));
      return d;
    };
    const cacheOf = (d: AuditIngestDeps) => d.cache!;

    it('writes a steady principal once per write-behind interval and the payload ids once per stream and minute, not once per small payload; the final flush loses nothing', async () => {
      const d = await established();
      const a = instance(d);
      const before = d.counter.writes;
      // Six minutes of payloads every 2 s: 180 payloads.
      for (let k = 0; k < 180; k++) await ingestAuditEvent(a, small(checkout, 2, 3_600_000 + k * 2000));
      const writes = d.counter.writes - before;
      // One interval passed: the principal and its workload group once, the ids of five or six minutes (one stream).
      expect(writes).toBeGreaterThanOrEqual(3);
      expect(writes).toBeLessThanOrEqual(2 + 7);
      expect(await eventsOf(d)).toBeLessThan(10 + 180 * 3);
      await flushAll(a);
      expect(await eventsOf(d)).toBe(10 + 180 * 3);
      expect(d.counter.writes - before).toBeLessThanOrEqual(2 * 2 + 8);
    });

    it('counts a payload once when it is redelivered to another instance, before or after the first instance wrote it', async () => {
      const d = await deps();
      await ingestAuditEvent(d, subscriptionEvent(routine(checkout, 0)));
      const a = instance(d);
      const b = instance(d);
      const p = small(checkout, 1, 0);
      expect((await ingestAuditEvent(a, p)).redelivered).toBe(0);
      // A new day brings checkout's keys to established: a writes at once, claim first, so b recognises the payload.
      expect((await ingestAuditEvent(b, p)).redelivered).toBe(1);
      await flushAll(a);
      await flushAll(b);
      expect((await ingestAuditEvent(instance(d), p)).redelivered).toBe(1);
      expect(await eventsOf(d)).toBe(5 + 3);
    });

    it.each([
      ['the first instance', 'a'],
      ['the second instance', 'b'],
      ['both at once', 'both'],
    ])('counts a payload once when two instances absorbed it within the write-behind window and %s writes first', async (_name, first) => {
      const d = await established();
      const a = instance(d);
      const b = instance(d);
      const p = small(checkout, 2, 3_600_000);
      await ingestAuditEvent(a, small(checkout, 2, 3_500_000));
      expect((await ingestAuditEvent(a, p)).redelivered).toBe(0);
      // Neither has written: b cannot know, and learns it too.
      expect((await ingestAuditEvent(b, p)).redelivered).toBe(0);
      await ingestAuditEvent(b, small(checkout, 2, 3_700_000, 4));
      if (first === 'a') await flushAll(a).then(() => flushAll(b));
      else if (first === 'b') await flushAll(b).then(() => flushAll(a));
      else await Promise.all([flushAll(a), flushAll(b)]);
      // Whoever claimed it second dropped its learning of it, and only of it.
      expect(cacheOf(a).duplicatesDropped + cacheOf(b).duplicatesDropped).toBe(1);
      expect(await eventsOf(d)).toBe(10 + 3 + 3 + 4);
      // Later deliveries of it anywhere are recognised before detection.
      expect((await ingestAuditEvent(instance(d), p)).redelivered).toBe(1);
      expect((await ingestAuditEvent(a, p)).redelivered).toBe(1);
    });

    it('recognises a redelivery hours later, within the retry horizon, before detection, from one read', async () => {
      const d = await established();
      let wall = T0 + 2 * DAY_MS + 3_600_000;
      const now = () => wall;
      const a = { ...instance(d), now };
      const p = small(checkout, 2, 3_600_000);
      await ingestAuditEvent(a, p);
      await flushAll(a);
      // Five hours later another instance has ingested live payloads, then CloudWatch retries p.
      wall += 5 * 3_600_000;
      const c = { ...instance(d), now };
      await ingestAuditEvent(c, small(checkout, 2, 3_600_000 + 5 * 3_600_000));
      const reads = d.counter.reads;
      const writes = d.counter.writes;
      expect((await ingestAuditEvent(c, p)).redelivered).toBe(1);
      expect(d.counter.reads - reads).toBe(1);
      expect(d.counter.writes).toBe(writes);
      await flushAll(c);
      expect(await eventsOf(d)).toBe(10 + 3 + 3);
      // The absorbed item outlives the retry horizon from its last claim.
      const items = await d.ddb.send(new ScanCommand({ TableName: d.tableName, FilterExpression: 'sk = :sk', ExpressionAttributeValues: { ':sk': { S: 'ABSORBED' } } }));
      for (const item of items.Items ?? []) expect(Number(item.ttl?.N)).toBeGreaterThanOrEqual(Math.floor((T0 + 2 * DAY_MS + 3_600_000) / 1000) + ABSORBED_TTL_SECONDS);
    });

    it('a crash loses at most the unwritten interval: what the lost instance never claimed is learned once when redelivered', async () => {
      const d = await established();
      const crashed = instance(d);
      const payloads = [0, 1, 2].map((k) => small(checkout, 2, 3_600_000 + k * 2000));
      for (const p of payloads) await ingestAuditEvent(crashed, p);
      // Nothing new about the principal: its learning waits for the interval, and the instance dies first.
      expect(await eventsOf(d)).toBe(10);
      // CloudWatch redelivers one anyway (at least once): nobody claimed it, so it is learned now, once.
      const other = instance(d);
      expect((await ingestAuditEvent(other, payloads[1]!)).redelivered).toBe(0);
      await flushAll(other);
      expect(await eventsOf(d)).toBe(10 + 3);
    });

    it('a crash between claiming and writing loses that learning, and the claim keeps a redelivery from counting it', async () => {
      const d = await established();
      // The instance dies on its first item write, after its claims went through.
      const dying = createDynamoClient({ endpoint: servers.dynamo.endpoint });
      dying.middlewareStack.add(
        (next) => async (args) => {
          const pk = (args.input as { Item?: { pk?: { S?: string } } }).Item?.pk?.S ?? '';
          if (/^(PRINCIPAL|GROUP)#/.test(pk)) throw Object.assign(new Error('instance lost'), { name: 'InstanceLost' });
          return next(args);
        },
        { step: 'initialize', name: 'crashOnItemWrite' },
      );
      const crashed = { ...instance(d), ddb: dying };
      const p = small(checkout, 2, 3_600_000);
      await ingestAuditEvent(crashed, p);
      await expect(flushAll(crashed)).rejects.toThrow('instance lost');
      dying.destroy();
      const other = instance(d);
      expect((await ingestAuditEvent(other, p)).redelivered).toBe(1);
      await flushAll(other);
      // Lost, never doubled: at most the crashed instance's unwritten interval.
      expect(await eventsOf(d)).toBe(10);
    });

    it('keeps both instances\' learning of one principal: the second writer re-learns only its own unwritten requests', async () => {
      const d = await deps();
      await ingestAuditEvent(d, subscriptionEvent(routine(checkout, 0)));
      const a = instance(d);
      const b = instance(d);
      for (let k = 0; k < 5; k++) {
        await ingestAuditEvent(a, small(checkout, 1, k * 2000, 2));
        await ingestAuditEvent(b, small(checkout, 1, 500 + k * 2000, 3));
      }
      await Promise.all([flushAll(a), flushAll(b)]);
      // Another round on the same instances, now from items both have written.
      await ingestAuditEvent(a, small(checkout, 1, 200_000, 4));
      await ingestAuditEvent(b, small(checkout, 1, 201_000, 1));
      await flushAll(b);
      await flushAll(a);
      expect(await eventsOf(d)).toBe(5 + 5 * 2 + 5 * 3 + 4 + 1);
    });

    it('learns into cached profiles in place, yet a payload whose publishing failed is judged and learned on redelivery as it was the first time', async () => {
      const d = await deps();
      const a = instance(d);
      for (let day = 0; day < 9; day++) await ingestAuditEvent(a, subscriptionEvent(routine(checkout, day)));
      const attack = subscriptionEvent([...routine(checkout, 9, 2), secretsDump(9)]);
      servers.eb.failNextEntries(100, 'InternalFailure');
      await expect(ingestAuditEvent(a, attack)).rejects.toThrow();
      servers.eb.failNextEntries(0);
      // Had the failed delivery's learning stayed in the cache, its alert would mute the retry.
      const retry = await ingestAuditEvent(a, attack);
      expect(retry.anomalies).toHaveLength(1);
      await flushAll(a);
      expect(await eventsOf(d)).toBe(9 * 5 + 3);
    }, 60_000);

    it('rebuilds a cached profile whose detection threw part-way from its item and pending requests: the half-learned payload counts for nothing', async () => {
      const d = await established();
      const a = instance(d);
      // Unwritten learning in the cache (established keys: no shape change, so no write yet).
      await ingestAuditEvent(a, small(checkout, 2, 0));
      const events = Array.from({ length: 3 }, (_, i) => auditEvent({ user: checkout, at: new Date(T0 + 2 * DAY_MS + 10_000 + i * 100) }));
      const throwsOnLast: AuditDetector = {
        id: 'throws-on-last' as AuditDetector['id'],
        kind: 'signature',
        detect(f) {
          if (f.event.auditID === events[2]!.auditID) throw new TypeError('detector bug');
          return [];
        },
      };
      const report = await ingestAuditEvent({ ...a, detectors: [...DEFAULT_DETECTORS, throwsOnLast] }, subscriptionEvent(events));
      expect(report.failedPrincipals.map((f) => f.key)).toEqual(['system:serviceaccount:shop:checkout']);
      // Two of its requests were learned into the cached profile before the third threw.
      await ingestAuditEvent(a, small(checkout, 2, 20_000));
      await flushAll(a);
      expect(await eventsOf(d)).toBe(10 + 3 + 3);
    }, 60_000);
  });

  it('counts bad records and still ingests the good ones in the same payload', async () => {
    const d = await deps();
    const good = routine(checkout, 0, 3);
    const report = await ingestAuditEvent(
      d,
      subscriptionEvent([good[0]!, 'not json', JSON.stringify(good[1]).slice(0, 50) + '[Truncated...]', JSON.stringify({ ...good[1], verb: undefined }), good[2]!]),
    );
    expect(report).toMatchObject({ received: 5, accepted: 2, rejected: { 'not-json': 1, truncated: 1, 'missing-fields': 1 } });
  });

  it('judges a node that joins later against the kubelets peer group kept in the table', async () => {
    const d = await deps();
    const node = (name: string) => ({ username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });
    const kubelet = (name: string, day: number, over: Parameters<typeof auditEvent>[0] = {}) =>
      auditEvent({ user: node(name), at: new Date(T0 + day * DAY_MS), sourceIPs: ['10.0.1.5'], userAgent: 'kubelet/v1.30.4', verb: 'update', objectRef: { resource: 'leases', namespace: 'kube-node-lease', name }, ...over });
    for (let day = 0; day < 9; day++) await ingestAuditEvent(d, subscriptionEvent([kubelet('ip-10-0-1-5', day)]));
    // A new node's first day: what kubelets do is normal, what none of them ever did is not.
    const routineDay = await ingestAuditEvent(d, subscriptionEvent([kubelet('ip-10-0-2-9', 9)]));
    expect(routineDay.anomalies).toEqual([]);
    const odd = await ingestAuditEvent(d, subscriptionEvent([kubelet('ip-10-0-2-9', 9.5, { verb: 'list', objectRef: { resource: 'secrets' }, requestURI: '/api/v1/secrets' })]));
    const finding = odd.anomalies.flatMap((a) => a.findings).find((f) => f.type === 'SecretsAccessed');
    expect(finding?.evidence.baseline).toMatch(/judged against its peer group kubelets/);
  });

  it('raises the IP-list family for callers on a configured list', async () => {
    const d = { ...(await deps()), detection: DetectionConfig.parse({ ipLists: [{ name: 'tor-exits', kind: 'tor', entries: ['185.220.101.0/24'] }] }) };
    const report = await ingestAuditEvent(d, subscriptionEvent([auditEvent({ user: cart, at: new Date(T0), sourceIPs: ['185.220.101.47'], verb: 'list', objectRef: { resource: 'pods', namespace: 'shop' } })]));
    expect(report.anomalies.flatMap((a) => a.findings.map((f) => f.type))).toContain('Discovery:TorIPCaller');
  });

  it('acknowledges control messages and skips non-audit streams without touching the table', async () => {
    const d = await deps();
    const control = await ingestAuditEvent(d, subscriptionEvent([], { messageType: 'CONTROL_MESSAGE' }));
    expect(control.controlMessages).toBe(1);
    const other = await ingestAuditEvent(d, subscriptionEvent(routine(checkout, 0, 4), { logStream: 'authenticator-abc' }));
    expect(other.ignored).toEqual({ 'not-audit-stream': 4 });
    expect(d.counter).toEqual({ reads: 0, writes: 0 });
  });
});
