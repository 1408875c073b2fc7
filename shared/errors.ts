/**
 * Named errors shared by every layer. Handlers and the command line map them to outcomes:
 * `InputError` is the user's input (exit 2 on the command line), `CheckFailedError` a check
 * that found problems (exit 1), everything else an internal failure (exit 1).
 */
export class BoundwatchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Unreadable, unrecognizable or invalid input; the message names the file and the problem. */
export class InputError extends BoundwatchError {}

/** Configuration that fails validation; the message names the field. */
export class ConfigError extends BoundwatchError {}

/** A record that cannot be used; `reason` is the stable key counted in summaries. */
export class ValidationError extends BoundwatchError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A check (e.g. `netpol validate`) ran and found problems. */
export class CheckFailedError extends BoundwatchError {}

/** A downstream call failed after its retries; never swallowed. */
export class DownstreamError extends BoundwatchError {}

export class ClusterAuthError extends BoundwatchError {}
export class PolicyApplyError extends BoundwatchError {}

/** Narrows a caught value so that `catch (err)` blocks can read `.message` safely. */
export function assertIsError(err: unknown): asserts err is Error {
  if (!(err instanceof Error)) throw err;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The one way a zod failure becomes text: `path: message` per issue (`(root)` for the value
 * itself), joined by `; `; past `max` issues, how many more there are.
 */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, max = Infinity): string {
  const shown = issues.slice(0, max).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return issues.length > max ? `${shown.join('; ')} (and ${issues.length - max} more)` : shown.join('; ');
}
