import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoBackends, freshTable } from '#test/support/dynamo';

describe.each(dynamoBackends())('DynamoDB backend $name', (backend) => {
  let server: { endpoint: string; stop(): Promise<void> };
  beforeAll(async () => {
    server = await backend.start();
  }, 90_000);
  afterAll(async () => server?.stop());

  it('creates the boundwatch table and counts reads and writes', async () => {
    const { client, tableName, counter } = await freshTable(server.endpoint);
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'a' }, sk: { S: 'b' }, n: { N: '1' } } }));
    const got = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    expect(got.Item?.n?.N).toBe('1');
    // Billed units as both servers report them: 1 WRU for a small write, 0.5 RRU for an eventually consistent read.
    expect(counter).toEqual({ reads: 1, writes: 1, readUnits: 0.5, writeUnits: 1 });
    client.destroy();
  });
});
