import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stackDescription } from '#infra/aws/app';
import { loadConfig, targetRegion } from '#infra/aws/config';
import { ConfigError } from '#shared/errors';
import { defaultConfig, EXAMPLES, minimal, synthConfig } from './support';

const context = (values: Record<string, unknown>) => ({ tryGetContext: (k: string) => values[k] });

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads the cdk.json context and fills the defaults (README.md#2-configure)', () => {
    const config = loadConfig(context({ boundwatch: minimal() }));

    expect(config.clusters[0]).toMatchObject({ name: 'prod-eks', auditLogGroup: '/aws/eks/prod-eks/cluster', enforcement: 'dry-run' });
    expect(config.alerts).toEqual({ emails: [], httpsEndpoints: [], minSeverity: 'MEDIUM' });
    expect(config.enforcement).toMatchObject({ minSeverity: 'HIGH', ttlMinutes: 60, maxActionsPerHour: 10, protectedNamespaces: ['kube-system'] });
    expect(config.highVolume).toBe(false);
  });

  it('accepts the configuration cdk.json ships', () => {
    expect(loadConfig(context({ boundwatch: defaultConfig() })).clusters.map((c) => c.name)).toEqual(['replace-me']);
  });

  it('takes -c boundwatch=<json> as a string', () => {
    expect(loadConfig(context({ boundwatch: JSON.stringify(minimal({ highVolume: true })) })).highVolume).toBe(true);
  });

  it('prefers -c configFile=PATH, relative to the working folder', () => {
    const config = loadConfig(context({ configFile: 'examples/multi-cluster.json', boundwatch: minimal() }), path.resolve(EXAMPLES, '..'));

    expect(config.clusters.map((c) => c.name)).toEqual(['prod-eks', 'staging-eks', 'batch_eks']);
  });

  it.each([
    ['a missing cluster list', {}, /cdk\.json context "boundwatch": clusters: /],
    ['a cluster without auditLogGroup', { clusters: [{ name: 'prod-eks' }] }, /clusters\.0\.auditLogGroup: /],
    ['an unknown enforcement mode', minimal({}, { enforcement: 'block' }), /clusters\.0\.enforcement: /],
    ['a bad cluster name', minimal({}, { name: 'prod eks!' }), /clusters\.0\.name: must be an EKS cluster name/],
    ['an invalid email', minimal({ alerts: { emails: ['oncall'] } }), /alerts\.emails\.0: /],
    ['a plain-HTTP endpoint', minimal({ alerts: { httpsEndpoints: ['http://example.com/hook'] } }), /alerts\.httpsEndpoints\.0: /],
    ['an unknown severity', minimal({ alerts: { minSeverity: 'URGENT' } }), /alerts\.minSeverity: /],
    ['a zero TTL', minimal({ enforcement: { ttlMinutes: 0 } }), /enforcement\.ttlMinutes: /],
    ['a misspelled key', { ...minimal(), highvolume: true }, /\(root\): Unrecognized key.*highvolume/],
    ['a non-boolean highVolume', minimal({ highVolume: 'yes' }), /highVolume: /],
    ['duplicate cluster names', { clusters: [minimal().clusters[0], minimal().clusters[0]] }, /clusters: duplicate cluster name "prod-eks"/],
    ['a vpcId without subnets', minimal({}, { vpcId: 'vpc-0abc' }), /clusters\.0\.subnetIds: required/],
    ['subnets without a vpcId or security groups', minimal({}, { subnetIds: ['subnet-0abc'] }), /clusters\.0\.vpcId: required to create a security group/],
    ['a malformed subnet id', minimal({}, { vpcId: 'vpc-0abc', subnetIds: ['subnet-XYZ'] }), /clusters\.0\.subnetIds\.0: /],
    ['a cluster security group without subnets', minimal({}, { clusterSecurityGroupId: 'sg-0abc' }), /clusters\.0\.clusterSecurityGroupId: needs subnetIds/],
    ['a malformed cluster security group id', minimal({}, { vpcId: 'vpc-0abc', subnetIds: ['subnet-0abc'], clusterSecurityGroupId: 'eks-cluster-sg' }), /clusters\.0\.clusterSecurityGroupId: /],
  ])('rejects %s, naming the field', (_, raw, message) => {
    expect(configError(() => loadConfig(context({ boundwatch: raw }))).message).toMatch(message);
  });

  describe('deploy-time guards (what CloudFormation would reject or roll back)', () => {
    const two = (a: Record<string, unknown>, b: Record<string, unknown>) => ({
      clusters: [
        { name: 'prod-eks', auditLogGroup: '/aws/eks/prod-eks/cluster', ...a },
        { name: 'staging-eks', auditLogGroup: '/aws/eks/staging-eks/cluster', ...b },
      ],
    });

    it('rejects a flow log group shared by two clusters (a shared VPC), naming both fields and the fix', () => {
      const message = configError(() => loadConfig(context({ boundwatch: two({ flowLogGroup: '/vpc/shared/flows' }, { flowLogGroup: '/vpc/shared/flows' }) }))).message;

      expect(message).toMatch(/clusters\.1\.flowLogGroup: log group \/vpc\/shared\/flows is also clusters\.0\.flowLogGroup/);
      expect(message).toMatch(/one filter per log group, so configure it on one cluster only .* or give each cluster its own group/);
    });

    it('rejects an audit log group given to two clusters, and one group used for audit and flows', () => {
      expect(configError(() => loadConfig(context({ boundwatch: two({}, { auditLogGroup: '/aws/eks/prod-eks/cluster' }) }))).message).toMatch(
        /clusters\.1\.auditLogGroup: log group \/aws\/eks\/prod-eks\/cluster is also clusters\.0\.auditLogGroup/,
      );
      expect(configError(() => loadConfig(context({ boundwatch: minimal({}, { flowLogGroup: '/aws/eks/prod-eks/cluster' }) }))).message).toMatch(
        /clusters\.0\.flowLogGroup: log group \/aws\/eks\/prod-eks\/cluster is also clusters\.0\.auditLogGroup/,
      );
    });

    it('accepts each cluster with its own flow log group', () => {
      expect(loadConfig(context({ boundwatch: two({ flowLogGroup: '/vpc/a/flows' }, { flowLogGroup: '/vpc/b/flows' }) })).clusters).toHaveLength(2);
    });

    it.each([
      ['prod-eks', 'prod_eks'],
      ['prod-eks', 'Prod-EKS'],
      ['a-b_c', 'ab-c'],
    ])('rejects %s beside %s: the same once punctuation and case are dropped', (first, second) => {
      const raw = { clusters: [{ name: first, auditLogGroup: `/aws/eks/${first}/cluster` }, { name: second, auditLogGroup: `/aws/eks/${second}/cluster` }] };

      expect(configError(() => loadConfig(context({ boundwatch: raw }))).message).toMatch(
        new RegExp(`clusters\\.1\\.name: "${second}" and clusters\\.0\\.name "${first}" are the same once punctuation and case are dropped`),
      );
      // The synth itself stops there, instead of crashing on duplicate construct ids.
      expect(() => synthConfig(raw)).toThrow(ConfigError);
    });

    it('rejects a target region boundwatch does not support, from -c region or CDK_DEFAULT_REGION', () => {
      expect(configError(() => loadConfig(context({ boundwatch: minimal(), region: 'xx-nowhere-1' }))).message).toMatch(/region xx-nowhere-1: not a region boundwatch supports \(us-east-1, /);
      expect(targetRegion(context({}), { CDK_DEFAULT_REGION: 'eu-west-1' })).toBe('eu-west-1');
      expect(targetRegion(context({ region: 'ca-west-1' }), { CDK_DEFAULT_REGION: 'eu-west-1' })).toBe('ca-west-1');
      expect(targetRegion(context({}), {})).toBeUndefined();
      expect(configError(() => loadConfig(context({ boundwatch: minimal() }), process.cwd(), targetRegion(context({}), { CDK_DEFAULT_REGION: 'moon-1' }))).message).toMatch(/region moon-1: not a region/);
    });

    it.each(['us-east-1', 'ca-west-1', 'us-gov-west-1', 'cn-north-1'])('accepts %s', (region) => {
      expect(loadConfig(context({ boundwatch: minimal(), region })).clusters).toHaveLength(1);
    });
  });

  it('says where to put the configuration when there is none', () => {
    expect(configError(() => loadConfig(context({}))).message).toMatch(/set the "boundwatch" context in cdk\.json or pass -c configFile=PATH/);
  });

  it('names a configuration file it cannot read', () => {
    expect(configError(() => loadConfig(context({ configFile: '/nonexistent/boundwatch.json' }))).message).toMatch(
      /^\/nonexistent\/boundwatch\.json: cannot read the configuration file/,
    );
  });

  it('names a configuration file that is not JSON, and the field of one that is invalid', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-config-'));
    writeFileSync(path.join(dir, 'broken.json'), '{ "clusters": [ }');
    writeFileSync(path.join(dir, 'invalid.json'), JSON.stringify(minimal({}, { enforcement: 'always' })));

    expect(configError(() => loadConfig(context({ configFile: 'broken.json' }), dir)).message).toMatch(/^broken\.json: not valid JSON/);
    expect(configError(() => loadConfig(context({ configFile: 'invalid.json' }), dir)).message).toMatch(/^invalid\.json: clusters\.0\.enforcement: /);
  });

  it('fails the synth when a cluster\'s settings would not fit in the Lambda environment', () => {
    const principals = Array.from({ length: 80 }, (_, i) => `arn:aws:iam::111122223333:role/protected-role-number-${i}`);

    expect(() => synthConfig(minimal({ enforcement: { protectedPrincipals: principals } }))).toThrow(
      /clusters \(prod-eks\): the detection and enforcement settings take \d+ bytes as JSON/,
    );
  });

  it('fails the synth when the clusters\' audit log groups would not fit in notify\'s environment', () => {
    const clusters = Array.from({ length: 40 }, (_, i) => ({ name: `cluster-${i}-${'x'.repeat(40)}`, auditLogGroup: `/aws/eks/cluster-${i}-${'x'.repeat(40)}/cluster` }));

    expect(() => synthConfig({ clusters })).toThrow(/exceed what the notify function's environment can hold/);
  });

  it('names the clusters in the stack description while they fit in 1,024 bytes', () => {
    expect(stackDescription(['prod-eks', 'staging-eks'])).toBe('boundwatch: layered defense for Amazon EKS (prod-eks, staging-eks)');
    expect(stackDescription(Array.from({ length: 20 }, () => 'x'.repeat(100)))).toBe('boundwatch: layered defense for Amazon EKS (20 clusters)');
  });

  it('fails the synth itself, before any resource is created', () => {
    expect(() => synthConfig(minimal({}, { enforcement: 'sometimes' }))).toThrow(/clusters\.0\.enforcement/);
  });
});
