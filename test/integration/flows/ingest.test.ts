/**
 * Flow ingestion over the real wire: @aws-sdk/client-dynamodb against dynalite (and DynamoDB
 * Local where Java is present), @aws-sdk/client-eventbridge against the local endpoint, the
 * shop app's days of VPC Flow Logs delivered as CloudWatch Logs subscription payloads.
 */
import { encodeAwslogsData, type CloudWatchLogsData } from '#shared/audit/cloudwatch';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { publishEvents } from '#shared/events/publish';
import { BehaviorAnomaly, DetailType } from '#shared/events/schema';
import { DEFAULT_NETWORK_CONFIG } from '#shared/flows/config';
import { ingestFlowPayload, mergeFlowReports, emptyFlowReport, type FlowIngestDeps, type FlowIngestReport } from '#shared/flows/ingest';
import { readEdgesFrom } from '#shared/flows/graph-store';
import { flowPayloadsFromLines } from '#shared/flows/replay';
import { putInventorySnapshot, StoredInventory } from '#shared/inventory/snapshot-store';
import { SHOP_CUSTOM_FIELDS, shopScenario, toVpcCustom, toVpcV2 } from '#infra/local/scenario/shop-flows';
import { makeHandler, depsFromEnv } from '#functions/ingest-flows/handler';
import { Logger } from '@aws-lambda-powertools/logger';
import { createMetrics } from '#shared/observability/powertools';
import { dynamoBackends, freshTable, useBackendAndBus } from '#test/support/dynamo';

const scenario = shopScenario({ days: 3, anomaly: true });
const v2 = toVpcV2(scenario);

async function payloads(lines: string[], source = 'eni-stream', maxEvents = 3000): Promise<CloudWatchLogsData[]> {
  const out: CloudWatchLogsData[] = [];
  for await (const item of flowPayloadsFromLines(lines, { source, maxEvents, timestamp: scenario.end })) if (item.kind === 'payload') out.push(item.data);
  return out;
}

describe.each(dynamoBackends())('flow ingestion on $name', (backend) => {
  const servers = useBackendAndBus(backend);

  async function deps(): Promise<FlowIngestDeps & { counter: { reads: number; writes: number } }> {
    const { client, tableName, counter } = await freshTable(servers.dynamo.endpoint);
    const cluster = `c-${Math.random().toString(36).slice(2, 8)}`;
    await putInventorySnapshot({ client, tableName, cluster }, scenario.inventory, scenario.start);
    const eventBridge = eventBridgeClientFor(servers.eb.endpoint);
    counter.reads = 0;
    counter.writes = 0;
    return {
      dynamo: client, tableName, cluster, counter, network: DEFAULT_NETWORK_CONFIG,
      inventory: new StoredInventory({ client, tableName, cluster }),
      publish: (events) => publishEvents(eventBridge, servers.eb.bus.name, events, { baseDelayMs: 1 }),
    };
  }

  const graph = (d: FlowIngestDeps) => ({ client: d.dynamo, tableName: d.tableName, cluster: d.cluster });
  const busAnomalies = (cluster: string) =>
    servers.eb.bus.events.filter((e) => e['detail-type'] === DetailType.anomaly && (e.detail as { cluster: string }).cluster === cluster).map((e) => BehaviorAnomaly.parse(e.detail));

  it('acks control messages and counts malformed payloads by reason, never throwing', async () => {
    const d = await deps();
    const control = await ingestFlowPayload(d, encodeAwslogsData({ messageType: 'CONTROL_MESSAGE', logGroup: '', logStream: '', logEvents: [] }));
    expect(control).toMatchObject({ controlMessages: 1, records: 0 });
    const reports = await Promise.all([
      ingestFlowPayload(d, { awslogs: { data: 'not base64!' } }),
      ingestFlowPayload(d, { awslogs: { data: Buffer.from('plain').toString('base64') } }),
      ingestFlowPayload(d, { awslogs: { data: (await import('node:zlib')).gzipSync('{nope').toString('base64') } }),
      ingestFlowPayload(d, { hello: 'world' }),
    ]);
    const total = reports.reduce(mergeFlowReports, emptyFlowReport());
    expect(total.rejected).toEqual({ 'invalid-base64': 1, 'bad-gzip': 1, 'not-json': 1, 'not-subscription-payload': 1 });
    expect(d.counter.writes).toBe(0);
  });

  it('days of the shop app: the graph is the call graph, the only anomaly is the canonical one, on the bus', async () => {
    const d = await deps();
    let total: FlowIngestReport = emptyFlowReport();
    for (const p of await payloads(v2)) total = mergeFlowReports(total, await ingestFlowPayload(d, encodeAwslogsData(p)));
    expect(total.skipped).toMatchObject({ nodata: 12, skipdata: 12, 'unsupported-protocol': 12 });
    expect(total.records).toBe(v2.length - 36);
    expect(total.networkRejected).toBe(12);
    expect(total.rejected).toEqual({});

    const anomalies = busAnomalies(d.cluster);
    expect(anomalies).toHaveLength(1);
    const [a] = anomalies;
    expect(a).toMatchObject({
      category: 'network', severity: 'HIGH',
      principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:recommendation' },
      workload: { namespace: 'shop', owner: { kind: 'Deployment', name: 'recommendation' } },
    });
    expect(a?.findings.map((f) => f.type).sort()).toEqual(['NetworkVolumeSpike', 'NewNetworkDestination']);
    expect(a?.findings[0]?.evidence.flows?.[0]).toMatchObject({ dstPort: 8443, peer: 'backoffice/Deployment/admin-api' });

    const stored = await readEdgesFrom(graph(d), 'shop/Deployment/frontend');
    const expected = scenario.expectedEdges.filter((e) => e.src === 'shop/Deployment/frontend');
    expect(stored.map((e) => `${e.dst}#${e.port}#${e.protocol}`).sort()).toEqual(expected.map((e) => `${e.dst}#${e.port}#${e.protocol}`).sort());
    const sent = scenario.connections.filter((c) => c.label.startsWith('shop/frontend -> shop/catalog')).reduce((n, c) => n + c.bytesOut, 0);
    expect(stored.find((e) => e.dst === 'shop/Deployment/catalog')?.bytesSent).toBe(sent);
  }, 120_000);

  it('redelivery of a payload changes nothing and publishes nothing twice', async () => {
    const d = await deps();
    const ps = await payloads(v2.slice(0, 6000));
    for (const p of ps) await ingestFlowPayload(d, encodeAwslogsData(p));
    const before = await readEdgesFrom(graph(d), 'shop/Deployment/checkout');
    const again = await ingestFlowPayload(d, encodeAwslogsData(ps[0] as CloudWatchLogsData));
    expect(again.edgesApplied).toBe(0);
    expect(again.edgesDuplicate).toBe(again.edges);
    expect(again.redelivered).toBe(again.workloads);
    expect(again.baselinesSaved).toBe(0);
    expect(await readEdgesFrom(graph(d), 'shop/Deployment/checkout')).toEqual(before);
  }, 60_000);

  it('publishes before learning: a failed publish throws, nothing is learned, the retry re-detects under the same id', async () => {
    const d = await deps();
    const ps = await payloads(v2);
    const first = scenario.connections.find((c) => c.anomalous);
    const signature = `${first?.client} ${first?.server} ${first?.clientPort} 8443 6 `;
    const attackIndex = ps.findIndex((p) => p.logEvents.some((e) => e.message.includes(signature)));
    expect(attackIndex).toBeGreaterThan(0);
    // Everything before the attack, then the attack payload with the bus failing.
    for (const p of ps.slice(0, attackIndex)) await ingestFlowPayload(d, encodeAwslogsData(p));
    const attack = encodeAwslogsData(ps[attackIndex] as CloudWatchLogsData);
    servers.eb.failNextEntries(5, 'InternalFailure'); // every attempt publishEvents makes
    await expect(ingestFlowPayload(d, attack)).rejects.toThrow(/not published/);
    expect(busAnomalies(d.cluster)).toHaveLength(0);
    const retry = await ingestFlowPayload(d, attack);
    expect(retry.anomalies).toHaveLength(1);
    expect(retry.edgesApplied).toBe(0); // the graph had taken the batch the first time
    const published = busAnomalies(d.cluster);
    expect(published.map((a) => a.id)).toEqual([retry.anomalies[0]?.id]);
    // And a third delivery is a pure redelivery.
    const third = await ingestFlowPayload(d, attack);
    expect(third.anomalies).toHaveLength(0);
  }, 120_000);

  it('the Lambda handler reads its configuration from the environment, including a custom field list', async () => {
    const { client, tableName } = await freshTable(servers.dynamo.endpoint);
    const cluster = 'handler-test';
    await putInventorySnapshot({ client, tableName, cluster }, scenario.inventory, scenario.start);
    const env = {
      TABLE_NAME: tableName,
      EVENT_BUS_NAME: servers.eb.bus.name,
      DYNAMODB_ENDPOINT: servers.dynamo.endpoint,
      EVENTBRIDGE_ENDPOINT: servers.eb.endpoint,
      AWS_REGION: 'us-east-1',
      BOUNDWATCH_CONFIG: JSON.stringify({
        cluster: { name: cluster, auditLogGroup: '/aws/eks/x/cluster', flowLogFormat: SHOP_CUSTOM_FIELDS.map((f) => `\${${f}}`).join(' ') },
        detection: { network: { learningHours: 12 } },
      }),
    };
    const deps = depsFromEnv(env);
    expect(deps.network).toMatchObject({ learningHours: 12, format: expect.stringContaining('${flow-direction}') });
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const handler = makeHandler(deps, { logger: new Logger({ serviceName: 'ingest-flows', logLevel: 'SILENT' }), metrics: createMetrics('ingest-flows', { cluster }) });
    // CloudWatch delivery has no header line: the configured field list applies.
    const lines = toVpcCustom(shopScenario({ days: 1 }), { header: false }).slice(0, 4000);
    const [p] = await payloads(lines, 'eni-0a1b2c3d4e5f60001', 5000);
    const report = await handler(encodeAwslogsData(p as CloudWatchLogsData));
    expect(report.records).toBeGreaterThan(3900);
    expect(report.rejected).toEqual({});
    expect(report.inferredBy['tcp-flags']).toBeGreaterThan(0);
    expect(report.skipped['mirrored-capture']).toBeGreaterThan(0);
    expect(report.edges).toBeGreaterThan(10);
  }, 60_000);
});
