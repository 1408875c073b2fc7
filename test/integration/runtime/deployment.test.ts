/**
 * ingest-runtime as the stack deploys it: every DynamoDB request its code makes over a real
 * table is within the item-level IAM access the stack grants it (infra/aws/table-access.ts),
 * and an SQS batch from Falcosidekick's queue answers with a partial batch response, so a
 * message that fails is redelivered alone while the rest of its batch is kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { makeHandler } from '#functions/ingest-runtime/handler';
import { createDynamoClient } from '#shared/clients/dynamo';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { publishEvents } from '#shared/events/publish';
import { DetailType } from '#shared/events/schema';
import { putInventorySnapshot, StoredInventory } from '#shared/inventory/snapshot-store';
import { createMetrics } from '#shared/observability/powertools';
import type { RuntimeIngestDeps } from '#shared/runtime/ingest';
import { actionsOf, allows, runtimeTableAccess, stringLike } from '#infra/aws/table-access';
import { dynamoBackends, freshTable, useBackendAndBus } from '#test/support/dynamo';

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '../../fixtures/runtime', name), 'utf8')) as Record<string, unknown>;
const CLUSTER = 'demo-eks';
const POD = 'checkout-7c9d5b8f6-x2k4q';
const inventory = {
  namespaces: [{ name: 'shop' }],
  pods: [{ namespace: 'shop', name: POD, ip: '10.20.2.41', serviceAccount: 'checkout', labels: { app: 'checkout' }, owner: { kind: 'ReplicaSet', name: 'checkout-7c9d5b8f6' } }],
};
const sqsMessage = (messageId: string, body: unknown) => ({ messageId, eventSource: 'aws:sqs', body: JSON.stringify(body) });

interface Request {
  action: string;
  partitionKeys: string[];
}

/** The partition keys a request names, as IAM's dynamodb:LeadingKeys sees them. */
function partitionKeys(command: string, input: Record<string, unknown>): string[] {
  const s = (v: unknown) => (v as { S?: string } | undefined)?.S ?? '';
  switch (command) {
    case 'PutItemCommand':
      return [s((input.Item as Record<string, unknown>).pk)];
    case 'GetItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [s((input.Key as Record<string, unknown>).pk)];
    case 'QueryCommand': {
      const name = /\bpk = (:\w+)/.exec(String(input.KeyConditionExpression))?.[1] ?? '';
      return [s((input.ExpressionAttributeValues as Record<string, unknown>)[name])];
    }
    case 'BatchGetItemCommand':
      return Object.values(input.RequestItems as Record<string, { Keys: Array<Record<string, unknown>> }>).flatMap((r) => r.Keys.map((k) => s(k.pk)));
    default:
      return ['<unknown>'];
  }
}

/** Records every request; `fail` injects a fault into the ones it returns true for. */
function instrument(client: DynamoDBClient, requests: Request[], fail: (command: string, input: Record<string, unknown>) => boolean = () => false): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const input = args.input as Record<string, unknown>;
      requests.push({ action: `dynamodb:${command.replace(/Command$/, '')}`, partitionKeys: partitionKeys(command, input) });
      if (fail(command, input)) throw Object.assign(new Error('injected fault'), { name: 'InternalServerError' });
      return next(args);
    },
    { step: 'initialize', name: 'recordRequests' },
  );
}

const quiet = () => ({ logger: new Logger({ serviceName: 'ingest-runtime', logLevel: 'SILENT' }), metrics: createMetrics('ingest-runtime', { cluster: CLUSTER }) });

describe.each(dynamoBackends())('ingest-runtime as deployed, on $name', (backend) => {
  const servers = useBackendAndBus(backend);
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  async function setup(fail?: (command: string, input: Record<string, unknown>) => boolean): Promise<{ deps: RuntimeIngestDeps; requests: Request[] }> {
    const { client: admin, tableName } = await freshTable(servers.dynamo.endpoint);
    await putInventorySnapshot({ client: admin, tableName, cluster: CLUSTER }, inventory, Date.parse('2026-11-09T00:00:00Z'));
    const requests: Request[] = [];
    const dynamo = createDynamoClient({ endpoint: servers.dynamo.endpoint });
    instrument(dynamo, requests, fail);
    const eventBridge = eventBridgeClientFor(servers.eb.endpoint);
    servers.eb.bus.events.length = 0;
    return {
      requests,
      deps: {
        dynamo,
        tableName,
        cluster: CLUSTER,
        inventory: new StoredInventory({ client: dynamo, tableName, cluster: CLUSTER }),
        publish: (events) => publishEvents(eventBridge, servers.eb.bus.name, events, { baseDelayMs: 1 }),
      },
    };
  }

  it('makes only the DynamoDB requests its IAM policy allows, on its own cluster\'s items, and needs every action the policy grants', async () => {
    const { deps, requests } = await setup();
    const handler = makeHandler(deps, quiet());
    const gdRuntime = fixture('guardduty-runtime-reverse-shell.json');
    const gdSequence = fixture('guardduty-attack-sequence.json');
    for (const gd of [gdRuntime, gdSequence]) {
      const detail = gd.detail as { resource?: { eksClusterDetails?: { name?: string } } };
      if (detail.resource?.eksClusterDetails) detail.resource.eksClusterDetails.name = CLUSTER;
    }
    // Every input kind, redelivered, and a late signal: the paths that read and write the most.
    await handler({ Records: [sqsMessage('m1', fixture('falco-reverse-shell.json'))] });
    await handler(gdRuntime);
    await handler(gdSequence);
    await handler({ Records: [sqsMessage('m2', fixture('falco-terminal-shell.json'))] });
    await handler({ Records: [sqsMessage('m1', fixture('falco-reverse-shell.json'))] });
    expect(servers.eb.bus.events.filter((e) => e['detail-type'] === DetailType.sequence).length).toBeGreaterThan(0);

    const access = runtimeTableAccess(CLUSTER);
    const outside = requests.filter((r) => !allows(access, r.action, r.partitionKeys));
    expect(outside).toEqual([]);
    // Nothing granted goes unused: each action on each item type of the policy was needed.
    const unused = access.flatMap((g) =>
      g.actions.flatMap((action) => g.leadingKeys.filter((p) => !requests.some((r) => r.action === action && r.partitionKeys.some((pk) => stringLike(p, pk)))).map((p) => `${action} ${p}`)),
    );
    expect(unused).toEqual([]);
    expect([...new Set(requests.map((r) => r.action))].sort()).toEqual(actionsOf(access).sort());
    // The check is live: another cluster's items, an item type not granted for the action, or an action not granted, are refused.
    expect(allows(access, 'dynamodb:PutItem', [`SIGNAL#other-eks#k`])).toBe(false);
    expect(allows(access, 'dynamodb:PutItem', [`PRINCIPAL#${CLUSTER}#x`])).toBe(false);
    expect(allows(access, 'dynamodb:UpdateItem', [`SIGNAL#${CLUSTER}#k`])).toBe(false);
    expect(allows(access, 'dynamodb:DeleteItem', [`SIGNAL#${CLUSTER}#k`])).toBe(false);
  }, 90_000);

  it('retries a failed batch message by message and returns only the message that fails again', async () => {
    const poison = { ...fixture('falco-terminal-shell.json'), uuid: 'poison-0001' };
    // Fault injection: the store refuses the poison signal's items, as a throttled partition would.
    const { deps } = await setup((command, input) => command === 'PutItemCommand' && JSON.stringify(input.Item).includes('poison-0001'));
    const handler = makeHandler(deps, quiet());
    const batch = {
      Records: [sqsMessage('m-shell', fixture('falco-terminal-shell.json')), sqsMessage('m-poison', poison), sqsMessage('m-reverse', fixture('falco-reverse-shell.json'))],
    };

    const out = await handler(batch);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-poison' }]);
    expect(out).toMatchObject({ deliveries: 2, signals: 2, received: { sqs: 2 } });

    // The good messages are stored: redelivering them changes nothing and publishes nothing new.
    const published = servers.eb.bus.events.length;
    const again = await handler({ Records: [sqsMessage('m-shell', fixture('falco-terminal-shell.json')), sqsMessage('m-reverse', fixture('falco-reverse-shell.json'))] });
    expect(again.batchItemFailures).toEqual([]);
    expect(servers.eb.bus.events.length).toBe(published);
  }, 90_000);

  it('fails the whole batch when every message fails, so nothing is dropped', async () => {
    const { deps } = await setup((command) => command === 'PutItemCommand');
    const out = await makeHandler(deps, quiet())({ Records: [sqsMessage('a', fixture('falco-terminal-shell.json')), sqsMessage('b', fixture('falco-reverse-shell.json'))] });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }]);
  }, 90_000);
});
