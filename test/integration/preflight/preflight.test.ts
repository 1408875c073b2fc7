/**
 * `boundwatch preflight` against local STS, EKS and CloudWatch Logs endpoints speaking the real
 * protocols (test/support/aws/preflight-servers.ts): the real SDK clients gather the facts and
 * the rules judge them. One ready cluster, and one with every failure mode a first deploy meets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatherPreflightFacts, preflightClients } from '#shared/preflight/aws';
import { hasBlockers, preflightFindings, type Finding } from '#shared/preflight/checks';
import { parseConfig } from '#shared/config';
import { startLocalEksDescribe, startLocalLogs, startLocalSts, type LocalEksDescribe, type LocalLogs } from '#test/support/aws/preflight-servers';
import type { AwsEndpoint } from '#test/support/aws/http';
import { runCli } from '#test/support/cli';

let sts: AwsEndpoint;
let eks: LocalEksDescribe;
let logs: LocalLogs;

const env = () => ({
  AWS_ENDPOINT_URL_STS: sts.url,
  AWS_ENDPOINT_URL_EKS: eks.url,
  AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.url,
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
});

beforeAll(async () => {
  [sts, eks, logs] = await Promise.all([startLocalSts('111122223333', 'arn:aws:iam::111122223333:role/deployer'), startLocalEksDescribe(), startLocalLogs()]);
  eks.addCluster('ready', { vpcCni: { version: 'v1.21.1-eksbuild.1', configurationValues: '{"enableNetworkPolicy":"true"}' } });
  logs.addLogGroup('/aws/eks/ready/cluster', [{ filterName: 'datadog', destinationArn: 'arn:aws:lambda:us-east-1:111122223333:function:dd' }]);
  logs.addLogGroup('/vpc/ready/flows');
  eks.addCluster('broken', { authenticationMode: 'CONFIG_MAP', endpointPublicAccess: false, endpointPrivateAccess: true, auditLogging: false, vpcCni: { version: 'v1.19.0-eksbuild.1' } });
  logs.addLogGroup('/aws/eks/broken/cluster', [
    { filterName: 'datadog', destinationArn: 'arn:aws:lambda:us-east-1:111122223333:function:dd' },
    { filterName: 'splunk', destinationArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/splunk' },
  ]);
  // A prefix match that is not the configured group must not count as it.
  logs.addLogGroup('/vpc/broken/flows-old');
});

afterAll(async () => {
  await Promise.all([sts?.stop(), eks?.stop(), logs?.stop()]);
});

const withEnv = async <T>(fn: () => Promise<T>): Promise<T> => {
  const saved = { ...process.env };
  Object.assign(process.env, env());
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
};

const find = (fs: Finding[], cluster: string | undefined, check: string) => fs.find((f) => f.cluster === cluster && f.check === check)!;

describe('boundwatch preflight', () => {
  it('passes a ready cluster: account, region, auth mode, endpoint, audit logging, CNI with ClusterNetworkPolicy, one free filter slot', async () => {
    const config = parseConfig({ clusters: [{ name: 'ready', auditLogGroup: '/aws/eks/ready/cluster', flowLogGroup: '/vpc/ready/flows' }] });
    const findings = await withEnv(async () => preflightFindings(config, await gatherPreflightFacts(config, preflightClients('us-east-1'))));
    expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(find(findings, undefined, 'credentials').detail).toContain('111122223333');
    expect(find(findings, 'ready', 'VPC CNI').detail).toContain('ClusterNetworkPolicy supported');
    expect(find(findings, 'ready', 'audit log group').detail).toContain('1 subscription filter');
    // Every call was signed for its service: the real clients ran.
    expect(new Set(eks.requests.map((r) => r.signedFor))).toEqual(new Set(['eks']));
    expect(new Set(logs.requests.map((r) => r.signedFor))).toEqual(new Set(['logs']));
  });

  it('names every blocker of a cluster that cannot work, each with its fix, and exits 1 from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-preflight-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ clusters: [{ name: 'broken', auditLogGroup: '/aws/eks/broken/cluster', flowLogGroup: '/vpc/broken/flows', runtime: { falcoLogGroup: '/falco/broken' } }, { name: 'gone', auditLogGroup: '/aws/eks/gone/cluster' }] }));
    const r = await runCli(['preflight', '--config', file, '--json'], { env: { ...process.env, ...env() } });
    expect(r.code).toBe(1);
    const findings = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Finding);
    const blocker = (cluster: string, check: string) => {
      const f = find(findings, cluster, check);
      expect(f.status).toBe('blocker');
      expect(f.fix).toBeTruthy();
      return f;
    };
    expect(blocker('broken', 'auth mode').fix).toContain('authenticationMode=API_AND_CONFIG_MAP');
    expect(blocker('broken', 'endpoint').detail).toContain('private API endpoint only');
    expect(blocker('broken', 'audit logging').fix).toContain('"types":["audit"]');
    expect(blocker('broken', 'audit log group').detail).toMatch(/datadog.*splunk/);
    expect(blocker('broken', 'flow log group').detail).toBe('/vpc/broken/flows does not exist');
    expect(blocker('broken', 'falco log group').fix).toContain('runtime.falcoLogGroup');
    expect(blocker('gone', 'cluster').detail).toContain('ResourceNotFoundException');
    expect(find(findings, 'broken', 'VPC CNI')).toMatchObject({ status: 'warn', detail: expect.stringContaining('needs 1.21.1+') });
  });

  it('is satisfied by the functions in the VPC for a private endpoint, and prints a table that says it is ready', async () => {
    eks.addCluster('private', { endpointPublicAccess: false, endpointPrivateAccess: true, vpcCni: { version: 'v1.21.1-eksbuild.1', configurationValues: '{"enableNetworkPolicy":"true"}' } });
    logs.addLogGroup('/aws/eks/private/cluster');
    const dir = mkdtempSync(join(tmpdir(), 'bw-preflight-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ clusters: [{ name: 'private', auditLogGroup: '/aws/eks/private/cluster', vpcId: 'vpc-0abc', subnetIds: ['subnet-0a'], securityGroupIds: ['sg-0a'] }] }));
    const r = await runCli(['preflight', '--config', file], { env: { ...process.env, ...env() } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No blockers: ready for cdk deploy.');
    expect(r.stdout).toContain('functions in the VPC');
  });

  it('treats an unreadable account as a blocker, and a failing call costs only its own check', async () => {
    sts.failNext(1, { status: 403, code: 'AccessDenied', message: 'not allowed' });
    logs.failNext(1, { status: 400, code: 'AccessDeniedException', message: 'no logs for you', operation: 'DescribeLogGroups' });
    const config = parseConfig({ clusters: [{ name: 'ready', auditLogGroup: '/aws/eks/ready/cluster' }] });
    const findings = await withEnv(async () => preflightFindings(config, await gatherPreflightFacts(config, preflightClients('us-east-1'))));
    expect(find(findings, undefined, 'credentials').status).toBe('blocker');
    expect(find(findings, 'ready', 'audit log group')).toMatchObject({ status: 'blocker', detail: expect.stringContaining('AccessDenied') });
    expect(find(findings, 'ready', 'auth mode').status).toBe('ok');
    expect(hasBlockers(findings)).toBe(true);
  });
});
