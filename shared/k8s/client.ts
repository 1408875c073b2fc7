/**
 * ClusterClient: the typed operations enforcement and inventory need, over
 * @kubernetes/client-node. This layer
 * - validates every name and label before it goes on the wire (names.ts),
 * - writes with field manager `boundwatch` (NetworkPolicies by server-side apply),
 * - retries 5xx, 429 and connection failures with bounded, jittered backoff, then throws
 *   DownstreamError naming the operation and the object,
 * - maps 404 to null (reads, deletes) and 401/403/409/422 to named errors (errors.ts),
 * - never returns secret data: secrets come back as metadata and type only;
 * - reads policies of every kind as the one typed object (shared/netpol-api), parsed from the
 *   API's JSON with that kind's schema; one that does not parse is reported as unreadable
 *   (lists) or UnreadablePolicyError (get, apply), never dropped.
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  Observable,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V1Namespace,
  type V1Node,
  type V1ObjectMeta,
  type V1Pod,
  type V1Secret,
  type V1Service,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import { ClusterAuthError, DownstreamError, ValidationError } from '../errors';
import type { ClusterNetworkPolicy } from '../netpol-api/cluster-types';
import { readPolicies, readPolicy, type PolicyKind, type PolicyKinds, type PolicyList } from '../netpol-api/read';
import type { NetworkPolicy } from '../netpol-api/types';
import { KubeConflictError, KubeInvalidError, KubeNotFoundError, KubeRequestError, UnreadablePolicyError, type KubeStatus } from './errors';
import { staticKubeConfigSource, type KubeConfigSource } from './kubeconfig';
import { assertValidFieldManager, assertValidLabels, assertValidName, labelValueErrors, qualifiedNameErrors, validateAnnotations, type NamedResource } from './names';

export const FIELD_MANAGER = 'boundwatch';

/** Secrets as boundwatch sees them: never `data` or `stringData`. */
export interface SecretMetadata {
  metadata: V1ObjectMeta;
  type?: string;
  immutable?: boolean;
}

export type LabelSelectorInput = string | Record<string, string>;

export interface ListOptions {
  /** Omit for all namespaces. */
  namespace?: string;
  labelSelector?: LabelSelectorInput;
  fieldSelector?: string;
}

export interface WriteOptions {
  /** Server-side dry run (`dryRun=All`): validated and admitted, not persisted. */
  dryRun?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  /** Only delete the object with this uid (a pod recreated under the same name is left alone). */
  uid?: string;
  gracePeriodSeconds?: number;
}

/** `deleted`; `not-found` (already gone: a redelivery); `uid-mismatch` (the name now belongs to another object). */
export type DeleteResult = 'deleted' | 'not-found' | 'uid-mismatch';
/** As DeleteResult, plus `blocked`: a PodDisruptionBudget allows no disruption now (HTTP 429). */
export type EvictResult = 'evicted' | 'not-found' | 'uid-mismatch' | 'blocked';

export interface ApplyOptions extends WriteOptions {
  /** Take fields another manager owns instead of failing with KubeConflictError. */
  force?: boolean;
}

/** NetworkPolicy v1, read as plain JSON (through the custom-objects client) so that its one schema sees what the server sent. */
const NP_GROUP = 'networking.k8s.io';
const NP_VERSION = 'v1';
const NP_PLURAL = 'networkpolicies';

/** EKS's ClusterNetworkPolicy CRD (amazon-network-policy-controller-k8s): group, version, plural. */
export const CNP_GROUP = 'networking.k8s.aws';
export const CNP_VERSION = 'v1alpha1';
export const CNP_PLURAL = 'clusternetworkpolicies';

/** The apps/v1 kinds that own pods. */
export type AppsKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet';

/** What the replica floor reads of a workload: identity, owner, desired and ready replicas. */
export interface WorkloadObject {
  kind: AppsKind;
  metadata: V1ObjectMeta;
  /** spec.replicas (a DaemonSet: status.desiredNumberScheduled). */
  desired: number;
  /** status.readyReplicas (a DaemonSet: status.numberReady); 0 when absent. */
  ready: number;
}

const APPS_RESOURCE = { Deployment: 'deployments', ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' } as const;

function workloadObject(kind: AppsKind, o: { metadata?: V1ObjectMeta | undefined; spec?: object | undefined; status?: object | undefined }): WorkloadObject {
  const st = (o.status ?? {}) as Record<string, number | undefined>;
  const desired = kind === 'DaemonSet' ? (st.desiredNumberScheduled ?? 0) : ((o.spec as { replicas?: number } | undefined)?.replicas ?? 1);
  const ready = kind === 'DaemonSet' ? (st.numberReady ?? 0) : (st.readyReplicas ?? 0);
  return { kind, metadata: o.metadata ?? {}, desired, ready };
}

export interface ClusterClient {
  getPod(namespace: string, name: string): Promise<V1Pod | null>;
  listPods(opts?: ListOptions): Promise<V1Pod[]>;
  /** Merge-patches labels (a `null` value removes the key). `resourceVersion` makes it conditional (409 when stale). */
  patchPodLabels(namespace: string, name: string, labels: Record<string, string | null>, opts?: WriteOptions & { resourceVersion?: string }): Promise<V1Pod>;
  /** Server-side applies just these labels as `boundwatch`; labels boundwatch applied before and omits now are removed. */
  applyPodLabels(namespace: string, name: string, labels: Record<string, string>, opts?: ApplyOptions): Promise<V1Pod>;
  deletePod(namespace: string, name: string, opts?: DeleteOptions): Promise<DeleteResult>;
  /** Evicts through the Eviction API, so PodDisruptionBudgets hold; `blocked` is not retried. */
  evictPod(namespace: string, name: string, opts?: Pick<DeleteOptions, 'uid' | 'dryRun'>): Promise<EvictResult>;

  /** A pod's owner as the apps/v1 API has it now (replicas desired and ready, its own owner), for the replica floor. */
  getWorkload(kind: AppsKind, namespace: string, name: string): Promise<WorkloadObject | null>;
  /** The ReplicaSets of a namespace (a Deployment's pods span its ReplicaSets during a rollout). */
  listReplicaSets(namespace: string): Promise<WorkloadObject[]>;

  getNamespace(name: string): Promise<V1Namespace | null>;
  listNamespaces(opts?: Omit<ListOptions, 'namespace'>): Promise<V1Namespace[]>;
  listServices(opts?: ListOptions): Promise<V1Service[]>;
  listNodes(opts?: Omit<ListOptions, 'namespace'>): Promise<V1Node[]>;
  getServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount | null>;
  listServiceAccounts(opts?: ListOptions): Promise<V1ServiceAccount[]>;

  getSecret(namespace: string, name: string): Promise<SecretMetadata | null>;
  /** Needs RBAC `list` on secrets, which boundwatch's own ClusterRole does not grant (see rbac.ts). */
  listSecrets(opts?: ListOptions): Promise<SecretMetadata[]>;
  deleteSecret(namespace: string, name: string, opts?: DeleteOptions): Promise<DeleteResult>;
  /**
   * The legacy (long-lived) token secrets of a ServiceAccount, found through its `secrets`
   * list and confirmed by type and the service-account annotations: get, never list.
   */
  legacyTokenSecrets(namespace: string, serviceAccount: string): Promise<SecretMetadata[]>;

  /** UnreadablePolicyError when it exists but does not read as a NetworkPolicy. */
  getNetworkPolicy(namespace: string, name: string): Promise<NetworkPolicy | null>;
  listNetworkPolicies(opts?: ListOptions): Promise<PolicyList<NetworkPolicy>>;
  /** Sends the name, namespace, labels, annotations and spec only; returns the object as stored. */
  applyNetworkPolicy(policy: NetworkPolicy, opts?: ApplyOptions): Promise<NetworkPolicy>;
  deleteNetworkPolicy(namespace: string, name: string, opts?: DeleteOptions): Promise<DeleteResult>;

  /** Whether the API serves EKS's ClusterNetworkPolicy (its CRD is installed: VPC CNI 1.21.1+ or Auto Mode). */
  servesClusterNetworkPolicies(): Promise<boolean>;
  /** Every ClusterNetworkPolicy; empty when the kind is not served. */
  listClusterNetworkPolicies(opts?: Omit<ListOptions, 'namespace'>): Promise<PolicyList<ClusterNetworkPolicy>>;
  /** UnreadablePolicyError when it exists but does not read as a ClusterNetworkPolicy. */
  getClusterNetworkPolicy(name: string): Promise<ClusterNetworkPolicy | null>;
  applyClusterNetworkPolicy(policy: ClusterNetworkPolicy, opts?: ApplyOptions): Promise<ClusterNetworkPolicy>;
  deleteClusterNetworkPolicy(name: string, opts?: DeleteOptions): Promise<DeleteResult>;
}

export interface RetryPolicy {
  /** Total attempts, first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ClusterClientOptions {
  fieldManager?: string;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout; a timed-out request counts as a connection failure. */
  requestTimeoutMs?: number;
  /** Page size for lists (`limit`/`continue`). */
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told about each retry; never given tokens or bodies. */
  onRetry?: (info: { operation: string; attempt: number; delayMs: number; reason: string }) => void;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 3_000 };

const TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
/** kubectl keeps the whole last applied object here, data included: never pass it on. */
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

interface Apis {
  core: CoreV1Api;
  net: NetworkingV1Api;
  custom: CustomObjectsApi;
  apps: AppsV1Api;
}

type Failure =
  | { kind: 'retryable'; reason: string; retryAfterMs?: number; cause: unknown }
  | { kind: 'api'; code: number; status: KubeStatus; cause: unknown };

/** Reads the metav1.Status out of a client-node ApiException (its body is the raw text). */
function statusOf(body: unknown): KubeStatus {
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      return typeof parsed === 'object' && parsed !== null ? parsed : {};
    } catch {
      return {};
    }
  }
  return typeof body === 'object' && body !== null ? body : {};
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

function classify(err: unknown): Failure | undefined {
  const e = err as { code?: unknown; body?: unknown; headers?: Record<string, string>; name?: string; type?: string; message?: string; errno?: unknown };
  if (typeof e?.code === 'number' && 'body' in (e as object)) {
    const status = statusOf(e.body);
    const code = e.code;
    if (code === 429 || code >= 500) {
      const ra = Number(e.headers?.['retry-after']);
      const reason = `HTTP ${code}${status.reason ? ` ${status.reason}` : ''}`;
      return { kind: 'retryable', reason, ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}), cause: err };
    }
    return { kind: 'api', code, status, cause: err };
  }
  // node-fetch FetchError (system errors), AbortError (our timeout) and raw socket errors.
  if (e?.name === 'AbortError' || e?.type === 'aborted') return { kind: 'retryable', reason: 'request timed out', cause: err };
  if (e?.name === 'FetchError' || (typeof e?.code === 'string' && RETRYABLE_CODES.has(e.code))) {
    const code = typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : undefined;
    return { kind: 'retryable', reason: code ? `connection failed (${code})` : 'connection failed', cause: err };
  }
  return undefined;
}

function selectorString(sel: LabelSelectorInput | undefined): string | undefined {
  if (sel === undefined) return undefined;
  if (typeof sel === 'string') return sel === '' ? undefined : sel;
  assertValidLabels(sel, 'labelSelector');
  const parts = Object.entries(sel).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : undefined;
}

/** Keys and values of every matchLabels / matchExpressions inside a NetworkPolicy spec. */
function assertValidSelectors(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertValidSelectors(v, `${path}[${i}]`));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const here = `${path}.${k}`;
    if (k === 'matchLabels' && typeof v === 'object' && v !== null) assertValidLabels(v as Record<string, unknown>, here);
    else if (k === 'matchExpressions' && Array.isArray(v)) {
      v.forEach((req: { key?: unknown; values?: unknown }, i) => {
        const problems = [
          ...(typeof req?.key === 'string' ? qualifiedNameErrors(req.key) : ['key must be a string']),
          ...(Array.isArray(req?.values) ? req.values.flatMap((x) => (typeof x === 'string' ? labelValueErrors(x) : ['values must be strings'])) : []),
        ];
        if (problems.length) throw new ValidationError('invalid-k8s-label', `${here}[${i}]: ${problems.join('; ')}`);
      });
    } else assertValidSelectors(v, here);
  }
}

function sanitizeSecret(s: V1Secret): SecretMetadata {
  const meta: V1ObjectMeta = { ...(s.metadata ?? {}) };
  delete meta.managedFields;
  if (meta.annotations && LAST_APPLIED_ANNOTATION in meta.annotations) {
    meta.annotations = { ...meta.annotations };
    delete meta.annotations[LAST_APPLIED_ANNOTATION];
  }
  return { metadata: meta, ...(s.type !== undefined ? { type: s.type } : {}), ...(s.immutable !== undefined ? { immutable: s.immutable } : {}) };
}

function ref(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class KubeClusterClient implements ClusterClient {
  private readonly source: KubeConfigSource;
  private readonly retry: RetryPolicy;
  private readonly fieldManager: string;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private apisFor = new WeakMap<KubeConfig, Apis>();

  constructor(
    source: KubeConfigSource | KubeConfig,
    private readonly opts: ClusterClientOptions = {},
  ) {
    this.source = 'get' in source && 'invalidate' in source ? source : staticKubeConfigSource(source, 'kubeconfig');
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.fieldManager = opts.fieldManager ?? FIELD_MANAGER;
    assertValidFieldManager(this.fieldManager);
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.pageSize = opts.pageSize ?? 500;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  // ---- plumbing --------------------------------------------------------------------------

  private async apis(): Promise<Apis> {
    const kc = await this.source.get();
    let apis = this.apisFor.get(kc);
    if (!apis) {
      apis = { core: kc.makeApiClient(CoreV1Api), net: kc.makeApiClient(NetworkingV1Api), custom: kc.makeApiClient(CustomObjectsApi), apps: kc.makeApiClient(AppsV1Api) };
      this.apisFor.set(kc, apis);
    }
    return apis;
  }

  /** Request options: a per-request timeout, and a Content-Type for patches. */
  private options(contentType?: string): ConfigurationOptions<ObservableMiddleware> {
    const timeout: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(this.timeoutMs));
        return new Observable(Promise.resolve(ctx));
      },
      post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
    };
    const base: ConfigurationOptions<ObservableMiddleware> = { middleware: [timeout], middlewareMergeStrategy: 'append' };
    return contentType ? setHeaderOptions('Content-Type', contentType, base) : base;
  }

  private backoff(attempt: number, retryAfterMs?: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    // Equal jitter (half fixed, half random), never shorter than a Retry-After (capped by maxDelayMs).
    const jittered = Math.round(exp / 2 + Math.random() * (exp / 2));
    return retryAfterMs !== undefined ? Math.min(this.retry.maxDelayMs, Math.max(jittered, retryAfterMs)) : jittered;
  }

  /**
   * Runs one API call with retries. With `onNotFound`, a 404 returns its value (null for
   * reads, `not-found` for deletes); without, a 404 is KubeNotFoundError.
   */
  private async run<T>(operation: string, fn: (apis: Apis) => Promise<T>, onNotFound?: () => T): Promise<T> {
    let authRenewed = false;
    let lastReason = '';
    let lastCause: unknown;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      let failure: Failure | undefined;
      try {
        return await fn(await this.apis());
      } catch (err) {
        failure = classify(err);
        if (!failure) throw err;
        lastCause = err;
      }
      if (failure.kind === 'api') {
        const { code, status } = failure;
        if (code === 401 && !authRenewed) {
          // A token can expire between signing and use: renew once, without spending an attempt.
          authRenewed = true;
          this.source.invalidate();
          attempt--;
          continue;
        }
        if (code === 404 && onNotFound) return onNotFound();
        throw this.toError(operation, code, status, failure.cause);
      }
      lastReason = failure.reason;
      if (attempt < this.retry.attempts) {
        const delayMs = this.backoff(attempt, failure.retryAfterMs);
        this.opts.onRetry?.({ operation, attempt, delayMs, reason: failure.reason });
        await this.sleep(delayMs);
      }
    }
    throw new DownstreamError(`${operation}: ${lastReason} after ${this.retry.attempts} attempts (${this.source.description})`, { cause: lastCause });
  }

  private toError(operation: string, code: number, status: KubeStatus, cause: unknown): Error {
    const info = { operation, code, reason: status.reason, causes: status.details?.causes ?? [] };
    const message = status.message;
    if (code === 401 || code === 403) {
      return new ClusterAuthError(`${operation}: ${code === 401 ? 'unauthorized (the credential was refused)' : (message ?? 'forbidden')} (HTTP ${code}; ${this.source.description})`, { cause });
    }
    if (code === 404) return new KubeNotFoundError(operation, message);
    if (code === 409) return new KubeConflictError(info, message);
    if (code === 422) return new KubeInvalidError(info, message);
    return new KubeRequestError(info, message);
  }

  private async listAll<T>(operation: string, page: (apis: Apis, cont: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>): Promise<T[]> {
    const out: T[] = [];
    let cont: string | undefined;
    do {
      const res = await this.run(operation, (apis) => page(apis, cont));
      out.push(...res.items);
      cont = res.metadata?._continue || undefined;
    } while (cont);
    return out;
  }

  private listParams(opts: ListOptions | undefined): { labelSelector?: string; fieldSelector?: string; limit: number } {
    const labelSelector = selectorString(opts?.labelSelector);
    return { ...(labelSelector ? { labelSelector } : {}), ...(opts?.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}), limit: this.pageSize };
  }

  private describeList(what: string, opts: ListOptions | undefined): string {
    const sel = [opts?.labelSelector ? selectorString(opts.labelSelector) : undefined, opts?.fieldSelector].filter(Boolean).join(' ');
    return `list ${what}${opts?.namespace ? ` in ${opts.namespace}` : ''}${sel ? ` (${sel})` : ''}`;
  }

  private checkName(resource: NamedResource, namespace: string | undefined, name: string): void {
    if (namespace !== undefined) assertValidName('namespaces', namespace);
    assertValidName(resource, name);
  }

  private deleteBody(opts: DeleteOptions | undefined) {
    return {
      ...(opts?.dryRun ? { dryRun: 'All' } : {}),
      ...(opts?.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
      ...(opts?.uid ? { body: { preconditions: { uid: opts.uid } } } : {}),
    };
  }

  private async remove(operation: string, opts: DeleteOptions | undefined, fn: (apis: Apis) => Promise<unknown>): Promise<DeleteResult> {
    try {
      return await this.run<DeleteResult>(
        operation,
        async (apis) => {
          await fn(apis);
          return 'deleted';
        },
        () => 'not-found',
      );
    } catch (err) {
      // A uid precondition that fails means the object we meant is gone already.
      if (opts?.uid && err instanceof KubeConflictError && /Precondition failed: UID/.test(err.message)) return 'uid-mismatch';
      throw err;
    }
  }

  // ---- pods ------------------------------------------------------------------------------

  async getPod(namespace: string, name: string): Promise<V1Pod | null> {
    this.checkName('pods', namespace, name);
    return this.run(`get pod ${ref(namespace, name)}`, ({ core }) => core.readNamespacedPod({ name, namespace }, this.options()), () => null);
  }

  async listPods(opts?: ListOptions): Promise<V1Pod[]> {
    if (opts?.namespace !== undefined) assertValidName('namespaces', opts.namespace);
    const p = this.listParams(opts);
    return this.listAll(this.describeList('pods', opts), ({ core }, cont) =>
      opts?.namespace !== undefined
        ? core.listNamespacedPod({ namespace: opts.namespace, ...p, ...(cont ? { _continue: cont } : {}) }, this.options())
        : core.listPodForAllNamespaces({ ...p, ...(cont ? { _continue: cont } : {}) }, this.options()),
    );
  }

  async patchPodLabels(namespace: string, name: string, labels: Record<string, string | null>, opts?: WriteOptions & { resourceVersion?: string }): Promise<V1Pod> {
    this.checkName('pods', namespace, name);
    assertValidLabels(Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? ''])));
    const body = { metadata: { labels, ...(opts?.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}) } };
    return this.run(`patch labels of pod ${ref(namespace, name)}`, ({ core }) =>
      core.patchNamespacedPod({ name, namespace, body, fieldManager: this.fieldManager, ...(opts?.dryRun ? { dryRun: 'All' } : {}) }, this.options(PatchStrategy.MergePatch)),
    );
  }

  async applyPodLabels(namespace: string, name: string, labels: Record<string, string>, opts?: ApplyOptions): Promise<V1Pod> {
    this.checkName('pods', namespace, name);
    assertValidLabels(labels);
    const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels } };
    return this.run(`apply labels to pod ${ref(namespace, name)}`, ({ core }) =>
      core.patchNamespacedPod(
        { name, namespace, body, fieldManager: this.fieldManager, force: opts?.force === true, ...(opts?.dryRun ? { dryRun: 'All' } : {}) },
        this.options(PatchStrategy.ServerSideApply),
      ),
    );
  }

  async deletePod(namespace: string, name: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.checkName('pods', namespace, name);
    return this.remove(`delete pod ${ref(namespace, name)}`, opts, ({ core }) => core.deleteNamespacedPod({ name, namespace, ...this.deleteBody(opts) }, this.options()));
  }

  async evictPod(namespace: string, name: string, opts?: Pick<DeleteOptions, 'uid' | 'dryRun'>): Promise<EvictResult> {
    this.checkName('pods', namespace, name);
    const body = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace },
      deleteOptions: { ...(opts?.dryRun ? { dryRun: ['All'] } : {}), ...(opts?.uid ? { preconditions: { uid: opts.uid } } : {}) },
    };
    try {
      return await this.run<EvictResult>(
        `evict pod ${ref(namespace, name)}`,
        async ({ core }) => {
          try {
            await core.createNamespacedPodEviction({ name, namespace, body, ...(opts?.dryRun ? { dryRun: 'All' } : {}) }, this.options());
            return 'evicted';
          } catch (err) {
            // 429 on an eviction is a disruption budget saying "not now", not throttling: no retry.
            const e = err as { code?: unknown; body?: unknown };
            if (e.code === 429 && /disruption budget/i.test(statusOf(e.body).message ?? '')) return 'blocked';
            throw err;
          }
        },
        () => 'not-found',
      );
    } catch (err) {
      if (opts?.uid && err instanceof KubeConflictError && /Precondition failed: UID/.test(err.message)) return 'uid-mismatch';
      throw err;
    }
  }

  // ---- workloads (apps/v1), read only ---------------------------------------------------

  async getWorkload(kind: AppsKind, namespace: string, name: string): Promise<WorkloadObject | null> {
    this.checkName(APPS_RESOURCE[kind], namespace, name);
    const args = { name, namespace };
    const read = async ({ apps }: Apis) => {
      switch (kind) {
        case 'Deployment':
          return workloadObject(kind, await apps.readNamespacedDeployment(args, this.options()));
        case 'ReplicaSet':
          return workloadObject(kind, await apps.readNamespacedReplicaSet(args, this.options()));
        case 'StatefulSet':
          return workloadObject(kind, await apps.readNamespacedStatefulSet(args, this.options()));
        case 'DaemonSet':
          return workloadObject(kind, await apps.readNamespacedDaemonSet(args, this.options()));
      }
    };
    return this.run<WorkloadObject | null>(`get ${kind.toLowerCase()} ${ref(namespace, name)}`, read, () => null);
  }

  async listReplicaSets(namespace: string): Promise<WorkloadObject[]> {
    assertValidName('namespaces', namespace);
    const p = this.listParams({ namespace });
    const items = await this.listAll(`list replicasets in ${namespace}`, ({ apps }, cont) => apps.listNamespacedReplicaSet({ namespace, ...p, ...(cont ? { _continue: cont } : {}) }, this.options()));
    return items.map((rs) => workloadObject('ReplicaSet', rs));
  }

  // ---- namespaces, services, nodes, service accounts -------------------------------------

  async getNamespace(name: string): Promise<V1Namespace | null> {
    assertValidName('namespaces', name);
    return this.run(`get namespace ${name}`, ({ core }) => core.readNamespace({ name }, this.options()), () => null);
  }

  async listNamespaces(opts?: Omit<ListOptions, 'namespace'>): Promise<V1Namespace[]> {
    const p = this.listParams(opts);
    return this.listAll(this.describeList('namespaces', opts), ({ core }, cont) => core.listNamespace({ ...p, ...(cont ? { _continue: cont } : {}) }, this.options()));
  }

  async listServices(opts?: ListOptions): Promise<V1Service[]> {
    if (opts?.namespace !== undefined) assertValidName('namespaces', opts.namespace);
    const p = this.listParams(opts);
    return this.listAll(this.describeList('services', opts), ({ core }, cont) =>
      opts?.namespace !== undefined
        ? core.listNamespacedService({ namespace: opts.namespace, ...p, ...(cont ? { _continue: cont } : {}) }, this.options())
        : core.listServiceForAllNamespaces({ ...p, ...(cont ? { _continue: cont } : {}) }, this.options()),
    );
  }

  async listNodes(opts?: Omit<ListOptions, 'namespace'>): Promise<V1Node[]> {
    const p = this.listParams(opts);
    return this.listAll(this.describeList('nodes', opts), ({ core }, cont) => core.listNode({ ...p, ...(cont ? { _continue: cont } : {}) }, this.options()));
  }

  async getServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount | null> {
    this.checkName('serviceaccounts', namespace, name);
    return this.run(`get serviceaccount ${ref(namespace, name)}`, ({ core }) => core.readNamespacedServiceAccount({ name, namespace }, this.options()), () => null);
  }

  async listServiceAccounts(opts?: ListOptions): Promise<V1ServiceAccount[]> {
    if (opts?.namespace !== undefined) assertValidName('namespaces', opts.namespace);
    const p = this.listParams(opts);
    return this.listAll(this.describeList('serviceaccounts', opts), ({ core }, cont) =>
      opts?.namespace !== undefined
        ? core.listNamespacedServiceAccount({ namespace: opts.namespace, ...p, ...(cont ? { _continue: cont } : {}) }, this.options())
        : core.listServiceAccountForAllNamespaces({ ...p, ...(cont ? { _continue: cont } : {}) }, this.options()),
    );
  }

  // ---- secrets (metadata only) -----------------------------------------------------------

  async getSecret(namespace: string, name: string): Promise<SecretMetadata | null> {
    this.checkName('secrets', namespace, name);
    const s = await this.run<V1Secret | null>(`get secret ${ref(namespace, name)}`, ({ core }) => core.readNamespacedSecret({ name, namespace }, this.options()), () => null);
    return s ? sanitizeSecret(s) : null;
  }

  async listSecrets(opts?: ListOptions): Promise<SecretMetadata[]> {
    if (opts?.namespace !== undefined) assertValidName('namespaces', opts.namespace);
    const p = this.listParams(opts);
    const items = await this.listAll<V1Secret>(this.describeList('secrets', opts), ({ core }, cont) =>
      opts?.namespace !== undefined
        ? core.listNamespacedSecret({ namespace: opts.namespace, ...p, ...(cont ? { _continue: cont } : {}) }, this.options())
        : core.listSecretForAllNamespaces({ ...p, ...(cont ? { _continue: cont } : {}) }, this.options()),
    );
    return items.map(sanitizeSecret);
  }

  async deleteSecret(namespace: string, name: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.checkName('secrets', namespace, name);
    return this.remove(`delete secret ${ref(namespace, name)}`, opts, ({ core }) => core.deleteNamespacedSecret({ name, namespace, ...this.deleteBody(opts) }, this.options()));
  }

  async legacyTokenSecrets(namespace: string, serviceAccount: string): Promise<SecretMetadata[]> {
    const sa = await this.getServiceAccount(namespace, serviceAccount);
    if (!sa) return [];
    const out: SecretMetadata[] = [];
    for (const r of sa.secrets ?? []) {
      if (!r.name) continue;
      const s = await this.getSecret(namespace, r.name);
      const ann = s?.metadata.annotations ?? {};
      // Only a token secret bound to this very ServiceAccount (name and, when set, uid).
      if (!s || s.type !== TOKEN_SECRET_TYPE || ann[SA_NAME_ANNOTATION] !== serviceAccount) continue;
      if (ann[SA_UID_ANNOTATION] && sa.metadata?.uid && ann[SA_UID_ANNOTATION] !== sa.metadata.uid) continue;
      out.push(s);
    }
    return out;
  }

  // ---- policies (NetworkPolicy, EKS's ClusterNetworkPolicy) --------------------------------

  /** One object as the typed policy, or UnreadablePolicyError naming what did not read. */
  private readOne<K extends PolicyKind>(kind: K, value: unknown): PolicyKinds[K] {
    const r = readPolicy(kind, value);
    if ('unreadable' in r) throw new UnreadablePolicyError(r.unreadable);
    return r.policy;
  }

  /** Every page of a list through the custom-objects client (plain JSON items); `onNotFound` for a kind not served. */
  private async listJson(operation: string, page: (apis: Apis, cont: string | undefined) => Promise<object>, onNotFound?: () => object): Promise<unknown[]> {
    type Page = { items?: unknown[]; metadata?: { continue?: string } };
    const out: unknown[] = [];
    let cont: string | undefined;
    do {
      const res = (await this.run<object>(operation, (apis) => page(apis, cont), onNotFound)) as Page;
      out.push(...(res.items ?? []));
      cont = res.metadata?.continue || undefined;
    } while (cont);
    return out;
  }

  async getNetworkPolicy(namespace: string, name: string): Promise<NetworkPolicy | null> {
    this.checkName('networkpolicies', namespace, name);
    const json = await this.run<object | null>(
      `get networkpolicy ${ref(namespace, name)}`,
      ({ custom }) => custom.getNamespacedCustomObject({ group: NP_GROUP, version: NP_VERSION, namespace, plural: NP_PLURAL, name }, this.options()),
      () => null,
    );
    return json === null ? null : this.readOne('NetworkPolicy', json);
  }

  async listNetworkPolicies(opts?: ListOptions): Promise<PolicyList<NetworkPolicy>> {
    if (opts?.namespace !== undefined) assertValidName('namespaces', opts.namespace);
    const p = this.listParams(opts);
    const items = await this.listJson(this.describeList('networkpolicies', opts), ({ custom }, cont) => {
      const args = { group: NP_GROUP, version: NP_VERSION, plural: NP_PLURAL, ...p, ...(cont ? { _continue: cont } : {}) };
      return opts?.namespace !== undefined ? custom.listNamespacedCustomObject({ ...args, namespace: opts.namespace }, this.options()) : custom.listClusterCustomObject(args, this.options());
    });
    return readPolicies('NetworkPolicy', items);
  }

  async applyNetworkPolicy(policy: NetworkPolicy, opts?: ApplyOptions): Promise<NetworkPolicy> {
    const { name, namespace, labels, annotations } = policy.metadata ?? ({} as NetworkPolicy['metadata']);
    this.checkName('networkpolicies', namespace, name);
    if (labels) assertValidLabels(labels);
    const annErrs = validateAnnotations(annotations);
    if (annErrs.length) throw new ValidationError('invalid-k8s-annotation', annErrs.map((e) => e.message).join('; '));
    assertValidSelectors(policy.spec, 'spec');
    // Only what boundwatch means to own: no server-set metadata, no status.
    const body = {
      apiVersion: `${NP_GROUP}/${NP_VERSION}`,
      kind: 'NetworkPolicy',
      metadata: { name, namespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
      spec: policy.spec,
    };
    const json = await this.run<unknown>(`apply networkpolicy ${ref(namespace, name)}`, ({ custom }) =>
      custom.patchNamespacedCustomObject(
        { group: NP_GROUP, version: NP_VERSION, namespace, plural: NP_PLURAL, name, body, fieldManager: this.fieldManager, force: opts?.force === true, ...(opts?.dryRun ? { dryRun: 'All' } : {}) },
        this.options(PatchStrategy.ServerSideApply),
      ),
    );
    return this.readOne('NetworkPolicy', json);
  }

  async deleteNetworkPolicy(namespace: string, name: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.checkName('networkpolicies', namespace, name);
    return this.remove(`delete networkpolicy ${ref(namespace, name)}`, opts, ({ net }) =>
      net.deleteNamespacedNetworkPolicy({ name, namespace, ...this.deleteBody(opts) }, this.options()),
    );
  }

  async servesClusterNetworkPolicies(): Promise<boolean> {
    const list = await this.run(`discover ${CNP_GROUP}/${CNP_VERSION}`, ({ custom }) => custom.getAPIResources({ group: CNP_GROUP, version: CNP_VERSION }, this.options()), () => null);
    return !!list?.resources?.some((r) => r.name === CNP_PLURAL);
  }

  async listClusterNetworkPolicies(opts?: Omit<ListOptions, 'namespace'>): Promise<PolicyList<ClusterNetworkPolicy>> {
    const p = this.listParams(opts);
    // A 404 means the CRD is not installed: there are none.
    const items = await this.listJson(
      this.describeList(CNP_PLURAL, opts),
      ({ custom }, cont) => custom.listClusterCustomObject({ group: CNP_GROUP, version: CNP_VERSION, plural: CNP_PLURAL, ...p, ...(cont ? { _continue: cont } : {}) }, this.options()),
      () => ({ items: [] }),
    );
    return readPolicies('ClusterNetworkPolicy', items);
  }

  async getClusterNetworkPolicy(name: string): Promise<ClusterNetworkPolicy | null> {
    this.checkName('clusternetworkpolicies', undefined, name);
    const json = await this.run<object | null>(
      `get clusternetworkpolicy ${name}`,
      ({ custom }) => custom.getClusterCustomObject({ group: CNP_GROUP, version: CNP_VERSION, plural: CNP_PLURAL, name }, this.options()),
      () => null,
    );
    return json === null ? null : this.readOne('ClusterNetworkPolicy', json);
  }

  async applyClusterNetworkPolicy(policy: ClusterNetworkPolicy, opts?: ApplyOptions): Promise<ClusterNetworkPolicy> {
    const { name, labels, annotations } = policy.metadata ?? ({} as ClusterNetworkPolicy['metadata']);
    this.checkName('clusternetworkpolicies', undefined, name);
    if (labels) assertValidLabels(labels);
    const annErrs = validateAnnotations(annotations);
    if (annErrs.length) throw new ValidationError('invalid-k8s-annotation', annErrs.map((e) => e.message).join('; '));
    const body = {
      apiVersion: `${CNP_GROUP}/${CNP_VERSION}`,
      kind: 'ClusterNetworkPolicy',
      metadata: { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
      spec: policy.spec,
    };
    const json = await this.run<unknown>(`apply clusternetworkpolicy ${name}`, ({ custom }) =>
      custom.patchClusterCustomObject(
        { group: CNP_GROUP, version: CNP_VERSION, plural: CNP_PLURAL, name, body, fieldManager: this.fieldManager, force: opts?.force === true, ...(opts?.dryRun ? { dryRun: 'All' } : {}) },
        this.options(PatchStrategy.ServerSideApply),
      ),
    );
    return this.readOne('ClusterNetworkPolicy', json);
  }

  async deleteClusterNetworkPolicy(name: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.checkName('clusternetworkpolicies', undefined, name);
    return this.remove(`delete clusternetworkpolicy ${name}`, opts, ({ custom }) =>
      custom.deleteClusterCustomObject({ group: CNP_GROUP, version: CNP_VERSION, plural: CNP_PLURAL, name, ...this.deleteBody(opts) }, this.options()),
    );
  }
}

/** A ClusterClient over a KubeConfig or a KubeConfigSource. */
export function createClusterClient(source: KubeConfigSource | KubeConfig, opts?: ClusterClientOptions): ClusterClient {
  return new KubeClusterClient(source, opts);
}
