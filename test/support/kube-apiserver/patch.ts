/**
 * The three non-apply patch types kube-apiserver accepts.
 *
 * - `application/merge-patch+json`: RFC 7386. Maps merge, `null` deletes, lists replace.
 * - `application/strategic-merge-patch+json`: a subset of kube's strategic merge. Maps merge
 *   (so `metadata.labels` merges key by key), `null` deletes, `$patch: replace|delete` on a map
 *   is honoured, `$setElementOrder/...` is ignored, and lists are replaced whole (real SMP merges
 *   lists such as `containers` by their merge key; boundwatch never patches those).
 *   `$retainKeys` and `$deleteFromPrimitiveList/...` are refused with 400.
 * - `application/json-patch+json`: RFC 6902 (add, remove, replace, move, copy, test).
 */
import { ApiError, badRequest } from './status';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A JSON value as text, for store keys and error messages: names are strings once validated, and
 * anything else prints as JavaScript prints it (the way Go's %v prints whatever the client sent).
 */
export function text(v: unknown): string {
  return String(v);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]));
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return clone(rest);
  }
  if (directive === 'delete') return null;
  if (directive !== undefined) throw badRequest(`unknown patch type: ${JSON.stringify(directive)}`);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/')) continue;
    if (k === '$retainKeys' || k.startsWith('$deleteFromPrimitiveList/')) {
      throw badRequest(`strategic merge directive ${k} is not supported by the test API server`);
    }
    if (v === null) delete out[k];
    else {
      const merged = strategicMergePatch(out[k] ?? null, v);
      if (merged === null && isObject(v) && v.$patch === 'delete') delete out[k];
      else out[k] = merged;
    }
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer ${JSON.stringify(pointer)} must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAtPointer(doc: Json, segs: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) cur = cur[Number(s)];
    else if (isObject(cur)) cur = cur[s];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: Json, segs: string[], path: string): { parent: Json; key: string } {
  const parent = getAtPointer(doc, segs.slice(0, -1));
  if (parent === undefined || (typeof parent !== 'object') || parent === null) {
    throw new Error(`doc is missing path: ${JSON.stringify(path)}`);
  }
  return { parent, key: segs[segs.length - 1]! };
}

function arrayIndex(arr: Json[], key: string, forAdd: boolean, path: string): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw new Error(`invalid array index ${JSON.stringify(key)} in ${path}`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`Unable to access invalid index: ${i}`);
  return i;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const segs = parsePointer(path);
  if (segs.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, segs, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, path), 0, clone(value));
  else (parent as JsonObject)[key] = clone(value);
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const segs = parsePointer(path);
  if (segs.length === 0) throw new Error('cannot remove the whole document');
  const { parent, key } = parentOf(doc, segs, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, path), 1);
  else {
    if (!Object.prototype.hasOwnProperty.call(parent, key)) throw new Error(`Unable to remove nonexistent key: ${key}: missing value`);
    delete (parent as JsonObject)[key];
  }
  return doc;
}

export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target);
  try {
    for (const raw of ops as JsonPatchOp[]) {
      if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new Error('invalid JSON patch operation');
      switch (raw.op) {
        case 'add':
          doc = addAt(doc, raw.path, raw.value ?? null);
          break;
        case 'remove':
          doc = removeAt(doc, raw.path);
          break;
        case 'replace': {
          const segs = parsePointer(raw.path);
          if (getAtPointer(doc, segs) === undefined) throw new Error(`replace operation does not apply: doc is missing key: ${raw.path}: missing value`);
          doc = removeAt(doc, raw.path);
          doc = addAt(doc, raw.path, raw.value ?? null);
          break;
        }
        case 'move': {
          const v = getAtPointer(doc, parsePointer(raw.from ?? ''));
          if (v === undefined) throw new Error(`move operation does not apply: doc is missing from path: ${raw.from}: missing value`);
          doc = removeAt(doc, raw.from!);
          doc = addAt(doc, raw.path, v);
          break;
        }
        case 'copy': {
          const v = getAtPointer(doc, parsePointer(raw.from ?? ''));
          if (v === undefined) throw new Error(`copy operation does not apply: doc is missing from path: ${raw.from}: missing value`);
          doc = addAt(doc, raw.path, v);
          break;
        }
        case 'test': {
          const v = getAtPointer(doc, parsePointer(raw.path));
          if (!deepEqual(v ?? null, raw.value ?? null)) throw new Error(`testing value ${raw.path} failed: test failed`);
          break;
        }
        default:
          throw new Error(`Unexpected kind: ${raw.op}`);
      }
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // kube-apiserver answers a patch that does not apply with a generic 422.
    throw new ApiError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: (err as Error).message,
      reason: 'Invalid',
      code: 422,
    });
  }
  return doc;
}
