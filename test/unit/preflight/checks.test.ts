import { parseConfig } from '#shared/config';
import { atLeast, logGroupsOf, preflightFindings, type ClusterFacts, type PreflightFacts } from '#shared/preflight/checks';
import { partitionOf, regionSupport } from '#shared/preflight/regions';

const ready: ClusterFacts = {
  name: 'a',
  cluster: { status: 'ACTIVE', version: '1.33', authenticationMode: 'API', endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['0.0.0.0/0'], auditLogging: true },
  vpcCni: { version: 'v1.21.1-eksbuild.1', networkPolicy: true },
  logGroups: [{ role: 'audit', name: '/aws/eks/a/cluster', exists: true, filters: [] }],
};
const facts = (over: Partial<ClusterFacts> = {}, region = 'us-east-1'): PreflightFacts => ({ account: { region, account: '111122223333' }, clusters: [{ ...ready, ...over }] });
const config = parseConfig({ clusters: [{ name: 'a', auditLogGroup: '/aws/eks/a/cluster' }] });

describe('preflight rules', () => {
  it('compares VPC CNI versions numerically, with or without the v and build suffix', () => {
    expect(atLeast('v1.21.1-eksbuild.1', [1, 21, 1])).toBe(true);
    expect(atLeast('1.21.0', [1, 21, 1])).toBe(false);
    expect(atLeast('v1.3.0', [1, 21, 1])).toBe(false);
    expect(atLeast('v2.0.0', [1, 21, 1])).toBe(true);
    expect(atLeast('latest', [1, 21, 1])).toBe(false);
  });

  it('knows where the optional resources are missing and which partition a region is in', () => {
    expect(regionSupport('us-east-1')).toEqual({ known: true, partition: 'aws', missing: [] });
    expect(regionSupport('ca-west-1').missing).toEqual(['schema registry', 'event archive']);
    expect(regionSupport('us-gov-west-1')).toMatchObject({ partition: 'aws-us-gov', missing: ['event bus description'] });
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(regionSupport('xx-nowhere-9').known).toBe(false);
  });

  it('reports a region lacking optional resources as a warning, not a blocker', () => {
    const f = preflightFindings(config, facts({}, 'mx-central-1')).find((x) => x.check === 'region')!;
    expect(f).toMatchObject({ status: 'warn', detail: expect.stringContaining('schema registry') });
  });

  it('blocks a region outside the supported list, as the synth does', () => {
    const f = preflightFindings(config, facts({}, 'xx-nowhere-9')).find((x) => x.check === 'region')!;
    expect(f).toMatchObject({ status: 'blocker', detail: expect.stringContaining('cdk synth refuses it') });
  });

  it('counts only other consumers against the two-filter limit: a re-deploy finds its own filter', () => {
    const two = (names: string[]) => preflightFindings(config, facts({ logGroups: [{ role: 'audit', name: '/aws/eks/a/cluster', exists: true, filters: names.map((name) => ({ name, destinationArn: 'arn' })) }] })).find((x) => x.check === 'audit log group')!;
    expect(two(['datadog', 'splunk']).status).toBe('blocker');
    expect(two(['datadog', 'boundwatch-audit']).status).toBe('ok');
    expect(two(['datadog']).status).toBe('ok');
  });

  it('blocks a public endpoint limited to CIDRs unless the functions run in the VPC', () => {
    const limited = { cluster: { ...ready.cluster!, endpointPrivateAccess: true, publicAccessCidrs: ['198.51.100.0/24'] } };
    expect(preflightFindings(config, facts(limited)).find((x) => x.check === 'endpoint')!.status).toBe('blocker');
    const inVpc = parseConfig({ clusters: [{ name: 'a', auditLogGroup: '/aws/eks/a/cluster', vpcId: 'vpc-0a', subnetIds: ['subnet-0a'], securityGroupIds: ['sg-0a'] }] });
    expect(preflightFindings(inVpc, facts(limited)).find((x) => x.check === 'endpoint')!.status).toBe('ok');
  });

  it('rejects a log group configured for two clusters (two identical subscription filters)', () => {
    const shared = parseConfig({ clusters: [{ name: 'a', auditLogGroup: '/aws/eks/a/cluster', flowLogGroup: '/vpc/shared' }, { name: 'b', auditLogGroup: '/aws/eks/b/cluster', flowLogGroup: '/vpc/shared' }] });
    const f = preflightFindings(shared, facts()).find((x) => x.check === 'shared log group')!;
    expect(f).toMatchObject({ status: 'blocker', detail: expect.stringContaining('/vpc/shared is configured for a (flow), b (flow)') });
  });

  it('warns when network policy is not enabled on the VPC CNI (quarantine would not be enforced)', () => {
    const f = preflightFindings(config, facts({ vpcCni: { version: 'v1.21.1', networkPolicy: undefined } })).find((x) => x.check === 'VPC CNI')!;
    expect(f).toMatchObject({ status: 'warn', fix: expect.stringContaining('enableNetworkPolicy') });
  });

  it('counts the Falco log group with the others: a group shared by audit of one cluster and Falco of another is two filters', () => {
    const cfg = parseConfig({ clusters: [{ name: 'a', auditLogGroup: '/aws/eks/a/cluster' }, { name: 'b', auditLogGroup: '/aws/eks/b/cluster', runtime: { falcoLogGroup: '/aws/eks/a/cluster' } }] });
    expect(logGroupsOf(cfg.clusters[1]!)).toEqual([['audit', '/aws/eks/b/cluster'], ['falco', '/aws/eks/a/cluster']]);
    const f = preflightFindings(cfg, facts()).find((x) => x.check === 'shared log group')!;
    expect(f).toMatchObject({ status: 'blocker', detail: expect.stringContaining('a (audit), b (falco)') });
  });

  it('names the configuration key to correct when a Falco log group is missing', () => {
    const f = preflightFindings(config, facts({ logGroups: [...ready.logGroups, { role: 'falco', name: '/falco', exists: false, filters: [] }] })).find((x) => x.check === 'falco log group')!;
    expect(f).toMatchObject({ status: 'blocker', fix: expect.stringContaining('clusters[].runtime.falcoLogGroup') });
  });

  it('warns when functions in the VPC must reach a CIDR-limited public endpoint through NAT', () => {
    const inVpc = parseConfig({ clusters: [{ name: 'a', auditLogGroup: '/aws/eks/a/cluster', vpcId: 'vpc-0a', subnetIds: ['subnet-0a'] }] });
    const limited = (endpointPrivateAccess: boolean) => facts({ cluster: { ...ready.cluster!, endpointPrivateAccess, publicAccessCidrs: ['198.51.100.0/24'] } });
    expect(preflightFindings(inVpc, limited(false)).find((x) => x.check === 'endpoint')).toMatchObject({ status: 'warn', fix: expect.stringContaining('endpointPrivateAccess=true') });
    expect(preflightFindings(inVpc, limited(true)).find((x) => x.check === 'endpoint')!.status).toBe('ok');
  });
});
