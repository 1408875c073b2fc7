/**
 * metav1.Status bodies exactly as kube-apiserver writes them
 * (k8s.io/apimachinery/pkg/api/errors). Handlers throw `ApiError`; the server serializes it.
 */
import { fieldErrorBody, omitValue, type FieldError } from '#shared/k8s/field-error';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Who a not-found or conflict is about: the plural resource and its API group. */
export interface GroupResource {
  group: string;
  resource: string;
}
/** Who an Invalid error is about: the kind and its API group. */
export interface GroupKind {
  group: string;
  kind: string;
}

export class ApiError extends Error {
  constructor(readonly status: Status, readonly headers: Record<string, string> = {}) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
  }
}

function failure(code: number, reason: string | undefined, message: string, details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (reason) s.reason = reason;
  if (details) s.details = details;
  // kube-apiserver's JSON field order is kind, apiVersion, metadata, status, message, reason, details, code.
  return { kind: s.kind, apiVersion: s.apiVersion, metadata: s.metadata, status: s.status, message, ...(s.reason ? { reason: s.reason } : {}), ...(s.details ? { details: s.details } : {}), code: s.code };
}

/** `pods "x"` or `networkpolicies.networking.k8s.io "x"`, as GroupResource.String() prints. */
function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function grDetails(gr: GroupResource, name: string): StatusDetails {
  return { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(failure(404, 'NotFound', `${qualified(gr)} ${JSON.stringify(name)} not found`, grDetails(gr, name)));
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(failure(409, 'AlreadyExists', `${qualified(gr)} ${JSON.stringify(name)} already exists`, grDetails(gr, name)));
}

/** The optimistic-concurrency conflict (stale resourceVersion, failed precondition). */
export function conflict(gr: GroupResource, name: string, err: string): ApiError {
  return new ApiError(
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} ${JSON.stringify(name)}: ${err}`, grDetails(gr, name)),
  );
}

export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/** A server-side apply conflict (fieldmanager.NewConflictError). */
export function applyConflict(conflicts: { manager: string; path: string }[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${JSON.stringify(c.manager)}`, field: c.path }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${JSON.stringify(conflicts[0]!.manager)}: ${conflicts[0]!.path}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${JSON.stringify(m)}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(failure(409, 'Conflict', message, { causes }));
}

/** The body of a field error without its `<field>: ` prefix (field.Error.ErrorBody). */
function causeMessage(e: FieldError): string {
  const prefix = `${e.field}: `;
  if (e.message && e.message.startsWith(prefix)) return e.message.slice(prefix.length);
  if (e.message) return e.message;
  return fieldErrorBody(e.type, 'badValue' in e ? e.badValue : omitValue, e.detail);
}

/** errors.NewInvalid: 422 with one cause per field error and the aggregate message. */
export function invalid(gk: GroupKind, name: string, errs: FieldError[]): ApiError {
  const causes = errs.map((e) => ({ reason: e.type, message: causeMessage(e), field: e.field }));
  const qualifiedKind = gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
  // utilerrors.NewAggregate de-duplicates messages and brackets more than one.
  const messages = [...new Set(errs.map((e) => `${e.field}: ${causeMessage(e)}`))];
  const aggregate = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  const message = messages.length === 0 ? `${qualifiedKind} ${JSON.stringify(name)} is invalid` : `${qualifiedKind} ${JSON.stringify(name)} is invalid: ${aggregate}`;
  return new ApiError(failure(422, 'Invalid', message, { name, ...(gk.group ? { group: gk.group } : {}), kind: gk.kind, causes }));
}

export function badRequest(message: string): ApiError {
  return new ApiError(failure(400, 'BadRequest', message));
}

export function unauthorized(): ApiError {
  return new ApiError(failure(401, 'Unauthorized', 'Unauthorized'));
}

/** RBAC's denial, worded as kube-apiserver words it. */
export function forbidden(gr: GroupResource, name: string, user: string, verb: string, namespace?: string): ApiError {
  const subject = name ? `${qualified(gr)} ${JSON.stringify(name)}` : qualified(gr);
  const scope = namespace ? ` in the namespace ${JSON.stringify(namespace)}` : ' at the cluster scope';
  const message = `${subject} is forbidden: User ${JSON.stringify(user)} cannot ${verb} resource ${JSON.stringify(gr.resource)} in API group ${JSON.stringify(gr.group)}${scope}`;
  return new ApiError(failure(403, 'Forbidden', message, grDetails(gr, name)));
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
  return new ApiError(failure(405, 'MethodNotAllowed', message));
}

export function unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
  return new ApiError(
    failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, {
      causes: [{ reason: 'UnexpectedServerResponse', message: contentType }],
    }),
  );
}

export function requestEntityTooLarge(limit: number): ApiError {
  return new ApiError(failure(413, 'RequestEntityTooLarge', `limit is ${limit}`));
}

/** A fault the test chose: 5xx or 429 with the reasons kube-apiserver uses for them. */
export function serverFault(code: number, message?: string, retryAfterSeconds?: number): ApiError {
  const reason = code === 429 ? 'TooManyRequests' : code === 503 ? 'ServiceUnavailable' : code === 504 ? 'Timeout' : 'InternalError';
  const details: StatusDetails | undefined = retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined;
  const headers: Record<string, string> = retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : {};
  return new ApiError(failure(code, reason, message ?? `injected fault: HTTP ${code}`, details), headers);
}

/** An eviction a PodDisruptionBudget refuses (pkg/registry/core/pod/storage/eviction.go). */
export function disruptionBudgetRefused(pdb: string): ApiError {
  return new ApiError(
    failure(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb} needs more healthy pods to allow an eviction` }],
    }),
  );
}

export function success(gr: GroupResource, name: string, uid: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource, uid },
  };
}
