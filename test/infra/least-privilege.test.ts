/**
 * Least privilege over the whole synthesized template: every policy document in every stack
 * (identity policies of every role, managed policies, key, queue, topic and bus policies), for
 * the shipped configurations and one that turns every option on. A write (anything but
 * Get/List/Describe and other reads) on `*` or on a wildcard ARN must carry a Condition, or stay
 * inside a scope the operator named (revocableRoles.paths) or boundwatch owns (its schedule
 * group, its functions' network interfaces); anything else fails with the statement named.
 *
 * Then the enforcer's IAM grants are evaluated for sample roles and compared with the planner's
 * own verdict (shared/enforce/iam-scope.ts): a dry run must never plan what IAM would refuse.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { roleRevocable, RevocableRoles } from '#shared/enforce/iam-scope';
import { defaultConfig, EXAMPLES, synthConfig, type Synth } from './support';

type Json = Record<string, unknown>;
interface Found {
  where: string;
  statement: Json;
  /** A KMS key policy: its `*` is the key itself. */
  keyPolicy: boolean;
}

/** Every policy statement anywhere in the template (documents may be nested or JSON text). */
export function policyStatements(template: Json): Found[] {
  const out: Found[] = [];
  const walk = (v: unknown, where: string, keyPolicy: boolean) => {
    if (typeof v === 'string' && v.includes('"Statement"')) {
      try {
        walk(JSON.parse(v), where, keyPolicy);
      } catch {
        // Not a document.
      }
      return;
    }
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${where}[${i}]`, keyPolicy));
    if (!v || typeof v !== 'object') return;
    const o = v as Json;
    if (Array.isArray(o.Statement)) for (const st of o.Statement as Json[]) out.push({ where, statement: st, keyPolicy });
    for (const [k, x] of Object.entries(o)) if (k !== 'Statement') walk(x, `${where}.${k}`, keyPolicy || k === 'KeyPolicy');
  };
  for (const [id, r] of Object.entries((template.Resources ?? {}) as Record<string, Json>)) walk(r, id, false);
  return out;
}

/** An ARN as text: intrinsic functions become `<...>` placeholders (never `*`). */
export function flat(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Json;
    if (Array.isArray(o['Fn::Join'])) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(flat).join(sep);
    }
    if (typeof o.Ref === 'string') return `<${o.Ref}>`;
    if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    return `<${Object.keys(o)[0]}>`;
  }
  return String(v);
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const READ = /^[a-z0-9-]+:(Get|List|Describe|BatchGet|Query|Scan|Lookup|Search|Select|View|Head|Filter)[A-Za-z]*$/;

export interface Offence {
  where: string;
  actions: string[];
  resource: string;
}

/**
 * Allowed unconditioned wildcards: each names why. `ownedScopes` come from the configuration
 * (role path prefixes the operator chose).
 */
function allowedWildcard(resource: string, ownedScopes: RegExp[]): boolean {
  return [
    // One revert schedule per action, named at run time, inside this cluster's own schedule group.
    /:scheduler:<AWS::Region>:<AWS::AccountId>:schedule\/boundwatch-[^/*]+\/\*$/,
    // The network interfaces Lambda creates for an in-VPC function do not exist before; creation is
    // also limited to the configured subnets and security groups (resources of the same statement).
    /:ec2:<AWS::Region>:<AWS::AccountId>:network-interface\/\*$/,
    ...ownedScopes,
  ].some((re) => re.test(resource));
}

export function wildcardWrites(found: Found[], ownedScopes: RegExp[] = []): Offence[] {
  const out: Offence[] = [];
  for (const { where, statement: st, keyPolicy } of found) {
    if (st.Effect !== 'Allow') continue;
    // A trust policy names principals, not resources.
    if (where.includes('AssumeRolePolicyDocument')) continue;
    const actions = list(st.Action).map(String);
    const writes = st.NotAction !== undefined ? ['NotAction'] : actions.filter((a) => !READ.test(a));
    if (!writes.length || st.Condition) continue;
    const resources = st.NotResource !== undefined ? ['NotResource'] : list(st.Resource).map(flat);
    if (!resources.length) out.push({ where, actions: writes, resource: '(none)' });
    for (const r of resources) {
      if (!r.includes('*') && r !== 'NotResource') continue;
      if (keyPolicy && r === '*') continue; // In a key policy, `*` is the key itself.
      if (allowedWildcard(r, ownedScopes)) continue;
      out.push({ where, actions: writes, resource: r });
    }
  }
  return out;
}

const example = (name: string) => JSON.parse(readFileSync(path.join(EXAMPLES, name), 'utf8')) as Json;

/** Every option that adds a resource or a permission, on one cluster in apply mode. */
const EVERYTHING = {
  clusters: [
    {
      name: 'prod-eks',
      auditLogGroup: '/aws/eks/prod-eks/cluster',
      flowLogGroup: '/vpc/prod/flows',
      resolverLogGroup: '/resolver/prod',
      enforcement: 'apply',
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnetIds: ['subnet-0a1b2c3d4e5f60718'],
      clusterSecurityGroupId: 'sg-0c1d2e3f4a5b6c7d8',
      runtime: { falcoQueue: true, falcoLogGroup: '/falco/prod' },
    },
  ],
  alerts: { emails: ['oncall@example.com'], httpsEndpoints: ['https://events.example.com/hook'] },
  enforcement: {
    revokeAccessPolicies: true,
    revocableRoles: { paths: ['/ci/', '/teams/platform/'] },
    protectedPrincipals: ['arn:aws:iam::111122223333:role/break-glass'],
    identityCenter: { instanceArn: 'arn:aws:sso:::instance/ssoins-72231e2b4e6a8f10', permissionSets: { PlatformAdmin: 'arn:aws:sso:::permissionSet/ssoins-72231e2b4e6a8f10/ps-0123456789abcdef' }, lookup: true },
  },
  highVolume: true,
};

const CONFIGS: Array<[string, unknown, string[]]> = [
  ['cdk.json (defaults, dry-run)', defaultConfig(), []],
  ['examples/multi-cluster.json', example('multi-cluster.json'), []],
  ['examples/high-volume.json', example('high-volume.json'), []],
  ['every option, apply', EVERYTHING, ['/ci/', '/teams/platform/']],
];

const pathScopes = (paths: string[]) => paths.map((p) => new RegExp(`:iam::<AWS::AccountId>:role${p.replace(/[.+]/g, '\\$&')}\\*$`));

describe.each(CONFIGS)('no unconditioned wildcard write: %s', (_name, config, paths) => {
  let s: Synth;
  beforeAll(() => {
    s = synthConfig(config);
  });

  it('in any policy of any stack', () => {
    const found = policyStatements(s.template.toJSON());
    expect(found.length).toBeGreaterThan(20);
    expect(wildcardWrites(found, pathScopes(paths))).toEqual([]);
  });

  it('attaches no policy whose document is not in the template (an AWS managed policy could not be checked here)', () => {
    const resources = (s.template.toJSON() as { Resources: Record<string, { Type: string; Properties?: Json }> }).Resources;
    const attached = Object.entries(resources).flatMap(([id, r]) => list(r.Properties?.ManagedPolicyArns).map((arn) => [id, arn] as const));
    for (const [id, arn] of attached) expect([id, arn]).toEqual([id, { Ref: expect.any(String) }]);
    for (const [, arn] of attached) expect(resources[(arn as { Ref: string }).Ref]?.Type).toBe('AWS::IAM::ManagedPolicy');
  });
});

describe('the checker itself', () => {
  const doc = (st: Json): Found[] => [{ where: 'X', statement: st, keyPolicy: false }];
  const roles = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/*']] };

  it('fails on the grants this project used to have', () => {
    expect(wildcardWrites(doc({ Effect: 'Allow', Action: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'], Resource: roles }))).toHaveLength(1);
    expect(wildcardWrites(doc({ Effect: 'Allow', Action: 'eks:AssociateAccessPolicy', Resource: 'arn:aws:eks:eu-west-1:111122223333:access-entry/prod-eks/*' }))).toHaveLength(1);
    expect(wildcardWrites(doc({ Effect: 'Allow', Action: 'sso:PutInlinePolicyToPermissionSet', Resource: '*' }))).toHaveLength(1);
    expect(wildcardWrites(doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::x' }))).toHaveLength(0);
    expect(wildcardWrites(doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }))).toHaveLength(1);
    expect(wildcardWrites(doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }))).toHaveLength(1);
  });

  it('passes reads, conditioned writes, denies, and a key policy\'s own key', () => {
    expect(wildcardWrites(doc({ Effect: 'Allow', Action: ['iam:GetRole', 'eks:ListAssociatedAccessPolicies', 'ec2:DescribeSubnets'], Resource: '*' }))).toEqual([]);
    expect(wildcardWrites(doc({ Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: roles, Condition: { StringEquals: { 'aws:ResourceTag/x': 'y' } } }))).toEqual([]);
    expect(wildcardWrites(doc({ Effect: 'Deny', Action: 'iam:PutRolePolicy', Resource: roles }))).toEqual([]);
    expect(wildcardWrites([{ where: 'Key.KeyPolicy', statement: { Effect: 'Allow', Action: 'kms:*', Resource: '*' }, keyPolicy: true }])).toEqual([]);
    expect(wildcardWrites(doc({ Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: 'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/ci/*' }), pathScopes(['/ci/']))).toEqual([]);
    expect(wildcardWrites(doc({ Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: 'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cicd/*' }), pathScopes(['/ci/']))).toHaveLength(1);
  });
});

/**
 * The enforcer's grants for iam:PutRolePolicy, evaluated for a role the way IAM does for these
 * statement shapes (resource globs, StringEquals on aws:ResourceTag, explicit denies win).
 */
function iamAllowsWrite(statements: Json[], role: { name: string; path: string; tags: Record<string, string> }): boolean {
  const arn = `arn:aws:iam::111122223333:role${role.path}${role.name}`;
  const text = (v: unknown) => flat(v).replace('<AWS::Partition>', 'aws').replace('<AWS::AccountId>', '111122223333');
  const glob = (p: string) => new RegExp(`^${p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const matches = (st: Json) => {
    if (!list(st.Action).includes('iam:PutRolePolicy')) return false;
    if (!list(st.Resource).some((r) => glob(text(r)).test(arn))) return false;
    const cond = st.Condition as Record<string, Record<string, string>> | undefined;
    if (!cond) return true;
    return Object.entries(cond).every(([op, kv]) => {
      if (op !== 'StringEquals') throw new Error(`evaluator does not know ${op}`);
      return Object.entries(kv).every(([k, v]) => k.startsWith('aws:ResourceTag/') && role.tags[k.slice('aws:ResourceTag/'.length)] === v);
    });
  };
  if (statements.some((st) => st.Effect === 'Deny' && matches(st))) return false;
  return statements.some((st) => st.Effect === 'Allow' && matches(st));
}

describe('the planner and the IAM policy agree on which roles may be changed', () => {
  const ROLES = [
    { name: 'deployer', path: '/', tags: {} },
    { name: 'deployer', path: '/', tags: { 'boundwatch:revocable': 'true' } },
    { name: 'deployer', path: '/', tags: { 'boundwatch:revocable': 'yes' } },
    { name: 'deployer', path: '/ci/', tags: {} },
    { name: 'deployer', path: '/ci/github/', tags: {} },
    { name: 'deployer', path: '/cicd/', tags: {} },
    { name: 'deployer', path: '/', tags: { owner: 'platform' } },
    { name: 'admin', path: '/teams/platform/', tags: { 'boundwatch:protected': 'true' } },
    { name: 'admin', path: '/', tags: { 'boundwatch:revocable': 'true', 'boundwatch:protected': 'true' } },
  ];
  const SCOPES = [{}, { paths: ['/ci/', '/teams/platform/'] }, { paths: ['/ci/'], tag: null }, { tag: null }, { tag: { key: 'owner', value: 'platform' } }];

  it.each(SCOPES.map((scope) => [JSON.stringify(scope), scope]))('revocableRoles %s', (_label, scope) => {
    const s = synthConfig({ clusters: [{ name: 'prod-eks', auditLogGroup: '/aws/eks/prod-eks/cluster', enforcement: 'apply' }], enforcement: { revocableRoles: scope } });
    const statements = policyStatements(s.template.toJSON())
      .filter((f) => f.where.startsWith('ClusterprodeksEnforcerRole') && !f.where.includes('AssumeRole'))
      .map((f) => f.statement);
    const parsed = RevocableRoles.parse(scope);
    const verdicts = ROLES.map((r) => ({ role: `${r.path}${r.name} ${JSON.stringify(r.tags)}`, iam: iamAllowsWrite(statements, r), planner: roleRevocable(parsed, r).revocable }));
    for (const v of verdicts) expect({ role: v.role, allowed: v.iam }).toEqual({ role: v.role, allowed: v.planner });
    // Something is writable unless nothing is configured.
    expect(verdicts.some((v) => v.iam)).toBe(parsed.paths.length > 0 || parsed.tag !== null);
  });
});
