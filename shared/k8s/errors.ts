/**
 * How a Kubernetes API failure reaches boundwatch code. Every error names the operation and
 * the object (`patch pod shop/checkout-1`), and carries only the API server's Status message:
 * never a token, a request body or secret data.
 *
 * | API answer                         | error                          |
 * |------------------------------------|--------------------------------|
 * | 401, 403                           | ClusterAuthError               |
 * | 404                                | null from get/delete, else KubeNotFoundError |
 * | 409 (AlreadyExists, Conflict, SSA) | KubeConflictError (a PolicyApplyError) |
 * | 422 Invalid                        | KubeInvalidError (a PolicyApplyError) with `causes` |
 * | other 4xx                          | KubeRequestError (a PolicyApplyError) |
 * | 5xx, 429, connection errors        | retried; then DownstreamError  |
 */
import { BoundwatchError, PolicyApplyError } from '../errors';
import { unreadableRef, type UnreadablePolicy } from '../netpol-api/read';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The parts of a metav1.Status that boundwatch reads. */
export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

export interface KubeErrorInfo {
  /** What boundwatch was doing, e.g. `apply networkpolicy shop/boundwatch-quarantine`. */
  operation: string;
  code: number;
  reason: string | undefined;
  causes: StatusCause[];
}

function describe(info: KubeErrorInfo, message: string | undefined): string {
  return `${info.operation}: ${message ?? info.reason ?? 'failed'} (HTTP ${info.code}${info.reason ? ` ${info.reason}` : ''})`;
}

/** The 4xx Status errors below: what was being done, the HTTP code and reason, and the Status causes. */
abstract class KubeStatusError extends PolicyApplyError {
  readonly operation: string;
  readonly code: number;
  readonly reason: string | undefined;
  readonly causes: StatusCause[];
  constructor(info: KubeErrorInfo, message?: string) {
    super(describe(info, message));
    ({ operation: this.operation, code: this.code, reason: this.reason, causes: this.causes } = info);
  }
}

/** The object does not exist (for operations where that is an error rather than null). */
export class KubeNotFoundError extends BoundwatchError {
  readonly code = 404;
  constructor(readonly operation: string, message?: string) {
    super(`${operation}: ${message ?? 'not found'} (HTTP 404 NotFound)`);
  }
}

/** 409: the object exists already, changed under us, failed a precondition, or an apply conflicted. */
export class KubeConflictError extends KubeStatusError {}

/** 422: the API server rejected the object; `causes` lists each field error. */
export class KubeInvalidError extends KubeStatusError {}

/** Any other client error (400, 405, 413, 415): a bug on our side, not worth retrying. */
export class KubeRequestError extends KubeStatusError {}

/**
 * A policy the API served that does not read as its kind (a field this version does not know,
 * a value outside the schema). `policy` keeps its name, labels and annotations.
 */
export class UnreadablePolicyError extends BoundwatchError {
  constructor(readonly policy: UnreadablePolicy) {
    super(`${unreadableRef(policy)} cannot be read: ${policy.problems}`);
  }
}

export { describe as describeKubeFailure };
