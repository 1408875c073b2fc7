/**
 * Ingest benchmark (README.md#performance): audit events per second through the ingest handler, next to
 * the floor for the same payloads (base64 decode + gunzip + JSON.parse alone), measured in the
 * same run; DynamoDB write requests and units per 1,000 events; peak RSS for a 1 MB payload;
 * and the modelled AWS cost per million events.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { encodeAwslogsData, type CloudWatchLogsData } from '#shared/audit/cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, ensureTable, type RequestCounter } from '#shared/clients/dynamo';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { modelCostPerMillionAuditEvents, costRows, lambdaMsPerEventFromThroughput } from '#test/bench/cost-model';
import { DEFAULT_DETECTION } from '#shared/detect/config';
import { ingestAuditEvent, type AuditIngestDeps } from '#shared/detect/ingest';
import { DEFAULT_WRITE_AFTER_MS, ProfileCache } from '#shared/detect/profile-cache';
import { LocalBus } from '#infra/local/bus';
import { startLocalEventBridge } from '#infra/local/eventbridge-server';
import { benignEvents, attackEvents } from '#infra/local/scenario/demo-cluster';
import { startDynaliteChild } from './dynalite-child';
import { deliveries, REALISTIC_DELIVERY } from './deliveries';
import { profileIfAsked } from './profile';
import type { BenchSection } from './types';

const EVENTS_PER_PAYLOAD = 1000;
const LAMBDA_MEMORY_MB = 1024;
/**
 * The heap flags Lambda's Node.js runtime starts a function of LAMBDA_MEMORY_MB with (its
 * bootstrap passes them on the command line, where they override NODE_OPTIONS): a tenth of the
 * memory for the young generation, half of it per semi-space (51 MB at 1,024 MB), the rest old
 * space. Node's own default on this machine is a 16 MB semi-space, which collects the young
 * generation about three times as often; the ingest section runs under Lambda's flags so its
 * CPU figures are what the function pays (test/bench/run.ts).
 */
export const LAMBDA_NODE_FLAGS = [`--max-semi-space-size=${Math.floor(Math.floor(LAMBDA_MEMORY_MB / 10) / 2)}`, `--max-old-space-size=${LAMBDA_MEMORY_MB - Math.floor(LAMBDA_MEMORY_MB / 10)}`];
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
  countWritesByItemType(ddb);
  await ensureTable(ddb, 'bench');
  const deps: AuditIngestDeps = {
    ddb,
    tableName: 'bench',
    eventBridge: eventBridgeClientFor(eb.endpoint),
    busName: eb.bus.name,
    cluster: 'bench',
    detection: DEFAULT_DETECTION,
    // As on Lambda: one instance's profile cache (write-behind).
    cache: new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS }),
  };
  try {
    // Warm up the JIT on the floor and the handler (on another cluster, so baselines start empty below).
    floorPass(payloads.slice(0, 5));
    for (const p of payloads.slice(0, 3)) await ingestAuditEvent({ ...deps, cluster: 'warmup', cache: new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS }) }, p);
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
    const real = await realisticFigures({ ...deps, cluster: 'realistic', cache: new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS }) }, counter);
    const realCost = modelCostPerMillionAuditEvents({
      lambdaMsPerEvent: lambdaMsPerEventFromThroughput(1e6 / real.handlerCpuMicrosPerEvent, LAMBDA_MEMORY_MB),
      lambdaMemoryMB: LAMBDA_MEMORY_MB,
      eventsPerInvocation: real.eventsPerPayload,
      overheadMsPerInvocation: OVERHEAD_MS_PER_INVOCATION,
      dynamoWriteUnitsPer1kEvents: real.writeUnitsPer1k,
      dynamoReadUnitsPer1kEvents: real.readUnitsPer1k,
      eventBridgeEventsPer1kEvents: real.anomaliesPer1k,
      auditEventBytes: real.bytesPerEvent,
    });

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

    const realisticRows: Array<[string, string]> = [
      [`REALISTIC DELIVERIES (${REALISTIC_DELIVERY.eventsPerSec} events/s, ${REALISTIC_DELIVERY.streams} streams cut every ${REALISTIC_DELIVERY.cutMs / 1000} s; the headline)`, `${real.events.toLocaleString('en-US')} events measured`],
      ['events per payload', real.eventsPerPayload.toFixed(1)],
      ['DynamoDB write requests per 1,000 events', real.writeRequestsPer1k.toFixed(2)],
      ['DynamoDB write units per 1,000 events', real.writeUnitsPer1k.toFixed(2)],
      ...Object.entries(real.writesByType).map(([k, v]): [string, string] => [`  ${k}: write requests / units per 1,000 events`, `${v.requests.toFixed(2)} / ${v.units.toFixed(2)}`]),
      ['  anomalies (findings by type)', Object.entries(real.anomaliesByType).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'],
      ['DynamoDB read units per 1,000 events', real.readUnitsPer1k.toFixed(2)],
      ['handler main-thread CPU / floor CPU (median of interleaved rounds)', `${real.cpuRatioToFloor.toFixed(2)}×  (${real.handlerMainCpuMicrosPerEvent.toFixed(1)} vs ${real.floorMainCpuMicrosPerEvent.toFixed(1)} µs/event)`],
      ['  the same, all threads of the process (the cost model charges this)', `${real.processCpuRatioToFloor.toFixed(2)}×  (${real.handlerCpuMicrosPerEvent.toFixed(1)} vs ${real.floorCpuMicrosPerEvent.toFixed(1)} µs/event)`],
      ['  Node heap flags (as Lambda starts a function of this memory)', process.execArgv.filter((a) => a.startsWith('--max-')).join(' ') || 'Node defaults'],
      ...costRows(realCost),
      ['times cheaper than GuardDuty', `${realCost.timesCheaperThanGuardDuty.toFixed(1)}×`],
      [`1,000-EVENT PAYLOADS (throughput check)`, ''],
    ];
    return {
      title: `Ingest: realistic deliveries, then ${events.toLocaleString('en-US')} audit events in ${payloads.length} payloads of ${EVENTS_PER_PAYLOAD}, one core`,
      rows: [
        ...realisticRows,
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
        'ingest.realistic.eventsPerPayload': Number(real.eventsPerPayload.toFixed(1)),
        'ingest.realistic.writeRequestsPer1kEvents': Number(real.writeRequestsPer1k.toFixed(2)),
        'ingest.realistic.writeUnitsPer1kEvents': Number(real.writeUnitsPer1k.toFixed(2)),
        'ingest.realistic.cpuRatioToFloor': Number(real.cpuRatioToFloor.toFixed(2)),
        'ingest.realistic.cpuMicrosPerEvent': Number(real.handlerCpuMicrosPerEvent.toFixed(2)),
        'cost.realistic.usdPerMillionAuditEvents': Number(realCost.totalUsd.toFixed(5)),
        'cost.realistic.logsIngestionUsdPerMillionAuditEvents': Number((realCost.lines.find((l) => l.key === 'logs.ingestion')?.usd ?? 0).toFixed(4)),
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
  const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--rss-child'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
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

const DAY_MS = 24 * 3600 * 1000;
/** The day the measured windows end in: they start two minutes before its midnight. */
const REALISTIC_DAY = Date.parse('2026-11-10T00:00:00Z');
/** Days of history: past the cluster's and the principals' learning period (7 days by default). */
const HISTORY_DAYS = 9;
/** The last days of history also carry a whole rate window each (see realisticFigures). */
const FULL_WINDOW_DAYS = 3;
const MEASURED_ROUNDS = 5;
const ROUND_MS = 60_000;

/** Consecutive payloads of each stream joined up to `max` events (same events, fewer payloads). */
function* merged(list: Iterable<CloudWatchLogsData>, max: number): Generator<CloudWatchLogsData> {
  const open = new Map<string, CloudWatchLogsData>();
  for (const d of list) {
    const cur = open.get(d.logStream);
    if (cur && cur.logEvents.length + d.logEvents.length <= max) {
      cur.logEvents.push(...d.logEvents);
      continue;
    }
    if (cur) yield cur;
    open.set(d.logStream, { ...d, logEvents: [...d.logEvents] });
  }
  yield* open.values();
}

function encodeAll(list: Iterable<CloudWatchLogsData>): LambdaEvent[] {
  return [...list].map((d) => encodeAwslogsData(d));
}

/** CPU time of the whole process (all threads), ms. */
function processCpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

const THREAD_SCHEDSTAT = '/proc/thread-self/schedstat';
const hasThreadClock = existsSync(THREAD_SCHEDSTAT);

/**
 * CPU time of the calling thread, the one JavaScript runs on, ms: Linux reports it per thread
 * in nanoseconds; elsewhere this falls back to the whole process. V8's helper threads
 * (concurrent marking, compilation) run beside the main thread and show up only in process CPU.
 */
function mainThreadCpuMs(): number {
  return hasThreadClock ? Number(readFileSync(THREAD_SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6 : processCpuMs();
}

/** Main-thread and whole-process CPU of `fn`, ms. */
function cpuMs(fn: () => void): { main: number; process: number } {
  const m = mainThreadCpuMs();
  const p = processCpuMs();
  fn();
  return { main: mainThreadCpuMs() - m, process: processCpuMs() - p };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface RealisticFigures {
  eventsPerPayload: number;
  events: number;
  writeRequestsPer1k: number;
  writeUnitsPer1k: number;
  readUnitsPer1k: number;
  /** Main-thread CPU of the handler / of the floor, median of the rounds. */
  cpuRatioToFloor: number;
  /** The same with the CPU of every thread of the process. */
  processCpuRatioToFloor: number;
  /** Whole-process CPU (what the cost model charges: helper threads share the function's CPU). */
  handlerCpuMicrosPerEvent: number;
  floorCpuMicrosPerEvent: number;
  handlerMainCpuMicrosPerEvent: number;
  floorMainCpuMicrosPerEvent: number;
  anomaliesPer1k: number;
  bytesPerEvent: number;
  /** Write requests and units per 1,000 events by item kind. */
  writesByType: Record<string, { requests: number; units: number }>;
  /** Anomalies of the measured rounds by finding type. */
  anomaliesByType: Record<string, number>;
}

/**
 * The headline setting (REALISTIC_DELIVERY): items are first driven to steady state by nine
 * days of history (past the cluster's and the principals' learning period; 20-second slices at
 * several times of day, so every principal's item holds its usual keys, and on the last days a
 * whole rate window, so its daily peaks are real) and two minutes of live traffic; then five
 * one-minute rounds, across a UTC midnight (when day counters move), are measured: one
 * write-behind interval (DEFAULT_WRITE_AFTER_MS). Each round runs the floor and the handler on the same
 * payloads, interleaved, and the CPU ratio is the median of the rounds.
 */
export async function realisticFigures(deps: AuditIngestDeps, counter: RequestCounter): Promise<RealisticFigures> {
  const start = REALISTIC_DAY - (MEASURED_ROUNDS * ROUND_MS) / 2;
  let seed = 1000;
  for (let d = HISTORY_DAYS; d >= 1; d--) {
    for (let slice = 0; slice < (d <= FULL_WINDOW_DAYS ? 6 : 2); slice++) {
      const from = start - d * DAY_MS + slice * 4 * 3600 * 1000;
      for (const p of encodeAll(deliveries(from, from + 20_000, REALISTIC_DELIVERY, seed++))) await ingestAuditEvent(deps, p);
    }
    // One whole rate window a day, so that every principal's daily peaks are what its traffic
    // really reaches: 20-second slices alone leave peaks a thirtieth of a live window's count,
    // and live traffic then looks like a burst (bulk secret reads by every kubelet). Delivered in
    // large payloads only to save time: learning does not depend on how the events were cut.
    if (d > FULL_WINDOW_DAYS) continue;
    const windowMs = deps.detection.rateWindowMinutes * 60_000;
    const from = Math.floor((start - d * DAY_MS + 12 * 3600 * 1000) / windowMs) * windowMs;
    for (const p of encodeAll(merged(deliveries(from, from + windowMs, REALISTIC_DELIVERY, seed++), EVENTS_PER_PAYLOAD))) await ingestAuditEvent(deps, p);
  }
  for (const p of encodeAll(deliveries(start - 2 * 60_000, start, REALISTIC_DELIVERY, seed++))) await ingestAuditEvent(deps, p);

  Object.assign(counter, { reads: 0, writes: 0, readUnits: 0, writeUnits: 0 });
  writesByType.clear();
  const anomalyTypes = new Map<string, number>();
  const ratios: number[] = [];
  const processRatios: number[] = [];
  let handlerMain = 0;
  let floorMain = 0;
  let events = 0;
  let payloadCount = 0;
  let anomalies = 0;
  let rawBytes = 0;
  let handlerCpu = 0;
  let floorCpu = 0;
  const stopProfile = await profileIfAsked();
  for (let r = 0; r < MEASURED_ROUNDS; r++) {
    const from = start + r * ROUND_MS;
    const data = [...deliveries(from, from + ROUND_MS, REALISTIC_DELIVERY, seed++)];
    const payloads = encodeAll(data);
    const n = data.reduce((k, d) => k + d.logEvents.length, 0);
    rawBytes += data.reduce((k, d) => k + d.logEvents.reduce((b, e) => b + e.message.length, 0), 0);
    const floorBefore = cpuMs(() => floorPass(payloads));
    const m0 = mainThreadCpuMs();
    const c0 = processCpuMs();
    for (const p of payloads) {
      const found = (await ingestAuditEvent(deps, p)).anomalies;
      anomalies += found.length;
      for (const a of found) for (const f of a.findings) anomalyTypes.set(f.type, (anomalyTypes.get(f.type) ?? 0) + 1);
    }
    const handler = { main: mainThreadCpuMs() - m0, process: processCpuMs() - c0 };
    const floorAfter = cpuMs(() => floorPass(payloads));
    const floor = { main: (floorBefore.main + floorAfter.main) / 2, process: (floorBefore.process + floorAfter.process) / 2 };
    ratios.push(handler.main / floor.main);
    processRatios.push(handler.process / floor.process);
    handlerCpu += handler.process;
    floorCpu += floor.process;
    handlerMain += handler.main;
    floorMain += floor.main;
    events += n;
    payloadCount += payloads.length;
  }
  await stopProfile();
  return {
    eventsPerPayload: events / payloadCount,
    events,
    writeRequestsPer1k: (counter.writes / events) * 1000,
    writeUnitsPer1k: ((counter.writeUnits ?? 0) / events) * 1000,
    readUnitsPer1k: ((counter.readUnits ?? 0) / events) * 1000,
    cpuRatioToFloor: median(ratios),
    processCpuRatioToFloor: median(processRatios),
    handlerCpuMicrosPerEvent: (handlerCpu * 1000) / events,
    floorCpuMicrosPerEvent: (floorCpu * 1000) / events,
    handlerMainCpuMicrosPerEvent: (handlerMain * 1000) / events,
    floorMainCpuMicrosPerEvent: (floorMain * 1000) / events,
    anomaliesPer1k: (anomalies / events) * 1000,
    bytesPerEvent: rawBytes / events,
    writesByType: Object.fromEntries(
      [...writesByType].sort((a, b) => b[1].requests - a[1].requests).map(([k, v]) => [k, { requests: Number(((v.requests / events) * 1000).toFixed(2)), units: Number(((v.units / events) * 1000).toFixed(2)) }]),
    ),
    anomaliesByType: Object.fromEntries([...anomalyTypes].sort((a, b) => b[1] - a[1])),
  };
}

/** Item kinds by key prefix, as the write breakdown names them. */
const ITEM_KINDS: Record<string, string> = { PAYLOAD: 'payload records', PRINCIPAL: 'principal items', GROUP: 'peer-group items', CLUSTER: 'meta', ANOMALY: 'anomaly records' };
function itemKind(pk: string): string {
  return ITEM_KINDS[pk.split('#')[0]!] ?? `other (${pk.split('#')[0]!.toLowerCase()})`;
}

/** Write requests and write units by item kind (principal, peer group, payload records, meta, other), to show where writes go. */
const writesByType = new Map<string, { requests: number; units: number }>();
function countWritesByItemType(ddb: DynamoDBClient): void {
  ddb.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Item?: Record<string, { S?: string }>; Key?: Record<string, { S?: string }>; UpdateExpression?: string; ReturnConsumedCapacity?: string };
      const pk = (input.Item ?? input.Key)?.pk?.S;
      if (pk === undefined || !(input.Item || input.UpdateExpression)) return next(args);
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const kind = itemKind(pk);
      const entry = writesByType.get(kind) ?? { requests: 0, units: 0 };
      writesByType.set(kind, entry);
      entry.requests += 1;
      try {
        const result = await next(args);
        entry.units += (result.output as { ConsumedCapacity?: { CapacityUnits?: number; WriteCapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 0;
        return result;
      } catch (err) {
        // A refused conditional write is billed too (at least one unit).
        entry.units += 1;
        throw err;
      }
    },
    { step: 'initialize', name: 'benchWritesByType' },
  );
}
