/**
 * Flow benchmarks (DESIGN.md §6):
 * - `flows.recordsPerSec`: one million VPC Flow Logs v2 records of the shop app (a week at
 *   higher traffic), as CloudWatch Logs subscription payloads of 10,000 records, through the
 *   whole ingest path: decode, parse, resolve, orient, aggregate, idempotent graph writes,
 *   baselines and detection, publishing. DynamoDB (dynalite) runs in a child process.
 * - `flows.floorRecordsPerSec`: the same payloads through base64 + gunzip + JSON.parse + line
 *   split alone, in the same run, as the yardstick.
 * - `advise.seconds500Workloads`: policy advice for 500 workloads (added with the advisor).
 */
import { createDynamoClient, ensureTable, type RequestCounter } from '#shared/clients/dynamo';
import { encodeAwslogsData, type CloudWatchLogsData } from '#shared/audit/cloudwatch';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { publishEvents } from '#shared/events/publish';
import { DEFAULT_NETWORK_CONFIG } from '#shared/flows/config';
import { emptyFlowReport, ingestFlowPayload, mergeFlowReports, type FlowIngestDeps } from '#shared/flows/ingest';
import { flowPayloadsFromLines } from '#shared/flows/replay';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { putInventorySnapshot, StoredInventory } from '#shared/inventory/snapshot-store';
import { shopScenario, toVpcV2 } from '#shared/scenario/shop-flows';
import { gunzipSync } from 'node:zlib';
import { LocalBus } from '#infra/local/bus';
import { startLocalEventBridge } from '#infra/local/eventbridge-server';
import { startDynaliteChild } from './dynalite-child';
import type { BenchSection } from './types';

const TARGET_RECORDS = Number(process.env.BENCH_FLOW_RECORDS ?? 1_000_000);
const RECORDS_PER_PAYLOAD = 10_000;

async function buildPayloads(): Promise<{ payloads: Array<{ awslogs: { data: string } }>; records: number; inventory: ClusterInventory; start: number }> {
  // A week of the shop at 12x its normal traffic is just about a million records.
  const scenario = shopScenario({ days: 7, scale: 12, anomaly: true, seed: 11 });
  const lines = toVpcV2(scenario).slice(0, TARGET_RECORDS);
  const payloads: Array<{ awslogs: { data: string } }> = [];
  for await (const item of flowPayloadsFromLines(lines, { source: 'eni-bench', maxEvents: RECORDS_PER_PAYLOAD, maxBytes: 2_000_000, timestamp: scenario.end })) {
    if (item.kind === 'payload') payloads.push(encodeAwslogsData(item.data));
  }
  // Only what the run needs stays reachable: a large live heap would tax every GC of the measured run.
  return { payloads, records: lines.length, inventory: scenario.inventory, start: scenario.start };
}

function floorPass(payloads: ReadonlyArray<{ awslogs: { data: string } }>): number {
  let n = 0;
  for (const p of payloads) {
    const data = JSON.parse(gunzipSync(Buffer.from(p.awslogs.data, 'base64')).toString('utf8')) as CloudWatchLogsData;
    for (const e of data.logEvents) n += e.message.split(' ').length > 0 ? 1 : 0;
  }
  return n;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

export async function bench(): Promise<BenchSection> {
  const { payloads, records, inventory, start } = await buildPayloads();
  const dynamo = await startDynaliteChild();
  const eb = await startLocalEventBridge({ bus: new LocalBus() });
  const counter: RequestCounter = { reads: 0, writes: 0 };
  const client = createDynamoClient({ endpoint: dynamo.endpoint, counter });
  await ensureTable(client, 'bench');
  const eventBridge = eventBridgeClientFor(eb.endpoint);
  const depsFor = (cluster: string): FlowIngestDeps => ({
    dynamo: client,
    tableName: 'bench',
    cluster,
    network: DEFAULT_NETWORK_CONFIG,
    inventory: new StoredInventory({ client, tableName: 'bench', cluster }),
    publish: (events) => publishEvents(eventBridge, eb.bus.name, events),
  });
  try {
    for (const cluster of ['warmup', 'bench']) await putInventorySnapshot({ client, tableName: 'bench', cluster }, inventory, start);
    // Warm the JIT on another cluster, so that the measured run starts from empty baselines.
    for (const p of payloads.slice(0, 3)) await ingestFlowPayload(depsFor('warmup'), p);
    Object.assign(counter, { reads: 0, writes: 0 });

    const f0 = process.hrtime.bigint();
    floorPass(payloads);
    const floorBefore = ms(f0);
    const deps = depsFor('bench');
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let report = emptyFlowReport();
    for (const p of payloads) report = mergeFlowReports(report, await ingestFlowPayload(deps, p));
    const handlerMs = ms(t0);
    const cpu = process.cpuUsage(cpu0);
    const f1 = process.hrtime.bigint();
    floorPass(payloads);
    const floorMs = (floorBefore + ms(f1)) / 2;
    await eb.bus.drain();

    const recordsPerSec = (records / handlerMs) * 1000;
    const floorPerSec = (records / floorMs) * 1000;
    const cpuMicros = ((cpu.user + cpu.system) / records) * 1;
    const writesPer1k = (counter.writes / records) * 1000;
    return {
      title: `Flows: ${records.toLocaleString('en-US')} VPC Flow Logs records in ${payloads.length} payloads of ${RECORDS_PER_PAYLOAD.toLocaleString('en-US')}, one core`,
      rows: [
        ['ingest-flows (decode, parse, resolve, orient, graph, baselines, detect)', `${Math.round(recordsPerSec).toLocaleString('en-US')} records/s`],
        ['floor (base64 + gunzip + JSON.parse + split only)', `${Math.round(floorPerSec).toLocaleString('en-US')} records/s`],
        ['handler CPU per record (DynamoDB in another process)', `${cpuMicros.toFixed(1)} µs`],
        ['graph edges written per payload (one UpdateItem each)', (report.edgesApplied / payloads.length).toFixed(1)],
        ['DynamoDB write requests per 1,000 records', writesPer1k.toFixed(2)],
        ['direction inferred by', Object.entries(report.inferredBy).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['anomalies', String(report.anomalies.length)],
      ],
      results: {
        'flows.recordsPerSec': Math.round(recordsPerSec),
        'flows.floorRecordsPerSec': Math.round(floorPerSec),
        'flows.cpuMicrosPerRecord': Number(cpuMicros.toFixed(2)),
        'flows.writeRequestsPer1kRecords': Number(writesPer1k.toFixed(3)),
      },
    };
  } finally {
    client.destroy();
    await eb.stop();
    dynamo.stop();
  }
}
