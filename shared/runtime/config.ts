/**
 * Per-cluster runtime-signal settings (`clusters[].runtime` in the configuration). Falco alerts
 * come through Falcosidekick's CloudWatch Logs output (`falcoLogGroup`: the stack subscribes to
 * it) and/or its SQS output (`falcoQueue: true`: the stack creates the queue); GuardDuty findings
 * come from the default bus unless `guardDuty` is false. `sequenceWindowHours` bounds how far
 * apart in event time the signals of one attack sequence may be.
 */
import { z } from 'zod';

export const RuntimeConfig = z
  .object({
    falcoLogGroup: z.string().min(1).max(512).optional(),
    falcoQueue: z.boolean().default(false),
    guardDuty: z.boolean().default(true),
    sequenceWindowHours: z.number().positive().max(24 * 14).default(24),
  })
  .strict();
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;

export const DEFAULT_RUNTIME_CONFIG: RuntimeConfig = RuntimeConfig.parse({});
