/**
 * Field-level validation errors shaped and worded like apimachinery's `field.Error`
 * (k8s.io/apimachinery/pkg/util/validation/field/errors.go), so that a test API server can
 * return them as 422 `details.causes` and a user sees what kube-apiserver would print.
 */

import { goQuote, goValue } from '#shared/k8s/go-quote';

export { goQuote };

export const FieldErrorType = {
  invalid: 'FieldValueInvalid',
  required: 'FieldValueRequired',
  notSupported: 'FieldValueNotSupported',
  forbidden: 'FieldValueForbidden',
  tooMany: 'FieldValueTooMany',
  tooLong: 'FieldValueTooLong',
} as const;
export type FieldErrorType = (typeof FieldErrorType)[keyof typeof FieldErrorType];

export interface FieldError {
  /** Dotted path with indices, e.g. `spec.ingress[0].ports[1].port`. */
  field: string;
  type: FieldErrorType;
  badValue?: unknown;
  /** The detail alone (what kube-apiserver puts in `details.causes[].message`). */
  detail: string;
  /** The full `field.Error.Error()` text: `<field>: <Type text>[: <value>][: <detail>]`. */
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

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooMany: 'Too many',
  FieldValueTooLong: 'Too long',
};

function formatValue(value: unknown): string {
  return value instanceof GoLiteral ? value.text : goValue(value);
}

/** The ErrorBody() of field.Error: which types print the bad value follows Go exactly. */
export function errorBody(type: FieldErrorType, badValue: unknown, detail: string): string {
  let s = TYPE_TEXT[type];
  if (printsValue(type)) s += `: ${formatValue(badValue)}`;
  if (detail) s += `: ${detail}`;
  return s;
}

function printsValue(type: FieldErrorType): boolean {
  return type !== 'FieldValueRequired' && type !== 'FieldValueForbidden' && type !== 'FieldValueTooLong';
}

function make(field: string, type: FieldErrorType, badValue: unknown, detail: string): FieldError {
  const err: FieldError = { field, type, detail, message: `${field}: ${errorBody(type, badValue, detail)}` };
  if (printsValue(type)) err.badValue = badValue instanceof GoLiteral ? badValue.value : badValue;
  return err;
}

export const fieldError = {
  invalid: (field: string, value: unknown, detail: string) => make(field, 'FieldValueInvalid', value, detail),
  required: (field: string, detail = '') => make(field, 'FieldValueRequired', '', detail),
  forbidden: (field: string, detail: string) => make(field, 'FieldValueForbidden', '', detail),
  notSupported: (field: string, value: unknown, supported: readonly string[]) =>
    make(field, 'FieldValueNotSupported', value, supported.length ? `supported values: ${supported.map(goQuote).join(', ')}` : ''),
  tooLong: (field: string, maxBytes: number) => make(field, 'FieldValueTooLong', '', `must have at most ${maxBytes} bytes`),
  tooMany: (field: string, actual: number, max: number) => make(field, 'FieldValueTooMany', actual, `must have at most ${max} items`),
};

/** field.Path rendering: `spec.ingress[0].from`; map keys render as `[key]`. */
export function pathToString(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}
