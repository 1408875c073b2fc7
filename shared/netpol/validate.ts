/**
 * NetworkPolicy validation as kube-apiserver does it (pkg/apis/networking/validation and the
 * apimachinery helpers it calls), run after v1 defaulting, with the same field paths, error
 * types and messages. On top of the API server's errors, `warnings` carries what the server
 * accepts but a reader should know: its own CIDR warnings, well-known mistakes
 * (shared/netpol/README.md, Data model and DNS egress) and what EKS's VPC CNI does not enforce.
 */
import type { z } from 'zod';
import { ValidationError } from '#shared/errors';
import type { ClusterInventory } from '#shared/inventory/cluster';
import {
  TOTAL_ANNOTATION_SIZE_LIMIT,
  dns1123LabelErrors,
  labelValueErrors,
  nameIsDNSSubdomain,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors,
} from '#shared/k8s/names';
import { applyDefaults, defaultPolicyTypes } from './defaults';
import { eksWarnings } from './eks-limits';
import { type FieldError, GoLiteral, fieldError, goQuote } from '#shared/k8s/field-error';
import { cidrContains, parseCidr } from './ip';
import {
  NETWORK_POLICY_API_VERSION,
  type NetworkPolicy,
  PROTOCOLS,
  POLICY_TYPES,
  RawNetworkPolicy,
  RawNetworkPolicyStrict,
  type RawPeer,
  type RawPort,
  type RawSelector,
  type RawSpec,
} from '#shared/netpol-api/types';

export type { FieldError, FieldErrorType } from '#shared/k8s/field-error';

export interface ValidateOptions {
  /**
   * The stored object on update. As ValidateNetworkPolicyUpdate does, invalid label values are
   * tolerated when the old podSelector already had them, and CIDRs already present are not
   * re-checked (only matters with strictCIDR).
   */
  old?: unknown;
  /** The StrictIPCIDRValidation feature gate: leading zeros, host bits and IPv4-in-IPv6 are errors. */
  strictCIDR?: boolean | undefined;
  /** Namespace for a manifest without one, as `kubectl -n` or the request path supplies it. */
  defaultNamespace?: string | undefined;
  /** Cluster inventory, for EKS warnings about the pods a policy selects. */
  inventory?: ClusterInventory | undefined;
  /** Add EKS VPC CNI warnings (default true). */
  eks?: boolean | undefined;
}

export interface NetworkPolicyValidation {
  errors: FieldError[];
  warnings: string[];
  /** Paths of fields NetworkPolicy v1 does not have; `kubectl apply` (strict) rejects them. */
  unknownFields: string[];
  /** The errors are decode errors (wrong JSON types): kube-apiserver answers 400, not 422. */
  malformed: boolean;
  /** The defaulted object, when there are no errors. */
  policy?: NetworkPolicy;
}

const MAP_FIELDS = new Set(['matchLabels', 'labels', 'annotations']);

/** zod paths rendered as field.Path: map keys as `[key]`, list indices as `[i]`. */
function zodPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  let prev: PropertyKey | undefined;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof prev === 'string' && MAP_FIELDS.has(prev)) out += `[${String(part)}]`;
    else out += out ? `.${String(part)}` : String(part);
    prev = part;
  }
  return out;
}

function decodeIssues(issues: readonly z.core.$ZodIssue[]): { errors: FieldError[]; unknown: string[] } {
  const errors: FieldError[] = [];
  const unknown: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) unknown.push(zodPath([...issue.path, key]));
      continue;
    }
    const field = zodPath(issue.path);
    const value = (issue as { input?: unknown }).input;
    errors.push(field ? fieldError.invalid(field, value, issue.message) : rootInvalid(value, issue.message));
  }
  return { errors, unknown };
}

/** A document that is not an object at all has no field to name. */
function rootInvalid(value: unknown, detail: string): FieldError {
  return fieldError.invalid('<root>', value, detail);
}

// ---- apimachinery helpers --------------------------------------------------------------

interface SelectorOpts {
  allowInvalidLabelValue: boolean;
}

function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  // Go iterates a map in random order; sorting keeps our output stable.
  for (const key of Object.keys(labels ?? {}).sort()) {
    for (const msg of qualifiedNameErrors(key)) errs.push(fieldError.invalid(field, key, msg));
    for (const msg of labelValueErrors(labels![key]!)) errs.push(fieldError.invalid(field, labels![key], msg));
  }
  return errs;
}

/** ValidateLabelSelector with LabelSelectorValidationOptions. */
export function validateLabelSelector(sel: RawSelector | undefined, opts: SelectorOpts, field: string): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const path = `${field}.matchExpressions[${i}]`;
    const values = req.values ?? [];
    const operator = req.operator ?? '';
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) errs.push(fieldError.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(fieldError.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(fieldError.invalid(`${path}.operator`, operator, 'not a valid selector operator'));
    }
    for (const msg of qualifiedNameErrors(req.key ?? '')) errs.push(fieldError.invalid(`${path}.key`, req.key ?? '', msg));
    if (!opts.allowInvalidLabelValue) {
      values.forEach((v, j) => {
        for (const msg of labelValueErrors(v)) errs.push(fieldError.invalid(`${path}.values[${j}]`, v, msg));
      });
    }
  });
  return errs;
}

function validateObjectMeta(raw: RawNetworkPolicy, defaultNamespace: string | undefined): FieldError[] {
  const meta = raw.metadata ?? {};
  const errs: FieldError[] = [];
  if (meta.generateName) {
    for (const msg of nameIsDNSSubdomain(meta.generateName, true)) errs.push(fieldError.invalid('metadata.generateName', meta.generateName, msg));
  }
  if (!meta.name) {
    errs.push(fieldError.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of nameIsDNSSubdomain(meta.name, false)) errs.push(fieldError.invalid('metadata.name', meta.name, msg));
  }
  const namespace = meta.namespace || defaultNamespace || '';
  if (!namespace) {
    errs.push(fieldError.required('metadata.namespace'));
  } else {
    for (const msg of dns1123LabelErrors(namespace)) errs.push(fieldError.invalid('metadata.namespace', namespace, msg));
  }
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  const annotations = meta.annotations ?? {};
  let size = 0;
  for (const key of Object.keys(annotations).sort()) {
    // Annotation keys are qualified names, compared case-insensitively.
    for (const msg of qualifiedNameErrors(key.toLowerCase())) errs.push(fieldError.invalid('metadata.annotations', key, msg));
    size += Buffer.byteLength(key) + Buffer.byteLength(annotations[key]!);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldError.tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

// ---- networking validation -------------------------------------------------------------

/** ValidateNetworkPolicyPort (the protocol was defaulted to TCP when absent). */
export function validatePort(port: RawPort, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && !(PROTOCOLS as readonly string[]).includes(port.protocol)) {
    errs.push(fieldError.notSupported(`${field}.protocol`, port.protocol, PROTOCOLS));
  }
  if (port.port !== undefined) {
    if (typeof port.port === 'number') {
      for (const msg of portNumErrors(port.port)) errs.push(fieldError.invalid(`${field}.port`, port.port, msg));
      if (port.endPort !== undefined) {
        // kube-apiserver (pkg/apis/networking/validation, ValidateNetworkPolicyPort) reports the
        // value of `port` here, at the endPort path: clients match on that exact message.
        if (port.endPort < port.port) errs.push(fieldError.invalid(`${field}.endPort`, port.port, 'must be greater than or equal to `port`'));
        for (const msg of portNumErrors(port.endPort)) errs.push(fieldError.invalid(`${field}.endPort`, port.endPort, msg));
      }
    } else {
      if (port.endPort !== undefined) errs.push(fieldError.invalid(`${field}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'));
      for (const msg of portNameErrors(port.port)) errs.push(fieldError.invalid(`${field}.port`, port.port, msg));
    }
  } else if (port.endPort !== undefined) {
    errs.push(fieldError.invalid(`${field}.endPort`, port.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

interface PeerOpts extends SelectorOpts {
  strictCIDR: boolean;
  allowedCIDRs: ReadonlySet<string>;
}

/** IsValidCIDRForLegacyField, with the strict variant behind the feature gate. */
function validateCidrText(value: string, field: string, opts: PeerOpts): FieldError[] {
  const cidr = parseCidr(value);
  if (!cidr) return [fieldError.invalid(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  if (!opts.strictCIDR || opts.allowedCIDRs.has(value)) return [];
  if (cidr.leadingZeros) return [fieldError.invalid(field, value, 'must not have leading 0s in IP or prefix length')];
  if (cidr.network.v4InV6) return [fieldError.invalid(field, value, 'must not have an IPv4-mapped IPv6 address')];
  if (cidr.hostBitsSet) return [fieldError.invalid(field, value, 'must not have bits set beyond the prefix length')];
  return [];
}

/** ValidateIPBlock. */
export function validateIPBlock(ipb: NonNullable<RawPeer['ipBlock']>, field: string, opts: PeerOpts): FieldError[] {
  const cidrText = ipb.cidr ?? '';
  if (cidrText === '') return [fieldError.required(`${field}.cidr`)];
  const errs = validateCidrText(cidrText, `${field}.cidr`, opts);
  const cidr = parseCidr(cidrText);
  if (!cidr) return errs;
  (ipb.except ?? []).forEach((exceptText, i) => {
    const path = `${field}.except[${i}]`;
    errs.push(...validateCidrText(exceptText, path, opts));
    const except = parseCidr(exceptText);
    if (!except) return;
    // Go: !cidrIPNet.Contains(exceptCIDR.IP) || cidrMaskLen >= exceptMaskLen
    const contained = cidrContains(cidr, except.network);
    if (!contained || cidr.prefix >= except.prefix) errs.push(fieldError.invalid(path, exceptText, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

/** ValidateNetworkPolicyPeer. */
export function validatePeer(peer: RawPeer, field: string, opts: PeerOpts): FieldError[] {
  const errs: FieldError[] = [];
  let numPeers = 0;
  if (peer.podSelector) {
    numPeers++;
    errs.push(...validateLabelSelector(peer.podSelector, opts, `${field}.podSelector`));
  }
  if (peer.namespaceSelector) {
    numPeers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, opts, `${field}.namespaceSelector`));
  }
  if (peer.ipBlock) {
    numPeers++;
    errs.push(...validateIPBlock(peer.ipBlock, `${field}.ipBlock`, opts));
  }
  if (numPeers === 0) errs.push(fieldError.required(field, 'must specify a peer'));
  else if (numPeers > 1 && peer.ipBlock) errs.push(fieldError.forbidden(field, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** ValidateNetworkPolicySpec, on the defaulted spec. */
export function validateSpec(spec: RawSpec, opts: PeerOpts): FieldError[] {
  const errs = validateLabelSelector(spec.podSelector, opts, 'spec.podSelector');
  (spec.ingress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, `spec.ingress[${i}].ports[${j}]`)));
    (rule.from ?? []).forEach((p, k) => errs.push(...validatePeer(p, `spec.ingress[${i}].from[${k}]`, opts)));
  });
  (spec.egress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, `spec.egress[${i}].ports[${j}]`)));
    (rule.to ?? []).forEach((p, k) => errs.push(...validatePeer(p, `spec.egress[${i}].to[${k}]`, opts)));
  });
  const policyTypes = defaultPolicyTypes(spec.policyTypes, spec.egress?.length ?? 0) as string[];
  if (policyTypes.length > POLICY_TYPES.length) {
    const literal = `[]networking.PolicyType{${policyTypes.map(goQuote).join(', ')}}`;
    errs.push(fieldError.invalid('spec.policyTypes', new GoLiteral(literal, policyTypes), 'may not specify more than two policyTypes'));
    return errs;
  }
  policyTypes.forEach((t, i) => {
    if (!(POLICY_TYPES as readonly string[]).includes(t)) errs.push(fieldError.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return errs;
}

// ---- warnings the API server does not give as errors ------------------------------------

/** GetWarningsForCIDR, which newer API servers return for ipBlock values. */
function cidrWarnings(value: string, field: string): string[] {
  const cidr = parseCidr(value);
  if (!cidr) return [];
  const out: string[] = [];
  if (cidr.hostBitsSet) {
    const ip = value.slice(0, value.lastIndexOf('/'));
    const single = `${ip}/${cidr.family === 4 ? 32 : 128}`;
    out.push(`${field}: CIDR value ${goQuote(value)} is ambiguous in this context (should be ${goQuote(cidr.text)} or ${goQuote(single)}?)`);
  }
  if (cidr.leadingZeros || cidr.network.v4InV6) {
    out.push(`${field}: non-standard CIDR value ${goQuote(value)} will be considered invalid in a future Kubernetes release: use ${goQuote(cidr.text)}`);
  }
  return out;
}

const MISSPELT_NAMESPACE_KEYS = ['k8s.io/metadata.name', 'kubernetes.io/metadata.namespace', 'kubernetes.io/namespace'];

/** Accepted by the API server, but almost always a mistake (shared/netpol/README.md#validation, rule 13). */
function advisories(raw: RawNetworkPolicy, policy: NetworkPolicy): string[] {
  const out: string[] = [];
  const spec = raw.spec;
  const ns = policy.metadata.namespace;
  if (!spec?.podSelector) {
    out.push(`spec.podSelector: not set; it means {} and selects every pod in namespace ${ns}`);
  }
  const explicitTypes = spec?.policyTypes && spec.policyTypes.length > 0;
  const egressRules = spec?.egress?.length ?? 0;
  if (!explicitTypes && egressRules > 0 && (spec?.ingress?.length ?? 0) === 0) {
    out.push(
      'spec.policyTypes: not set; because spec.egress has rules it defaults to [Ingress, Egress], so this policy also denies all ingress to the pods it selects',
    );
  }
  if (!explicitTypes && spec?.egress && egressRules === 0) {
    out.push('spec.egress: an empty list without policyTypes does not isolate egress; a default-deny egress policy needs policyTypes: [Egress]');
  }
  const types = policy.spec.policyTypes;
  if (explicitTypes && (spec?.ingress?.length ?? 0) > 0 && !types.includes('Ingress')) {
    out.push('spec.ingress: has rules but policyTypes does not include Ingress; these rules have no effect');
  }
  if (explicitTypes && egressRules > 0 && !types.includes('Egress')) {
    out.push('spec.egress: has rules but policyTypes does not include Egress; these rules have no effect');
  }
  if (new Set(types).size !== types.length) out.push(`spec.policyTypes: lists a type twice (${types.join(', ')})`);
  const peerLists = [
    ...(policy.spec.ingress ?? []).map((r, i) => [`spec.ingress[${i}].from`, r.from ?? []] as const),
    ...(policy.spec.egress ?? []).map((r, i) => [`spec.egress[${i}].to`, r.to ?? []] as const),
  ];
  for (const [path, peers] of peerLists) {
    peers.forEach((peer, k) => {
      const keys = [
        ...Object.keys(peer.namespaceSelector?.matchLabels ?? {}),
        ...(peer.namespaceSelector?.matchExpressions ?? []).map((r) => r.key),
      ];
      for (const key of keys) {
        if (MISSPELT_NAMESPACE_KEYS.includes(key)) {
          out.push(`${path}[${k}].namespaceSelector: label key "${key}" is not set on namespaces; did you mean "kubernetes.io/metadata.name"?`);
        }
      }
    });
  }
  (policy.spec.egress ?? []).forEach((rule, i) => {
    const ports = rule.ports ?? [];
    if ((rule.to ?? []).length === 0 && ports.length > 0 && ports.every((p) => p.port === 53) && types.includes('Egress')) {
      out.push(`spec.egress[${i}]: allows port 53 to any destination, including DNS resolvers outside the cluster; consider limiting it to the cluster DNS pods`);
    }
  });
  return out;
}

function checkKind(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.apiVersion !== undefined && obj.apiVersion !== null && obj.apiVersion !== NETWORK_POLICY_API_VERSION) {
    errs.push(fieldError.invalid('apiVersion', obj.apiVersion, `must be ${NETWORK_POLICY_API_VERSION}`));
  }
  if (obj.kind !== undefined && obj.kind !== null && obj.kind !== 'NetworkPolicy') {
    errs.push(fieldError.invalid('kind', obj.kind, 'must be NetworkPolicy'));
  }
  return errs;
}

function oldOptions(old: unknown): { allowInvalidLabelValue: boolean; allowedCIDRs: Set<string> } {
  const parsed = RawNetworkPolicy.safeParse(old);
  const allowedCIDRs = new Set<string>();
  if (!parsed.success) return { allowInvalidLabelValue: false, allowedCIDRs };
  const spec = parsed.data.spec ?? {};
  for (const peer of [...(spec.ingress ?? []).flatMap((r) => r.from ?? []), ...(spec.egress ?? []).flatMap((r) => r.to ?? [])]) {
    if (peer.ipBlock?.cidr) allowedCIDRs.add(peer.ipBlock.cidr);
    for (const e of peer.ipBlock?.except ?? []) allowedCIDRs.add(e);
  }
  const oldSelectorErrors = validateLabelSelector(spec.podSelector, { allowInvalidLabelValue: false }, 'spec.podSelector');
  return { allowInvalidLabelValue: oldSelectorErrors.length > 0, allowedCIDRs };
}

/**
 * Validates one NetworkPolicy object (parsed JSON or YAML) as kube-apiserver would on create
 * (or on update, with `opts.old`). Never throws on bad input.
 */
export function validateNetworkPolicy(obj: unknown, opts: ValidateOptions = {}): NetworkPolicyValidation {
  const result: NetworkPolicyValidation = { errors: [], warnings: [], unknownFields: [], malformed: false };
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    result.errors.push(rootInvalid(obj, 'must be an object'));
    result.malformed = true;
    return result;
  }
  const kindErrors = checkKind(obj as Record<string, unknown>);
  const strict = RawNetworkPolicyStrict.safeParse(obj, { reportInput: true });
  const decoded = strict.success ? { errors: [], unknown: [] } : decodeIssues(strict.error.issues);
  result.unknownFields = decoded.unknown;
  result.warnings.push(...decoded.unknown.map((f) => `unknown field ${goQuote(f)}`));
  if (kindErrors.length || decoded.errors.length) {
    result.errors.push(...kindErrors, ...decoded.errors);
    result.malformed = true;
    return result;
  }
  const raw = RawNetworkPolicy.parse(obj);
  const old = opts.old === undefined ? { allowInvalidLabelValue: false, allowedCIDRs: new Set<string>() } : oldOptions(opts.old);
  const peerOpts: PeerOpts = { ...old, strictCIDR: opts.strictCIDR ?? false };
  result.errors.push(...validateObjectMeta(raw, opts.defaultNamespace), ...validateSpec(raw.spec ?? {}, peerOpts));

  const spec = raw.spec ?? {};
  const peersWithPaths = [
    ...(spec.ingress ?? []).flatMap((r, i) => (r.from ?? []).map((p, k) => [`spec.ingress[${i}].from[${k}]`, p] as const)),
    ...(spec.egress ?? []).flatMap((r, i) => (r.to ?? []).map((p, k) => [`spec.egress[${i}].to[${k}]`, p] as const)),
  ];
  for (const [path, peer] of peersWithPaths) {
    if (!peer.ipBlock?.cidr) continue;
    result.warnings.push(...cidrWarnings(peer.ipBlock.cidr, `${path}.ipBlock.cidr`));
    (peer.ipBlock.except ?? []).forEach((e, n) => result.warnings.push(...cidrWarnings(e, `${path}.ipBlock.except[${n}]`)));
  }
  if (result.errors.length > 0) return result;

  const policy = applyDefaults(raw, opts.defaultNamespace);
  result.policy = policy;
  result.warnings.push(...advisories(raw, policy));
  if (opts.eks !== false) result.warnings.push(...eksWarnings(policy, opts.inventory));
  return result;
}

/** Convenience for callers that only need the defaulted object or the reason it is unusable. */
export function parseNetworkPolicy(obj: unknown, opts: ValidateOptions = {}): NetworkPolicy {
  const v = validateNetworkPolicy(obj, { ...opts, eks: false });
  if (!v.policy) throw new ValidationError('invalid-network-policy', v.errors.map((e) => e.message).join('; '));
  return v.policy;
}
