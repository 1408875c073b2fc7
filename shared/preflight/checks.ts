/**
 * `boundwatch preflight`: what a first `cdk deploy` needs from the account, the region and
 * each configured cluster, judged from read-only facts (gathered by shared/preflight/aws.ts).
 * Pure: every rule is a small function from facts to findings, each finding with the fix a
 * person can paste. `blocker` means the deploy fails or deploys a stack that cannot work.
 *
 * Sources of the rules:
 * - CloudWatch Logs allows two subscription filters per log group ("Log group subscription
 *   filters" in the CloudWatch Logs quotas); boundwatch adds one per log group it reads.
 * - EKS access entries (what enforcement's RBAC identity needs) exist only with the
 *   `API` or `API_AND_CONFIG_MAP` authentication modes (EKS user guide, "access entries").
 * - Lambda functions outside the cluster's VPC reach the API server only through the public
 *   endpoint, and only when `publicAccessCidrs` admits Lambda's addresses (EKS user guide,
 *   "cluster endpoint access control").
 * - ClusterNetworkPolicy needs the VPC CNI 1.21.1 or later with network policy enabled (EKS
 *   user guide, "cluster network policies"); boundwatch then isolates with an Admin-tier deny,
 *   else it falls back to relabel + NetworkPolicy.
 */
import type { BoundwatchConfig, ClusterConfig } from '../config';
import { regionSupport } from './regions';

export type Status = 'ok' | 'warn' | 'blocker';

export interface Finding {
  /** The cluster the finding is about; absent for account-wide checks. */
  cluster?: string;
  check: string;
  status: Status;
  detail: string;
  /** What to do about it (absent when ok). */
  fix?: string;
}

export interface SubscriptionFilterFact {
  name: string;
  destinationArn: string;
}

export interface LogGroupFact {
  /** Which configured log group: `auditLogGroup`, `flowLogGroup` or `runtime.falcoLogGroup`. */
  role: 'audit' | 'flow' | 'falco' | 'resolver';
  name: string;
  exists: boolean;
  filters: SubscriptionFilterFact[];
  /** The facts could not be read (access denied, throttled...). */
  error?: string;
}

export interface EksClusterFact {
  status: string;
  version: string;
  authenticationMode?: string;
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  publicAccessCidrs: string[];
  auditLogging: boolean;
  vpcId?: string;
}

export interface ClusterFacts {
  name: string;
  cluster?: EksClusterFact;
  clusterError?: string;
  vpcCni?: { version: string; networkPolicy: boolean | undefined };
  vpcCniError?: string;
  logGroups: LogGroupFact[];
}

export interface AccountFacts {
  region: string;
  account?: string;
  arn?: string;
  error?: string;
}

export interface PreflightFacts {
  account: AccountFacts;
  clusters: ClusterFacts[];
}

/** Filters boundwatch itself creates (a re-deploy finds its own). */
export const BOUNDWATCH_FILTER = /^boundwatch-/;
export const LOG_GROUP_FILTER_LIMIT = 2;
export const CNP_MIN_VPC_CNI = [1, 21, 1] as const;

function versionOf(text: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function atLeast(version: string, min: readonly number[]): boolean {
  const v = versionOf(version);
  if (!v) return false;
  for (let i = 0; i < min.length; i++) {
    if (v[i]! !== min[i]!) return v[i]! > min[i]!;
  }
  return true;
}

function accountChecks(f: AccountFacts): Finding[] {
  const out: Finding[] = [];
  if (f.error || !f.account) {
    out.push({ check: 'credentials', status: 'blocker', detail: `cannot identify the account: ${f.error ?? 'no account in the answer'}`, fix: 'configure AWS credentials for the target account (aws sts get-caller-identity must work)' });
  } else {
    out.push({ check: 'credentials', status: 'ok', detail: `account ${f.account} as ${f.arn ?? '?'}` });
  }
  const r = regionSupport(f.region);
  if (!r.known) {
    // The synth refuses it too (infra/aws/config.ts): say so before anyone runs cdk deploy.
    out.push({ check: 'region', status: 'blocker', detail: `region ${f.region} is not one boundwatch supports; cdk synth refuses it`, fix: 'deploy to a region listed in shared/preflight/regions.ts (AWS_REGION, or -c region=...)' });
  } else if (r.missing.length) {
    out.push({ check: 'region', status: 'warn', detail: `${f.region} (${r.partition}) lacks ${r.missing.join(', ')}: the stack skips them`, fix: 'nothing to do; event schemas and the replay archive are not deployed in this region' });
  } else {
    out.push({ check: 'region', status: 'ok', detail: `${f.region} (${r.partition}) supports every resource kind` });
  }
  return out;
}

export const CONFIG_KEY: Record<LogGroupFact['role'], string> = { audit: 'auditLogGroup', flow: 'flowLogGroup', falco: 'runtime.falcoLogGroup', resolver: 'resolverLogGroup' };

function filterCheck(cluster: string, g: LogGroupFact, required: boolean): Finding[] {
  const check = `${g.role} log group`;
  if (g.error) return [{ cluster, check, status: required ? 'blocker' : 'warn', detail: `${g.name}: cannot read it: ${g.error}`, fix: 'grant logs:DescribeLogGroups and logs:DescribeSubscriptionFilters to the deploying identity, or check the name' }];
  if (!g.exists) {
    const fix = g.role === 'audit' ? `turn on audit logging (below); EKS then creates ${g.name}` : `create the log group or correct clusters[].${CONFIG_KEY[g.role]}`;
    return [{ cluster, check, status: 'blocker', detail: `${g.name} does not exist`, fix }];
  }
  const others = g.filters.filter((f) => !BOUNDWATCH_FILTER.test(f.name));
  const ours = g.filters.length - others.length;
  if (ours === 0 && others.length >= LOG_GROUP_FILTER_LIMIT) {
    return [{
      cluster, check, status: 'blocker',
      detail: `${g.name} already has ${others.length} subscription filters (${others.map((f) => `${f.name} → ${f.destinationArn}`).join('; ')}); CloudWatch Logs allows ${LOG_GROUP_FILTER_LIMIT}`,
      fix: 'remove one filter, or fan out: point one filter at a Kinesis stream or Firehose that feeds both consumers',
    }];
  }
  return [{ cluster, check, status: 'ok', detail: `${g.name}: ${g.filters.length} subscription filter(s)${ours ? ', boundwatch\'s already there' : ''}` }];
}

function clusterChecks(c: ClusterFacts, cfg: ClusterConfig | undefined): Finding[] {
  const cluster = c.name;
  const out: Finding[] = [];
  if (c.clusterError || !c.cluster) {
    out.push({ cluster, check: 'cluster', status: 'blocker', detail: `cannot describe the cluster: ${c.clusterError ?? 'not found'}`, fix: 'check clusters[].name, the region, and eks:DescribeCluster for the deploying identity' });
    for (const g of c.logGroups) out.push(...filterCheck(cluster, g, g.role === 'audit'));
    return out;
  }
  const k = c.cluster;
  out.push({ cluster, check: 'cluster', status: k.status === 'ACTIVE' ? 'ok' : 'warn', detail: `Kubernetes ${k.version}, ${k.status}`, ...(k.status === 'ACTIVE' ? {} : { fix: 'wait until the cluster is ACTIVE' }) });

  const mode = k.authenticationMode ?? 'CONFIG_MAP';
  if (mode === 'CONFIG_MAP') {
    out.push({ cluster, check: 'auth mode', status: 'blocker', detail: 'authentication mode CONFIG_MAP: EKS access entries, which give boundwatch its cluster identity, are unavailable', fix: `aws eks update-cluster-config --name ${cluster} --access-config authenticationMode=API_AND_CONFIG_MAP` });
  } else out.push({ cluster, check: 'auth mode', status: 'ok', detail: mode });

  const inVpc = !!cfg?.subnetIds?.length;
  const openToAll = k.publicAccessCidrs.length === 0 || k.publicAccessCidrs.includes('0.0.0.0/0');
  if (!k.endpointPublicAccess && !inVpc) {
    out.push({ cluster, check: 'endpoint', status: 'blocker', detail: 'private API endpoint only, and the functions are not placed in the cluster VPC', fix: `set clusters[].vpcId and subnetIds (subnets that reach the endpoint) and clusterSecurityGroupId (the cluster security group); the stack then allows the functions' security group on it, port 443` });
  } else if (k.endpointPublicAccess && !openToAll && !inVpc) {
    out.push({ cluster, check: 'endpoint', status: 'blocker', detail: `public endpoint limited to ${k.publicAccessCidrs.join(', ')}: Lambda's addresses are not among them`, fix: 'enable the private endpoint and place the functions in the cluster VPC (clusters[].vpcId, subnetIds, clusterSecurityGroupId)' });
  } else if (inVpc && !k.endpointPrivateAccess && !openToAll) {
    // In the VPC without the private endpoint, calls leave through NAT to the public endpoint.
    out.push({ cluster, check: 'endpoint', status: 'warn', detail: `public endpoint limited to ${k.publicAccessCidrs.join(', ')}; the functions in the VPC reach it only through NAT`, fix: `enable the private endpoint (aws eks update-cluster-config --name ${cluster} --resources-vpc-config endpointPrivateAccess=true), or add the subnets' NAT addresses to publicAccessCidrs` });
  } else {
    out.push({ cluster, check: 'endpoint', status: 'ok', detail: `${k.endpointPublicAccess ? 'public' : ''}${k.endpointPublicAccess && k.endpointPrivateAccess ? ' + ' : ''}${k.endpointPrivateAccess ? 'private' : ''}${inVpc ? '; functions in the VPC' : ''}` });
  }

  if (!k.auditLogging) {
    out.push({ cluster, check: 'audit logging', status: 'blocker', detail: 'the audit log type is not enabled', fix: `aws eks update-cluster-config --name ${cluster} --logging '{"clusterLogging":[{"types":["audit"],"enabled":true}]}'` });
  } else out.push({ cluster, check: 'audit logging', status: 'ok', detail: 'audit log type enabled' });

  if (c.vpcCniError || !c.vpcCni) {
    out.push({ cluster, check: 'VPC CNI', status: 'warn', detail: `cannot read the vpc-cni add-on: ${c.vpcCniError ?? 'not installed as an EKS add-on'}`, fix: 'check the version yourself: kubectl -n kube-system get ds aws-node -o jsonpath="{..image}"' });
  } else {
    const cnp = atLeast(c.vpcCni.version, CNP_MIN_VPC_CNI);
    const np = c.vpcCni.networkPolicy;
    const detail = `vpc-cni ${c.vpcCni.version}; network policy ${np === true ? 'enabled' : np === false ? 'disabled' : 'not set'}; ClusterNetworkPolicy ${cnp ? 'supported' : `needs ${CNP_MIN_VPC_CNI.join('.')}+`}`;
    if (np !== true) out.push({ cluster, check: 'VPC CNI', status: 'warn', detail, fix: `aws eks update-addon --cluster-name ${cluster} --addon-name vpc-cni --configuration-values '{"enableNetworkPolicy":"true"}' (quarantine policies are not enforced until then)` });
    else if (!cnp) out.push({ cluster, check: 'VPC CNI', status: 'warn', detail, fix: 'upgrade vpc-cni to 1.21.1+ for isolation with ClusterNetworkPolicy; until then quarantine uses relabel + NetworkPolicy' });
    else out.push({ cluster, check: 'VPC CNI', status: 'ok', detail });
  }

  for (const g of c.logGroups) out.push(...filterCheck(cluster, g, g.role === 'audit'));
  return out;
}

/** Log groups read by more than one configured cluster: one filter per group, fanned out. */
function sharedLogGroups(config: BoundwatchConfig): Finding[] {
  const users = new Map<string, string[]>();
  for (const c of config.clusters) {
    for (const [role, g] of logGroupsOf(c)) users.set(g, [...(users.get(g) ?? []), `${c.name} (${role})`]);
  }
  return [...users].filter(([, cs]) => cs.length > 1).map(([g, cs]) => ({
    check: 'shared log group', status: 'blocker' as const,
    detail: `${g} is configured for ${cs.join(', ')}: each would add an identical subscription filter`,
    fix: 'give each cluster its own log group, or configure the shared group on one cluster only',
  }));
}

export function preflightFindings(config: BoundwatchConfig, facts: PreflightFacts): Finding[] {
  const byName = new Map(config.clusters.map((c) => [c.name, c]));
  return [...accountChecks(facts.account), ...sharedLogGroups(config), ...facts.clusters.flatMap((c) => clusterChecks(c, byName.get(c.name)))];
}

/** Every log group the stack subscribes to for this cluster (one `boundwatch-*` filter each). */
export function logGroupsOf(cfg: ClusterConfig): Array<[LogGroupFact['role'], string]> {
  const out: Array<[LogGroupFact['role'], string]> = [['audit', cfg.auditLogGroup]];
  if (cfg.flowLogGroup) out.push(['flow', cfg.flowLogGroup]);
  if (cfg.runtime?.falcoLogGroup) out.push(['falco', cfg.runtime.falcoLogGroup]);
  if (cfg.resolverLogGroup) out.push(['resolver', cfg.resolverLogGroup]);
  return out;
}

export const hasBlockers = (findings: readonly Finding[]): boolean => findings.some((f) => f.status === 'blocker');
