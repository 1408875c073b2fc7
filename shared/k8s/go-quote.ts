/**
 * How kube-apiserver prints a bad value inside a field error (apimachinery's field.Error.ErrorBody),
 * shared by the NetworkPolicy validator and the Kubernetes name rules so both print the same text:
 * strings with Go's strconv.Quote, numbers and booleans bare, a nil value as the quoted string
 * "null" (ErrorBody replaces nil by "null" before quoting it).
 */

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** Go's strconv.Quote for ASCII control characters and the escapes Go names; other text as is. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    const named = GO_ESCAPES[ch];
    if (named) out += named;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A bad value as ErrorBody prints it. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return goQuote('null');
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Only malformed input (objects, lists) reaches here: JSON is the clearest rendering.
  return JSON.stringify(value);
}
