/**
 * JSON Schemas (draft-04, what the EventBridge schema registry takes) of boundwatch's events,
 * generated from the zod schemas in shared/events/schema.ts so they never drift. Each describes
 * the whole event as a target receives it, with `detail` being the contract of shared/events/README.md.
 */
import { z } from 'zod';
import { AttackSequence, BehaviorAnomaly, DetailType, EnforcementAction, EVENT_SOURCE, SCHEMA_VERSION } from '#shared/events/schema';

export const SCHEMA_REGISTRY_NAME = 'boundwatch';

export interface EventSchemaDefinition {
  /** `source@DetailTypeWithoutSpaces`, the registry's naming convention. */
  schemaName: string;
  detailType: string;
  description: string;
  content: Record<string, unknown>;
}

const DETAILS = [
  { detailType: DetailType.anomaly, schema: BehaviorAnomaly, description: 'A principal or workload behaving unlike its baseline.' },
  { detailType: DetailType.enforcement, schema: EnforcementAction, description: 'An enforcement action boundwatch planned, applied, skipped, failed or reverted.' },
  { detailType: DetailType.sequence, schema: AttackSequence, description: 'Runtime, audit, network and DNS signals of one workload or principal told as one attack story, with MITRE tactics and the baselines each signal broke.' },
] as const;

export function eventSchemas(): EventSchemaDefinition[] {
  return DETAILS.map(({ detailType, schema, description }) => {
    const { $schema: _ignored, ...detail } = z.toJSONSchema(schema as z.ZodType, { target: 'draft-4' }) as Record<string, unknown>;
    const name = detailType.replaceAll(' ', '');
    return {
      schemaName: `${EVENT_SOURCE}@${name}`,
      detailType,
      description: `${description} Schema version ${SCHEMA_VERSION}.`,
      content: {
        $schema: 'http://json-schema.org/draft-04/schema#',
        title: name,
        description,
        type: 'object',
        required: ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'],
        properties: {
          version: { type: 'string' },
          id: { type: 'string' },
          'detail-type': { type: 'string', enum: [detailType] },
          source: { type: 'string', enum: [EVENT_SOURCE] },
          account: { type: 'string' },
          time: { type: 'string', format: 'date-time' },
          region: { type: 'string' },
          resources: { type: 'array', items: { type: 'string' } },
          detail,
        },
      },
    };
  });
}
