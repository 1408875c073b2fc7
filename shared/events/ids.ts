/**
 * Stable identifiers. The same anomaly or action re-derived on redelivery must get the same
 * id, so ids are hashes of what identifies the thing, never random or time-of-processing based.
 */
import { createHash } from 'node:crypto';

/** A UUID-shaped (8-4-4-4-12 hex) SHA-256 digest of the parts, joined unambiguously. */
export function stableId(...parts: Array<string | number>): string {
  const h = createHash('sha256')
    .update(parts.map((p) => String(p).replaceAll('\\', '\\\\').replaceAll('|', '\\|')).join('|'))
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
