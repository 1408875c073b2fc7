/**
 * The ingest path over the real wire: @aws-sdk/client-dynamodb against dynalite (and DynamoDB
 * Local where Java is present), @aws-sdk/client-eventbridge against the local endpoint.
 */
import { loadProfiles } from '#shared/detect/baseline-store';
import { DEFAULT_DETECTION, DAY_MS, DetectionConfig } from '#shared/detect/config';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { flushAll, ingestAuditEvent, type AuditIngestDeps } from '#shared/detect/ingest';
import { DEFAULT_WRITE_AFTER_MS, ProfileCache } from '#shared/detect/profile-cache';
import { DetailType } from '#shared/events/schema';
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

    it('writes a steady principal once a minute of event time, not once per small payload, and loses nothing on the final flush', async () => {
      const d = await deps();
      for (let day = 0; day < 3; day++) await ingestAuditEvent(d, subscriptionEvent(routine(checkout, day)));
      const a = instance(d);
      const before = d.counter.writes;
      // Two minutes of payloads every 2 s: 60 payloads, 60 payload records.
      for (let k = 0; k < 60; k++) await ingestAuditEvent(a, small(checkout, 3, 3_600_000 + k * 2000));
      const profileWrites = d.counter.writes - before - 60;
      expect(profileWrites).toBeGreaterThanOrEqual(1);
      expect(profileWrites).toBeLessThanOrEqual(5);
      await flushAll(a);
      expect(await eventsOf(d)).toBe(3 * 5 + 60 * 3);
    });

    it('counts a payload once when it is redelivered to another instance, before or after the first instance wrote it', async () => {
      const d = await deps();
      await ingestAuditEvent(d, subscriptionEvent(routine(checkout, 0)));
      const a = instance(d);
      const b = instance(d);
      const p = small(checkout, 1, 0);
      expect((await ingestAuditEvent(a, p)).redelivered).toBe(0);
      // Not written yet by a (under a minute): b still recognises the payload.
      expect((await ingestAuditEvent(b, p)).redelivered).toBe(1);
      await flushAll(a);
      await flushAll(b);
      expect((await ingestAuditEvent(instance(d), p)).redelivered).toBe(1);
      expect(await eventsOf(d)).toBe(5 + 3);
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

    it('bounds what a crash loses to unwritten learning: a lost instance\'s payloads are not re-learned twice on redelivery', async () => {
      const d = await deps();
      for (let day = 0; day < 2; day++) await ingestAuditEvent(d, subscriptionEvent(routine(checkout, day)));
      const crashed = instance(d);
      const p = small(checkout, 1, 3_600_000);
      await ingestAuditEvent(crashed, p);
      // Nothing new about the principal: its learning waits for the minute to pass, and the instance dies first.
      expect(await eventsOf(d)).toBe(10);
      // CloudWatch redelivers anyway (at least once): the payload record says it was absorbed.
      const other = instance(d);
      expect((await ingestAuditEvent(other, p)).redelivered).toBe(1);
      await ingestAuditEvent(other, small(checkout, 1, 3_610_000));
      await flushAll(other);
      expect(await eventsOf(d)).toBe(10 + 3);
    });
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
