/**
 * The command-line inputs of the netpol commands (README.md#networkpolicies): the `--cluster` inventory and
 * the `--policies` path. Unreadable input is an InputError naming the file; a bad policy
 * document is a per-document problem and the others still load.
 */
import { readFile, stat } from 'node:fs/promises';
import { ClusterInventory, normalizeInventory } from '#shared/inventory/cluster';
import { InputError, errorMessage } from '#shared/errors';
import {
  classifyDocument,
  type DocumentSource,
  MANIFEST_EXTENSIONS,
  manifestExtension,
  type ManifestDocument,
  objectLabel,
  parseManifestText,
  sourceLabel,
} from '#shared/netpol/manifest';
import { folderFiles } from './files';
import type { AnyNetworkPolicy } from '#shared/netpol-api/cluster-types';
import { validateNetworkPolicy } from '#shared/netpol/validate';
import { validateApplicationNetworkPolicy, validateClusterNetworkPolicy } from '#shared/netpol/validate-cluster';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory, expected a file' : errorMessage(err);
    throw new InputError(`${file}: ${what}`, { cause: err });
  }
}

function readProblem(path: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  const what =
    code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : errorMessage(err);
  return new InputError(`${path}: ${what}`, { cause: err });
}

/** The manifest files under a path: the file itself, or the folder's *.yaml, *.yml and *.json files, sorted. */
export async function manifestFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw readProblem(path, err);
  }
  if (!info.isDirectory()) return [path];
  let files: string[];
  try {
    files = folderFiles(path, (f) => MANIFEST_EXTENSIONS.has(manifestExtension(f)));
  } catch (err) {
    throw readProblem(path, err);
  }
  if (files.length === 0) throw new InputError(`${path}: no *.yaml, *.yml or *.json files in this folder`);
  return files;
}

/** Reads every document under a path. Unreadable paths throw InputError; bad documents do not. */
export async function loadManifests(path: string): Promise<ManifestDocument[]> {
  const out: ManifestDocument[] = [];
  for (const file of await manifestFiles(path)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw readProblem(file, err);
    }
    out.push(...parseManifestText(text, file));
  }
  return out;
}

/** Reads a JSON file; the error names the file and the position. */
export async function readJsonFile(file: string): Promise<unknown> {
  const text = await readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: invalid JSON: ${errorMessage(err)}`, { cause: err });
  }
}

function zodIssueText(issue: { path: ReadonlyArray<PropertyKey>; message: string }): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Reads and checks a `--cluster` inventory, adding the namespace name labels. */
export async function readInventoryFile(file: string): Promise<ClusterInventory> {
  const parsed = ClusterInventory.safeParse(await readJsonFile(file));
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new InputError(`${file}: not a cluster inventory: ${zodIssueText(issues[0]!)}${more}`);
  }
  return normalizeInventory(parsed.data);
}

export interface LoadedPolicy {
  /** A NetworkPolicy v1, or one of the EKS kinds (ClusterNetworkPolicy, ApplicationNetworkPolicy). */
  policy: AnyNetworkPolicy;
  source: DocumentSource;
  /** `file#n`. */
  label: string;
  warnings: string[];
}

export interface DocumentProblem {
  label: string;
  object: string;
  /** What is wrong, most important first (kube-style field errors for invalid policies). */
  errors: string[];
}

export interface PolicySet {
  policies: LoadedPolicy[];
  /** Documents that are not valid policies of a known kind (parse errors, validation errors). */
  problems: DocumentProblem[];
  /** Documents of other kinds, ignored. */
  skipped: Array<{ label: string; object: string }>;
}

/** The kinds the evaluator decides with, beside NetworkPolicy v1 (the EKS tiers and DNS names). */
const EKS_KINDS = new Set(['ClusterNetworkPolicy', 'ApplicationNetworkPolicy']);

/**
 * Loads every NetworkPolicy, ClusterNetworkPolicy and ApplicationNetworkPolicy under a path,
 * validated (the EKS kinds against their CRD schema) and defaulted. Invalid documents are
 * reported in `problems` and left out: evaluating a policy the API server would reject would
 * answer for a cluster that cannot exist.
 */
export async function loadPolicies(path: string, opts: { defaultNamespace?: string | undefined } = {}): Promise<PolicySet> {
  const set: PolicySet = { policies: [], problems: [], skipped: [] };
  for (const doc of await loadManifests(path)) {
    const label = sourceLabel(doc.source);
    if (doc.error) {
      set.problems.push({ label, object: '?', errors: [doc.error] });
      continue;
    }
    const object = objectLabel(doc.object);
    const kind = classifyDocument(doc.object);
    if (kind.type === 'other' && EKS_KINDS.has(kind.kind)) {
      const ns = opts.defaultNamespace !== undefined ? { defaultNamespace: opts.defaultNamespace } : {};
      const v = kind.kind === 'ClusterNetworkPolicy' ? validateClusterNetworkPolicy(doc.object) : validateApplicationNetworkPolicy(doc.object, ns);
      // Unknown fields are dropped (as the API server does without strict field validation).
      if (!v.policy) set.problems.push({ label, object, errors: v.errors.map((e) => e.message) });
      else set.policies.push({ policy: v.policy, source: doc.source, label, warnings: v.warnings });
      continue;
    }
    if (kind.type === 'other') {
      set.skipped.push({ label, object });
      continue;
    }
    if (kind.type === 'invalid') {
      set.problems.push({ label, object, errors: [kind.reason] });
      continue;
    }
    const v = validateNetworkPolicy(doc.object, { defaultNamespace: opts.defaultNamespace, eks: false });
    if (!v.policy) {
      set.problems.push({ label, object, errors: v.errors.map((e) => e.message) });
      continue;
    }
    set.policies.push({ policy: v.policy, source: doc.source, label, warnings: v.warnings });
  }
  return set;
}
