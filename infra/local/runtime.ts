/**
 * The embedded runtime: the same handlers that run on Lambda, wired together in one process.
 * dynalite plays DynamoDB and a local EventBridge endpoint plays the `boundwatch` bus; both
 * are reached over HTTP by the real AWS SDK clients. The bus routes with the rules the CDK
 * stack deploys (shared/events/rules.ts) to the enforce handler, to ingest-runtime (anomalies
 * become signals of attack sequences) and to the alert formatter.
 *
 * Enforcement: with `kubeconfig`, the enforce handler works against that cluster (apply, or a
 * dry run planned against the live cluster with server-side dry run); without one it plans
 * from the anomalies alone. Reverts are scheduled in the table (./scheduler.ts) and the
 * runtime runs the due ones with `revertDue()`. There are no AWS credentials locally: IAM, EKS
 * and IAM Identity Center revocations are skipped with a reason unless `awsEndpoints` names
 * local endpoints.
 */
import type { DnsIngestReport } from '#shared/dns/ingest';
import { Logger } from '@aws-lambda-powertools/logger';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { createDynamoClient, ensureTable, type RequestCounter } from '#shared/clients/dynamo';
import { functionConfigFor, type BoundwatchConfig } from '#shared/config';
import { EnvNames } from '#shared/env';
import { stableId } from '#shared/events/ids';
import { boundwatchRules, RuleTarget } from '#shared/events/rules';
import { DetailType, type EnforcementMode } from '#shared/events/schema';
import { formatAlert, type FormattedAlert } from '#shared/alerts/format';
import { accessPolicyPort, iamPort, ssoAdminPort } from '#shared/enforce/aws';
import { RetryLaterError } from '#shared/enforce/engine';
import type { NetworkPolicy } from '#shared/netpol-api/types';
import { revertAction } from '#shared/enforce/revert';
import { dynamoRevertLedger } from '#shared/enforce/revert-ledger';
import { dynamoActionStore } from '#shared/enforce/store';
import { ConfigError, errorMessage } from '#shared/errors';
import { createClusterClient, type ClusterClient } from '#shared/k8s/client';
import { kubeConfigFileSource } from './kubeconfig';
import type { Observability } from '#shared/observability/invocation';
import { createMetrics } from '#shared/observability/powertools';
import type { AuditIngestReport } from '#shared/detect/ingest';
import type { FlowIngestReport } from '#shared/flows/ingest';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { putInventorySnapshot } from '#shared/inventory/snapshot-store';
import * as ingestAudit from '#functions/ingest-audit/handler';
import { flushAll } from '#shared/detect/ingest';
import { ProfileCache } from '#shared/detect/profile-cache';
import * as ingestDns from '#functions/ingest-dns/handler';
import * as ingestFlows from '#functions/ingest-flows/handler';
import * as ingestRuntime from '#functions/ingest-runtime/handler';
import type { RuntimeIngestReport } from '#shared/runtime/ingest';
import * as enforce from '#functions/enforce/handler';
import { LocalBus, type BusEvent } from './bus';
import { startDynalite, type LocalDynamo } from './dynamo-server';
import { startLocalEventBridge, type LocalEventBridge } from './eventbridge-server';
import { localRevertScheduler } from './scheduler';

export const LOCAL_TABLE = 'boundwatch';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export interface LocalRuntimeOptions {
  config: BoundwatchConfig;
  /** Which configured cluster the input belongs to; the first by default. */
  cluster?: string;
  /** Keep the embedded DynamoDB in this folder between runs; in memory when absent. */
  statePath?: string | undefined;
  enforce: EnforcementMode;
  kubeconfig?: string | undefined;
  /** Clock for enforcement decisions (expiry times, due reverts); the wall clock by default. */
  now?: (() => Date) | undefined;
  /** Tests only: IAM and EKS endpoints speaking the AWS protocols, for credential revocation. */
  awsEndpoints?: { iam?: string; eks?: string; sso?: string };
  /** Tests only: the ingest function's write-behind interval, instead of replayWriteAfterMs(). */
  writeAfterMs?: number;
  /** Cluster client options (e.g. fast retries in tests). */
  clusterClientOptions?: Parameters<typeof createClusterClient>[1];
}

export interface LocalRuntime {
  cluster: string;
  counter: RequestCounter;
  bus: LocalBus;
  /** Invokes the ingest-audit handler with one CloudWatch Logs subscription event. */
  ingestAudit(event: unknown): Promise<AuditIngestReport>;
  /** Invokes the ingest-flows handler with one CloudWatch Logs payload of flow records. */
  ingestFlows(event: unknown): Promise<FlowIngestReport>;
  /** Invokes the ingest-dns handler with one CloudWatch Logs payload of Resolver query log records. */
  ingestDns(event: unknown): Promise<DnsIngestReport>;
  /** Invokes the ingest-runtime handler with one delivery (an SQS batch of Falco alerts, a GuardDuty Finding event...). */
  ingestRuntime(event: unknown): Promise<RuntimeIngestReport>;
  /** What ingest-runtime did with the anomalies the bus routed to it (AnomalyToSequences). */
  routedRuntimeReports: RuntimeIngestReport[];
  /** Stores an inventory snapshot (what `--cluster` gives), as the inventory function would. */
  putInventory(inventory: ClusterInventory, takenAt: Date | number): Promise<void>;
  policies: NetworkPolicy[];
  alerts: FormattedAlert[];
  env: Record<string, string>;
  /** The cluster enforcement acts on (from `kubeconfig`), if any. */
  kube?: ClusterClient;
  /** Runs the reverts due now (expired actions); returns how many were reverted. */
  revertDue(): Promise<number>;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The ingest function's write-behind interval here (event time). This process is the table's
 * only writer, so when items are written changes nothing detection sees (the cache holds what
 * the table would; only an item trimmed to its size budget differs, as on Lambda), only what an
 * interrupted run loses. Without `--state` the table lives and
 * dies with the run: profiles are written when their shape changes and at the end. With it, also
 * once an hour of event time has passed since an item's first unwritten learning: a run killed
 * midway loses at most that hour of learning per item, which a second replay of the same files
 * does not restore (its payloads are recorded as absorbed). On Lambda it is a minute, for the
 * other instances' sake.
 */
export const REPLAY_STATE_WRITE_AFTER_MS = 3_600_000;

export function replayWriteAfterMs(statePath: string | undefined): number {
  return statePath ? REPLAY_STATE_WRITE_AFTER_MS : Infinity;
}

/** Observability for handlers running inside the CLI: silent logs, no EMF on stdout. */
function quietObservability(service: string, cluster: string): Observability {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  return { logger: new Logger({ serviceName: service, logLevel: 'SILENT' }), metrics: createMetrics(service, { cluster }) };
}

export async function startLocalRuntime(opts: LocalRuntimeOptions): Promise<LocalRuntime> {
  const clusterName = opts.cluster ?? opts.config.clusters[0]!.name;
  const fnConfig = functionConfigFor(opts.config, clusterName);
  fnConfig.cluster.enforcement = opts.enforce;

  // Nothing is applied without a revert that outlives the run: the revert queue is in the table.
  if (opts.enforce === 'apply' && !opts.statePath) throw new ConfigError('enforcement mode apply needs a state folder (--state) locally: the revert schedule must outlive this run');
  let dynamo: LocalDynamo | undefined;
  let eventBridge: LocalEventBridge | undefined;
  try {
    dynamo = await startDynalite(opts.statePath ? { path: opts.statePath } : {});
    const counter: RequestCounter = { reads: 0, writes: 0 };
    const setupClient = createDynamoClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION });
    await ensureTable(setupClient, LOCAL_TABLE);
    setupClient.destroy();

    const bus = new LocalBus({
      rules: boundwatchRules({ enforcementMinSeverity: opts.config.enforcement.minSeverity, alertMinSeverity: opts.config.alerts.minSeverity }),
      onFailedDelivery: (f) => process.stderr.write(`boundwatch: delivery of event ${f.eventId} to ${f.target} failed after ${f.attempts} attempts: ${f.error}\n`),
    });
    let seq = 0;
    eventBridge = await startLocalEventBridge({
      bus,
      account: LOCAL_ACCOUNT,
      region: LOCAL_REGION,
      // Deterministic envelope ids, so the same input gives byte-identical outputs.
      newEventId: () => stableId('local-event', clusterName, seq++),
    });

    const env: Record<string, string> = {
      [EnvNames.tableName]: LOCAL_TABLE,
      [EnvNames.eventBusName]: bus.name,
      [EnvNames.clusterName]: clusterName,
      [EnvNames.config]: JSON.stringify(fnConfig),
      [EnvNames.enforcementMode]: opts.enforce,
      [EnvNames.dynamoEndpoint]: dynamo.endpoint,
      [EnvNames.eventBridgeEndpoint]: eventBridge.endpoint,
      [EnvNames.awsRegion]: LOCAL_REGION,
    };

    // One client for the data path of every handler, counting its requests for the summary
    // (the runtime's own setup above is not counted).
    const dataDdb = createDynamoClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, counter });
    const ingestDeps = ingestAudit.depsFromEnv(env, { ddb: dataDdb, cache: new ProfileCache({ writeAfterMs: opts.writeAfterMs ?? replayWriteAfterMs(opts.statePath) }) });
    const ingestHandler = ingestAudit.makeHandler(ingestDeps, quietObservability('ingest-audit', clusterName));

    const flowsDeps = ingestFlows.depsFromEnv(env, { dynamo: dataDdb });
    const flowsHandler = ingestFlows.makeHandler(flowsDeps, quietObservability('ingest-flows', clusterName));

    const dnsHandler = ingestDns.makeHandler(ingestDns.depsFromEnv(env, { dynamo: dataDdb }), quietObservability('ingest-dns', clusterName));

    const runtimeDeps = ingestRuntime.depsFromEnv(env, { dynamo: dataDdb });
    const runtimeHandler = ingestRuntime.makeHandler(runtimeDeps, quietObservability('ingest-runtime', clusterName));

    // Enforcement: the cluster from --kubeconfig, the table-backed revert queue, and IAM/EKS
    // only where local endpoints are given.
    const kube = opts.kubeconfig ? createClusterClient(kubeConfigFileSource(opts.kubeconfig), opts.clusterClientOptions) : undefined;
    const scheduler = localRevertScheduler(dataDdb, LOCAL_TABLE, clusterName);
    const awsCreds = { region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    const iam = opts.awsEndpoints?.iam ? iamPort(new IAMClient({ ...awsCreds, endpoint: opts.awsEndpoints.iam })) : undefined;
    const access = opts.awsEndpoints?.eks ? accessPolicyPort(new EKSClient({ ...awsCreds, endpoint: opts.awsEndpoints.eks })) : undefined;
    // Never the real Identity Center from a local run (no AWS credentials): only a given local endpoint.
    const sso = opts.awsEndpoints?.sso ? ssoAdminPort(new SSOAdminClient({ ...awsCreds, endpoint: opts.awsEndpoints.sso }), { pollMs: 20 }) : undefined;
    // Event time: the clock of a replay is the latest anomaly it has delivered, so expiry, the
    // budgets, the age gate and due reverts run as the replayed days did. Before the first
    // anomaly (a run that only reverts what expired since the last one) it is the wall clock.
    let eventClock = 0;
    const now = opts.now ?? (() => new Date(eventClock > 0 ? eventClock : Date.now()));
    const enforceDeps = enforce.depsFromEnv(env, { ddb: dataDdb, kube, iam, access, sso, scheduler, now });
    const enforceHandler = enforce.makeHandler(enforceDeps, quietObservability('enforce', clusterName));
    const store = dynamoActionStore(dataDdb, LOCAL_TABLE);
    // The same ledger enforce owes its scheduled reverts in: settled as they are reverted here.
    const ledger = dynamoRevertLedger(dataDdb, LOCAL_TABLE);
    const announce = enforce.announcer(enforceDeps);

    const policies: NetworkPolicy[] = [];
    const alerts: FormattedAlert[] = [];
    const seenPolicies = new Set<string>();
    const collect = (planned: Array<{ action: { id: string; outcome: string; partial?: true | undefined }; policies: NetworkPolicy[] }>) => {
      for (const p of planned) {
        if (p.action.outcome !== 'planned' && p.action.outcome !== 'applied' && !p.action.partial) continue;
        for (const pol of p.policies) {
          // A redelivered anomaly returns the same actions: keep each policy once.
          const key = `${p.action.id}/${pol.metadata.namespace}/${pol.metadata.name}`;
          if (!seenPolicies.has(key)) policies.push(pol);
          seenPolicies.add(key);
        }
      }
    };
    async function revertDue(): Promise<number> {
      let reverted = 0;
      const dueNow = await scheduler.due(now());
      if (dueNow.length && !kube) {
        process.stderr.write(`boundwatch: ${dueNow.length} enforcement action(s) are due for revert; run with --kubeconfig (or boundwatch release) to revert them\n`);
        return 0;
      }
      for (const due of dueNow) {
        try {
          const r = await revertAction({ store, ledger, cluster: clusterName, now, announce, scheduler, ...(kube ? { kube } : {}), ...(iam ? { iam } : {}), ...(access ? { access } : {}), ...(sso ? { sso } : {}) }, due.actionId, 'expiry');
          if (r.status === 'reverted') reverted += 1;
          await scheduler.cancel(due.name);
        } catch (err) {
          // Kept in the queue: the next run (with --state and --kubeconfig) tries again.
          process.stderr.write(`boundwatch: revert of action ${due.actionId} (due ${due.dueAt}) failed: ${errorMessage(err)}\n`);
        }
      }
      return reverted;
    }

    bus.registerTarget(RuleTarget.enforce, async (event: BusEvent) => {
      const windowEnd = (event.detail as { window?: { end?: unknown } } | undefined)?.window?.end;
      const end = typeof windowEnd === 'string' ? Date.parse(windowEnd) : NaN;
      if (Number.isFinite(end) && end > eventClock) {
        eventClock = end;
        // Reverts due by this event time run before the anomaly is acted on.
        if (!opts.now) await revertDue();
      }
      try {
        collect((await enforceHandler(event)).planned);
      } catch (err) {
        // The bus retries the delivery, as EventBridge would; what was done already is kept.
        if (err instanceof RetryLaterError) collect(err.results);
        throw err;
      }
    });
    const routedRuntimeReports: RuntimeIngestReport[] = [];
    bus.registerTarget(RuleTarget.runtime, async (event: BusEvent) => {
      routedRuntimeReports.push(await runtimeHandler(event));
    });
    bus.registerTarget(RuleTarget.alerts, (event: BusEvent) => {
      if (event['detail-type'] === DetailType.anomaly || event['detail-type'] === DetailType.enforcement || event['detail-type'] === DetailType.sequence) {
        alerts.push(formatAlert(event as Parameters<typeof formatAlert>[0]));
      }
    });

    const dyn = dynamo;
    const eb = eventBridge;
    return {
      cluster: clusterName,
      counter,
      bus,
      ingestAudit: async (event) => {
        const result = await ingestHandler(event);
        // The local runtime only feeds CloudWatch Logs payloads, never Kinesis batches.
        if ('batchItemFailures' in result) throw new Error('ingest-audit answered a Kinesis batch response to a CloudWatch Logs payload');
        return result;
      },
      ingestFlows: (event) => flowsHandler(event),
      ingestDns: (event) => dnsHandler(event),
      ingestRuntime: (event) => runtimeHandler(event),
      routedRuntimeReports,
      putInventory: async (inventory, takenAt) => {
        await putInventorySnapshot({ client: dataDdb, tableName: LOCAL_TABLE, cluster: clusterName }, inventory, takenAt);
      },
      policies,
      alerts,
      env,
      ...(kube ? { kube } : {}),
      revertDue,
      drain: async () => {
        // Profiles the ingest cache has not written yet are written first: outputs read the table.
        await flushAll(ingestDeps);
        await bus.drain();
      },
      stop: async () => {
        dataDdb.destroy();
        ingestDeps.eventBridge.destroy();
        runtimeDeps.eventBridge.destroy();
        enforceDeps.eventBridge.destroy();
        await eb.stop();
        await dyn.stop();
      },
    };
  } catch (err) {
    await eventBridge?.stop().catch(() => undefined);
    await dynamo?.stop().catch(() => undefined);
    throw err;
  }
}
