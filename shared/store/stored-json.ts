/**
 * Reading back what boundwatch stored as JSON: through a zod schema, never a cast. An item may
 * be damaged (by hand, by a bug, by another version of boundwatch), and acting on a misread one
 * can do harm; the caller decides what an unreadable item costs (that item only, by its name).
 */
import type { z } from 'zod';
import { describeIssues } from '../errors';

export type StoredParse<T> = { success: true; data: T } | { success: false; reason: string };

/** Issues named in a reason, at most (a damaged document can fail on every field). */
const MAX_ISSUES = 5;

/** Parses a stored JSON body with `schema`; why not, when it does not. */
export function parseStoredJson<T>(schema: z.ZodType<T>, body: string | undefined): StoredParse<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? '');
  } catch {
    return { success: false, reason: 'not JSON' };
  }
  return parseStoredValue(schema, raw);
}

/** The same for a value already decoded. */
export function parseStoredValue<T>(schema: z.ZodType<T>, raw: unknown): StoredParse<T> {
  const r = schema.safeParse(raw);
  return r.success ? { success: true, data: r.data } : { success: false, reason: describeIssues(r.error.issues, MAX_ISSUES) };
}
