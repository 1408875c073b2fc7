/**
 * Ingest benchmark (README.md#performance): audit events per second through the ingest handler, next to
 * the floor for the same payloads (base64 decode + gunzip + JSON.parse alone), measured in the
 * same run; DynamoDB write requests and units per 1,000 events; peak RSS for a 1 MB payload;
 * and the modelled AWS cost per million events.
 */
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { encodeAwslogsData, type CloudWatchLogsData } from '#shared/audit/cloudwatch';
import { createDynamoClient, ensureTable, type RequestCounter } from '#shared/clients/dynamo';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { modelCostPerMillionAuditEvents, costRows, lambdaMsPerEventFromThroughput } from '#test/bench/cost-model';
import { DEFAULT_DETECTION } from '#shared/detect/config';
import { ingestAuditEvent, type AuditIngestDeps } from '#shared/detect/ingest';
import { LocalBus } from '#infra/local/bus';
import { startLocalEventBridge } from '#infra/local/eventbridge-server';
import { benignEvents, attackEvents } from '#infra/local/scenario/demo-cluster';
import { startDynaliteChild } from './dynalite-child';
import type { BenchSection } from './types';

const EVENTS_PER_PAYLOAD = 1000;
const LAMBDA_MEMORY_MB = 1024;
/** Sequential DynamoDB/EventBridge round trips per invocation on AWS (BatchGet, parallel writes, PutEvents) × ~10 ms. */
const OVERHEAD_MS_PER_INVOCATION = 30;

type LambdaEvent = { awslogs: { data: string } };

/** Realistic payloads: several replicas of the demo cluster's days, in CloudWatch-sized batches. */
export function buildPayloads(copies: number): { payloads: LambdaEvent[]; events: number; rawBytes: number } {
  const lines: string[] = [];
  for (let c = 0; c < copies; c++) {
    for (const e of benignEvents(100 + c)) lines.push(JSON.stringify({ ...e, auditID: `${e.auditID.slice(0, 30)}${String(c).padStart(6, '0')}` }));
  }
  for (const e of attackEvents()) lines.push(JSON.stringify(e));
  const payloads: LambdaEvent[] = [];
  for (let i = 0; i < lines.length; i += EVENTS_PER_PAYLOAD) {
    const data: CloudWatchLogsData = {
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/aws/eks/bench/cluster',
      logStream: 'kube-apiserver-audit-0123456789abcdef0123456789abcdef',
      subscriptionFilters: ['boundwatch'],
      logEvents: lines.slice(i, i + EVENTS_PER_PAYLOAD).map((message, j) => ({ id: String(i + j).padStart(56, '0'), timestamp: 0, message })),
    };
    payloads.push(encodeAwslogsData(data));
  }
  return { payloads, events: lines.length, rawBytes: lines.reduce((n, l) => n + l.length, 0) };
}

/** The floor: what any consumer must do with the payloads at the very least. */
function floorPass(payloads: LambdaEvent[]): number {
  let n = 0;
  for (const p of payloads) {
    const data = JSON.parse(gunzipSync(Buffer.from(p.awslogs.data, 'base64')).toString('utf8')) as CloudWatchLogsData;
    for (const e of data.logEvents) {
      JSON.parse(e.message);
      n += 1;
    }
  }
  return n;
}

function timeIt<T>(fn: () => T): { ms: number; value: T } {
  const t = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, value };
}

export async function bench(): Promise<BenchSection> {
  const { payloads, events, rawBytes } = buildPayloads(12);
  const dynamo = await startDynaliteChild();
  const eb = await startLocalEventBridge({ bus: new LocalBus() });
  const counter: RequestCounter = { reads: 0, writes: 0 };
  const ddb = createDynamoClient({ endpoint: dynamo.endpoint, counter });
  await ensureTable(ddb, 'bench');
  const deps: AuditIngestDeps = {
    ddb,
    tableName: 'bench',
    eventBridge: eventBridgeClientFor(eb.endpoint),
    busName: eb.bus.name,
    cluster: 'bench',
    detection: DEFAULT_DETECTION,
  };
  try {
    // Warm up the JIT on the floor and the handler (on another cluster, so baselines start empty below).
    floorPass(payloads.slice(0, 5));
    for (const p of payloads.slice(0, 3)) await ingestAuditEvent({ ...deps, cluster: 'warmup' }, p);
    Object.assign(counter, { reads: 0, writes: 0, readUnits: 0, writeUnits: 0 });

    const floorBefore = timeIt(() => floorPass(payloads));
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let anomalies = 0;
    for (const p of payloads) anomalies += (await ingestAuditEvent(deps, p)).anomalies.length;
    const handlerMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const floorAfter = timeIt(() => floorPass(payloads));
    await eb.bus.drain();

    const floorMs = (floorBefore.ms + floorAfter.ms) / 2;
    const eventsPerSec = (events / handlerMs) * 1000;
    const floorEventsPerSec = (events / floorMs) * 1000;
    const cpuMsPerEvent = (cpu.user + cpu.system) / 1000 / events;
    const writesPer1k = (counter.writes / events) * 1000;
    const writeUnitsPer1k = ((counter.writeUnits ?? 0) / events) * 1000;
    const readUnitsPer1k = ((counter.readUnits ?? 0) / events) * 1000;
    const rss = peakRssForOneMegabytePayload();

    const cost = modelCostPerMillionAuditEvents({
      // CPU time of the handler process (DynamoDB runs in another process, as on AWS).
      lambdaMsPerEvent: lambdaMsPerEventFromThroughput(1000 / cpuMsPerEvent, LAMBDA_MEMORY_MB),
      lambdaMemoryMB: LAMBDA_MEMORY_MB,
      eventsPerInvocation: EVENTS_PER_PAYLOAD,
      overheadMsPerInvocation: OVERHEAD_MS_PER_INVOCATION,
      dynamoWriteUnitsPer1kEvents: writeUnitsPer1k,
      dynamoReadUnitsPer1kEvents: readUnitsPer1k,
      eventBridgeEventsPer1kEvents: (anomalies / events) * 1000,
      auditEventBytes: rawBytes / events,
    });

    return {
      title: `Ingest: ${events.toLocaleString('en-US')} audit events in ${payloads.length} payloads of ${EVENTS_PER_PAYLOAD}, one core`,
      rows: [
        ['handler (decode, parse, detect, DynamoDB, EventBridge)', `${Math.round(eventsPerSec).toLocaleString('en-US')} events/s`],
        ['floor (base64 + gunzip + JSON.parse only)', `${Math.round(floorEventsPerSec).toLocaleString('en-US')} events/s`],
        ['ratio floor / handler', `${(floorEventsPerSec / eventsPerSec).toFixed(1)}×`],
        ['handler CPU per event (DynamoDB in another process)', `${(cpuMsPerEvent * 1000).toFixed(1)} µs`],
        ['DynamoDB write requests per 1,000 events', writesPer1k.toFixed(2)],
        ['DynamoDB write units per 1,000 events', writeUnitsPer1k.toFixed(2)],
        ['DynamoDB read units per 1,000 events', readUnitsPer1k.toFixed(2)],
        ['peak RSS ingesting a 1 MB payload', `${rss.peakMB.toFixed(0)} MB (process at rest: ${rss.restMB.toFixed(0)} MB)`],
        ...costRows(cost),
        ['times cheaper than GuardDuty', `${cost.timesCheaperThanGuardDuty.toFixed(1)}×`],
      ],
      results: {
        'ingest.eventsPerSec': Math.round(eventsPerSec),
        'ingest.floorEventsPerSec': Math.round(floorEventsPerSec),
        'ingest.ratioToFloor': Number((floorEventsPerSec / eventsPerSec).toFixed(2)),
        'ingest.cpuMicrosPerEvent': Number((cpuMsPerEvent * 1000).toFixed(2)),
        'ingest.writeRequestsPer1kEvents': Number(writesPer1k.toFixed(2)),
        'ingest.writeUnitsPer1kEvents': Number(writeUnitsPer1k.toFixed(2)),
        'ingest.peakRssMB': Math.round(rss.peakMB),
        'cost.usdPerMillionAuditEvents': Number(cost.totalUsd.toFixed(5)),
      },
    };
  } finally {
    ddb.destroy();
    deps.eventBridge.destroy();
    await eb.stop();
    dynamo.stop();
  }
}

/** Runs one 1 MB payload through the handler in a fresh process and reads its peak RSS. */
function peakRssForOneMegabytePayload(): { peakMB: number; restMB: number } {
  const out = execFileSync(process.execPath, [process.argv[1]!, '--rss-child'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as { peakMB: number; restMB: number };
}

/** Child-process side of peakRssForOneMegabytePayload. */
export async function rssChild(): Promise<void> {
  const dynamo = await startDynaliteChild();
  const eb = await startLocalEventBridge({ bus: new LocalBus() });
  const ddb = createDynamoClient({ endpoint: dynamo.endpoint });
  await ensureTable(ddb, 'bench');
  // About 1 MB of audit JSON in one payload (CloudWatch delivers up to ~1 MB, gzipped).
  const all = buildPayloads(1);
  const perEvent = all.rawBytes / all.events;
  const { payloads } = buildPayloads(1);
  const data = JSON.parse(gunzipSync(Buffer.from(payloads[0]!.awslogs.data, 'base64')).toString()) as CloudWatchLogsData;
  const wanted = Math.ceil((1024 * 1024) / perEvent);
  const source = [...data.logEvents];
  while (data.logEvents.length < wanted) data.logEvents.push(...source.slice(0, wanted - data.logEvents.length));
  data.logEvents = data.logEvents.map((e, i) => ({ ...e, id: String(i).padStart(56, '0') }));
  const payload = encodeAwslogsData(data);
  global.gc?.();
  const restMB = process.memoryUsage().rss / 1024 / 1024;
  await ingestAuditEvent(
    { ddb, tableName: 'bench', eventBridge: eventBridgeClientFor(eb.endpoint), busName: eb.bus.name, cluster: 'rss', detection: DEFAULT_DETECTION },
    payload,
  );
  const peakMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ peakMB, restMB })}\n`);
  ddb.destroy();
  await eb.stop();
  dynamo.stop();
}
