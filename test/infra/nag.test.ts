import { App, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildApp } from '#infra/aws/app';
import { defaultConfig, example, minimal, testContext } from './support';

function build(config: unknown) {
  const app = new App({ context: testContext({ boundwatch: config }) });
  return buildApp(app).stack;
}

function violations(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`));
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the default configuration', defaultConfig()],
    ['several clusters, apply, private endpoints, subscriptions', example('multi-cluster.json')],
    ['high-volume mode', example('high-volume.json')],
    ['apply with flows on one cluster', minimal({}, { enforcement: 'apply', flowLogGroup: '/vpc/flows' })],
    [
      'apply with IAM Identity Center (map and lookup)',
      minimal(
        { enforcement: { identityCenter: { instanceArn: 'arn:aws:sso:::instance/ssoins-72231e2b4e6a8f10', permissionSets: { PlatformAdmin: 'arn:aws:sso:::permissionSet/ssoins-72231e2b4e6a8f10/ps-0123456789abcdef' }, lookup: true } } },
        { enforcement: 'apply' },
      ),
    ],
  ])('reports no unacknowledged error or warning for %s', (_, config) => {
    expect(violations(build(config))).toEqual([]);
  });

  it('catches what is not acknowledged (the check is live)', () => {
    const stack = build(defaultConfig());
    const role = new iam.Role(stack, 'Careless', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));

    expect(violations(stack)).toEqual(
      expect.arrayContaining([
        'error AwsSolutions-IAM5[Action::s3:*] at Boundwatch/Careless/DefaultPolicy/Resource',
        'error AwsSolutions-IAM5[Resource::*] at Boundwatch/Careless/DefaultPolicy/Resource',
      ]),
    );
  });

  it('justifies every acknowledgment in words', () => {
    const stack = build(example('multi-cluster.json'));
    const reasons: Array<[string, string, string]> = [];
    const walk = (c: IConstruct) => {
      for (const m of c.node.metadata) {
        if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [id, reason] of Object.entries(m.data as Record<string, string>)) reasons.push([c.node.path, id, reason]);
        }
      }
      c.node.children.forEach(walk);
    };
    walk(stack);

    expect(reasons.length).toBeGreaterThan(0);
    for (const [where, id, reason] of reasons) expect([where, id, reason.length >= 60]).toEqual([where, id, true]);
    // Never a blanket acknowledgment of a whole rule on the stack.
    expect(reasons.filter(([where]) => where === 'Boundwatch')).toEqual([]);
  });
});
