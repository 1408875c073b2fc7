/**
 * `netpol validate`: each document of a path checked as the API server would, with warnings
 * for what it accepts but should not be relied on, rendered for a terminal or as JSON.
 */
import type { ClusterInventory } from '#shared/inventory/cluster';
import type { FieldError } from '#shared/k8s/field-error';
import { classifyDocument, type ManifestDocument, objectLabel, sourceLabel } from './manifest';
import { validateNetworkPolicy } from './validate';
import { validateApplicationNetworkPolicy, validateClusterNetworkPolicy } from './validate-cluster';

export const FieldValidation = { strict: 'strict', warn: 'warn', ignore: 'ignore' } as const;
export type FieldValidation = (typeof FieldValidation)[keyof typeof FieldValidation];

export interface ValidateDocumentsOptions {
  inventory?: ClusterInventory | undefined;
  defaultNamespace?: string | undefined;
  /** Like kubectl's --validate: unknown fields are errors (strict, the default), warnings, or ignored. */
  fieldValidation?: FieldValidation | undefined;
  strictCIDR?: boolean | undefined;
  eks?: boolean | undefined;
}

export interface DocumentReport {
  /** `file#n`. */
  document: string;
  /** `kind/ns/name`. */
  object: string;
  status: 'valid' | 'invalid' | 'skipped';
  errors: string[];
  /** Structured errors from the API-server rules (empty for parse errors). */
  fieldErrors: FieldError[];
  warnings: string[];
}

export interface ValidationSummary {
  documents: number;
  valid: number;
  invalid: number;
  skipped: number;
  warnings: number;
}

function unknownFieldMessage(f: string): string {
  return `unknown field "${f}"`;
}

export function validateDocument(doc: ManifestDocument, opts: ValidateDocumentsOptions = {}): DocumentReport {
  const document = sourceLabel(doc.source);
  if (doc.error) return { document, object: '?', status: 'invalid', errors: [doc.error], fieldErrors: [], warnings: [] };
  const object = objectLabel(doc.object);
  const kind = classifyDocument(doc.object);
  const other = kind.type === 'other' ? kind.kind : undefined;
  if (other !== undefined && other !== 'ClusterNetworkPolicy' && other !== 'ApplicationNetworkPolicy') {
    return { document, object, status: 'skipped', errors: [], fieldErrors: [], warnings: [] };
  }
  if (kind.type === 'invalid') return { document, object, status: 'invalid', errors: [kind.reason], fieldErrors: [], warnings: [] };
  // The EKS kinds are checked against their CRD schema and CEL rules (validate-cluster.ts).
  const v =
    other === 'ClusterNetworkPolicy'
      ? validateClusterNetworkPolicy(doc.object)
      : other === 'ApplicationNetworkPolicy'
        ? validateApplicationNetworkPolicy(doc.object, opts.defaultNamespace !== undefined ? { defaultNamespace: opts.defaultNamespace } : {})
        : validateNetworkPolicy(doc.object, {
            inventory: opts.inventory,
            defaultNamespace: opts.defaultNamespace,
            strictCIDR: opts.strictCIDR,
            eks: opts.eks,
          });
  const mode = opts.fieldValidation ?? 'strict';
  const unknownMessages = new Set(v.unknownFields.map(unknownFieldMessage));
  const errors = v.errors.map((e) => e.message);
  let warnings = v.warnings;
  if (mode === 'strict') {
    errors.push(...v.unknownFields.map(unknownFieldMessage));
    warnings = warnings.filter((w) => !unknownMessages.has(w));
  } else if (mode === 'ignore') {
    warnings = warnings.filter((w) => !unknownMessages.has(w));
  }
  return { document, object, status: errors.length ? 'invalid' : 'valid', errors, fieldErrors: v.errors, warnings };
}

export function validateDocuments(docs: readonly ManifestDocument[], opts: ValidateDocumentsOptions = {}): DocumentReport[] {
  return docs.map((d) => validateDocument(d, opts));
}

export function summarize(reports: readonly DocumentReport[]): ValidationSummary {
  return {
    documents: reports.length,
    valid: reports.filter((r) => r.status === 'valid').length,
    invalid: reports.filter((r) => r.status === 'invalid').length,
    skipped: reports.filter((r) => r.status === 'skipped').length,
    warnings: reports.reduce((n, r) => n + r.warnings.length, 0),
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function summaryLine(s: ValidationSummary): string {
  return `${plural(s.documents, 'document')}: ${s.valid} valid, ${s.invalid} invalid, ${s.skipped} skipped; ${plural(s.warnings, 'warning')}`;
}

/** One header line per document, then its errors and warnings indented. */
export function formatReport(reports: readonly DocumentReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const head = `${r.document} ${r.object}`;
    if (r.status === 'skipped') {
      lines.push(`${head}: skipped (not a NetworkPolicy)`);
      continue;
    }
    const status =
      r.status === 'valid'
        ? r.warnings.length
          ? `OK, ${plural(r.warnings.length, 'warning')}`
          : 'OK'
        : `INVALID, ${plural(r.errors.length, 'error')}${r.warnings.length ? `, ${plural(r.warnings.length, 'warning')}` : ''}`;
    lines.push(`${head}: ${status}`);
    for (const e of r.errors) lines.push(`  error: ${e}`);
    for (const w of r.warnings) lines.push(`  warning: ${w}`);
  }
  lines.push(summaryLine(summarize(reports)));
  return `${lines.join('\n')}\n`;
}
