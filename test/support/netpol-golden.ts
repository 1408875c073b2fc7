/**
 * The upstream NetworkPolicy validation corpus (test/fixtures/netpol/upstream-validation.yaml),
 * read and checked for shape, for the validator's and the test API server's golden tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const Cause = z.object({ reason: z.string(), message: z.string(), field: z.string() });
const InvalidStatus = z.object({
  kind: z.literal('Status'),
  apiVersion: z.literal('v1'),
  metadata: z.object({}).strict(),
  status: z.literal('Failure'),
  message: z.string(),
  reason: z.literal('Invalid'),
  details: z.object({ name: z.string(), group: z.string(), kind: z.string(), causes: z.array(Cause).min(1) }),
  code: z.literal(422),
});
const GoldenCase = z.discriminatedUnion('status', [
  z.object({ name: z.string(), policy: z.record(z.string(), z.unknown()), status: z.literal(201) }),
  z.object({ name: z.string(), policy: z.record(z.string(), z.unknown()), status: z.literal(422), body: InvalidStatus }),
]);
export type GoldenCase = z.infer<typeof GoldenCase>;

export function upstreamValidationCases(): GoldenCase[] {
  const text = readFileSync(join(__dirname, '..', 'fixtures', 'netpol', 'upstream-validation.yaml'), 'utf8');
  return z.array(GoldenCase).min(1).parse(parse(text));
}
