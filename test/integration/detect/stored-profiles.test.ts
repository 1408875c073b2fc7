/**
 * Stored profiles are read through their schema (baseline-codec.ts): a damaged or foreign item
 * costs only its own principal or group, which learns again and whose next write replaces the
 * item; the rest of the payload is judged and learned as usual. On dynalite, and DynamoDB Local
 * where Java is present.
 */
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { encodeProfile, readStoredProfile } from '#shared/detect/baseline-codec';
import { groupPk, loadProfiles, principalPk } from '#shared/detect/baseline-store';
import { DAY_MS } from '#shared/detect/config';
import { DEFAULT_WRITE_AFTER_MS, ProfileCache } from '#shared/detect/profile-cache';
import { flushAll, ingestAuditEvent, type AuditIngestDeps } from '#shared/detect/ingest';
import { dynamoBackends, freshIngestDeps, useBackendAndBus } from '#test/support/dynamo';
import { auditEvent, serviceAccountUser, subscriptionEvent } from '#test/support/audit-factory';

jest.setTimeout(60_000);

const T0 = Date.parse('2024-03-01T08:00:00Z');
const checkout = serviceAccountUser('shop', 'checkout', { name: 'checkout-6d9f5b8c7-x2k4q' });
const cart = serviceAccountUser('shop', 'cart', { name: 'cart-7d9f5b8c6-x2k4q' });
const CHECKOUT = 'system:serviceaccount:shop:checkout';
const CART = 'system:serviceaccount:shop:cart';

const routine = (user: ReturnType<typeof serviceAccountUser>, day: number, n = 3) =>
  Array.from({ length: n }, (_, i) => auditEvent({ user, at: new Date(T0 + day * DAY_MS + i * 60_000) }));

describe.each(dynamoBackends())('damaged stored profiles on $name', (backend) => {
  const servers = useBackendAndBus(backend);

  const damage = (d: AuditIngestDeps, pk: string, doc: string) =>
    d.ddb.send(new UpdateItemCommand({ TableName: d.tableName, Key: { pk: { S: pk }, sk: { S: 'PROFILE' } }, UpdateExpression: 'SET doc = :d', ExpressionAttributeValues: { ':d': { S: doc } } }));
  const storedDoc = async (d: AuditIngestDeps, pk: string) =>
    (await d.ddb.send(new GetItemCommand({ TableName: d.tableName, Key: { pk: { S: pk }, sk: { S: 'PROFILE' } }, ConsistentRead: true }))).Item;

  it.each([false, true])('a damaged profile costs only its principal, which learns again and is rewritten (instance cache: %s)', async (cached) => {
    const d = await freshIngestDeps(servers, cached ? { cache: new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS }) } : {});
    for (let day = 0; day < 3; day++) await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, day), ...routine(cart, day)]));
    if (cached) await flushAll(d);
    const before = await loadProfiles(d.ddb, d.tableName, d.cluster, [CHECKOUT, CART]);
    const cartEvents = before.profiles.get(CART)!.profile.events;
    const good = JSON.parse(encodeProfile(before.profiles.get(CHECKOUT)!.profile)) as Record<string, unknown>;
    const damagedDocs = ['{"v":2,"key":', JSON.stringify({ ...good, behaviors: { 'get pods shop': [1, 2, 'three', 4] } }), JSON.stringify({ ...good, v: 7 })];
    for (const doc of damagedDocs) {
      await damage(d, principalPk(d.cluster, CHECKOUT), doc);
      const loaded = await loadProfiles(d.ddb, d.tableName, d.cluster, [CHECKOUT, CART]);
      expect(loaded.profiles.has(CHECKOUT)).toBe(false);
      expect(loaded.damaged).toEqual([{ key: CHECKOUT, kind: 'principal', version: expect.any(Number), reason: expect.any(String) }]);
      expect(loaded.profiles.get(CART)!.profile.events).toBe(cartEvents);
    }
    expect((await loadProfiles(d.ddb, d.tableName, d.cluster, [CHECKOUT])).damaged[0]!.reason).toMatch(/^v: /);

    if (cached) d.cache = new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS });
    const report = await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, 3), ...routine(cart, 3)]));
    if (cached) await flushAll(d);
    expect(report.profilesDamaged).toEqual([expect.objectContaining({ key: CHECKOUT, kind: 'principal' })]);
    expect(report.failedPrincipals).toEqual([]);
    expect(report.accepted).toBe(6);
    const after = await loadProfiles(d.ddb, d.tableName, d.cluster, [CHECKOUT, CART]);
    expect(after.damaged).toEqual([]);
    // checkout starts again from this payload; cart kept everything.
    expect(after.profiles.get(CHECKOUT)!.profile.events).toBe(3);
    expect(after.profiles.get(CHECKOUT)!.profile.firstSeen).toBe(T0 + 3 * DAY_MS);
    expect(after.profiles.get(CART)!.profile.events).toBe(cartEvents + 3);
    expect(readStoredProfile((await storedDoc(d, principalPk(d.cluster, CHECKOUT)))!.doc!.S!)).toEqual({ profile: expect.objectContaining({ key: CHECKOUT }) });
  });

  it('a profile stored under another principal\'s item is refused, not filed under its own key', async () => {
    const d = await freshIngestDeps(servers);
    await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, 0), ...routine(cart, 0)]));
    const cartDoc = (await storedDoc(d, principalPk(d.cluster, CART)))!.doc!.S!;
    await damage(d, principalPk(d.cluster, CHECKOUT), cartDoc);
    const loaded = await loadProfiles(d.ddb, d.tableName, d.cluster, [CHECKOUT]);
    expect(loaded.profiles.size).toBe(0);
    expect(loaded.damaged).toEqual([{ key: CHECKOUT, kind: 'principal', version: 1, reason: 'stored under another key' }]);
  });

  it('a damaged peer-group profile costs only the group', async () => {
    const d = await freshIngestDeps(servers);
    for (let day = 0; day < 2; day++) await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, day), ...routine(cart, day)]));
    const group = [...(await loadProfiles(d.ddb, d.tableName, d.cluster, [], ['workload:shop/checkout', 'workload:shop/cart'])).groups.keys()][0]!;
    await damage(d, groupPk(d.cluster, group), '[]');
    const report = await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, 2), ...routine(cart, 2)]));
    expect(report.profilesDamaged).toEqual([expect.objectContaining({ key: group, kind: 'group' })]);
    expect(report.failedPrincipals).toEqual([]);
    const { groups, damaged } = await loadProfiles(d.ddb, d.tableName, d.cluster, [], [group]);
    expect(damaged).toEqual([]);
    expect(groups.get(group)!.profile.firstSeen).toBe(T0 + 2 * DAY_MS);
  });
});
