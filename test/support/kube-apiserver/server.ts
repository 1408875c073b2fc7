/**
 * A test Kubernetes API server that speaks real HTTP for the subset boundwatch uses, so that
 * @kubernetes/client-node is exercised over the wire. Plain http on a loopback port with
 * bearer-token authentication, optional RBAC-style rules per token, fault injection
 * (`failNext`, `down`/`up`) and a request log for assertions. See README.md beside this file.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { assertValidFieldManager, type NamedResource } from '#shared/k8s/names';
import type { z } from 'zod';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { validateNetworkPolicy } from '#shared/netpol/validate';
import { ApiHandlers, PATCH_TYPES, type RequestOptions, type Result } from './handlers';
import { clone, type JsonObject, text } from './patch';
import { apiVersionOf, findResource, RESOURCES, type NetworkPolicyValidator, type ResourceDef } from './resources';
import { ApiError, badRequest, forbidden, methodNotAllowed, requestEntityTooLarge, serverFault, unauthorized, unsupportedMediaType } from './status';
import { ObjectStore } from './store';
import { seedInventory } from './seed';
import { kubeconfigYaml, writeKubeconfigFile, type KubeconfigOptions } from './kubeconfig';

/** An RBAC PolicyRule: what a token may do. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface UserInfo {
  name: string;
  groups?: string[];
  /** When set, requests are authorized against these rules (403 otherwise); unset means all. */
  rules?: PolicyRule[];
}

export interface RequestRecord {
  method: string;
  /** URL path without the query. */
  path: string;
  query: Record<string, string>;
  contentType?: string;
  fieldManager?: string;
  force?: boolean;
  dryRun?: boolean;
  /** The Kubernetes verb: get, list, create, update, patch, delete (or `discovery`). */
  verb?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  user?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The HTTP status sent, or `reset` when the fault injection dropped the connection. */
  status: number | 'reset';
  /** Set when the answer came from `failNext` rather than the API. */
  injected?: boolean;
}

export interface FaultMatch {
  method?: string;
  verb?: string;
  resource?: string;
  path?: string | RegExp;
}

export interface Fault {
  /** HTTP status to answer with (5xx or 429), with a kube-style Status body. Default 503. */
  status?: number;
  message?: string;
  /** Sets Retry-After and details.retryAfterSeconds. */
  retryAfterSeconds?: number;
  /** Destroy the connection without an answer (ECONNRESET / socket hang up for the client). */
  reset?: boolean;
  /** Wait this long before answering; with `passThrough` the request is then served normally. */
  delayMs?: number;
  passThrough?: boolean;
  /** Only requests that match count against this fault. */
  match?: FaultMatch;
}

export interface KubeApiServerOptions {
  host?: string;
  port?: number;
  /** The admin token; random when not given. */
  token?: string;
  /** Extra tokens, e.g. one restricted to boundwatch's ClusterRole. */
  users?: Record<string, UserInfo>;
  /** Fallback authenticator for tokens not in `users`, e.g. an EKS token checker. */
  authenticate?: (token: string) => UserInfo | null;
  /** The NetworkPolicy validator: the shared one (`#shared/netpol/validate`) unless replaced; `null` turns it off. */
  validateNetworkPolicy?: NetworkPolicyValidator | null;
  /**
   * Whether EKS's ClusterNetworkPolicy CRD (networking.k8s.aws/v1alpha1) is installed, as on
   * EKS with VPC CNI 1.21.1+ or Auto Mode. Default true; false stands for an older cluster.
   */
  clusterNetworkPolicies?: boolean;
  clock?: () => Date;
  /** Request bodies above this size get 413 (kube-apiserver's limit is 3 MiB). */
  maxBodyBytes?: number;
}

interface Route {
  kind: 'discovery' | 'resource';
  def?: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  discovery?: unknown;
}

const NOT_FOUND_RESOURCE = (): ApiError =>
  new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });

/** The shared validator, adapted to the server's call (the stored object on update as `old`). */
const sharedValidator: NetworkPolicyValidator = (obj, opts) => validateNetworkPolicy(obj, { ...(opts?.old ? { old: opts.old } : {}), eks: false });

export class KubeApiServer {
  readonly token: string;
  private readonly store: ObjectStore;
  private readonly handlers: ApiHandlers;
  private readonly users = new Map<string, UserInfo>();
  private readonly faults: { remaining: number; fault: Fault }[] = [];
  private readonly log: RequestRecord[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server;
  private port = 0;
  private readonly host: string;
  private validator: NetworkPolicyValidator | undefined;

  private constructor(private readonly opts: KubeApiServerOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.token = opts.token ?? randomBytes(24).toString('base64url');
    this.users.set(this.token, { name: 'test-admin', groups: ['system:masters'] });
    for (const [t, u] of Object.entries(opts.users ?? {})) this.users.set(t, u);
    this.store = new ObjectStore(opts.clock);
    this.validator = opts.validateNetworkPolicy === null ? undefined : (opts.validateNetworkPolicy ?? sharedValidator);
    this.handlers = new ApiHandlers(this.store, () => this.validator);
    this.server = this.createHttpServer();
  }

  /** Starts a server on a free loopback port (or `opts.port`). */
  static async start(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const s = new KubeApiServer(opts);
    await s.listen(opts.port ?? 0);
    return s;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Whether NetworkPolicies are checked by a validator (the shared one unless replaced). */
  get validatesNetworkPolicies(): boolean {
    return this.validator !== undefined;
  }

  setNetworkPolicyValidator(v: NetworkPolicyValidator | undefined): void {
    this.validator = v;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  private createHttpServer(): Server {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  /** Simulates the API being unreachable: stops listening and drops open connections. */
  async down(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Brings the API back on the same port. */
  async up(): Promise<void> {
    if (this.server.listening) return;
    this.server = this.createHttpServer();
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    await this.down();
  }

  // ---- test controls ---------------------------------------------------------------------

  /** The next `n` matching requests fail as `fault` describes (default: 503). Faults queue. */
  failNext(n: number, fault: Fault = {}): void {
    this.faults.push({ remaining: n, fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  get requests(): readonly RequestRecord[] {
    return this.log;
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  addUser(token: string, user: UserInfo): void {
    this.users.set(token, user);
  }

  // ---- direct store access (no HTTP, no validation: for arranging test state) ------------

  /** Stores an object as-is (server metadata added), e.g. a pod with status.podIP set. */
  put(obj: Record<string, unknown>): JsonObject {
    const o = clone(obj) as JsonObject;
    const def = Object.values(RESOURCES).find((d) => d.kind === o.kind && apiVersionOf(d) === (o.apiVersion ?? apiVersionOf(d)));
    if (!def) throw new Error(`put: unsupported kind ${text(o.kind)}`);
    o.apiVersion = apiVersionOf(def);
    const meta = (o.metadata ?? {}) as JsonObject;
    if (def.resource === 'namespaces') meta.labels = { ...((meta.labels as JsonObject) ?? {}), 'kubernetes.io/metadata.name': text(meta.name) };
    const existing = this.store.get(def.resource, text(meta.namespace ?? ''), text(meta.name));
    if (existing) {
      const em = existing.metadata as JsonObject;
      o.metadata = { ...meta, uid: em.uid ?? null, creationTimestamp: em.creationTimestamp ?? null, generation: em.generation ?? 1 };
      return this.store.update(def, o);
    }
    // A seeded object may bring its uid (the one a recorded bound token names); the store assigns it otherwise.
    const seededUid = typeof meta.uid === 'string' && meta.uid ? meta.uid : undefined;
    const created = this.store.create(def, o);
    if (seededUid) return this.store.update(def, { ...created, metadata: { ...(created.metadata as JsonObject), uid: seededUid } });
    return created;
  }

  get(resource: NamedResource, namespace: string, name: string): JsonObject | undefined {
    return this.store.get(resource, namespace, name);
  }

  list(resource: NamedResource, namespace?: string): JsonObject[] {
    return this.store.list(resource, namespace);
  }

  /** Loads an inventory as namespaces, pods, services and nodes with realistic fields. */
  seed(inventory: z.input<typeof ClusterInventory> | ClusterInventory): void {
    seedInventory(this, inventory);
  }

  reset(): void {
    this.store.clear();
    this.clearFaults();
    this.clearRequests();
  }

  kubeconfigYaml(opts: Omit<KubeconfigOptions, 'server'> = {}): string {
    return kubeconfigYaml({ server: this.url, token: opts.token ?? this.token, ...opts });
  }

  /** Writes a kubeconfig for this server (mode 0600, it holds a token); returns its path. */
  writeKubeconfig(dir: string, opts: Omit<KubeconfigOptions, 'server'> & { fileName?: string } = {}): string {
    return writeKubeconfigFile(dir, { server: this.url, token: opts.token ?? this.token, ...opts });
  }

  // ---- HTTP ------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(q),
      status: 0,
    };
    const ct = req.headers['content-type']?.split(';')[0]?.trim();
    if (ct) record.contentType = ct;
    if (q.has('fieldManager')) record.fieldManager = q.get('fieldManager')!;
    if (q.has('force')) record.force = q.get('force') === 'true';
    if (q.has('dryRun')) record.dryRun = true;
    if (q.has('labelSelector')) record.labelSelector = q.get('labelSelector')!;
    if (q.has('fieldSelector')) record.fieldSelector = q.get('fieldSelector')!;
    this.log.push(record);

    let route: Route | undefined;
    try {
      route = this.route(url.pathname);
      if (route.def) {
        record.resource = route.def.resource;
        if (route.namespace !== undefined) record.namespace = route.namespace;
        if (route.name !== undefined) record.name = route.name;
      }
      record.verb = route.kind === 'discovery' ? 'discovery' : this.verbOf(record.method, route);
    } catch {
      // Routing errors are answered below, after faults and authentication, as upstream does.
    }

    const fault = this.takeFault(record);
    if (fault) {
      record.injected = true;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.reset) {
        record.status = 'reset';
        req.socket.destroy();
        return;
      }
      if (!fault.passThrough) {
        const err = serverFault(fault.status ?? 503, fault.message, fault.retryAfterSeconds);
        this.send(res, record, err.status.code, err.status, err.headers);
        return;
      }
    }

    try {
      const user = this.authenticate(req);
      record.user = user.name;
      const body = await this.readBody(req);
      if (!route) route = this.route(url.pathname);
      const result = this.dispatch(route, record, user, req, q, body);
      this.send(res, record, result.status, result.body);
    } catch (err) {
      if (err instanceof ApiError) this.send(res, record, err.status.code, err.status, err.headers);
      else {
        const e = serverFault(500, `internal error in the test API server: ${(err as Error).message}`);
        this.send(res, record, 500, e.status);
      }
    }
  }

  private takeFault(record: RequestRecord): Fault | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      const m = f.fault.match;
      if (m) {
        if (m.method && m.method.toUpperCase() !== record.method) continue;
        if (m.verb && m.verb !== record.verb) continue;
        if (m.resource && m.resource !== record.resource) continue;
        if (m.path && !(typeof m.path === 'string' ? record.path === m.path : m.path.test(record.path))) continue;
      }
      f.remaining--;
      return f.fault;
    }
    return undefined;
  }

  private send(res: ServerResponse, record: RequestRecord, status: number, body: unknown, headers: Record<string, string> = {}): void {
    record.status = status;
    if (res.headersSent || res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
    res.end(text);
  }

  private authenticate(req: IncomingMessage): UserInfo {
    const auth = req.headers.authorization ?? '';
    const m = auth.match(/^Bearer\s+(\S+)$/i);
    if (!m) throw unauthorized();
    const user = this.users.get(m[1]!) ?? this.opts.authenticate?.(m[1]!) ?? null;
    if (!user) throw unauthorized();
    return user;
  }

  private readBody(req: IncomingMessage): Promise<string> {
    const limit = this.opts.maxBodyBytes ?? 3 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          reject(requestEntityTooLarge(limit));
          req.resume();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  private route(pathname: string): Route {
    const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segs.length === 0) return { kind: 'discovery', discovery: { paths: ['/api', '/api/v1', '/apis', '/apis/networking.k8s.io/v1', '/version'] } };
    if (segs[0] === 'version') return { kind: 'discovery', discovery: { major: '1', minor: '33', gitVersion: 'v1.33.0-boundwatch-test', platform: 'linux/amd64' } };
    if (['healthz', 'livez', 'readyz'].includes(segs[0]!)) return { kind: 'discovery', discovery: 'ok' };
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api') {
      if (segs.length === 1) return { kind: 'discovery', discovery: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] } };
      group = '';
      version = segs[1]!;
      rest = segs.slice(2);
    } else if (segs[0] === 'apis') {
      if (segs.length === 1) {
        return {
          kind: 'discovery',
          discovery: {
            kind: 'APIGroupList',
            apiVersion: 'v1',
            groups: [
              { name: 'networking.k8s.io', versions: [{ groupVersion: 'networking.k8s.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'networking.k8s.io/v1', version: 'v1' } },
              { name: 'policy', versions: [{ groupVersion: 'policy/v1', version: 'v1' }], preferredVersion: { groupVersion: 'policy/v1', version: 'v1' } },
              ...(this.serves(RESOURCES.clusternetworkpolicies)
                ? [{ name: 'networking.k8s.aws', versions: [{ groupVersion: 'networking.k8s.aws/v1alpha1', version: 'v1alpha1' }], preferredVersion: { groupVersion: 'networking.k8s.aws/v1alpha1', version: 'v1alpha1' } }]
                : []),
              { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } },
            ],
          },
        };
      }
      if (segs.length < 3) throw NOT_FOUND_RESOURCE();
      group = segs[1]!;
      version = segs[2]!;
      rest = segs.slice(3);
    } else throw NOT_FOUND_RESOURCE();

    if (rest.length === 0) {
      const defs = Object.values(RESOURCES).filter((d) => d.group === group && d.version === version && this.serves(d));
      if (defs.length === 0) throw NOT_FOUND_RESOURCE();
      return {
        kind: 'discovery',
        discovery: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: group ? `${group}/${version}` : version,
          resources: defs.map((d) => ({ name: d.resource, singularName: d.kind.toLowerCase(), namespaced: d.namespaced, kind: d.kind, verbs: d.verbs, ...(d.shortNames ? { shortNames: d.shortNames } : {}) })),
        },
      };
    }
    // /namespaces/{ns}/{plural}[/{name}[/{sub}]] unless it is the namespace itself.
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const def = findResource(group, version, rest[2]!);
      if (!def || !def.namespaced || !this.serves(def)) throw NOT_FOUND_RESOURCE();
      return { kind: 'resource', def, namespace: rest[1]!, ...(rest[3] !== undefined ? { name: rest[3] } : {}), ...(rest[4] !== undefined ? { subresource: rest.slice(4).join('/') } : {}) };
    }
    const def = findResource(group, version, rest[0]!);
    if (!def || !this.serves(def)) throw NOT_FOUND_RESOURCE();
    if (rest.length === 1) return { kind: 'resource', def };
    if (def.namespaced) throw NOT_FOUND_RESOURCE();
    return { kind: 'resource', def, name: rest[1]!, ...(rest[2] !== undefined ? { subresource: rest.slice(2).join('/') } : {}) };
  }

  /** Custom resources are served only when their CRD is installed. */
  private serves(def: ResourceDef): boolean {
    return def.resource !== 'clusternetworkpolicies' || this.opts.clusterNetworkPolicies !== false;
  }

  private verbOf(method: string, route: Route): string {
    const named = route.name !== undefined;
    switch (method) {
      case 'GET':
        return named ? 'get' : 'list';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return named ? 'delete' : 'deletecollection';
      default:
        return method.toLowerCase();
    }
  }

  private authorize(user: UserInfo, verb: string, route: Route): void {
    if (!user.rules || !route.def) return;
    const def = route.def;
    const allowed = user.rules.some(
      (r) =>
        (r.apiGroups.includes('*') || r.apiGroups.includes(def.group)) &&
        (r.resources.includes('*') || r.resources.includes(def.resource)) &&
        (r.verbs.includes('*') || r.verbs.includes(verb)) &&
        (!r.resourceNames?.length || (route.name !== undefined && r.resourceNames.includes(route.name))),
    );
    if (!allowed) throw forbidden({ group: def.group, resource: def.resource }, route.name ?? '', user.name, verb, route.namespace);
  }

  private dispatch(route: Route, record: RequestRecord, user: UserInfo, req: IncomingMessage, q: URLSearchParams, body: string): Result {
    if (route.kind === 'discovery') {
      if (record.method !== 'GET') throw methodNotAllowed();
      return { status: 200, body: route.discovery };
    }
    const def = route.def!;
    const verb = record.verb!;
    if (route.subresource === 'eviction' && def.resource === 'pods' && verb === 'create' && route.name !== undefined) {
      // RBAC names the subresource: `create` on `pods/eviction`.
      this.authorize(user, 'create', { ...route, def: { ...def, resource: 'pods/eviction' as never } });
      const dryRun = q.get('dryRun');
      if (dryRun !== null && dryRun !== 'All') throw badRequest(`Invalid dryRun value: ${dryRun}`);
      return this.handlers.evict(route.namespace!, route.name, body ? this.decodeBody(req, body) : undefined, dryRun === 'All');
    }
    if (route.subresource) throw NOT_FOUND_RESOURCE();
    this.authorize(user, verb, route);
    // An apply that creates the object also needs `create`, as kube-apiserver checks.
    const isApply = verb === 'patch' && (req.headers['content-type'] ?? '').startsWith(PATCH_TYPES.apply);
    if (isApply && route.name !== undefined && !this.store.get(def.resource, route.namespace ?? '', route.name)) this.authorize(user, 'create', route);
    const dryRun = q.get('dryRun');
    if (dryRun !== null && dryRun !== 'All') throw badRequest(`Invalid dryRun value: ${dryRun}`);
    const explicitManager = q.get('fieldManager');
    if (explicitManager !== null) {
      try {
        assertValidFieldManager(explicitManager);
      } catch (err) {
        throw badRequest((err as Error).message);
      }
    }
    const opts: RequestOptions = {
      dryRun: dryRun === 'All',
      fieldManager: explicitManager ?? (req.headers['user-agent'] ?? 'unknown').split('/')[0]!,
      fieldManagerExplicit: explicitManager !== null,
      force: q.has('force') ? q.get('force') === 'true' : undefined,
    };
    const ns = route.namespace;
    switch (verb) {
      case 'get':
        return this.handlers.get(def, ns ?? '', route.name!);
      case 'list':
        return this.handlers.list(def, ns, q);
      case 'create':
        if (route.name !== undefined) throw methodNotAllowed();
        return this.handlers.create(def, ns, this.decodeBody(req, body), opts);
      case 'update':
        if (route.name === undefined) throw methodNotAllowed();
        return this.handlers.update(def, ns, route.name, this.decodeBody(req, body), opts);
      case 'patch': {
        if (route.name === undefined) throw methodNotAllowed();
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        if (!Object.values(PATCH_TYPES).includes(ct as never)) throw unsupportedMediaType(ct, Object.values(PATCH_TYPES));
        return this.handlers.patch(def, ns, route.name, ct, body, opts);
      }
      case 'delete':
        return this.handlers.delete(def, ns, route.name!, body ? this.decodeBody(req, body) : undefined, opts.dryRun);
      default:
        throw methodNotAllowed();
    }
  }

  private decodeBody(req: IncomingMessage, body: string): unknown {
    const ct = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
    try {
      if (ct === 'application/yaml') return parseYaml(body) as unknown;
      if (ct === 'application/json' || ct === '*/*' || ct === '') return JSON.parse(body) as unknown;
    } catch (err) {
      throw badRequest(`error decoding request body: ${(err as Error).message}`);
    }
    throw unsupportedMediaType(ct, ['application/json', 'application/yaml']);
  }
}

