/**
 * Flow benchmarks (README.md#performance):
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
import { shopScenario, toVpcV2 } from '#infra/local/scenario/shop-flows';
import { gunzipSync } from 'node:zlib';
import { LocalBus } from '#infra/local/bus';
import { startLocalEventBridge } from '#infra/local/eventbridge-server';
import { startDynaliteChild } from './dynalite-child';
import type { BenchSection } from './types';
import { normalizeInventory, type ClusterInventory as Inventory } from '#shared/inventory/cluster';
import { advise } from '#shared/netpol/advise';
import { observeFlows } from '#shared/netpol/advise/observe';
import { seededRandom } from '#infra/local/scenario/random';

const TARGET_RECORDS = Number(process.env.BENCH_FLOW_RECORDS ?? 1_000_000);
const RECORDS_PER_PAYLOAD = 10_000;

async function buildPayloads(): Promise<{ payloads: Array<{ awslogs: { data: string } }>; records: number; inventory: ClusterInventory; start: number }> {
  // A week of the shop at 14x its normal traffic, cut at a million records.
  const scenario = shopScenario({ days: 7, scale: 14, anomaly: true, seed: 11 });
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

/**
 * A mesh of `count` workloads (10 per namespace, 2 pods each): each calls 3 others (a third in
 * other namespaces) and DNS; one in ten calls an external API. One connection per edge per
 * hour for a day, as VPC Flow Logs v2 records in both directions.
 */
export function syntheticMesh(count: number, seed = 3): { inventory: Inventory; lines: string[] } {
  const r = seededRandom(seed);
  const perNs = 10;
  const namespaces = Array.from({ length: Math.ceil(count / perNs) }, (_, i) => `team-${String(i).padStart(3, '0')}`);
  const pods: Inventory['pods'] = [];
  const ipOf: string[][] = [];
  for (let w = 0; w < count; w++) {
    const ns = namespaces[Math.floor(w / perNs)] as string;
    const name = `svc-${String(w).padStart(4, '0')}`;
    ipOf[w] = [];
    for (let k = 0; k < 2; k++) {
      const ip = `10.${64 + Math.floor((w * 2 + k) / 250)}.${(w * 2 + k) % 250}.${10 + k}`;
      ipOf[w]?.push(ip);
      pods.push({
        namespace: ns, name: `${name}-6d9f7c8b5-${'bcdfg'[k]}x${w}`, ip, labels: { 'app.kubernetes.io/name': name, 'pod-template-hash': '6d9f7c8b5' },
        owner: { kind: 'ReplicaSet', name: `${name}-6d9f7c8b5` }, serviceAccount: name, hostNetwork: false,
        ports: [{ name: 'http', port: 8000 + (w % 50), protocol: 'TCP' }],
      });
    }
  }
  pods.push(...[0, 1].map((k) => ({
    namespace: 'kube-system', name: `coredns-5d8b7c9f6-x${k}`, ip: `10.63.0.${10 + k}`, labels: { 'k8s-app': 'kube-dns' },
    owner: { kind: 'ReplicaSet', name: 'coredns-5d8b7c9f6' }, hostNetwork: false, ports: [{ name: 'dns', port: 53, protocol: 'UDP' as const }],
  })));
  const inventory = normalizeInventory({
    namespaces: [...namespaces, 'kube-system'].map((name) => ({ name, labels: {} })), pods, services: [], nodes: [],
  });
  const lines: string[] = [];
  const t0 = Date.parse('2025-03-03T00:00:00Z') / 1000;
  const record = (src: string, dst: string, sp: number, dp: number, proto: number, bytes: number, t: number) =>
    `2 123456789012 eni-0bench ${src} ${dst} ${sp} ${dp} ${proto} 3 ${bytes} ${t} ${t + 5} ACCEPT OK`;
  for (let w = 0; w < count; w++) {
    const targets = new Set<number>();
    while (targets.size < 3) {
      const sameNs = r() < 0.67;
      const t = sameNs ? Math.floor(w / perNs) * perNs + Math.floor(r() * perNs) : Math.floor(r() * count);
      if (t !== w && t < count) targets.add(t);
    }
    for (let h = 0; h < 24; h++) {
      const t = t0 + h * 3600 + Math.floor(r() * 3000);
      for (const dst of targets) {
        const c = ipOf[w]?.[h % 2] as string;
        const s = ipOf[dst]?.[(h >> 1) % 2] as string;
        const cp = 32768 + Math.floor(r() * 28000);
        lines.push(record(c, s, cp, 8000 + (dst % 50), 6, 900, t), record(s, c, 8000 + (dst % 50), cp, 6, 9000, t));
      }
      const cp = 32768 + Math.floor(r() * 28000);
      lines.push(record(ipOf[w]?.[0] as string, '10.63.0.10', cp, 53, 17, 80, t), record('10.63.0.10', ipOf[w]?.[0] as string, 53, cp, 17, 200, t));
      if (w % 10 === 0) lines.push(record(ipOf[w]?.[1] as string, `198.51.${w % 200}.7`, cp + 1, 443, 6, 2000, t), record(`198.51.${w % 200}.7`, ipOf[w]?.[1] as string, 443, cp + 1, 6, 5000, t));
    }
  }
  return { inventory, lines };
}

async function adviseBench(): Promise<{ rows: Array<[string, string]>; results: Record<string, number> }> {
  const { inventory, lines } = syntheticMesh(500);
  // Warm the JIT on a smaller mesh, so that the measured run is steady-state code.
  const warm = syntheticMesh(50, 9);
  advise(warm.inventory, (await observeFlows([{ name: 'warm', lines: warm.lines }], warm.inventory)).edges);
  const t0 = process.hrtime.bigint();
  const observed = await observeFlows([{ name: 'mesh', lines }], inventory);
  const t1 = process.hrtime.bigint();
  const advice = advise(inventory, observed.edges, observed.window ? { window: observed.window } : {});
  const t2 = process.hrtime.bigint();
  if (!advice.verified) throw new Error('advice for the synthetic mesh did not verify');
  const observeS = Number(t1 - t0) / 1e9;
  const adviseS = Number(t2 - t1) / 1e9;
  return {
    rows: [
      [`netpol advise, 500 workloads (${inventory.pods.length} pods, ${lines.length.toLocaleString('en-US')} records, ${observed.edges.length} edges)`, `${(observeS + adviseS).toFixed(2)} s`],
      ['  reading flows (parse, resolve, orient, aggregate)', `${observeS.toFixed(2)} s`],
      ['  policies, validation, simulator check of every pair, unobserved paths', `${adviseS.toFixed(2)} s (${advice.files.length} policies, ${advice.check.pairs} pairs)`],
    ],
    results: { 'advise.seconds500Workloads': Number((observeS + adviseS).toFixed(3)) },
  };
}

export async function bench(): Promise<BenchSection> {
  const adv = await adviseBench();
  const flows = await flowsBench();
  return { ...flows, rows: [...flows.rows, ...adv.rows], results: { ...flows.results, ...adv.results } };
}

async function flowsBench(): Promise<BenchSection> {
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
