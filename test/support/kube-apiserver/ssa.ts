/**
 * Field ownership for server-side apply, simplified from sigs.k8s.io/structured-merge-diff.
 *
 * The model (documented in README.md beside this file):
 * - A field is a path of map keys. Maps are granular (each key is its own field, so two
 *   managers can own different labels); lists are atomic (a list is one field, owned whole);
 *   label selectors (`podSelector`, `namespaceSelector`) and `spec.selector` are atomic, as
 *   their Go types declare. Empty maps own nothing.
 * - Tracked: everything except apiVersion, kind, status and server-set metadata
 *   (name, namespace, uid, resourceVersion, generation, creationTimestamp, managedFields).
 * - Apply (manager M, config C): a conflict is a field in C whose live value differs and that
 *   another manager owns (exact path, or one is a prefix of the other). Without `force` the
 *   request fails with 409; with `force` M takes the field from them. Equal values are shared.
 *   Fields M applied before and left out of C are removed unless someone else also owns them.
 *   M's Apply entry becomes exactly the fields of C.
 * - Update (create, PUT, non-apply PATCH by M): M gains every field it added or changed; all
 *   others lose those; a removed field is removed from everyone. Never a conflict.
 * Not modelled: associative lists (merge keys), `.` self-ownership of map nodes, per-version
 * conversion, subresources.
 */
import { clone, deepEqual, isObject, type Json, type JsonObject, text } from './patch';
import { applyConflict } from './status';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
}

interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fields: Set<string>;
}

const SERVER_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'generateName',
]);

function isAtomic(path: string[]): boolean {
  const last = path[path.length - 1];
  return last === 'podSelector' || last === 'namespaceSelector' || (path.length === 2 && path[0] === 'spec' && path[1] === 'selector');
}

/** The tracked leaf fields of an object, keyed by JSON.stringify(path). */
export function fieldSet(obj: JsonObject): Map<string, Json> {
  const out = new Map<string, Json>();
  const walk = (v: Json, path: string[]): void => {
    if (isObject(v) && !isAtomic(path)) {
      for (const [k, child] of Object.entries(v)) {
        if (path.length === 0 && (k === 'apiVersion' || k === 'kind' || k === 'status')) continue;
        if (path.length === 1 && path[0] === 'metadata' && SERVER_METADATA.has(k)) continue;
        if (child === undefined) continue;
        walk(child, [...path, k]);
      }
      return;
    }
    out.set(JSON.stringify(path), v);
  };
  walk(obj, []);
  return out;
}

const segs = (key: string): string[] => JSON.parse(key) as string[];

function overlaps(a: string, b: string): boolean {
  if (a === b) return true;
  const x = segs(a);
  const y = segs(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** `.spec.podSelector`, as structured-merge-diff prints a path. */
export function renderPath(key: string): string {
  return segs(key)
    .map((s) => `.${s}`)
    .join('');
}

export function getPath(obj: Json, key: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const s of segs(key)) {
    if (!isObject(cur)) return undefined;
    cur = cur[s];
  }
  return cur;
}

function setPath(obj: JsonObject, key: string, value: Json): void {
  const p = segs(key);
  let cur = obj;
  for (const s of p.slice(0, -1)) {
    if (!isObject(cur[s])) cur[s] = {};
    cur = cur[s];
  }
  cur[p[p.length - 1]!] = clone(value);
}

/** Removes a field, and the maps that removal leaves empty (an unlabelled object has no `labels: {}`). */
function deletePath(obj: JsonObject, key: string): void {
  const p = segs(key);
  const chain: JsonObject[] = [obj];
  for (const s of p.slice(0, -1)) {
    const next: Json | undefined = chain[chain.length - 1]![s];
    if (!isObject(next)) return;
    chain.push(next);
  }
  delete chain[chain.length - 1]![p[p.length - 1]!];
  for (let i = chain.length - 1; i > 0; i--) {
    if (Object.keys(chain[i]!).length > 0) break;
    delete chain[i - 1]![p[i - 1]!];
  }
}

function toFieldsV1(fields: Set<string>): JsonObject {
  const root: JsonObject = {};
  for (const key of [...fields].sort()) {
    let cur = root;
    for (const s of segs(key)) {
      const k = `f:${s}`;
      if (!isObject(cur[k])) cur[k] = {};
      cur = cur[k];
    }
  }
  return root;
}

function fromFieldsV1(node: JsonObject, prefix: string[] = [], out = new Set<string>()): Set<string> {
  const children = Object.keys(node).filter((k) => k.startsWith('f:'));
  if (children.length === 0 && prefix.length > 0) out.add(JSON.stringify(prefix));
  for (const k of children) {
    const child = node[k];
    fromFieldsV1(isObject(child) ? child : {}, [...prefix, k.slice(2)], out);
  }
  return out;
}

function readOwners(obj: JsonObject | null): Owner[] {
  const list = obj && isObject(obj.metadata) ? obj.metadata.managedFields : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((e) => ({
    manager: text(e.manager ?? ''),
    operation: e.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: text(e.apiVersion ?? ''),
    time: text(e.time ?? ''),
    fields: fromFieldsV1(isObject(e.fieldsV1) ? e.fieldsV1 : {}),
  }));
}

function writeOwners(obj: JsonObject, owners: Owner[]): void {
  const meta = (isObject(obj.metadata) ? obj.metadata : (obj.metadata = {}));
  const entries: ManagedFieldsEntry[] = owners
    .filter((o) => o.fields.size > 0)
    .map((o) => ({ manager: o.manager, operation: o.operation, apiVersion: o.apiVersion, time: o.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(o.fields) }));
  if (entries.length > 0) meta.managedFields = entries as unknown as Json;
  else delete meta.managedFields;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/**
 * Server-side apply of `config` by `manager` onto `live` (null when the object is new).
 * Returns the merged object with managedFields updated, or throws a 409 apply conflict.
 */
export function applyConfig(live: JsonObject | null, config: JsonObject, manager: string, force: boolean, apiVersion: string, now: string): JsonObject {
  const owners = readOwners(live);
  const cfg = fieldSet(config);
  const base: JsonObject = live ? clone(live) : { apiVersion: config.apiVersion ?? null, kind: config.kind ?? null, metadata: clone(config.metadata ?? {}) };
  const conflicts: { owner: Owner; field: string }[] = [];
  for (const o of owners) {
    if (o.manager === manager && o.operation === 'Apply') continue;
    for (const q of o.fields) {
      for (const [p, v] of cfg) {
        if (!overlaps(p, q) || deepEqual(getPath(base, p), v)) continue;
        conflicts.push({ owner: o, field: segs(p).length >= segs(q).length ? p : q });
      }
    }
  }
  if (conflicts.length > 0 && !force) {
    const seen = new Set<string>();
    const list = conflicts
      .filter((c) => !seen.has(`${c.owner.manager}\0${c.field}`) && seen.add(`${c.owner.manager}\0${c.field}`))
      .map((c) => ({ manager: c.owner.manager, path: renderPath(c.field) }));
    throw applyConflict(list);
  }
  for (const c of conflicts) for (const q of [...c.owner.fields]) if (overlaps(q, c.field)) c.owner.fields.delete(q);

  let mine = owners.find((o) => o.manager === manager && o.operation === 'Apply');
  const previous = mine ? new Set(mine.fields) : new Set<string>();
  for (const r of previous) {
    if (cfg.has(r)) continue;
    const sharedWithOthers = owners.some((o) => o !== mine && [...o.fields].some((q) => overlaps(q, r)));
    if (!sharedWithOthers) deletePath(base, r);
  }
  for (const [p, v] of cfg) setPath(base, p, v);

  const next = new Set(cfg.keys());
  if (!mine) {
    mine = { manager, operation: 'Apply', apiVersion, time: now, fields: next };
    owners.push(mine);
  } else if (!sameSet(mine.fields, next) || !deepEqual(stripManaged(live), stripManaged(base))) {
    mine.fields = next;
    mine.time = now;
    mine.apiVersion = apiVersion;
  }
  writeOwners(base, owners);
  return base;
}

/** Records an Update-operation write (create, PUT, non-apply PATCH) by `manager`. */
export function recordUpdate(old: JsonObject | null, next: JsonObject, manager: string, apiVersion: string, now: string): void {
  const owners = readOwners(old);
  const before = old ? fieldSet(old) : new Map<string, Json>();
  const after = fieldSet(next);
  const changed = [...after].filter(([p, v]) => !before.has(p) || !deepEqual(before.get(p), v)).map(([p]) => p);
  const removed = [...before.keys()].filter((p) => !after.has(p));
  if (changed.length > 0 || removed.length > 0) {
    for (const o of owners) {
      for (const q of [...o.fields]) if (changed.some((p) => overlaps(p, q)) || removed.includes(q)) o.fields.delete(q);
    }
    let mine = owners.find((o) => o.manager === manager && o.operation === 'Update');
    if (!mine) {
      mine = { manager, operation: 'Update', apiVersion, time: now, fields: new Set() };
      owners.push(mine);
    }
    for (const p of changed) mine.fields.add(p);
    mine.time = now;
    mine.apiVersion = apiVersion;
  }
  writeOwners(next, owners);
}

function stripManaged(obj: JsonObject | null): Json {
  if (!obj) return null;
  const c = clone(obj);
  if (isObject(c.metadata)) delete c.metadata.managedFields;
  return c;
}
