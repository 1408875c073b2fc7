/**
 * Scale past one stack: each cluster's resources are in its own nested stack beside the shared
 * core, so CloudFormation's 500-resource limit applies per cluster, not to the sum of them.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/aws/app';
import { MAX_STACK_RESOURCES } from '#infra/aws/boundwatch-stack';
import { testContext } from './support';

const CLUSTERS = 20;
const config = {
  clusters: Array.from({ length: CLUSTERS }, (_, i) => ({
    name: `team-${i}-eks`,
    auditLogGroup: `/aws/eks/team-${i}-eks/cluster`,
    flowLogGroup: `/vpc/team-${i}/flows`,
    enforcement: i % 2 ? 'apply' : 'dry-run',
  })),
  highVolume: true,
};

const count = (t: Template) => Object.keys((t.toJSON() as { Resources: object }).Resources).length;

describe(`${CLUSTERS} clusters in one account and region`, () => {
  const app = new App({ context: testContext({ boundwatch: config }) });
  const { stack } = buildApp(app);
  const core = Template.fromStack(stack);
  const nested = stack.clusterStacks.map((n) => ({ name: n.pipeline.clusterName, template: Template.fromStack(n) }));

  it('synthesizes one nested stack per cluster, each far under the resource limit', () => {
    expect(nested.map((n) => n.name)).toEqual(config.clusters.map((c) => c.name));
    const sizes = nested.map((n) => count(n.template));
    // Together they would be far over one stack's limit: the split is what makes 20 possible.
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(MAX_STACK_RESOURCES);
    for (const size of sizes) expect(size).toBeLessThan(MAX_STACK_RESOURCES / 4);
  });

  it('keeps the core stack under the limit, growing by one nested stack per cluster', () => {
    expect(count(core)).toBeLessThan(MAX_STACK_RESOURCES);
    expect(Object.keys(core.findResources('AWS::CloudFormation::Stack'))).toHaveLength(CLUSTERS);
    expect(Object.keys(core.findResources('AWS::Lambda::Function'))).toHaveLength(1); // notify
  });

  it('stays inside the per-stack output and parameter limits (200 each)', () => {
    const json = (t: Template) => t.toJSON() as { Outputs?: object; Parameters?: object };
    expect(Object.keys(json(core).Outputs ?? {}).length).toBeLessThan(200);
    for (const { template } of nested) {
      expect(Object.keys(json(template).Outputs ?? {}).length).toBeLessThan(200);
      expect(Object.keys(json(template).Parameters ?? {}).length).toBeLessThan(200);
    }
  });

  it('keeps the bus policy naming every writer role under EventBridge\'s 10 KB policy limit, at the longest role names', () => {
    const [policy] = Object.values(core.findResources('AWS::Events::EventBusPolicy')) as Array<{ Properties: { Statement: { Condition: { ArnNotEquals: Record<string, unknown[]> } } } }>;
    const writers = policy!.Properties.Statement.Condition.ArnNotEquals['aws:PrincipalArn']!;
    // At least ingest-audit, ingest-runtime and the enforcer role of every cluster (and ingest-flows where configured).
    expect(writers.length).toBeGreaterThanOrEqual(3 * CLUSTERS);
    // Role names CloudFormation generates are at most 64 characters; the longest partition prefix is GovCloud's.
    const longest = `arn:aws-us-gov:iam::111122223333:role/${'r'.repeat(64)}`;
    const worst = JSON.stringify({ ...policy!.Properties.Statement, Condition: { ...policy!.Properties.Statement.Condition, ArnNotEquals: { 'aws:PrincipalArn': writers.map(() => longest) } }, Resource: longest });
    expect(worst.length).toBeLessThan(10 * 1024);
  });
});
