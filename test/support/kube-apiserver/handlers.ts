/**
 * The API semantics of the test server, independent of HTTP: get, list, create, update (PUT),
 * patch (merge, strategic merge, JSON patch, server-side apply) and delete, with the errors
 * kube-apiserver returns for each.
 */
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { fieldError } from '#shared/k8s/field-error';
import type { NamedResource } from '#shared/k8s/names';
import { clone, deepEqual, isObject, jsonPatch, mergePatch, strategicMergePatch, type Json, type JsonObject, text } from './patch';
import { apiVersionOf, defaultListItems, prepare, RESOURCES, specChanged, validate, type NetworkPolicyValidator, type ResourceDef, type WriteContext } from './resources';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import { applyConfig, recordUpdate } from './ssa';
import { alreadyExists, ApiError, badRequest, conflict, disruptionBudgetRefused, invalid, notFound, OBJECT_MODIFIED, success, unsupportedMediaType } from './status';
import type { ObjectStore } from './store';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export interface Result {
  status: number;
  body: unknown;
}

export interface RequestOptions {
  dryRun: boolean;
  /** `fieldManager`, or the user agent's product name as kube-apiserver defaults it. */
  fieldManager: string;
  fieldManagerExplicit: boolean;
  force: boolean | undefined;
}

const gr = (def: ResourceDef) => ({ group: def.group, resource: def.resource });
const gk = (def: ResourceDef) => ({ group: def.group, kind: def.kind });
const meta = (o: JsonObject): JsonObject => (isObject(o.metadata) ? o.metadata : (o.metadata = {}));

/** Drops managedFields timestamps so a no-op write can be recognised and skipped. */
function withoutManagedTimes(o: JsonObject): Json {
  const c = clone(o);
  const m = meta(c);
  if (Array.isArray(m.managedFields)) for (const e of m.managedFields) if (isObject(e)) delete e.time;
  return c;
}

export class ApiHandlers {
  constructor(
    private readonly store: ObjectStore,
    private readonly validator: () => NetworkPolicyValidator | undefined,
  ) {}

  private ctx(old: JsonObject | null): WriteContext {
    return {
      old,
      lookup: (resource: NamedResource, ns: string, name: string) => this.store.get(resource, ns, name),
      allocateClusterIP: () => this.store.allocateClusterIP(),
      validateNetworkPolicy: this.validator(),
    };
  }

  get(def: ResourceDef, namespace: string, name: string): Result {
    const o = this.store.get(def.resource, namespace, name);
    if (!o) throw notFound(gr(def), name);
    return { status: 200, body: this.withType(def, o) };
  }

  list(def: ResourceDef, namespace: string | undefined, q: URLSearchParams): Result {
    if (q.get('watch') === 'true' || q.get('watch') === '1') throw badRequest('watch is not supported by the test API server');
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'), def.fieldSelectors);
    let items = this.store.list(def.resource, namespace).filter((o) => matchesLabels(labels, meta(o).labels as Record<string, string>) && matchesFields(fields, o));
    const listMeta: JsonObject = { resourceVersion: this.store.resourceVersion };
    const cont = q.get('continue');
    if (cont) {
      let after: string;
      try {
        const parsed: unknown = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8'));
        after = text(isObject(parsed) ? parsed.after : undefined);
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
      items = items.filter((o) => `${text(meta(o).namespace ?? '')}/${text(meta(o).name)}` > after);
    }
    const limit = Number(q.get('limit') ?? 0);
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1]!;
      listMeta.continue = Buffer.from(JSON.stringify({ after: `${text(meta(last).namespace ?? '')}/${text(meta(last).name)}` })).toString('base64url');
      listMeta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    // Items of a typed list carry no kind/apiVersion on the wire, as with kube-apiserver.
    const bare = items.map((o) => {
      const rest = { ...o };
      delete rest.kind;
      delete rest.apiVersion;
      return rest;
    });
    return { status: 200, body: { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: listMeta, items: bare } };
  }

  create(def: ResourceDef, namespace: string | undefined, body: unknown, opts: RequestOptions): Result {
    const o = this.decode(def, body);
    const m = meta(o);
    this.checkNamespace(def, namespace, m);
    if ((m.name === undefined || m.name === '') && typeof m.generateName === 'string' && m.generateName) {
      m.name = `${m.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'deletionTimestamp']) delete m[k];
    prepare(def, o, this.ctx(null));
    const errs = validate(def, o, this.ctx(null));
    if (errs.length) throw invalid(gk(def), text(m.name ?? ''), errs);
    this.requireNamespace(def, text(m.namespace ?? ''));
    if (this.store.get(def.resource, text(m.namespace ?? ''), text(m.name))) throw alreadyExists(gr(def), text(m.name));
    recordUpdate(null, o, opts.fieldManager, apiVersionOf(def), this.store.now());
    if (opts.dryRun) {
      Object.assign(m, { uid: 'dry-run', creationTimestamp: this.store.now(), generation: 1 });
      return { status: 201, body: o };
    }
    return { status: 201, body: this.withType(def, this.store.create(def, o)) };
  }

  update(def: ResourceDef, namespace: string | undefined, name: string, body: unknown, opts: RequestOptions): Result {
    const o = this.decode(def, body);
    const m = meta(o);
    this.checkNamespace(def, namespace, m);
    if (m.name !== undefined && m.name !== name) throw badRequest(`the name of the object (${text(m.name)}) does not match the name on the URL (${name})`);
    m.name = name;
    const old = this.store.get(def.resource, namespace ?? '', name);
    if (!old) throw notFound(gr(def), name);
    if (m.resourceVersion !== undefined && m.resourceVersion !== '' && m.resourceVersion !== meta(old).resourceVersion) throw conflict(gr(def), name, OBJECT_MODIFIED);
    return this.write(def, old, o, opts, 'update');
  }

  patch(def: ResourceDef, namespace: string | undefined, name: string, contentType: string, raw: string, opts: RequestOptions): Result {
    const ns = namespace ?? '';
    const old = this.store.get(def.resource, ns, name);
    if (contentType === PATCH_TYPES.apply) return this.apply(def, namespace, name, old ?? null, raw, opts);
    if (opts.force !== undefined) {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [fieldError.forbidden('force', 'may not be specified for non-apply patch')]);
    }
    if (!old) throw notFound(gr(def), name);
    let patch: Json;
    try {
      patch = JSON.parse(raw) as Json;
    } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
    let next: Json;
    switch (contentType) {
      case PATCH_TYPES.merge:
        next = mergePatch(old, patch);
        break;
      case PATCH_TYPES.strategic:
        next = strategicMergePatch(old, patch);
        break;
      case PATCH_TYPES.json:
        next = jsonPatch(old, patch);
        break;
      default:
        throw unsupportedMediaType(contentType, Object.values(PATCH_TYPES));
    }
    if (!isObject(next)) throw badRequest('the patch did not produce an object');
    const m = meta(next);
    const oldMeta = meta(old);
    // A resourceVersion written by the patch is a precondition (optimistic concurrency).
    if (m.resourceVersion !== undefined && m.resourceVersion !== '' && m.resourceVersion !== oldMeta.resourceVersion) {
      throw conflict(gr(def), name, OBJECT_MODIFIED);
    }
    if (m.name !== name || (m.namespace ?? '') !== ns) throw badRequest(`the name of the object (${text(m.name)}) does not match the name on the URL (${name})`);
    return this.write(def, old, next, opts, 'patch');
  }

  private apply(def: ResourceDef, namespace: string | undefined, name: string, old: JsonObject | null, raw: string, opts: RequestOptions): Result {
    if (!opts.fieldManagerExplicit) {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [fieldError.required('fieldManager', 'is required for apply patch')]);
    }
    let config: unknown;
    try {
      config = parseYaml(raw);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
    if (!isObject(config)) throw badRequest('apply patch must be an object');
    const c = config;
    if (c.apiVersion !== apiVersionOf(def) || c.kind !== def.kind) {
      throw badRequest(`the apply patch must name apiVersion ${JSON.stringify(apiVersionOf(def))} and kind ${JSON.stringify(def.kind)}`);
    }
    const m = meta(c);
    this.checkNamespace(def, namespace, m);
    if (m.name !== undefined && m.name !== name) throw badRequest(`the name of the object (${text(m.name)}) does not match the name on the URL (${name})`);
    m.name = name;
    if (old && m.resourceVersion !== undefined && m.resourceVersion !== meta(old).resourceVersion) throw conflict(gr(def), name, OBJECT_MODIFIED);
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields']) delete m[k];
    delete c.status;
    if (!old) this.requireNamespace(def, namespace ?? '');
    // Defaults inside atomic lists (port protocols) are applied to the config first, so that an
    // unchanged re-apply compares equal to the stored, defaulted object.
    defaultListItems(def, c);
    const merged = applyConfig(old, c, opts.fieldManager, opts.force === true, apiVersionOf(def), this.store.now());
    if (!old) {
      prepare(def, merged, this.ctx(null));
      const errs = validate(def, merged, this.ctx(null));
      if (errs.length) throw invalid(gk(def), name, errs);
      if (opts.dryRun) return { status: 201, body: merged };
      return { status: 201, body: this.withType(def, this.store.create(def, merged)) };
    }
    return this.write(def, old, merged, opts, 'apply');
  }

  /** The common end of update, patch and apply: defaulting, validation, no-op detection, storage. */
  private write(def: ResourceDef, old: JsonObject, next: JsonObject, opts: RequestOptions, how: 'update' | 'patch' | 'apply'): Result {
    const m = meta(next);
    const om = meta(old);
    // Server-set metadata cannot be changed by a client.
    for (const k of ['uid', 'creationTimestamp', 'generation', 'resourceVersion']) {
      if (k === 'uid' && m.uid !== undefined && m.uid !== om.uid) continue; // reported by validate()
      m[k] = om[k] ?? null;
    }
    if (how !== 'apply') m.managedFields = om.managedFields ?? null;
    if (m.managedFields === null) delete m.managedFields;
    next.apiVersion = apiVersionOf(def);
    next.kind = def.kind;
    prepare(def, next, this.ctx(old));
    const errs = validate(def, next, this.ctx(old));
    if (errs.length) throw invalid(gk(def), text(m.name), errs);
    if (how !== 'apply') recordUpdate(old, next, opts.fieldManager, apiVersionOf(def), this.store.now());
    if (deepEqual(withoutManagedTimes(old), withoutManagedTimes(next))) return { status: 200, body: this.withType(def, old) };
    if (specChanged(old, next)) m.generation = Number(om.generation ?? 1) + 1;
    if (opts.dryRun) return { status: 200, body: next };
    return { status: 200, body: this.withType(def, this.store.update(def, next)) };
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string, body: unknown, dryRun: boolean): Result {
    const ns = namespace ?? '';
    const old = this.store.get(def.resource, ns, name);
    if (!old) throw notFound(gr(def), name);
    const om = meta(old);
    const pre = isObject(body) && isObject(body.preconditions) ? body.preconditions : {};
    if (typeof pre.uid === 'string' && pre.uid !== om.uid) {
      throw conflict(gr(def), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${text(om.uid)}`);
    }
    if (typeof pre.resourceVersion === 'string' && pre.resourceVersion !== om.resourceVersion) {
      throw conflict(gr(def), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${text(om.resourceVersion)}`);
    }
    if (!dryRun) {
      // Namespaces terminate asynchronously on a real cluster; here their contents go at once.
      if (def.resource === 'namespaces') this.store.deleteNamespaceContents(name);
      this.store.delete(def, ns, name);
    }
    if (def.resource === 'namespaces') {
      om.deletionTimestamp = this.store.now();
      old.status = { phase: 'Terminating' };
    }
    return { status: 200, body: def.returnsDeletedObject ? this.withType(def, old) : success(gr(def), name, text(om.uid)) };
  }

  /**
   * POST pods/{name}/eviction: a delete that PodDisruptionBudgets may refuse. A budget allows
   * a disruption while the healthy (Running, not terminating) pods it selects stay above
   * `minAvailable` (a number or a percent of the pods it selects) or, with `maxUnavailable`,
   * while fewer than that are unhealthy. More than one budget for a pod is an error, as in
   * kube-apiserver.
   */
  evict(namespace: string, name: string, body: unknown, dryRun: boolean): Result {
    const pods = RESOURCES.pods;
    const pod = this.store.get('pods', namespace, name);
    if (!pod) throw notFound(gr(pods), name);
    const b = isObject(body) ? (body) : {};
    const opts = isObject(b.deleteOptions) ? (b.deleteOptions) : {};
    const labels = (meta(pod).labels ?? {}) as Record<string, string>;
    const selects = (pdb: JsonObject) => {
      const sel = (isObject(pdb.spec) && isObject((pdb.spec).selector) ? ((pdb.spec).selector).matchLabels : undefined) as Record<string, string> | undefined;
      return (p: Record<string, string>) => sel !== undefined && Object.entries(sel).every(([k, v]) => p[k] === v);
    };
    const budgets = this.store.list('poddisruptionbudgets', namespace).filter((pdb) => selects(pdb)(labels));
    if (budgets.length > 1) throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', reason: 'InternalError', code: 500 });
    const healthy = (p: JsonObject) => isObject(p.status) && (p.status).phase === 'Running' && meta(p).deletionTimestamp === undefined;
    const podHealthy = healthy(pod);
    for (const pdb of budgets) {
      const matched = this.store.list('pods', namespace).filter((p) => selects(pdb)((meta(p).labels ?? {}) as Record<string, string>));
      const up = matched.filter(healthy).length;
      const spec = pdb.spec as JsonObject;
      const count = (v: unknown) => (typeof v === 'string' && v.endsWith('%') ? Math.ceil((Number(v.slice(0, -1)) / 100) * matched.length) : Number(v));
      const allowed = spec.maxUnavailable !== undefined ? count(spec.maxUnavailable) - (matched.length - up) : up - count(spec.minAvailable ?? 0);
      // An unhealthy pod may always go: evicting it costs the budget nothing.
      if (podHealthy && allowed < 1) throw disruptionBudgetRefused(typeof meta(pdb).name === 'string' ? (meta(pdb).name as string) : '');
    }
    this.delete(pods, namespace, name, isObject(opts.preconditions) ? { preconditions: opts.preconditions } : undefined, dryRun || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All')));
    return { status: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
  }

  private decode(def: ResourceDef, body: unknown): JsonObject {
    if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
    const o = clone(body);
    if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(def)) {
      throw badRequest(`the API version in the data (${text(o.apiVersion)}) does not match the expected API version (${apiVersionOf(def)})`);
    }
    if (o.kind !== undefined && o.kind !== def.kind) throw badRequest(`the kind in the data (${text(o.kind)}) does not match the expected kind (${def.kind})`);
    o.apiVersion = apiVersionOf(def);
    o.kind = def.kind;
    meta(o);
    return o;
  }

  private checkNamespace(def: ResourceDef, namespace: string | undefined, m: JsonObject): void {
    if (!def.namespaced) return;
    if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    m.namespace = namespace ?? '';
  }

  /** NamespaceLifecycle admission: nothing is created in a namespace that does not exist. */
  private requireNamespace(def: ResourceDef, namespace: string): void {
    if (def.namespaced && !this.store.get('namespaces', '', namespace)) throw notFound(gr(RESOURCES.namespaces), namespace);
  }

  private withType(def: ResourceDef, o: JsonObject): JsonObject {
    return { apiVersion: apiVersionOf(def), kind: def.kind, ...o };
  }
}
