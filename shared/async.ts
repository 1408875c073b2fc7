/**
 * Runs `fn` over `items` with at most `limit` calls in flight (DynamoDB writes of one batch).
 * After a failure no new call starts, and the first error is thrown only once every call in
 * flight has settled: a caller that retries at once (a redelivered payload, a frozen Lambda
 * resumed later) must not race writes of the failed attempt that are still under way.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.err;
}
