/**
 * A lenient reading of audit events for rule fixtures and hand-written samples, which often
 * lack `auditID`, `stage`, timestamps or even `verb`/`user`. It fills neutral defaults and
 * strips enrichment fields (Panther's `p_*`), then goes through the same schema as ingestion.
 * Production ingestion never uses this: it keeps strict validation and counts rejections.
 */
import { createHash } from 'node:crypto';
import { RejectReason, type Rejected } from '#shared/audit/cloudwatch';
import { parseAuditObject, type ParsedAuditEvent } from '#shared/audit/event';

/** Time used when a fixture carries no timestamp at all. */
export const LENIENT_DEFAULT_TIME = '2024-01-01T00:00:00Z';

export function stripEnrichment(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('p_')));
}

export function parseAuditLenient(raw: unknown): ParsedAuditEvent | Rejected {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: RejectReason.notAuditEvent, detail: 'not a JSON object' };
  }
  const obj = stripEnrichment(raw as Record<string, unknown>);
  // A wrong kind or apiVersion is not "minimal", it is something else: reject as ingestion would.
  if ((obj.kind !== undefined && obj.kind !== 'Event') || (obj.apiVersion !== undefined && !(typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith('audit.k8s.io/')))) {
    return parseAuditObject(obj);
  }
  const user = typeof obj.user === 'object' && obj.user !== null ? (obj.user as Record<string, unknown>) : {};
  const filled: Record<string, unknown> = {
    ...obj,
    auditID: typeof obj.auditID === 'string' && obj.auditID ? obj.auditID : createHash('sha256').update(JSON.stringify(obj)).digest('hex').slice(0, 32),
    stage: typeof obj.stage === 'string' && obj.stage ? obj.stage : 'ResponseComplete',
    verb: typeof obj.verb === 'string' && obj.verb ? obj.verb : 'unknown',
    user: { ...user, username: typeof user.username === 'string' && user.username ? user.username : 'unknown' },
    requestReceivedTimestamp: obj.requestReceivedTimestamp ?? obj.stageTimestamp ?? LENIENT_DEFAULT_TIME,
    // Some fixtures use an empty or null body where the real log would omit it.
    ...(obj.requestObject === null ? { requestObject: undefined } : {}),
  };
  if (obj.objectRef && typeof obj.objectRef === 'object') {
    // An empty resource string means "no resource" (a non-resource URL).
    const ref = obj.objectRef as Record<string, unknown>;
    if (ref.resource === '') filled.objectRef = { ...ref, resource: undefined };
  }
  return parseAuditObject(filled);
}
