/**
 * DNS baselines over the real wire (dynalite, and DynamoDB Local where Java is present): they
 * sit beside the network baselines of the same workload without touching them, save with
 * optimistic concurrency, and a damaged item costs only its workload.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { applyDnsBatch } from '#shared/dns/baseline';
import { DNSPROFILE_SK, loadDnsBaselines, saveDnsBaseline } from '#shared/dns/baseline-store';
import { DEFAULT_DNS_CONFIG } from '#shared/dns/config';
import { workloadPk } from '#shared/flows/workload-items';
import { dynamoBackends, freshTable } from '#test/support/dynamo';

const T0 = Date.parse('2024-05-01T00:00:00Z');
const W = 'shop/Deployment/checkout';
const lookups = (at: number) => [{ time: at, name: 'api.stripe.com', domain: 'stripe.com', source: '10.1.0.2' }];

describe.each(dynamoBackends())('DNS baseline store on $name', (backend) => {
  let server: { endpoint: string; stop(): Promise<void> };
  beforeAll(async () => {
    server = await backend.start();
  }, 90_000);
  afterAll(async () => server?.stop());

  it('saves with optimistic concurrency and reads back what it saved', async () => {
    const { client, tableName } = await freshTable(server.endpoint);
    const d = { client, tableName, cluster: 'prod' };
    const b1 = applyDnsBatch(undefined, W, lookups(T0), 'x', [], DEFAULT_DNS_CONFIG);
    expect(await saveDnsBaseline(d, b1, undefined, 90)).toBe('saved');
    expect(await saveDnsBaseline(d, b1, undefined, 90)).toBe('conflict');
    const loaded = (await loadDnsBaselines(d, [W])).get(W);
    expect(loaded).toEqual({ version: 1, baseline: b1 });
    const b2 = applyDnsBatch(loaded?.baseline, W, lookups(T0 + 1000), 'y', [], DEFAULT_DNS_CONFIG);
    expect(await saveDnsBaseline(d, b2, 1, 90)).toBe('saved');
    expect(await saveDnsBaseline(d, b2, 1, 90)).toBe('conflict');
  });

  it('reads a damaged item as damaged, and the next save at its version replaces it', async () => {
    const { client, tableName } = await freshTable(server.endpoint);
    const d = { client, tableName, cluster: 'prod' };
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: workloadPk('prod', W) }, sk: { S: DNSPROFILE_SK }, workload: { S: W }, version: { N: '2' }, body: { S: '{"schema":1,"workload":"x","domains":7}' } } }));
    expect((await loadDnsBaselines(d, [W])).get(W)).toEqual({ version: 2, damaged: expect.stringContaining('domains') });
    const fresh = applyDnsBatch(undefined, W, lookups(T0), 'h', [], DEFAULT_DNS_CONFIG);
    expect(await saveDnsBaseline(d, fresh, 2, 90)).toBe('saved');
    expect((await loadDnsBaselines(d, [W])).get(W)?.baseline?.batches).toEqual(['h']);
  });
});
