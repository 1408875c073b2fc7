/**
 * Reading Kubernetes manifests the way a user writes them: a file or a folder (*.yaml, *.yml,
 * *.json, recursively, in sorted order), multi-document YAML, JSON (one object, an array, or
 * JSON lines) and `List` objects (`kind: List`, `NetworkPolicyList`). A document that cannot
 * be parsed becomes one entry with an `error`; the others are still returned. Reading the files
 * is the command line's part (infra/local/input/netpol.ts); this module only parses text.
 */
import YAML from 'yaml';
import { errorMessage } from '#shared/errors';

export interface DocumentSource {
  file: string;
  /** 1-based position of the document in its file. */
  doc: number;
  /** 0-based index in the `items` of a List document. */
  item?: number;
  /** The file holds more than one document (so the label shows `#doc`). */
  multi: boolean;
}

export interface ManifestDocument {
  source: DocumentSource;
  /** The parsed object; absent when `error` is set. */
  object?: unknown;
  /** Why the document could not be parsed (with line and column when known). */
  error?: string;
}

/** The file extensions read as manifests when a folder is given. */
export const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The extension of a file name, lower-cased, as node:path's extname gives it (`''` for `.json`). */
export function manifestExtension(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** `file`, `file#2` or `file#2.items[0]`: how reports name a document. */
export function sourceLabel(src: DocumentSource): string {
  let label = src.file;
  if (src.multi || src.item !== undefined) label += `#${src.doc}`;
  if (src.item !== undefined) label += `.items[${src.item}]`;
  return label;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Expands List objects; items of a typed list (NetworkPolicyList) inherit kind and apiVersion. */
function expand(value: unknown, source: DocumentSource): ManifestDocument[] {
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    return items.map((item, i) => ({ source: { ...source, item: i }, object: item }));
  }
  if (isObject(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -'List'.length);
    return value.items.map((item, i) => {
      let object: unknown = item;
      if (itemKind && isObject(item)) {
        object = { apiVersion: value.apiVersion, kind: itemKind, ...item };
      }
      return { source: { ...source, item: i }, object };
    });
  }
  return [{ source, object: value }];
}

function jsonErrorPosition(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(errorMessage(err));
  if (!m) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` (line ${line}, column ${col})`;
}

function parseJson(text: string, file: string): ManifestDocument[] {
  try {
    return expand(JSON.parse(text), { file, doc: 1, multi: false });
  } catch (err) {
    const lines = text.split('\n').map((l, i) => [l.trim(), i + 1] as const).filter(([l]) => l !== '');
    const looksLikeLines = lines.length > 1 && lines[0]![0].startsWith('{') && lines[0]![0].endsWith('}');
    if (!looksLikeLines) {
      const msg = errorMessage(err).replace(/ in JSON at position \d+.*$/, '');
      return [{ source: { file, doc: 1, multi: false }, error: `invalid JSON${jsonErrorPosition(text, err)}: ${msg}` }];
    }
    // JSON lines: one document per non-empty line.
    return lines.flatMap(([line, lineNo], i) => {
      const source = { file, doc: i + 1, multi: true };
      try {
        return expand(JSON.parse(line), source);
      } catch (lineErr) {
        return [{ source, error: `invalid JSON on line ${lineNo}: ${errorMessage(lineErr).replace(/ in JSON at position \d+.*$/, '')}` }];
      }
    });
  }
}

function parseYaml(text: string, file: string): ManifestDocument[] {
  // YAML 1.1, as kubectl's parser reads it: `yes`/`on` are booleans, so a label value written
  // unquoted as `on` fails here exactly as it fails with kubectl.
  const docs = YAML.parseAllDocuments(text, { version: '1.1', prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [];
  const multi = list.length > 1;
  const out: ManifestDocument[] = [];
  list.forEach((doc, i) => {
    const source: DocumentSource = { file, doc: i + 1, multi };
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = e.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      out.push({ source, error: `invalid YAML: ${where}${message}` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      out.push({ source, error: `invalid YAML: ${errorMessage(err)}` });
      return;
    }
    // Empty documents (a trailing `---`, comments only) are not manifests.
    if (value === null || value === undefined) return;
    out.push(...expand(value, source));
  });
  return out;
}

/** Parses the text of one file into documents; never throws. */
export function parseManifestText(text: string, file: string): ManifestDocument[] {
  const trimmed = text.replace(/^\uFEFF/, '');
  if (manifestExtension(file) === '.json') return parseJson(trimmed, file);
  // YAML reads a single JSON object too, but not JSON lines: try JSON first when it looks like
  // JSON, and fall back to YAML (flow-style YAML also starts with `{`).
  if (/^\s*[[{]/.test(trimmed)) {
    const json = parseJson(trimmed, file);
    if (!json.some((d) => d.error)) return json;
  }
  return parseYaml(trimmed, file);
}

/** `kind/ns/name` of an object, with `?` for what is missing. */
export function objectLabel(obj: unknown): string {
  if (!isObject(obj)) return '(not an object)';
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const kind = typeof obj.kind === 'string' ? obj.kind : '?';
  const ns = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : '?';
  const name = typeof meta.name === 'string' && meta.name ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '?';
  // Cluster-scoped kinds have no namespace to show.
  return kind === 'ClusterNetworkPolicy' ? `${kind}/${name}` : `${kind}/${ns}/${name}`;
}

/** What a document is: a NetworkPolicy to check, another kind to skip, or not a manifest. */
export function classifyDocument(obj: unknown): { type: 'networkpolicy' } | { type: 'other'; kind: string } | { type: 'invalid'; reason: string } {
  if (!isObject(obj)) return { type: 'invalid', reason: `not a Kubernetes object (a ${Array.isArray(obj) ? 'list' : typeof obj})` };
  if (typeof obj.kind !== 'string' || obj.kind === '') return { type: 'invalid', reason: 'kind is not set' };
  if (obj.kind === 'NetworkPolicy') return { type: 'networkpolicy' };
  return { type: 'other', kind: obj.kind };
}
