/**
 * Kubernetes name and label syntax, with the messages kube-apiserver uses
 * (k8s.io/apimachinery/pkg/util/validation, pkg/api/validate/content for label keys and values,
 * pkg/api/validation for object names). The one implementation of these validators: the
 * cluster client, the test API server and NetworkPolicy validation all use it. Everything
 * boundwatch writes to a cluster goes through these checks first, so a bad name from an audit
 * event or an anomaly is refused locally with a clear message instead of reaching the API server.
 */
import { ValidationError } from '../errors';
import { type FieldError, fieldError, makeFieldError, omitValue } from './field-error';

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QNAME_CHAR_FMT = '[A-Za-z0-9]';
const QNAME_EXT_CHAR_FMT = '[-A-Za-z0-9_.]';
const QUALIFIED_NAME_FMT = `(${QNAME_CHAR_FMT}${QNAME_EXT_CHAR_FMT}*)?${QNAME_CHAR_FMT}`;
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const DNS1035_LABEL_MAX_LENGTH = 63;
export const QUALIFIED_NAME_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;
const PORT_NAME_MAX_LENGTH = 15;
/** kube-apiserver's limit on the total size of an object's annotations (keys + values). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Go's len(): every length limit counts UTF-8 bytes, not UTF-16 code units. */
function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** util/validation.MaxLenError (object names, port names). */
function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** content.MaxLenError (label keys, their prefixes, and values): the content package says bytes. */
function contentMaxLenError(length: number): string {
  return `must be no more than ${length} bytes`;
}

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  // Go's RegexError joins "'x', " with " or ", hence the double space kube-apiserver prints.
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

/** IsDNS1123Label: namespace names, and most short names. Returns problems, empty when valid. */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL_RE.test(value)) {
    // A valid subdomain that is not a valid label can only be wrong because of its dots.
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push('must not contain dots');
    else
      errs.push(
        regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          DNS1123_LABEL_FMT,
          'my-name',
          '123-abc',
        ),
      );
  }
  return errs;
}

/** IsDNS1123Subdomain: pod, secret, service account, node and NetworkPolicy names. */
export function dns1123SubdomainErrors(value: string): string[] {
  return subdomainErrors(value, maxLenError);
}

/** Both packages' IsDNS1123Subdomain: the same check, each with its own MaxLenError wording. */
function subdomainErrors(value: string, lenError: (length: number) => string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(lenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN_RE.test(value))
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  return errs;
}

/** NameIsDNSSubdomain(name, prefix): a generateName prefix may end with '-'. */
export function nameIsDNSSubdomain(name: string, prefix: boolean): string[] {
  const value = prefix && name.length > 1 && name.endsWith('-') ? name.slice(0, -1) : name;
  return dns1123SubdomainErrors(value);
}

/** IsDNS1035Label: Service names (they become DNS labels and must not start with a digit). */
export function dns1035LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!DNS1035_LABEL_RE.test(value))
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        'my-name',
        'abc-123',
      ),
    );
  return errs;
}

const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/**
 * IsQualifiedName, which apimachinery now defines as content.IsLabelKey: label keys and
 * annotation keys, `[prefix/]name`, worded as a label key with its length in bytes.
 */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    // content.IsLabelKey checks the prefix with content.IsDNS1123Subdomain: its limit is in bytes.
    else errs.push(...subdomainErrors(prefix, contentMaxLenError).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) errs.push(`name part ${contentMaxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsValidLabelValue (content.IsLabelValue): empty, or up to 63 bytes of alphanumerics with '-', '_' and '.' inside. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(contentMaxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE_RE.test(value))
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  return errs;
}

/** IsValidPortNum: 1-65535. */
export function portNumErrors(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** IsValidPortName (IANA service name syntax, lower case only). */
export function portNameErrors(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > PORT_NAME_MAX_LENGTH) errs.push(maxLenError(PORT_NAME_MAX_LENGTH));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

export const isDns1123Label = (v: string): boolean => dns1123LabelErrors(v).length === 0;
export const isDns1123Subdomain = (v: string): boolean => dns1123SubdomainErrors(v).length === 0;
export const isDns1035Label = (v: string): boolean => dns1035LabelErrors(v).length === 0;
export const isQualifiedName = (v: string): boolean => qualifiedNameErrors(v).length === 0;
export const isValidLabelValue = (v: string): boolean => labelValueErrors(v).length === 0;

/** ValidateLabels: every key a qualified name, every value a label value, all at `fieldPath`. */
export function validateLabels(labels: Record<string, unknown> | undefined, fieldPath = 'metadata.labels'): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of qualifiedNameErrors(k)) errs.push(fieldError.invalid(fieldPath, k, msg));
    if (typeof v !== 'string') {
      errs.push(fieldError.invalid(fieldPath, v, 'label values must be strings'));
      continue;
    }
    for (const msg of labelValueErrors(v)) errs.push(fieldError.invalid(fieldPath, v, msg));
  }
  return errs;
}

/** ValidateAnnotations: lower-cased keys must be qualified names; 256 KiB in total. */
export function validateAnnotations(annotations: Record<string, unknown> | undefined, fieldPath = 'metadata.annotations'): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of qualifiedNameErrors(k.toLowerCase())) errs.push(fieldError.invalid(fieldPath, k, msg));
    total += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push(makeFieldError('FieldValueTooLong', fieldPath, omitValue, `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`));
  }
  return errs;
}

/** Which name rule kube-apiserver applies to each resource boundwatch touches. */
export const NAME_RULES = {
  namespaces: dns1123LabelErrors,
  pods: dns1123SubdomainErrors,
  services: dns1035LabelErrors,
  serviceaccounts: dns1123SubdomainErrors,
  secrets: dns1123SubdomainErrors,
  nodes: dns1123SubdomainErrors,
  networkpolicies: dns1123SubdomainErrors,
  poddisruptionbudgets: dns1123SubdomainErrors,
  /** EKS's CRD (networking.k8s.aws): custom resources take DNS-1123 subdomain names. */
  clusternetworkpolicies: dns1123SubdomainErrors,
  deployments: dns1123SubdomainErrors,
  replicasets: dns1123SubdomainErrors,
  statefulsets: dns1123SubdomainErrors,
  daemonsets: dns1123SubdomainErrors,
} as const;
export type NamedResource = keyof typeof NAME_RULES;

/** Name problems for one resource, e.g. `nameErrors('services', '1abc')`. */
export function nameErrors(resource: NamedResource, name: string): string[] {
  if (name === '') return ['must be non-empty'];
  return NAME_RULES[resource](name);
}

/**
 * Throws a ValidationError (reason `invalid-k8s-name`) unless `name` is valid for `resource`.
 * Used before every request that carries a name we did not read from the cluster ourselves.
 */
export function assertValidName(resource: NamedResource, name: string): void {
  const errs = typeof name === 'string' ? nameErrors(resource, name) : ['must be a string'];
  if (errs.length > 0) {
    throw new ValidationError('invalid-k8s-name', `${resource} name ${JSON.stringify(name)} is invalid: ${errs.join('; ')}`);
  }
}

/** Throws a ValidationError (reason `invalid-k8s-label`) naming every bad key or value. */
export function assertValidLabels(labels: Record<string, unknown>, fieldPath = 'metadata.labels'): void {
  const errs = validateLabels(labels, fieldPath);
  if (errs.length > 0) throw new ValidationError('invalid-k8s-label', errs.map((e) => e.message).join('; '));
}

/** The fieldManager rule of kube-apiserver: at most 128 printable characters. */
export function assertValidFieldManager(manager: string): void {
  // Printable per Go's unicode.IsPrint: no control characters.
  if (manager.length === 0 || manager.length > 128 || /[\u0000-\u001f\u007f]/.test(manager)) {
    throw new ValidationError('invalid-field-manager', `fieldManager ${JSON.stringify(manager)} must be 1-128 printable characters`);
  }
}
