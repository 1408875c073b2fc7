/**
 * How every boundwatch Lambda starts up: one reader of its environment and of
 * `BOUNDWATCH_CONFIG`, one place that builds AWS clients (each once per container, on first
 * use, with the same region and local-endpoint rules), and one observability pair. Handlers
 * take what they need from a FunctionEnv in their `depsFromEnv`, and export
 * `handler = lazyHandler(() => makeHandler(...))` so the cold start happens on the first
 * invocation, inside Lambda's error reporting, not at import.
 */
import { EKSClient } from '@aws-sdk/client-eks';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FunctionConfig } from '../config';
import { EnvNames, jsonEnv, optionalEnv, requireEnv } from '../env';
import { createClusterClient, type ClusterClient } from '../k8s/client';
import { EksKubeConfigSource } from '../k8s/eks';
import { createObservability, type Observability } from '../observability/invocation';
import { createLogger, createMetrics } from '../observability/powertools';
import { createDynamoClient } from '../clients/dynamo';
import { eventBridgeClientFor } from '../clients/eventbridge';

export interface FunctionEnv {
  readonly vars: NodeJS.ProcessEnv;
  /** AWS_REGION as Lambda sets it; undefined lets the SDK's chain decide. */
  readonly region: string | undefined;
  /** BOUNDWATCH_CONFIG, validated (read once). */
  config(): FunctionConfig;
  /** CLUSTER_NAME, else the cluster of BOUNDWATCH_CONFIG. */
  cluster(): string;
  require(name: string): string;
  optional(name: string): string | undefined;
  tableName(): string;
  busName(): string;
  dynamo(): DynamoDBClient;
  eventBridge(): EventBridgeClient;
  eks(): EKSClient;
  iam(): IAMClient;
  scheduler(): SchedulerClient;
  sns(): SNSClient;
  /** sso-admin in the IAM Identity Center instance's region (enforcement.identityCenter.region), else the function's. */
  ssoAdmin(): SSOAdminClient;
  /** The cluster's API through its EKS access entry (token from the function's role). */
  clusterClient(): ClusterClient;
  /** Logs and metrics of a per-cluster function (metrics carry the cluster dimension). */
  observability(service: string): Observability;
  /** Logs and metrics of a function the whole stack shares (notify): no cluster dimension. */
  stackObservability(service: string): Observability;
}

function once<T>(make: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value;
  };
}

export function functionEnv(vars: NodeJS.ProcessEnv = process.env): FunctionEnv {
  const region = optionalEnv(EnvNames.awsRegion, vars);
  const withRegion = region ? { region } : {};
  const config = once(() => jsonEnv(EnvNames.config, FunctionConfig, vars));
  const cluster = once(() => optionalEnv(EnvNames.clusterName, vars) ?? config().cluster.name);
  const eks = once(() => new EKSClient(withRegion));
  return {
    vars,
    region,
    config,
    cluster,
    require: (name) => requireEnv(name, vars),
    optional: (name) => optionalEnv(name, vars),
    tableName: () => requireEnv(EnvNames.tableName, vars),
    busName: () => requireEnv(EnvNames.eventBusName, vars),
    dynamo: once(() => createDynamoClient({ endpoint: optionalEnv(EnvNames.dynamoEndpoint, vars), ...withRegion })),
    eventBridge: once(() => eventBridgeClientFor(optionalEnv(EnvNames.eventBridgeEndpoint, vars), withRegion)),
    eks,
    iam: once(() => new IAMClient(withRegion)),
    scheduler: once(() => new SchedulerClient(withRegion)),
    sns: once(() => new SNSClient(withRegion)),
    ssoAdmin: once(() => {
      const icRegion = config().enforcement.identityCenter?.region;
      return new SSOAdminClient(icRegion ? { region: icRegion } : withRegion);
    }),
    clusterClient: once(() =>
      createClusterClient(new EksKubeConfigSource({ clusterName: cluster(), region: region ?? 'us-east-1', eks: eks(), credentials: defaultProvider() })),
    ),
    observability: (service) => createObservability(service, cluster()),
    stackObservability: (service) => ({ logger: createLogger(service), metrics: createMetrics(service) }),
  };
}

/** A handler built on its first invocation and kept for the container's life. */
export function lazyHandler<E, C, R>(make: () => (event: E, context: C) => Promise<R>): (event: E, context: C) => Promise<R> {
  let instance: ((event: E, context: C) => Promise<R>) | undefined;
  return (event, context) => {
    instance ??= make();
    return instance(event, context);
  };
}
