/**
 * The real parts the enforcement tests run against: the test Kubernetes API server (seeded
 * with a small shop), dynalite with a fresh table, the local EventBridge endpoint with its
 * bus, and optionally the local IAM, EKS and Scheduler endpoints. The enforce and revert
 * handlers are built exactly as the local runtime builds them, with an injectable clock.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EnforcementConfig } from '#shared/config';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { accessPolicyPort, awsRevertScheduler, iamPort, ssoAdminPort, type RevertScheduler } from '#shared/enforce/aws';
import { staticBaseline, type BaselineDestination } from '#shared/enforce/baseline';
import { dynamoActionStore, type ActionStore } from '#shared/enforce/store';
import { dynamoProvenance } from '#shared/events/provenance';
import { DetailType, type BehaviorAnomaly, type EnforcementAction, type EnforcementMode } from '#shared/events/schema';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { createClusterClient, type ClusterClient } from '#shared/k8s/client';
import { createMetrics } from '#shared/observability/powertools';
import * as enforce from '#functions/enforce/handler';
import * as revert from '#functions/revert/handler';
import { LocalBus } from '#infra/local/bus';
import { startDynalite, type LocalDynamo } from '#infra/local/dynamo-server';
import { startLocalEventBridge, type LocalEventBridge } from '#infra/local/eventbridge-server';
import { localRevertScheduler, type LocalRevertScheduler } from '#infra/local/scheduler';
import { anomalyEvent } from '#test/unit/events/sample-events';
import { freshTable } from '#test/support/dynamo';
import { startKubeFixture, type KubeFixture } from '#test/support/kube-apiserver';
import { startLocalEks, type LocalEks } from '#test/support/aws/eks-server';
import { startLocalIam, type LocalIam } from '#test/support/aws/iam-server';
import { startLocalScheduler, type LocalScheduler } from '#test/support/aws/scheduler-server';
import { startLocalSsoAdmin, type LocalSsoAdmin } from '#test/support/aws/sso-admin-server';
import type { z } from 'zod';
import { ACCOUNT } from '#test/support/audit-factory';

export const CLUSTER = 'prod-eks';
/** The revert queue the AWS revert schedules deliver to. */
export const REVERT_QUEUE_ARN = 'arn:aws:sqs:us-east-1:111122223333:boundwatch-prod-eks-revert';
export const CHECKOUT = 'checkout-6d9f8b7c5d-abcde';

/** A shop: checkout (two replicas) behind a Service, frontend, a database, CoreDNS, a host-network agent. */
export function shopCluster(): z.input<typeof ClusterInventory> {
  const node = (i: number) => ({ name: `ip-10-20-${i}-5.ec2.internal`, ip: `10.20.${i}.5` });
  return {
    namespaces: [{ name: 'shop' }, { name: 'kube-system' }, { name: 'monitoring' }, { name: 'boundwatch' }],
    nodes: [node(1), node(2)],
    pods: [
      { namespace: 'shop', name: CHECKOUT, ip: '10.1.0.10', labels: { app: 'checkout', tier: 'api', 'pod-template-hash': '6d9f8b7c5d' }, serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' }, nodeName: node(1).name, hostIP: node(1).ip, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'checkout-6d9f8b7c5d-fghij', ip: '10.1.0.11', labels: { app: 'checkout', tier: 'api', 'pod-template-hash': '6d9f8b7c5d' }, serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' }, nodeName: node(2).name, hostIP: node(2).ip, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'frontend-7f8d9c6b5a-klmno', ip: '10.1.0.20', labels: { app: 'frontend', 'pod-template-hash': '7f8d9c6b5a' }, serviceAccount: 'frontend', owner: { kind: 'Deployment', name: 'frontend' }, nodeName: node(2).name, hostIP: node(2).ip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'db-0', ip: '10.1.0.30', labels: { app: 'db' }, serviceAccount: 'db', owner: { kind: 'StatefulSet', name: 'db' }, nodeName: node(2).name, hostIP: node(2).ip, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'node-agent-x1y2z', ip: node(1).ip, labels: { app: 'node-agent' }, serviceAccount: 'node-agent', owner: { kind: 'DaemonSet', name: 'node-agent' }, hostNetwork: true, nodeName: node(1).name, hostIP: node(1).ip, ports: [{ port: 9100, protocol: 'TCP' }] },
      { namespace: 'kube-system', name: 'coredns-5d78c9869d-abcde', ip: '10.1.0.2', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '5d78c9869d' }, serviceAccount: 'coredns', owner: { kind: 'Deployment', name: 'coredns' }, nodeName: node(1).name, hostIP: node(1).ip, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] },
      { namespace: 'monitoring', name: 'prometheus-0', ip: '10.1.0.40', labels: { app: 'prometheus' }, serviceAccount: 'prometheus', owner: { kind: 'StatefulSet', name: 'prometheus' }, nodeName: node(2).name, hostIP: node(2).ip, ports: [{ port: 9090, protocol: 'TCP' }] },
    ],
    services: [
      { namespace: 'shop', name: 'checkout', type: 'ClusterIP', clusterIP: '172.20.0.10', selector: { app: 'checkout' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
      { namespace: 'kube-system', name: 'kube-dns', type: 'ClusterIP', clusterIP: '172.20.0.2', selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }] },
    ],
  };
}

/** The shop's own policies: frontend may call checkout; checkout may call the database and DNS. */
export const SHOP_POLICIES = [
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'checkout-ingress', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'checkout-egress', namespace: 'shop' },
    spec: {
      podSelector: { matchLabels: { app: 'checkout' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      ],
    },
  },
];

/** A stolen checkout token used from the internet: what the audit detector raises. */
export function stolenTokenAnomaly(overrides: Partial<BehaviorAnomaly> = {}): BehaviorAnomaly {
  return anomalyEvent('HIGH', {
    id: '5f0c6a52-0a8e-4c1e-9d4b-3d3c2f6e7a10',
    cluster: CLUSTER,
    principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout', namespace: 'shop' },
    workload: { namespace: 'shop', pod: CHECKOUT, serviceAccount: 'checkout' },
    recommendedActions: ['quarantine', 'revoke-credentials', 'notify'],
    // Just before the harness clock: the age gate acts only on recent anomalies.
    window: { start: '2026-03-01T11:50:00.000Z', end: '2026-03-01T11:55:00.000Z' },
    ...overrides,
  }).detail;
}

/** Findings of the given types (evidence from `ips`), to pick a row of the response table. */
export function findingsOf(types: string[], ips: string[] = ['10.1.0.7']): BehaviorAnomaly['findings'] {
  return types.map((type) => ({ type, title: type, description: `${type} happened`, mitre: [], evidence: { auditIDs: ['a1'], count: 1, sourceIPs: ips, userAgents: ['curl/8.0'], baseline: 'what was normal' } }));
}

/** The token copied out of the pod and used from the internet: the response revokes the credential. */
export const STOLEN = (ips: string[] = ['203.0.113.7']) => findingsOf(['CredentialFromOtherIP', 'CredentialFromPublicNetwork'], ips);

/** The bus delivers in the account the harness's IAM and EKS endpoints stand for (where the test roles live). */
export function envelopeOf(anomaly: BehaviorAnomaly) {
  return { ...anomalyEvent(anomaly.severity), account: ACCOUNT, detail: anomaly, id: `event-${anomaly.id}` };
}

export class Clock {
  constructor(public t: Date = new Date('2026-03-01T12:00:00Z')) {}
  now = (): Date => new Date(this.t);
  advance(minutes: number): void {
    this.t = new Date(this.t.getTime() + minutes * 60_000);
  }
}

export interface HarnessOptions {
  mode?: EnforcementMode;
  config?: z.input<typeof EnforcementConfig>;
  seed?: z.input<typeof ClusterInventory>;
  policies?: Array<Record<string, unknown>>;
  /** No cluster access at all (dry-run from the anomaly alone). */
  noCluster?: boolean;
  baseline?: Record<string, BaselineDestination[]>;
  /** Start local IAM and EKS endpoints and give the engine access to them. */
  aws?: boolean;
  /** Start the local IAM Identity Center (sso-admin) endpoint too and give the engine and revert access to it. */
  sso?: boolean;
  /** Use the AWS Scheduler (local endpoint) instead of the local table-backed queue. */
  awsScheduler?: boolean;
  /** Whether the test API server serves EKS's ClusterNetworkPolicy CRD. Default false: an older cluster, relabel + deny-all. */
  clusterNetworkPolicies?: boolean;
  /** Wraps the engine's cluster client (to interleave a concurrent change). */
  wrapKube?: (c: ClusterClient, k: KubeFixture) => ClusterClient;
}

export interface Harness {
  kube: KubeFixture;
  client: ClusterClient;
  dynamo: LocalDynamo;
  ddb: DynamoDBClient;
  tableName: string;
  eb: LocalEventBridge;
  bus: LocalBus;
  clock: Clock;
  store: ActionStore;
  localScheduler: LocalRevertScheduler;
  scheduler: RevertScheduler;
  iam?: LocalIam;
  eks?: LocalEks;
  sso?: LocalSsoAdmin;
  awsScheduler?: LocalScheduler;
  deps: enforce.EnforceDeps;
  /** Records the anomaly as an ingest function would, then delivers it to enforce. */
  enforce(anomaly: BehaviorAnomaly): Promise<enforce.EnforceResult>;
  /** Delivers the scheduled sweep (an EventBridge `Scheduled Event`): held actions due by now are re-evaluated. */
  sweep(): Promise<enforce.EnforceResult>;
  /** Delivers an event to enforce without recording it: what a forged PutEvents looks like. */
  deliver(event: unknown): Promise<enforce.EnforceResult>;
  revert(actionId: string, trigger?: 'expiry' | 'release'): ReturnType<ReturnType<typeof revert.makeHandler>>;
  /** Delivers messages from the revert queue (an SQS event source batch) to the revert function. */
  revertQueue(messages: Array<{ body: string; receiveCount?: number }>): Promise<SQSBatchResponse>;
  /** The enforce function's metrics (spy on them to see what it emits). */
  enforceMetrics: Metrics;
  /** Enforcement Action events published so far. */
  actions(): EnforcementAction[];
  stop(): Promise<void>;
}

const quiet = () => {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  return { logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }), metrics: createMetrics('test', { cluster: CLUSTER }) };
};

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const kube = await startKubeFixture({ seed: opts.seed ?? shopCluster(), server: { clusterNetworkPolicies: opts.clusterNetworkPolicies ?? false } });
  for (const p of opts.policies ?? SHOP_POLICIES) kube.api.put(p);
  const dynamo = await startDynalite();
  const { client: ddb, tableName } = await freshTable(dynamo.endpoint);
  const bus = new LocalBus();
  const eb = await startLocalEventBridge({ bus });
  const clock = new Clock();
  const creds = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const iam = opts.aws ? await startLocalIam() : undefined;
  const eks = opts.aws ? await startLocalEks() : undefined;
  const awsScheduler = opts.awsScheduler ? await startLocalScheduler() : undefined;
  const ssoEndpoint = opts.sso ? await startLocalSsoAdmin() : undefined;
  const ssoAccess = ssoEndpoint ? ssoAdminPort(new SSOAdminClient({ ...creds, endpoint: ssoEndpoint.url, maxAttempts: 1 }), { pollMs: 5, timeoutMs: 5000 }) : undefined;
  const localScheduler = localRevertScheduler(ddb, tableName, CLUSTER);
  const scheduler = awsScheduler
    ? awsRevertScheduler(new SchedulerClient({ ...creds, endpoint: awsScheduler.url, maxAttempts: 1 }), {
        groupName: 'boundwatch-prod-eks',
        roleArn: 'arn:aws:iam::111122223333:role/boundwatch-scheduler',
        targetArn: REVERT_QUEUE_ARN,
        deadLetterArn: 'arn:aws:sqs:us-east-1:111122223333:boundwatch-revert-dlq',
      })
    : localScheduler;
  const iamAccess = iam ? iamPort(new IAMClient({ ...creds, endpoint: iam.url, maxAttempts: 2 })) : undefined;
  const access = eks ? accessPolicyPort(new EKSClient({ ...creds, endpoint: eks.url, maxAttempts: 2 })) : undefined;
  const client = opts.noCluster ? undefined : opts.wrapKube ? opts.wrapKube(kube.client, kube) : kube.client;
  const deps: enforce.EnforceDeps = {
    eventBridge: eventBridgeClientFor(eb.endpoint),
    busName: bus.name,
    cluster: CLUSTER,
    mode: opts.mode ?? 'apply',
    enforcement: EnforcementConfig.parse(opts.config ?? {}),
    ddb,
    tableName,
    ...(client ? { kube: client } : {}),
    ...(iamAccess ? { iam: iamAccess } : {}),
    ...(access ? { access } : {}),
    ...(ssoAccess ? { sso: ssoAccess } : {}),
    scheduler,
    ...(opts.baseline ? { baselines: staticBaseline(opts.baseline) } : {}),
    now: clock.now,
  };
  const enforceObs = quiet();
  const enforceHandler = enforce.makeHandler(deps, enforceObs);
  const revertHandler = revert.makeHandler(
    { eventBridge: deps.eventBridge, busName: bus.name, cluster: CLUSTER, ddb, tableName, ...(client ? { kube: client } : {}), ...(iamAccess ? { iam: iamAccess } : {}), ...(access ? { access } : {}), ...(ssoAccess ? { sso: ssoAccess } : {}), scheduler, now: clock.now },
    quiet(),
  );
  return {
    kube,
    client: kube.client,
    dynamo,
    ddb,
    tableName,
    eb,
    bus,
    clock,
    store: dynamoActionStore(ddb, tableName),
    localScheduler,
    scheduler,
    ...(iam ? { iam } : {}),
    ...(eks ? { eks } : {}),
    ...(ssoEndpoint ? { sso: ssoEndpoint } : {}),
    ...(awsScheduler ? { awsScheduler } : {}),
    deps,
    enforce: async (anomaly) => {
      await dynamoProvenance(ddb, tableName).record([anomaly], clock.now());
      const r = await enforceHandler(envelopeOf(anomaly));
      await bus.drain();
      return r;
    },
    sweep: async () => {
      const r = await enforceHandler({ version: '0', id: `sweep-${clock.now().getTime()}`, 'detail-type': 'Scheduled Event', source: 'aws.events', account: ACCOUNT, time: clock.now().toISOString(), region: 'us-east-1', resources: [], detail: {} });
      await bus.drain();
      return r;
    },
    deliver: async (event) => {
      const r = await enforceHandler(event);
      await bus.drain();
      return r;
    },
    revert: async (actionId, trigger = 'expiry') => {
      const r = await revertHandler({ actionId, cluster: CLUSTER, trigger });
      await bus.drain();
      return r;
    },
    revertQueue: async (messages) => {
      const event: SQSEvent = {
        Records: messages.map((m, i) => ({
          messageId: `m-${clock.now().getTime()}-${i}`,
          receiptHandle: `rh-${i}`,
          body: m.body,
          attributes: { ApproximateReceiveCount: String(m.receiveCount ?? 1), SentTimestamp: String(clock.now().getTime()), SenderId: 'AROASCHEDULER', ApproximateFirstReceiveTimestamp: String(clock.now().getTime()) },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: REVERT_QUEUE_ARN,
          awsRegion: 'us-east-1',
        })),
      };
      const r = await revertHandler(event);
      await bus.drain();
      return r;
    },
    enforceMetrics: enforceObs.metrics,
    actions: () => bus.eventsOfType(DetailType.enforcement).map((e) => e.detail as EnforcementAction),
    stop: async () => {
      deps.eventBridge.destroy();
      ddb.destroy();
      await Promise.all([kube.stop(), eb.stop(), dynamo.stop(), iam?.stop(), eks?.stop(), ssoEndpoint?.stop(), awsScheduler?.stop()]);
    },
  };
}

/** A second client acting as another field manager (a person with kubectl). */
export function kubectlClient(k: KubeFixture): ClusterClient {
  return createClusterClient(k.kubeConfig, { fieldManager: 'kubectl', retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
}
