import { eventSchemas } from '#infra/aws/event-schemas';
import { forCluster, toCdkEventPattern } from '#infra/aws/event-patterns';
import { boundwatchRules } from '#shared/events/rules';
import { BehaviorAnomaly, EnforcementAction } from '#shared/events/schema';

describe('eventSchemas', () => {
  it('describes both events as a target receives them, with the zod detail schema inside', () => {
    const [anomaly, action] = eventSchemas();

    expect(anomaly!.schemaName).toBe('boundwatch@BehaviorAnomaly');
    expect(action!.schemaName).toBe('boundwatch@EnforcementAction');
    expect(anomaly!.content).toMatchObject({
      $schema: 'http://json-schema.org/draft-04/schema#',
      properties: { source: { enum: ['boundwatch'] }, 'detail-type': { enum: ['Behavior Anomaly'] } },
    });
    const detail = (anomaly!.content.properties as { detail: { properties: Record<string, unknown>; $schema?: string } }).detail;
    expect(Object.keys(detail.properties).sort()).toEqual(Object.keys(BehaviorAnomaly.shape).sort());
    expect(detail.$schema).toBeUndefined();
    const actionDetail = (action!.content.properties as { detail: { properties: { outcome: { enum: string[] } } } }).detail;
    expect(actionDetail.properties.outcome.enum).toEqual(EnforcementAction.shape.outcome.options);
  });

  it('uses draft-04 syntax (no const, no exclusiveMinimum numbers) the registry accepts', () => {
    const text = JSON.stringify(eventSchemas());
    expect(text).not.toContain('"const"');
    expect(text).not.toMatch(/"exclusive(Minimum|Maximum)":\s*-?\d/);
  });
});

describe('toCdkEventPattern', () => {
  it('renames detail-type and keeps everything else as defined in shared/events/rules.ts', () => {
    const rule = boundwatchRules({ enforcementMinSeverity: 'HIGH', alertMinSeverity: 'MEDIUM' })[0]!;

    expect(toCdkEventPattern(rule.pattern)).toEqual({
      source: ['boundwatch'],
      detailType: ['Behavior Anomaly'],
      detail: { severity: ['HIGH', 'CRITICAL'] },
    });
  });

  it('refuses a key it cannot map rather than dropping it', () => {
    expect(() => toCdkEventPattern({ 'detail-typo': ['x'] })).toThrow(/detail-typo/);
  });

  it('narrows a pattern to one cluster without touching the shared object', () => {
    const rule = boundwatchRules({ enforcementMinSeverity: 'HIGH', alertMinSeverity: 'MEDIUM' })[0]!;
    const before = JSON.stringify(rule.pattern);

    expect(forCluster(rule.pattern, 'prod-eks').detail).toEqual({ severity: ['HIGH', 'CRITICAL'], cluster: ['prod-eks'] });
    expect(JSON.stringify(rule.pattern)).toBe(before);
  });
});
