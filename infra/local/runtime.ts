/**
 * The embedded runtime: the same handlers that run on Lambda, wired together in one process.
 * dynalite plays DynamoDB and a local EventBridge endpoint plays the `boundwatch` bus; both
 * are reached over HTTP by the real AWS SDK clients. The bus routes with the rules the CDK
 * stack deploys (shared/events/rules.ts) to the enforce handler and to the alert formatter.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createDynamoClient, ensureTable, type RequestCounter } from '#shared/clients/dynamo';
import { functionConfigFor, type BoundwatchConfig } from '#shared/config';
import { EnvNames } from '#shared/env';
import { stableId } from '#shared/events/ids';
import { boundwatchRules, RuleTarget } from '#shared/events/rules';
import { DetailType, type EnforcementMode } from '#shared/events/schema';
import { formatAlert, type FormattedAlert } from '#shared/alerts/format';
import type { NetworkPolicyManifest } from '#shared/enforce/quarantine';
import { createMetrics } from '#shared/observability/powertools';
import type { AuditIngestReport } from '#shared/ingest/audit';
import * as ingestAudit from '#functions/ingest-audit/handler';
import * as enforce from '#functions/enforce/handler';
import { LocalBus, type BusEvent } from './bus';
import { startDynalite, type LocalDynamo } from './dynamo-server';
import { startLocalEventBridge, type LocalEventBridge } from './eventbridge-server';

export const LOCAL_TABLE = 'boundwatch';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export interface LocalRuntimeOptions {
  config: BoundwatchConfig;
  /** Which configured cluster the input belongs to; the first by default. */
  cluster?: string;
  /** Keep the embedded DynamoDB in this folder between runs; in memory when absent. */
  statePath?: string;
  enforce: EnforcementMode;
  kubeconfig?: string;
  /** Clock for enforcement decisions (expiry times); the wall clock by default. */
  now?: () => Date;
}

export interface LocalRuntime {
  cluster: string;
  counter: RequestCounter;
  bus: LocalBus;
  /** Invokes the ingest-audit handler with one CloudWatch Logs subscription event. */
  ingestAudit(event: unknown): Promise<AuditIngestReport>;
  policies: NetworkPolicyManifest[];
  alerts: FormattedAlert[];
  env: Record<string, string>;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Observability for handlers running inside the CLI: silent logs, no EMF on stdout. */
function quietObservability(service: string, cluster: string): { logger: Logger; metrics: Metrics } {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  return { logger: new Logger({ serviceName: service, logLevel: 'SILENT' }), metrics: createMetrics(service, { cluster }) };
}

export async function startLocalRuntime(opts: LocalRuntimeOptions): Promise<LocalRuntime> {
  const clusterName = opts.cluster ?? opts.config.clusters[0]!.name;
  const fnConfig = functionConfigFor(opts.config, clusterName);
  fnConfig.cluster.enforcement = opts.enforce;

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

    const ingestDeps = ingestAudit.depsFromEnv(env);
    // The runtime counts the requests of the data path, not of its own setup.
    ingestDeps.ddb.destroy();
    ingestDeps.ddb = createDynamoClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, counter });
    const ingestHandler = ingestAudit.makeHandler(ingestDeps, quietObservability('ingest-audit', clusterName));

    const enforceDeps = enforce.depsFromEnv(env);
    if (opts.now) enforceDeps.now = opts.now;
    const enforceHandler = enforce.makeHandler(enforceDeps, quietObservability('enforce', clusterName));

    const policies: NetworkPolicyManifest[] = [];
    const alerts: FormattedAlert[] = [];
    bus.registerTarget(RuleTarget.enforce, async (event: BusEvent) => {
      const result = await enforceHandler(event);
      for (const p of result.planned) {
        if (p.action.outcome === 'planned' || p.action.outcome === 'applied') policies.push(...p.policies);
      }
    });
    bus.registerTarget(RuleTarget.alerts, (event: BusEvent) => {
      if (event['detail-type'] === DetailType.anomaly || event['detail-type'] === DetailType.enforcement) {
        alerts.push(formatAlert(event as Parameters<typeof formatAlert>[0]));
      }
    });

    const dyn = dynamo;
    const eb = eventBridge;
    return {
      cluster: clusterName,
      counter,
      bus,
      ingestAudit: (event) => ingestHandler(event),
      policies,
      alerts,
      env,
      drain: () => bus.drain(),
      stop: async () => {
        ingestDeps.ddb.destroy();
        ingestDeps.eventBridge.destroy();
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
