/**
 * Validation of ClusterNetworkPolicy and ApplicationNetworkPolicy (networking.k8s.aws/v1alpha1)
 * as the API server does it for a custom resource: the CRD's OpenAPI schema (types, required
 * fields, enums, minimum/maximum, minItems/maxItems, maxLength, pattern, min/maxProperties,
 * defaults) and its CEL rules (x-kubernetes-validations), plus ObjectMeta. The schema below
 * is transcribed from github.com/aws/amazon-network-policy-controller-k8s,
 * config/crd/bases/networking.k8s.aws_clusternetworkpolicies.yaml and
 * networking.k8s.aws_applicationnetworkpolicies.yaml; messages follow apiextensions-apiserver's
 * conversion of schema errors to field errors (`spec.priority: Invalid value: 1001: must be
 * less than or equal to 1000`, `spec.tier: Unsupported value: "X": supported values: ...`,
 * CEL: `<path>: Invalid value: "object": <message>`).
 *
 * The CRD schema does not check label selector operators, CIDRs or port names; the API server
 * accepts those and the controller fails on them later, so they are reported as warnings.
 */
import { ValidationError } from '#shared/errors';
import { dns1123LabelErrors, labelValueErrors, nameIsDNSSubdomain, qualifiedNameErrors } from '#shared/k8s/names';
import {
  APPLICATION_NETWORK_POLICY_API_VERSION,
  type ApplicationNetworkPolicy,
  CLUSTER_NETWORK_POLICY_API_VERSION,
  CNP_ACTIONS,
  CNP_LIMITS,
  CNP_TIERS,
  type ClusterNetworkPolicy,
  DOMAIN_NAME_PATTERN,
} from '#shared/netpol-api/cluster-types';
import { defaultPolicyTypes } from './defaults';
import { type FieldError, fieldError, goQuote } from '#shared/k8s/field-error';
import { parseCidr } from './ip';
import { PROTOCOLS, SELECTOR_OPERATORS } from '#shared/netpol-api/types';

// ---- a small OpenAPI v3 structural-schema walker ------------------------------------------

interface CelRule {
  message: string;
  /** true when the object is valid. */
  ok: (value: Record<string, unknown>) => boolean;
}

type Schema =
  | { type: 'object'; properties: Record<string, Schema>; required?: string[]; minProperties?: number; maxProperties?: number; cel?: CelRule[] }
  | { type: 'stringMap' }
  | { type: 'array'; items: Schema; minItems?: number; maxItems?: number }
  | { type: 'string'; enum?: readonly string[]; maxLength?: number; pattern?: RegExp; patternText?: string; default?: string }
  | { type: 'integer'; minimum?: number; maximum?: number }
  | { type: 'intOrString' }
  | { type: 'loose' };

const obj = (properties: Record<string, Schema>, extra: Omit<Extract<Schema, { type: 'object' }>, 'type' | 'properties'> = {}): Schema => ({
  type: 'object',
  properties,
  ...extra,
});
const arr = (items: Schema, extra: { minItems?: number; maxItems?: number } = {}): Schema => ({ type: 'array', items, ...extra });
const str = (extra: Omit<Extract<Schema, { type: 'string' }>, 'type'> = {}): Schema => ({ type: 'string', ...extra });
const int = (minimum?: number, maximum?: number): Schema => ({ type: 'integer', ...(minimum !== undefined ? { minimum } : {}), ...(maximum !== undefined ? { maximum } : {}) });

/** metav1.LabelSelector as controller-gen writes it (key and operator required, nothing else checked). */
const labelSelector = obj({
  matchLabels: { type: 'stringMap' },
  matchExpressions: arr(obj({ key: str(), operator: str(), values: arr(str()) }, { required: ['key', 'operator'] })),
});
const namespacedPod = obj({ namespaceSelector: labelSelector, podSelector: labelSelector }, { required: ['namespaceSelector', 'podSelector'] });
const domainName = str({ pattern: DOMAIN_NAME_PATTERN, patternText: DOMAIN_NAME_PATTERN.source });
const domainNames = arr(domainName, { minItems: 1, maxItems: CNP_LIMITS.domainNames });
const cnpPort = obj({
  portNumber: obj({ protocol: str({ default: 'TCP' }), port: int(1, 65535) }, { required: ['port', 'protocol'] }),
  portRange: obj(
    { protocol: str({ default: 'TCP' }), start: int(1, 65535), end: int(1, 65535) },
    {
      required: ['end', 'start'],
      cel: [{ message: 'Start port must be less than End port', ok: (v) => typeof v.start !== 'number' || typeof v.end !== 'number' || v.start < v.end }],
    },
  ),
  namedPort: str(),
});
const cnpPorts = arr(cnpPort, { minItems: 1, maxItems: CNP_LIMITS.ports });
const ruleCommon = { name: str({ maxLength: CNP_LIMITS.ruleName }), action: str({ enum: CNP_ACTIONS }), ports: cnpPorts };
const cnpIngressPeer = obj({ namespaces: labelSelector, pods: namespacedPod }, { minProperties: 1, maxProperties: 1 });
const cnpEgressPeer = obj(
  {
    namespaces: labelSelector,
    pods: namespacedPod,
    networks: arr(str({ maxLength: CNP_LIMITS.cidrLength }), { minItems: 1, maxItems: CNP_LIMITS.networks }),
    domainNames,
  },
  { minProperties: 1, maxProperties: 1 },
);
const metadata: Schema = { type: 'loose' };

const CNP_SCHEMA = obj(
  {
    apiVersion: str(),
    kind: str(),
    metadata,
    spec: obj(
      {
        tier: str({ enum: CNP_TIERS }),
        priority: int(CNP_LIMITS.priorityMin, CNP_LIMITS.priorityMax),
        subject: obj({ namespaces: labelSelector, pods: namespacedPod }, { minProperties: 1, maxProperties: 1 }),
        ingress: arr(obj({ ...ruleCommon, from: arr(cnpIngressPeer, { minItems: 1, maxItems: CNP_LIMITS.peers }) }, { required: ['action', 'from'] }), {
          maxItems: CNP_LIMITS.rules,
        }),
        egress: arr(
          obj(
            { ...ruleCommon, to: arr(cnpEgressPeer, { minItems: 1, maxItems: CNP_LIMITS.peers }) },
            {
              required: ['action', 'to'],
              cel: [
                {
                  message: 'domainNames peer can only be used with Accept action',
                  ok: (v) => !(v.action !== 'Accept' && Array.isArray(v.to) && v.to.some((p) => isObject(p) && p.domainNames !== undefined)),
                },
              ],
            },
          ),
          { maxItems: CNP_LIMITS.rules },
        ),
      },
      { required: ['priority', 'subject', 'tier'] },
    ),
    status: { type: 'loose' },
  },
  { required: ['spec'] },
);

const npPort = obj({ protocol: str({ default: 'TCP' }), port: { type: 'intOrString' }, endPort: int() });
const ipBlock = obj({ cidr: str(), except: arr(str()) }, { required: ['cidr'] });
const npPeer = obj({ podSelector: labelSelector, namespaceSelector: labelSelector, ipBlock });
const anpPeer = obj(
  { podSelector: labelSelector, namespaceSelector: labelSelector, ipBlock, domainNames: arr(domainName, { minItems: 1 }) },
  {
    cel: [
      { message: 'ipBlock and domainNames are mutually exclusive', ok: (v) => !(v.ipBlock !== undefined && v.domainNames !== undefined) },
      { message: 'podSelector and domainNames are mutually exclusive', ok: (v) => !(v.podSelector !== undefined && v.domainNames !== undefined) },
      { message: 'namespaceSelector and domainNames are mutually exclusive', ok: (v) => !(v.namespaceSelector !== undefined && v.domainNames !== undefined) },
    ],
  },
);
const ANP_SCHEMA = obj(
  {
    apiVersion: str(),
    kind: str(),
    metadata,
    spec: obj(
      {
        podSelector: labelSelector,
        policyTypes: arr(str()),
        ingress: arr(obj({ ports: arr(npPort), from: arr(npPeer) })),
        egress: arr(obj({ ports: arr(npPort), to: arr(anpPeer) })),
      },
      { required: ['podSelector'] },
    ),
    status: { type: 'loose' },
  },
  { required: ['spec'] },
);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

interface Walk {
  errors: FieldError[];
  unknown: string[];
}

const typeError = (path: string, value: unknown, want: string) =>
  fieldError.invalid(path, typeName(value), `${path} in body must be of type ${want}: ${goQuote(typeName(value))}`);

/** Validates `value` against `schema`, returning the value with schema defaults applied. */
function walk(schema: Schema, value: unknown, path: string, w: Walk): unknown {
  // JSON null is "absent" for optional fields, as the API server's decoder treats it.
  if (value === null || value === undefined) return undefined;
  switch (schema.type) {
    case 'loose':
      return value;
    case 'stringMap': {
      if (!isObject(value)) return w.errors.push(typeError(path, value, 'object')), undefined;
      for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') w.errors.push(typeError(`${path}[${k}]`, v, 'string'));
      return value;
    }
    case 'string': {
      if (typeof value !== 'string') return w.errors.push(typeError(path, value, 'string')), undefined;
      if (schema.enum && !schema.enum.includes(value)) w.errors.push(fieldError.notSupported(path, value, schema.enum));
      if (schema.maxLength !== undefined && value.length > schema.maxLength) w.errors.push(fieldError.tooLong(path, schema.maxLength));
      if (schema.pattern && !schema.pattern.test(value)) w.errors.push(fieldError.invalid(path, value, `${path} in body should match '${schema.patternText}'`));
      return value;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return w.errors.push(typeError(path, value, 'integer')), undefined;
      if (schema.minimum !== undefined && value < schema.minimum) w.errors.push(fieldError.invalid(path, value, `should be greater than or equal to ${schema.minimum}`));
      if (schema.maximum !== undefined && value > schema.maximum) w.errors.push(fieldError.invalid(path, value, `should be less than or equal to ${schema.maximum}`));
      return value;
    }
    case 'intOrString':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) w.errors.push(typeError(path, value, 'integer or string'));
      return value;
    case 'array': {
      if (!Array.isArray(value)) return w.errors.push(typeError(path, value, 'array')), undefined;
      if (schema.maxItems !== undefined && value.length > schema.maxItems) w.errors.push(fieldError.tooMany(path, value.length, schema.maxItems));
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        w.errors.push(fieldError.invalid(path, value.length, `should have at least ${schema.minItems} items`));
      }
      return value.map((item, i) => walk(schema.items, item, `${path}[${i}]`, w));
    }
    case 'object': {
      if (!isObject(value)) return w.errors.push(typeError(path, value, 'object')), undefined;
      const out: Record<string, unknown> = {};
      const present = Object.keys(value).filter((k) => value[k] !== null && value[k] !== undefined);
      for (const key of present) {
        const child = schema.properties[key];
        const childPath = path ? `${path}.${key}` : key;
        if (!child) {
          w.unknown.push(childPath);
          continue;
        }
        const v = walk(child, value[key], childPath, w);
        if (v !== undefined) out[key] = v;
      }
      for (const [key, child] of Object.entries(schema.properties)) {
        if (out[key] === undefined && child.type === 'string' && child.default !== undefined) out[key] = child.default;
      }
      for (const key of schema.required ?? []) {
        if (out[key] === undefined && !present.includes(key)) w.errors.push(fieldError.required(path ? `${path}.${key}` : key));
      }
      if (schema.maxProperties !== undefined && present.length > schema.maxProperties) {
        w.errors.push(fieldError.tooMany(path, present.length, schema.maxProperties));
      }
      if (schema.minProperties !== undefined && present.length < schema.minProperties) {
        w.errors.push(fieldError.invalid(path, present.length, `should have at least ${schema.minProperties} properties`));
      }
      for (const rule of schema.cel ?? []) if (!rule.ok(out)) w.errors.push(fieldError.invalid(path, 'object', rule.message));
      return out;
    }
  }
}

// ---- ObjectMeta and what the schema leaves to the controller ------------------------------

function validateMeta(meta: unknown, namespaced: boolean, defaultNamespace: string | undefined, warnings: string[]): FieldError[] {
  const m = isObject(meta) ? meta : {};
  const errs: FieldError[] = [];
  const name = typeof m.name === 'string' ? m.name : '';
  // Custom resource names are DNS subdomains (apiextensions-apiserver customresource validator).
  if (!name) errs.push(fieldError.required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameIsDNSSubdomain(name, false)) errs.push(fieldError.invalid('metadata.name', name, msg));
  const ns = typeof m.namespace === 'string' ? m.namespace : '';
  if (namespaced) {
    const namespace = ns || defaultNamespace || '';
    if (!namespace) errs.push(fieldError.required('metadata.namespace'));
    else for (const msg of dns1123LabelErrors(namespace)) errs.push(fieldError.invalid('metadata.namespace', namespace, msg));
  } else if (ns) {
    warnings.push(`metadata.namespace: ClusterNetworkPolicy is cluster-scoped; namespace ${goQuote(ns)} is ignored`);
  }
  const labels = isObject(m.labels) ? m.labels : {};
  for (const key of Object.keys(labels).sort()) {
    for (const msg of qualifiedNameErrors(key)) errs.push(fieldError.invalid('metadata.labels', key, msg));
    const v = labels[key];
    if (typeof v === 'string') for (const msg of labelValueErrors(v)) errs.push(fieldError.invalid('metadata.labels', v, msg));
  }
  return errs;
}

/** Label selectors, CIDRs and port names the schema lets through but the controller cannot use. */
function controllerWarnings(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => controllerWarnings(v, `${path}[${i}]`, out));
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const p = path ? `${path}.${key}` : key;
    if (key === 'matchExpressions' && Array.isArray(v)) {
      v.forEach((req, i) => {
        if (!isObject(req)) return;
        const op = req.operator;
        if (typeof op === 'string' && !(SELECTOR_OPERATORS as readonly string[]).includes(op)) {
          out.push(`${p}[${i}].operator: ${goQuote(op)} is not a valid selector operator; the API server accepts it but the policy controller cannot resolve this selector`);
        }
      });
    } else if ((key === 'networks' || key === 'except') && Array.isArray(v)) {
      v.forEach((c, i) => {
        if (typeof c === 'string' && !parseCidr(c)) out.push(`${p}[${i}]: ${goQuote(c)} is not a valid CIDR; the policy controller cannot use it`);
      });
    } else if (key === 'cidr' && typeof v === 'string' && !parseCidr(v)) {
      out.push(`${p}: ${goQuote(v)} is not a valid CIDR; the policy controller cannot use it`);
    } else if (key === 'protocol' && typeof v === 'string' && !(PROTOCOLS as readonly string[]).includes(v)) {
      out.push(`${p}: ${goQuote(v)} is not TCP, UDP or SCTP; it matches no traffic`);
    } else {
      controllerWarnings(v, p, out);
    }
  }
}

// ---- entry points -------------------------------------------------------------------------

export interface ClusterKindValidation<T> {
  errors: FieldError[];
  warnings: string[];
  /** Paths of fields the CRD does not define; `kubectl apply` (strict field validation) rejects them. */
  unknownFields: string[];
  malformed: boolean;
  policy?: T;
}

function checkKind(value: Record<string, unknown>, apiVersion: string, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value.apiVersion !== undefined && value.apiVersion !== apiVersion) errs.push(fieldError.invalid('apiVersion', value.apiVersion, `must be ${apiVersion}`));
  if (value.kind !== undefined && value.kind !== kind) errs.push(fieldError.invalid('kind', value.kind, `must be ${kind}`));
  return errs;
}

/** Validates a ClusterNetworkPolicy manifest; never throws on bad input. */
export function validateClusterNetworkPolicy(value: unknown): ClusterKindValidation<ClusterNetworkPolicy> {
  const result: ClusterKindValidation<ClusterNetworkPolicy> = { errors: [], warnings: [], unknownFields: [], malformed: false };
  if (!isObject(value)) {
    result.errors.push(fieldError.invalid('<root>', value, 'must be an object'));
    result.malformed = true;
    return result;
  }
  const w: Walk = { errors: checkKind(value, CLUSTER_NETWORK_POLICY_API_VERSION, 'ClusterNetworkPolicy'), unknown: [] };
  const out = walk(CNP_SCHEMA, value, '', w) as { spec?: ClusterNetworkPolicy['spec'] } | undefined;
  w.errors.push(...validateMeta(value.metadata, false, undefined, result.warnings));
  result.errors = w.errors;
  result.unknownFields = w.unknown;
  result.warnings.push(...w.unknown.map((f) => `unknown field ${goQuote(f)}`));
  controllerWarnings(value.spec, 'spec', result.warnings);
  if (result.errors.length || !out?.spec) return result;
  const meta = value.metadata as Record<string, unknown>;
  const policy: ClusterNetworkPolicy = {
    apiVersion: CLUSTER_NETWORK_POLICY_API_VERSION,
    kind: 'ClusterNetworkPolicy',
    metadata: { name: meta.name as string, ...(isObject(meta.labels) ? { labels: meta.labels as Record<string, string> } : {}) },
    spec: out.spec,
  };
  result.warnings.push(...clusterAdvisories(policy));
  result.policy = policy;
  return result;
}

/** Accepted, but rarely what the author meant. */
function clusterAdvisories(policy: ClusterNetworkPolicy): string[] {
  const out: string[] = [];
  const { spec } = policy;
  if (!spec.ingress?.length && !spec.egress?.length) out.push('spec: no ingress or egress rules; this policy has no effect');
  (spec.egress ?? []).forEach((rule, i) => {
    rule.to.forEach((peer, k) => {
      for (const net of peer.networks ?? []) {
        if (rule.action !== 'Pass' && /^(0\.0\.0\.0|::)\/0$/.test(net)) {
          out.push(`spec.egress[${i}].to[${k}].networks: ${net} also matches every pod in the cluster; Pass pod traffic in an earlier rule if only external traffic is meant`);
        }
      }
    });
  });
  for (const [dir, rules] of [['ingress', spec.ingress ?? []], ['egress', spec.egress ?? []]] as const) {
    rules.forEach((rule, i) => {
      (rule.ports ?? []).forEach((p, j) => {
        if (!p.portNumber && !p.portRange && p.namedPort === undefined) out.push(`spec.${dir}[${i}].ports[${j}]: empty port entry matches nothing`);
        if (p.namedPort !== undefined) {
          out.push(`spec.${dir}[${i}].ports[${j}].namedPort: named ports are not resolved by every EKS network policy controller version; prefer portNumber`);
        }
      });
    });
  }
  return out;
}

/** Validates an ApplicationNetworkPolicy manifest; never throws on bad input. */
export function validateApplicationNetworkPolicy(value: unknown, opts: { defaultNamespace?: string } = {}): ClusterKindValidation<ApplicationNetworkPolicy> {
  const result: ClusterKindValidation<ApplicationNetworkPolicy> = { errors: [], warnings: [], unknownFields: [], malformed: false };
  if (!isObject(value)) {
    result.errors.push(fieldError.invalid('<root>', value, 'must be an object'));
    result.malformed = true;
    return result;
  }
  const w: Walk = { errors: checkKind(value, APPLICATION_NETWORK_POLICY_API_VERSION, 'ApplicationNetworkPolicy'), unknown: [] };
  const out = walk(ANP_SCHEMA, value, '', w) as { spec?: Record<string, unknown> } | undefined;
  w.errors.push(...validateMeta(value.metadata, true, opts.defaultNamespace, result.warnings));
  const spec = out?.spec;
  if (spec && Array.isArray(spec.policyTypes)) {
    spec.policyTypes.forEach((t, i) => {
      if (t !== 'Ingress' && t !== 'Egress') w.errors.push(fieldError.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
    });
  }
  result.errors = w.errors;
  result.unknownFields = w.unknown;
  result.warnings.push(...w.unknown.map((f) => `unknown field ${goQuote(f)}`));
  controllerWarnings(value.spec, 'spec', result.warnings);
  if (result.errors.length || !spec) return result;
  const meta = value.metadata as Record<string, unknown>;
  const egress = (spec.egress as ApplicationNetworkPolicy['spec']['egress']) ?? undefined;
  const policyTypes = defaultPolicyTypes(spec.policyTypes as string[] | undefined, egress?.length ?? 0);
  const explicit = Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0;
  if (!explicit && (egress?.length ?? 0) > 0 && !(spec.ingress as unknown[] | undefined)?.length) {
    result.warnings.push('spec.policyTypes: not set; because spec.egress has rules it defaults to [Ingress, Egress], so this policy also denies all ingress to the pods it selects');
  }
  const usesDomains = (egress ?? []).some((r) => (r.to ?? []).some((p) => p.domainNames));
  if (usesDomains) {
    result.warnings.push('domainNames: enforced in EKS Auto Mode only; pods must also be allowed DNS (UDP and TCP 53) for name-based egress to work');
  }
  result.policy = {
    apiVersion: APPLICATION_NETWORK_POLICY_API_VERSION,
    kind: 'ApplicationNetworkPolicy',
    metadata: {
      name: meta.name as string,
      namespace: (typeof meta.namespace === 'string' && meta.namespace) || opts.defaultNamespace || '',
      ...(isObject(meta.labels) ? { labels: meta.labels as Record<string, string> } : {}),
    },
    spec: { ...(spec as unknown as ApplicationNetworkPolicy['spec']), policyTypes },
  };
  return result;
}

export function parseClusterNetworkPolicy(value: unknown): ClusterNetworkPolicy {
  const v = validateClusterNetworkPolicy(value);
  if (!v.policy) throw new ValidationError('invalid-cluster-network-policy', v.errors.map((e) => e.message).join('; ') || 'invalid');
  return v.policy;
}

export function parseApplicationNetworkPolicy(value: unknown, opts: { defaultNamespace?: string } = {}): ApplicationNetworkPolicy {
  const v = validateApplicationNetworkPolicy(value, opts);
  if (!v.policy) throw new ValidationError('invalid-application-network-policy', v.errors.map((e) => e.message).join('; ') || 'invalid');
  return v.policy;
}
