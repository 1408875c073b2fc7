/**
 * Kubernetes field errors, shaped and worded like apimachinery's `field.Error`
 * (k8s.io/apimachinery/pkg/util/validation/field/errors.go): the one implementation behind the
 * NetworkPolicy validators, the object-name rules and the test API server's 422 `details.causes`,
 * so that every message boundwatch prints reads exactly as kube-apiserver would print it.
 */

/** Cause reasons (metav1.CauseType) and the words ErrorBody prints for each. */
export const FIELD_ERROR_WORDS = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueNotFound: 'Not found',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
} as const;
export type FieldErrorType = keyof typeof FIELD_ERROR_WORDS;

export interface FieldError {
  /** Dotted path with indices, e.g. `spec.ingress[0].ports[1].port`. */
  field: string;
  type: FieldErrorType;
  /** Present only when the message prints it. */
  badValue?: unknown;
  /** The detail alone. */
  detail: string;
  /** The full `field.Error.Error()` text: `<field>: <words>[: <value>][: <detail>]`. */
  message: string;
}

/**
 * A value that Go prints with `%#v` as a composite literal, e.g. the policyTypes list in
 * "may not specify more than two policyTypes" prints as `[]networking.PolicyType{"Ingress", ...}`.
 */
export class GoLiteral {
  constructor(
    readonly text: string,
    readonly value: unknown,
  ) {}
  toJSON(): unknown {
    return this.value;
  }
}

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** Go's strconv.Quote for ASCII control characters and the escapes Go names (`\x01`, not `\u0001`). */
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

/**
 * A bad value as ErrorBody prints it: strings quoted, numbers and booleans bare, nil as the
 * quoted string "null" (ErrorBody replaces nil by "null" before quoting it).
 */
export function goValue(value: unknown): string {
  if (value instanceof GoLiteral) return value.text;
  if (value === null || value === undefined) return goQuote('null');
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Only malformed input (objects, lists) reaches here: JSON is the clearest rendering.
  return JSON.stringify(value);
}

/** The types whose ErrorBody never prints the value. */
const VALUELESS: ReadonlySet<FieldErrorType> = new Set(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'InternalError']);

/** Go's field.OmitValue: an error whose message does not print the value at all. */
export const omitValue: unique symbol = Symbol('omitValue');

function printsValue(type: FieldErrorType, badValue: unknown): boolean {
  return !VALUELESS.has(type) && badValue !== omitValue;
}

/** field.Error.ErrorBody: the message after `<field>: `. A missing value is Go's nil ("null"). */
export function fieldErrorBody(type: FieldErrorType, badValue: unknown, detail: string): string {
  let s: string = FIELD_ERROR_WORDS[type];
  if (printsValue(type, badValue)) s += `: ${goValue(badValue)}`;
  return detail ? `${s}: ${detail}` : s;
}

/** One field error of any type; the named constructors below are the usual way in. */
export function makeFieldError(type: FieldErrorType, field: string, badValue: unknown, detail: string): FieldError {
  const err: FieldError = { field, type, detail, message: `${field}: ${fieldErrorBody(type, badValue, detail)}` };
  if (printsValue(type, badValue)) err.badValue = badValue instanceof GoLiteral ? badValue.value : badValue;
  return err;
}

/** field.Invalid, field.Required, ...: the constructors kube-apiserver's validators call. */
export const fieldError = {
  invalid: (field: string, value: unknown, detail: string) => makeFieldError('FieldValueInvalid', field, value, detail),
  required: (field: string, detail = '') => makeFieldError('FieldValueRequired', field, omitValue, detail),
  forbidden: (field: string, detail: string) => makeFieldError('FieldValueForbidden', field, omitValue, detail),
  notSupported: (field: string, value: unknown, supported: readonly string[]) =>
    makeFieldError('FieldValueNotSupported', field, value, supported.length ? `supported values: ${supported.map(goQuote).join(', ')}` : ''),
  tooLong: (field: string, maxBytes: number) => makeFieldError('FieldValueTooLong', field, omitValue, `must have at most ${maxBytes} bytes`),
  tooMany: (field: string, actual: number, max: number) => makeFieldError('FieldValueTooMany', field, actual, `must have at most ${max} items`),
};

/** field.Path rendering: `spec.ingress[0].from`. */
export function pathToString(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}
