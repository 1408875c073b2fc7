/**
 * The template is region-agnostic, so the regional gaps preflight reports are CloudFormation
 * conditions: no schema registry, schemas or archive where EventBridge lacks them, and no bus
 * description in GovCloud. When synth knows the target region it warns about what is left out,
 * and partition-specific names come from the partition the stack lands in.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { DEFAULT_DNS_CONFIG } from '#shared/dns/config';
import { REGIONS_WITHOUT_SCHEMAS_AND_ARCHIVES } from '#shared/preflight/regions';
import { minimal, synth, synthConfig } from './support';

describe('regional conditions', () => {
  const { template } = synthConfig(minimal());
  const json = template.toJSON() as { Conditions: Record<string, unknown>; Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }> };

  it('leaves out the registry, the schemas and the archive in every region that lacks them', () => {
    const cond = JSON.stringify(json.Conditions.HasSchemasAndArchives);
    for (const r of REGIONS_WITHOUT_SCHEMAS_AND_ARCHIVES) expect(cond).toContain(`"${r}"`);
    expect(cond).toMatch(/^\{"Fn::Not":\[\{"Fn::Or":/);
    const conditional = Object.values(json.Resources).filter((r) => ['AWS::EventSchemas::Registry', 'AWS::EventSchemas::Schema', 'AWS::Events::Archive'].includes(r.Type));
    expect(conditional.length).toBeGreaterThanOrEqual(4);
    for (const r of conditional) expect(r.Condition).toBe('HasSchemasAndArchives');
  });

  it('gives the bus a description everywhere but GovCloud', () => {
    const bus = Object.values(json.Resources).find((r) => r.Type === 'AWS::Events::EventBus')!;
    expect(bus.Properties!.Description).toEqual({ 'Fn::If': ['InGovCloud', { Ref: 'AWS::NoValue' }, expect.stringContaining('boundwatch')] });
    expect(json.Conditions.InGovCloud).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Partition' }, 'aws-us-gov'] });
  });
});

describe('the target region, when synth knows it', () => {
  const warnings = (region: string | undefined) =>
    Annotations.fromStack(synth({ boundwatch: minimal(), ...(region ? { region } : {}) }).stack).findWarning('*', Match.stringLikeRegexp('boundwatch:region-lacks-optional-resources'));

  it.each(['ca-west-1', 'mx-central-1', 'il-central-1', 'ap-southeast-4', 'ap-southeast-7', 'ap-south-2', 'ap-east-2'])(
    'warns at synth that %s gets no schema registry and no archive',
    (region) => {
      const found = warnings(region);
      expect(found).toHaveLength(1);
      expect(JSON.stringify(found[0]!.entry.data)).toContain(`${region} (aws) has no schema registry, event archive: the stack leaves them out there`);
    },
  );

  it('warns that GovCloud gets no bus description', () => {
    expect(JSON.stringify(warnings('us-gov-west-1')[0]!.entry.data)).toContain('us-gov-west-1 (aws-us-gov) has no event bus description');
  });

  it('says nothing where every resource exists, or when the region is not known', () => {
    expect(warnings('eu-west-1')).toEqual([]);
    expect(warnings(undefined)).toEqual([]);
  });
});

describe('partition-aware names', () => {
  const { template } = synthConfig(minimal());
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>; Outputs: Record<string, { Value: unknown }> };

  it('names the regional CloudWatch Logs principal with the partition\'s domain suffix', () => {
    const key = Object.values(json.Resources).find((r) => r.Type === 'AWS::KMS::Key')!;
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain(JSON.stringify({ 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] }));
  });

  it('links the dashboard on the console of the partition (GovCloud and China have their own)', () => {
    const url = JSON.stringify(json.Outputs.DashboardUrl!.Value);
    expect(url).toContain('{"Fn::If":["InGovCloud","console.amazonaws-us-gov.com",{"Fn::If":["InChina","console.amazonaws.cn",{"Fn::Join":["",[{"Ref":"AWS::Region"},".console.aws.amazon.com"]]}]}]}');
  });

  it('hard-codes no domain of the commercial partition outside the standardized global service principals', () => {
    const text = JSON.stringify(json);
    const domains = [...text.matchAll(/[a-z0-9.-]*amazonaws\.com[a-z.]*|[a-z0-9.-]*aws\.amazon\.com/g)].map((m) => m[0]);
    // lambda.amazonaws.com and the like are one name in every partition; anything regional is built from AWS::URLSuffix.
    // The DNS detectors' trusted suffixes (in the functions' configuration) are names to compare query names with, not endpoints.
    const suffixes: readonly string[] = DEFAULT_DNS_CONFIG.trustedSuffixes;
    for (const d of new Set(domains)) expect([d, /^[a-z]+\.amazonaws\.com$/.test(d) || d === '.console.aws.amazon.com' || suffixes.includes(d)]).toEqual([d, true]);
  });
});
