/**
 * The read-only AWS calls behind `boundwatch preflight`: who we are (STS), each cluster and its
 * vpc-cni add-on (EKS), each log group and its subscription filters (CloudWatch Logs). Every
 * call's failure becomes a fact ("cannot read: …"), never an exception, so one missing
 * permission costs one check, not the whole report.
 */
import { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeSubscriptionFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeAddonCommand, DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { BoundwatchConfig } from '../config';
import { errorMessage } from '../errors';
import { logGroupsOf, type AccountFacts, type ClusterFacts, type EksClusterFact, type LogGroupFact, type PreflightFacts } from './checks';

export interface PreflightClients {
  region: string;
  sts: STSClient;
  eks: EKSClient;
  logs: CloudWatchLogsClient;
}

/** Clients for one region with the SDK's default credentials (endpoints follow AWS_ENDPOINT_URL_*). */
export function preflightClients(region: string): PreflightClients {
  return { region, sts: new STSClient({ region }), eks: new EKSClient({ region }), logs: new CloudWatchLogsClient({ region }) };
}

const errorName = (err: unknown): string => (err instanceof Error && err.name !== 'Error' ? `${err.name}: ${errorMessage(err)}` : errorMessage(err));

async function account(c: PreflightClients): Promise<AccountFacts> {
  try {
    const id = await c.sts.send(new GetCallerIdentityCommand({}));
    return { region: c.region, ...(id.Account ? { account: id.Account } : {}), ...(id.Arn ? { arn: id.Arn } : {}) };
  } catch (err) {
    return { region: c.region, error: errorName(err) };
  }
}

async function logGroup(c: PreflightClients, role: LogGroupFact['role'], name: string): Promise<LogGroupFact> {
  try {
    // The prefix search may return longer names too; only the exact one counts.
    const found = await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 }));
    if (!found.logGroups?.some((g) => g.logGroupName === name)) return { role, name, exists: false, filters: [] };
    const filters = await c.logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: name }));
    return {
      role, name, exists: true,
      filters: (filters.subscriptionFilters ?? []).map((f) => ({ name: f.filterName ?? '', destinationArn: f.destinationArn ?? '' })),
    };
  } catch (err) {
    return { role, name, exists: false, filters: [], error: errorName(err) };
  }
}

async function eksCluster(c: PreflightClients, name: string): Promise<Pick<ClusterFacts, 'cluster' | 'clusterError'>> {
  try {
    const r = await c.eks.send(new DescribeClusterCommand({ name }));
    const k = r.cluster;
    if (!k) return { clusterError: 'empty answer' };
    const vpc = k.resourcesVpcConfig;
    const fact: EksClusterFact = {
      status: k.status ?? 'UNKNOWN',
      version: k.version ?? '?',
      ...(k.accessConfig?.authenticationMode ? { authenticationMode: k.accessConfig.authenticationMode } : {}),
      endpointPublicAccess: vpc?.endpointPublicAccess ?? true,
      endpointPrivateAccess: vpc?.endpointPrivateAccess ?? false,
      publicAccessCidrs: vpc?.publicAccessCidrs ?? [],
      auditLogging: (k.logging?.clusterLogging ?? []).some((l) => l.enabled === true && (l.types ?? []).includes('audit')),
      ...(vpc?.vpcId ? { vpcId: vpc.vpcId } : {}),
    };
    return { cluster: fact };
  } catch (err) {
    return { clusterError: errorName(err) };
  }
}

async function vpcCni(c: PreflightClients, cluster: string): Promise<Pick<ClusterFacts, 'vpcCni' | 'vpcCniError'>> {
  try {
    const r = await c.eks.send(new DescribeAddonCommand({ clusterName: cluster, addonName: 'vpc-cni' }));
    const version = r.addon?.addonVersion ?? '?';
    let networkPolicy: boolean | undefined;
    const values = r.addon?.configurationValues;
    if (values) {
      try {
        const v = (JSON.parse(values) as { enableNetworkPolicy?: unknown }).enableNetworkPolicy;
        networkPolicy = v === undefined ? undefined : v === true || v === 'true';
      } catch {
        networkPolicy = /enableNetworkPolicy["']?\s*:\s*["']?true/.test(values) ? true : undefined;
      }
    }
    return { vpcCni: { version, networkPolicy } };
  } catch (err) {
    return { vpcCniError: errorName(err) };
  }
}

export async function gatherPreflightFacts(config: BoundwatchConfig, c: PreflightClients): Promise<PreflightFacts> {
  const clusters = await Promise.all(
    config.clusters.map(async (cfg): Promise<ClusterFacts> => {
      const [k, cni, groups] = await Promise.all([eksCluster(c, cfg.name), vpcCni(c, cfg.name), Promise.all(logGroupsOf(cfg).map(([role, name]) => logGroup(c, role, name)))]);
      return { name: cfg.name, ...k, ...cni, logGroups: groups };
    }),
  );
  return { account: await account(c), clusters };
}
