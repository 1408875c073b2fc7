/** Summing per-payload ingest reports (a Kinesis batch, a whole replay). */
import { emptyReport, type AuditIngestReport } from './ingest';

function mergeCounts(into: Record<string, number>, from: Partial<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + (v ?? 0);
}

export function mergeReports(reports: Iterable<AuditIngestReport>): AuditIngestReport & { distinctPrincipals: number } {
  const total = emptyReport();
  const principals = new Set<string>();
  for (const r of reports) {
    total.payloads += r.payloads;
    total.controlMessages += r.controlMessages;
    total.received += r.received;
    total.accepted += r.accepted;
    mergeCounts(total.rejected, r.rejected);
    mergeCounts(total.ignored, r.ignored);
    total.redelivered += r.redelivered;
    total.duplicatesDropped += r.duplicatesDropped;
    total.anomalies.push(...r.anomalies);
    total.failedPrincipals.push(...r.failedPrincipals);
    total.profilesDamaged.push(...r.profilesDamaged);
    for (const k of r.principalKeys) principals.add(k);
  }
  total.principals = principals.size;
  total.principalKeys = [...principals];
  return { ...total, distinctPrincipals: principals.size };
}
