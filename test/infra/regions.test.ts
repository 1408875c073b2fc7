/**
 * The template is region-agnostic, so the regional gaps preflight reports are CloudFormation
 * conditions: no schema registry, schemas or archive where EventBridge lacks them, and no bus
 * description in GovCloud.
 */
import { REGIONS_WITHOUT_SCHEMAS_AND_ARCHIVES } from '#shared/preflight/regions';
import { minimal, synthConfig } from './support';

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
