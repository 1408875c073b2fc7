/**
 * The action records and the rate window on every DynamoDB-compatible backend available
 * (dynalite always, DynamoDB Local where Java is installed): conditional create, versioned
 * saves, dry-run records kept apart, and the atomic per-hour counter.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { UnreadableRecordError } from '#shared/enforce/record-schema';
import { RecordConflictError, dynamoActionStore, type ActionRecord } from '#shared/enforce/store';
import { dynamoBackends, freshTable } from '#test/support/dynamo';

function record(id: string, mode: 'apply' | 'dry-run' = 'apply'): ActionRecord {
  return {
    id,
    anomalyId: 'a',
    cluster: 'prod-eks',
    kind: 'quarantine',
    mode,
    status: 'pending',
    action: { schemaVersion: '1', id, anomalyId: 'a', cluster: 'prod-eks', action: 'quarantine', target: { kind: 'Pod', namespace: 'shop', name: 'p' }, mode, outcome: 'planned', changes: [], expiresAt: '2026-03-01T13:00:00.000Z' },
    policies: [],
    operations: [],
    planned: false,
    undo: [],
    attempts: 1,
    createdAt: '2026-03-01T12:00:00.000Z',
    updatedAt: '2026-03-01T12:00:00.000Z',
    version: 0,
  };
}

describe.each(dynamoBackends())('enforcement store on $name', (backend) => {
  let server: Awaited<ReturnType<typeof backend.start>>;
  beforeAll(async () => {
    server = await backend.start();
  }, 90_000);
  afterAll(async () => server.stop());

  it('creates once, saves with optimistic concurrency, keeps dry-run plans apart', async () => {
    const { client, tableName } = await freshTable(server.endpoint);
    const store = dynamoActionStore(client, tableName);
    const r = record('00000000-0000-4000-8000-000000000001');
    expect(await store.create(r)).toBe(true);
    expect(await store.create(record(r.id))).toBe(false);
    const a = (await store.get(r.id))!;
    const b = (await store.get(r.id))!;
    a.status = 'applied';
    await store.save(a);
    b.status = 'failed';
    await expect(store.save(b)).rejects.toBeInstanceOf(RecordConflictError);
    expect((await store.get(r.id))!.status).toBe('applied');
    expect(await store.get(r.id, 'dry-run')).toBeUndefined();
    expect(await store.create(record(r.id, 'dry-run'))).toBe(true);
    expect((await store.get(r.id, 'dry-run'))!.mode).toBe('dry-run');
    client.destroy();
  });

  it('refuses a damaged record by name instead of acting on it (an unknown operation, a missing field, a body that is not JSON)', async () => {
    const { client, tableName } = await freshTable(server.endpoint);
    const store = dynamoActionStore(client, tableName);
    const r = record('00000000-0000-4000-8000-000000000002');
    r.operations = [{ op: 'delete-pod', namespace: 'shop', pod: 'p', uid: 'u-1', why: 'test' }];
    r.undo = [{ undo: 'delete-policy', namespace: 'shop', name: 'boundwatch-q' }];
    await store.create(r);
    expect((await store.get(r.id))!.operations).toEqual(r.operations);
    const key = { pk: { S: `ACTION#${r.id}` }, sk: { S: 'ACTION' } };
    const damage = async (body: string) =>
      client.send(new UpdateItemCommand({ TableName: tableName, Key: key, UpdateExpression: 'SET body = :b', ExpressionAttributeValues: { ':b': { S: body } } }));
    await damage(JSON.stringify({ ...r, operations: [{ op: 'delete-namespace', namespace: 'shop' }] }));
    await expect(store.get(r.id)).rejects.toThrow(UnreadableRecordError);
    await expect(store.get(r.id)).rejects.toThrow(/operations\.0\.op/);
    await damage(JSON.stringify({ ...r, undo: [{ undo: 'delete-policy', namespace: 'shop' }] }));
    await expect(store.get(r.id)).rejects.toThrow(/undo\.0\.name/);
    await damage('{not json');
    await expect(store.get(r.id)).rejects.toThrow(/not JSON/);
    client.destroy();
  });

  it('counts actions per cluster and hour atomically, up to the limit', async () => {
    const { client, tableName } = await freshTable(server.endpoint);
    const store = dynamoActionStore(client, tableName);
    const t = new Date('2026-03-01T12:10:00Z');
    const results = await Promise.all(Array.from({ length: 5 }, () => store.consumeRate('prod-eks', t, 3)));
    expect(results.filter((x) => x.allowed)).toHaveLength(3);
    expect((await store.consumeRate('other-eks', t, 3)).allowed).toBe(true);
    expect((await store.consumeRate('prod-eks', new Date('2026-03-01T13:00:00Z'), 3)).allowed).toBe(true);
    expect((await store.consumeRate('prod-eks', t, 3, 'dry-run')).allowed).toBe(true);
    expect((await store.consumeRate('prod-eks', t, 0)).allowed).toBe(false);
    client.destroy();
  });
});
