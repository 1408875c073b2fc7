/**
 * Text from the cluster (names, user agents, namespaces, reasons) is written by whoever sent the
 * request. Before it reaches a page, a terminal or a file name it is made inert here: it cannot
 * start a new line, move the cursor, recolour or hide text, reorder what follows, or leave the
 * output folder. Escapes are visible and reversible (`\n`, `\x1b`, `\u202e`) so a responder
 * still sees what the attacker sent.
 */
import { createHash } from 'node:crypto';

/**
 * C0 controls (newline, carriage return, escape, ...), DEL, C1 controls, the Unicode line and
 * paragraph separators, and the bidirectional overrides and isolates (a `U+202E` can make
 * `exe.txt` read as `txt.exe`).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line, no control characters: safe to print to a terminal or put on a line of a page. */
export function inertLine(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Like inertLine, but keeps line breaks (multi-line messages we compose ourselves). */
export function inertText(text: string): string {
  return text
    .split('\n')
    .map((l) => inertLine(l))
    .join('\n');
}

/**
 * Every string in a JSON-like value made inert (a copy; the input is not changed). Iterative,
 * so a deeply nested value cannot overflow the stack.
 */
export function inertDeep<T>(value: T, each: (s: string) => string = inertLine): T {
  const root: { v: unknown } = { v: value };
  const stack: Array<[Record<string | number, unknown>, string | number]> = [[root, 'v']];
  while (stack.length > 0) {
    const [holder, key] = stack.pop()!;
    const v = holder[key];
    if (typeof v === 'string') holder[key] = each(v);
    else if (Array.isArray(v)) {
      const copy: unknown[] = [...(v as unknown[])];
      holder[key] = copy;
      for (let i = 0; i < copy.length; i++) stack.push([copy as unknown as Record<number, unknown>, i]);
    } else if (v !== null && typeof v === 'object') {
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(v)) Object.defineProperty(copy, k, { value: (v as Record<string, unknown>)[k], writable: true, enumerable: true, configurable: true });
      holder[key] = copy;
      for (const k of Object.keys(copy)) stack.push([copy, k]);
    }
  }
  return root.v as T;
}

/**
 * Defangs links in attacker text (`https://evil` → `hxxps://evil`), as threat reports do: a
 * page must not offer a clickable "acknowledge" link that a user agent smuggled in.
 */
export function defangLinks(text: string): string {
  return text.replace(/\b(h)tt(ps?):\/\//gi, '$1xx$2://').replace(/\b(ftp|file|javascript|data):/gi, '$1[:]');
}

/** What Kubernetes allows in a name (DNS-1123 subdomain), which is also a harmless file name. */
const PLAIN_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const MAX_SEGMENT = 200;

/**
 * One path segment (a file or folder name) for a namespace or object name. Names the API server
 * would accept pass unchanged; anything else (`..`, `a/b`, `C:`, control characters, a leading
 * dot) is spelled with `_xx` byte escapes, which no valid name contains, so two different names
 * never share a file. Over-long results end in a digest instead.
 */
export function safeSegment(name: string): string {
  if (PLAIN_NAME.test(name) && !name.includes('..')) return name;
  let out = '_';
  for (const b of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[a-z0-9-]/.test(c) ? c : `_${b.toString(16).padStart(2, '0')}`;
  }
  if (out.length <= MAX_SEGMENT) return out;
  return `${out.slice(0, MAX_SEGMENT - 17)}_${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, never splitting a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * `text` if it fits in `maxBytes` of UTF-8; otherwise a prefix and a digest of the whole, so
 * different long values stay different and the same value always maps to the same result.
 * Bytes, not string length: DynamoDB measures keys and items in UTF-8 bytes (dynalite in UTF-16
 * units, which is why the guard cannot be left to the store).
 */
export function boundedUtf8(text: string, maxBytes: number): string {
  // Three bytes per UTF-16 unit at most: short strings need no measuring.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 32);
  return `${utf8Prefix(text, maxBytes - digest.length - 4)}…#${digest}`;
}
