/**
 * Budgets, the circuit breaker and the queue of held actions, on DynamoDB-compatible backends
 * (counters, give-back, event-time windows, the queue), then through the enforce function
 * against the test API server: an action over a budget is held, queued, announced and acted
 * on later, never dropped.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoBudgets, heldPk, takeBudgets, type HeldAction } from '#shared/enforce/budgets';
import { encodeHeldAction, type UnreadableHeldActionError } from '#shared/enforce/record-schema';
import { BudgetsConfig } from '#shared/enforce/config';
import { dynamoBackends, freshTable } from '#test/support/dynamo';
import { anomalyDetail } from '#test/unit/events/sample-events';
import { CHECKOUT, startHarness, stolenTokenAnomaly, type Harness } from './harness';

const T0 = new Date('2026-03-01T12:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const target = { kind: 'Pod' as const, namespace: 'shop', name: 'checkout-1' };
const principal = { type: 'ServiceAccount' as const, name: 'system:serviceaccount:shop:checkout', namespace: 'shop' };

describe.each(dynamoBackends())('budgets on $name', (backend) => {
  let server: Awaited<ReturnType<typeof backend.start>>;
  beforeAll(async () => {
    server = await backend.start();
  }, 90_000);
  afterAll(async () => server.stop());

  it('per target, per principal and the breaker: each refuses in turn, gives back what was taken, and counts on event time', async () => {
    const { client, tableName } = await freshTable(server.endpoint);
    const store = dynamoBudgets(client, tableName);
    const config = BudgetsConfig.parse({ perTarget: { max: 1, windowMinutes: 60 }, perPrincipal: { max: 2, windowMinutes: 60 }, breaker: { max: 3, windowMinutes: 15 } });
    let hourlyCalls = 0;
    const take = (now: Date, t = target, p = principal) =>
      takeBudgets({ store, config, cluster: 'prod-eks', mode: 'apply', now, target: t, principal: p, hourly: async () => ((hourlyCalls += 1), { allowed: true, reason: '' }) });

    expect(await take(at(0))).toEqual({});
    expect((await take(at(1))).held).toMatch(/^budget per target: 1 changing actions per 60 min on Pod shop\/checkout-1 reached/);
    expect(await take(at(2), { ...target, name: 'checkout-2' })).toEqual({});
    expect((await take(at(3), { ...target, name: 'checkout-3' })).held).toMatch(/^budget per principal: 2 changing actions per 60 min for system:serviceaccount:shop:checkout/);
    // The principal's refusal gave back checkout-3's target budget: another principal may act on it.
    const other = { ...principal, name: 'system:serviceaccount:shop:cart' };
    expect(await take(at(4), { ...target, name: 'checkout-3' }, other)).toEqual({});
    // Three actions in the breaker's 15 minutes: the fourth trips it (once), the fifth finds it open.
    const tripped = await take(at(5), { ...target, name: 'checkout-4' }, other);
    expect(tripped).toEqual({ held: expect.stringMatching(/^circuit breaker tripped: 3 changing actions in 15 min on cluster prod-eks/), trippedBreaker: true });
    expect((await take(at(6), { ...target, name: 'checkout-5' }, { ...principal, name: 'u3' })).held).toMatch(/^circuit breaker open/);
    expect(hourlyCalls).toBe(3);
    // Event time: the next breaker window has room, and the target's hour has passed.
    expect(await take(at(61))).toEqual({});
  });

  it('queues held actions and hands back those due, oldest first, until they are removed', async () => {
    const { client, tableName } = await freshTable(server.endpoint);
    const store = dynamoBudgets(client, tableName);
    const held = (id: string, retry: number): HeldAction => ({
      cluster: 'prod-eks', mode: 'apply', actionId: id, kind: 'quarantine', anomaly: anomalyDetail({ id: `e0000000-0000-4000-8000-00000000000${id}` }),
      reason: 'budget', retryAt: at(retry).toISOString(), until: at(24 * 60).toISOString(),
    });
    await store.enqueue(held('1', 15));
    await store.enqueue(held('2', 5));
    await store.enqueue({ ...held('3', 5), mode: 'dry-run' });
    expect(await store.due('prod-eks', 'apply', at(4), 10)).toEqual([]);
    expect((await store.due('prod-eks', 'apply', at(20), 10)).map((h) => h.actionId)).toEqual(['2', '1']);
    expect((await store.due('prod-eks', 'apply', at(20), 1)).map((h) => h.actionId)).toEqual(['2']);
    await store.enqueue(held('2', 30));
    expect((await store.due('prod-eks', 'apply', at(20), 10)).map((h) => h.actionId)).toEqual(['1']);
    await store.remove('prod-eks', 'apply', '1');
    expect(await store.due('prod-eks', 'apply', at(20), 10)).toEqual([]);
    expect((await store.due('prod-eks', 'dry-run', at(20), 10)).map((h) => h.actionId)).toEqual(['3']);
  });

  it('refuses a damaged held record by its action id and still hands back the others', async () => {
    const { client, tableName } = await freshTable(server.endpoint);
    const refused: UnreadableHeldActionError[] = [];
    const store = dynamoBudgets(client, tableName, { onUnreadable: (e) => refused.push(e) });
    const held = (id: string): HeldAction => ({
      cluster: 'prod-eks', mode: 'apply', actionId: id, kind: 'quarantine', anomaly: anomalyDetail({ id: `e0000000-0000-4000-8000-00000000000${id}` }),
      reason: 'budget', retryAt: at(5).toISOString(), until: at(24 * 60).toISOString(),
    });
    for (const id of ['1', '2', '3', '4']) await store.enqueue(held(id));
    const damage = (id: string, body: string) =>
      client.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: { S: heldPk('prod-eks', 'apply') }, sk: { S: id } }, UpdateExpression: 'SET body = :b', ExpressionAttributeValues: { ':b': { S: body } } }));
    await damage('1', '{not json');
    await damage('2', JSON.stringify({ ...held('2'), anomaly: { ...held('2').anomaly, severity: 'APOCALYPTIC' } }));
    await damage('3', JSON.stringify(held('9')));
    expect((await store.due('prod-eks', 'apply', at(20), 10)).map((h) => h.actionId)).toEqual(['4']);
    expect(refused.map((e) => [e.name, e.actionId])).toEqual([['UnreadableHeldActionError', '1'], ['UnreadableHeldActionError', '2'], ['UnreadableHeldActionError', '3']]);
    expect(refused[0]!.message).toMatch(/not JSON/);
    expect(refused[1]!.message).toMatch(/anomaly\.severity/);
    expect(refused[2]!.message).toMatch(/stored for "9"/);
    // A record written before the format carried its version still reads.
    const { schema: _v, ...unversioned } = JSON.parse(encodeHeldAction(held('4'))) as Record<string, unknown>;
    await damage('4', JSON.stringify(unversioned));
    expect(await store.due('prod-eks', 'apply', at(20), 10)).toEqual([held('4')]);
  });
});

describe('budgets through the enforce function', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });
  const quarantine = (id: string, pod: string, sa = 'checkout') =>
    stolenTokenAnomaly({ id, principal: { type: 'ServiceAccount', name: `system:serviceaccount:shop:${sa}`, namespace: 'shop' }, workload: { namespace: 'shop', pod, serviceAccount: sa }, recommendedActions: ['quarantine'] });

  it('the breaker trips and is announced as tripped, later actions as open; after its window the queue is worked off', async () => {
    h = await startHarness({ config: { rails: { replicaFloor: { minHealthyPercent: 0 } }, budgets: { breaker: { max: 1, windowMinutes: 15 } } } });
    expect((await h.enforce(quarantine('c0000000-0000-4000-8000-000000000001', CHECKOUT))).planned[0]!.action.outcome).toBe('applied');
    const second = (await h.enforce(quarantine('c0000000-0000-4000-8000-000000000002', 'checkout-6d9f8b7c5d-fghij'))).planned[0]!.action;
    expect(second).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^held: circuit breaker tripped: 1 changing actions in 15 min/), severity: 'HIGH' });
    const third = (await h.enforce(quarantine('c0000000-0000-4000-8000-000000000003', 'frontend-7f8d9c6b5a-klmno', 'frontend'))).planned[0]!.action;
    expect(third.reason).toMatch(/^held: circuit breaker open/);
    expect((await h.client.getPod('shop', 'checkout-6d9f8b7c5d-fghij'))?.metadata?.labels?.app).toBe('checkout');

    // The next window (event time): the sweep re-evaluates both, the first takes the budget.
    h.clock.advance(15);
    const swept = await h.sweep();
    expect(swept.planned.map((p) => `${p.action.anomalyId.slice(-1)}:${p.action.outcome}`)).toEqual(['2:applied', '3:skipped']);
    h.clock.advance(15);
    expect((await h.sweep()).planned.map((p) => `${p.action.anomalyId.slice(-1)}:${p.action.outcome}`)).toEqual(['3:applied']);
    expect((await h.client.getPod('shop', 'frontend-7f8d9c6b5a-klmno'))?.metadata?.labels?.app).toBeUndefined();
  });

  it("budgets count at the anomaly's own time: a late delivery books the window it happened in, a future-dated one the decision's", async () => {
    h = await startHarness({ config: { rails: { replicaFloor: { minHealthyPercent: 0 } }, budgets: { breaker: { max: 1, windowMinutes: 15 } } } });
    h.clock.advance(1); // 12:01; the breaker's windows are 11:45-12:00 and 12:00-12:15
    // Delivered late: its window ended at 11:55, so it books the 11:45 window.
    const late = (await h.enforce(quarantine('c0000000-0000-4000-8000-000000000011', CHECKOUT))).planned[0]!.action;
    expect(late.outcome).toBe('applied');
    const now = { start: '2026-03-01T11:58:00.000Z', end: '2026-03-01T12:00:30.000Z' };
    const current = (await h.enforce({ ...quarantine('c0000000-0000-4000-8000-000000000012', 'checkout-6d9f8b7c5d-fghij'), window: now })).planned[0]!.action;
    expect(current.outcome).toBe('applied');
    // Dated 12:20 but decided at 12:01: it books the decision's window, which is spent.
    const future = { start: '2026-03-01T12:19:00.000Z', end: '2026-03-01T12:20:00.000Z' };
    const ahead = (await h.enforce({ ...quarantine('c0000000-0000-4000-8000-000000000013', 'frontend-7f8d9c6b5a-klmno', 'frontend'), window: future })).planned[0]!.action;
    expect(ahead.reason).toMatch(/^held: circuit breaker tripped/);
  });

  it('a held action whose queue time ends is announced as not acted on, and leaves the queue', async () => {
    h = await startHarness({ config: { maxActionsPerHour: 0, budgets: { queueHours: 1, retryMinutes: 30 } } });
    const first = (await h.enforce(quarantine('c0000000-0000-4000-8000-000000000004', CHECKOUT))).planned[0]!.action;
    expect(first.reason).toMatch(/^held: rate limit: 0 actions per hour/);
    h.clock.advance(30);
    expect((await h.sweep()).planned.map((p) => p.action.reason)).toEqual([expect.stringMatching(/^held: rate limit/)]);
    h.clock.advance(31);
    const last = (await h.sweep()).planned[0]!.action;
    expect(last).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^not acted on: rate limit: 0 actions per hour.*held since 2026-03-01T12:00:00.000Z and the queue time \(enforcement.budgets.queueHours 1\) is over/) });
    h.clock.advance(60);
    expect((await h.sweep()).planned).toEqual([]);
    expect(h.actions().map((a) => a.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
  });
});
