/**
 * The resources the test API server serves, with what kube-apiserver's registry strategies do
 * for them on write: defaulting, metadata and type-specific validation, what a delete returns,
 * and which fields a fieldSelector may use.
 */
import { randomBytes } from 'node:crypto';
import { defaultPolicyTypes } from '#shared/netpol/defaults';
import { validateClusterNetworkPolicy } from '#shared/netpol/validate-cluster';
import { fieldError, type FieldError } from '#shared/k8s/field-error';
import { nameErrors, validateAnnotations, validateLabels, type NamedResource } from '#shared/k8s/names';
import { deepEqual, isObject, type Json, type JsonObject, text } from './patch';
import { badRequest } from './status';

/**
 * The shape of the shared NetworkPolicy validator (`#shared/netpol/validate`): field errors,
 * warnings, and whether the errors are decode errors (wrong JSON types: 400, not 422).
 */
export type NetworkPolicyValidator = (obj: unknown, opts?: { old?: unknown }) => { errors: FieldError[]; warnings: string[]; malformed?: boolean };

export interface ResourceDef {
  resource: NamedResource;
  kind: string;
  listKind: string;
  group: string;
  version: string;
  namespaced: boolean;
  /** kube-apiserver returns the deleted object for these, a Success Status for the rest. */
  returnsDeletedObject: boolean;
  fieldSelectors: readonly string[];
  shortNames?: string[];
  verbs: string[];
}

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update'];
const BASE_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

export const RESOURCES: Record<NamedResource, ResourceDef> = {
  namespaces: {
    resource: 'namespaces', kind: 'Namespace', listKind: 'NamespaceList', group: '', version: 'v1', namespaced: false,
    returnsDeletedObject: true, fieldSelectors: [...BASE_FIELDS, 'status.phase'], shortNames: ['ns'], verbs: VERBS,
  },
  pods: {
    resource: 'pods', kind: 'Pod', listKind: 'PodList', group: '', version: 'v1', namespaced: true, returnsDeletedObject: true,
    fieldSelectors: [...BASE_FIELDS, 'spec.nodeName', 'spec.serviceAccountName', 'spec.hostNetwork', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
    shortNames: ['po'], verbs: VERBS,
  },
  services: {
    resource: 'services', kind: 'Service', listKind: 'ServiceList', group: '', version: 'v1', namespaced: true, returnsDeletedObject: true,
    fieldSelectors: [...BASE_FIELDS, 'spec.clusterIP', 'spec.type'], shortNames: ['svc'], verbs: VERBS,
  },
  serviceaccounts: {
    resource: 'serviceaccounts', kind: 'ServiceAccount', listKind: 'ServiceAccountList', group: '', version: 'v1', namespaced: true,
    returnsDeletedObject: false, fieldSelectors: BASE_FIELDS, shortNames: ['sa'], verbs: VERBS,
  },
  secrets: {
    resource: 'secrets', kind: 'Secret', listKind: 'SecretList', group: '', version: 'v1', namespaced: true, returnsDeletedObject: false,
    fieldSelectors: [...BASE_FIELDS, 'type'], verbs: VERBS,
  },
  nodes: {
    resource: 'nodes', kind: 'Node', listKind: 'NodeList', group: '', version: 'v1', namespaced: false, returnsDeletedObject: false,
    fieldSelectors: [...BASE_FIELDS, 'spec.unschedulable'], shortNames: ['no'], verbs: VERBS,
  },
  networkpolicies: {
    resource: 'networkpolicies', kind: 'NetworkPolicy', listKind: 'NetworkPolicyList', group: 'networking.k8s.io', version: 'v1',
    namespaced: true, returnsDeletedObject: false, fieldSelectors: BASE_FIELDS, shortNames: ['netpol'], verbs: VERBS,
  },
  /** EKS's ClusterNetworkPolicy CRD (amazon-network-policy-controller-k8s, networking.k8s.aws/v1alpha1), cluster-scoped. */
  clusternetworkpolicies: {
    resource: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy', listKind: 'ClusterNetworkPolicyList', group: 'networking.k8s.aws', version: 'v1alpha1',
    namespaced: false, returnsDeletedObject: true, fieldSelectors: BASE_FIELDS, shortNames: ['cnp'], verbs: VERBS,
  },
  poddisruptionbudgets: {
    resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', listKind: 'PodDisruptionBudgetList', group: 'policy', version: 'v1',
    namespaced: true, returnsDeletedObject: false, fieldSelectors: BASE_FIELDS, shortNames: ['pdb'], verbs: VERBS,
  },
  // Read by the replica floor; status is written by the test (no controllers run here).
  deployments: {
    resource: 'deployments', kind: 'Deployment', listKind: 'DeploymentList', group: 'apps', version: 'v1', namespaced: true,
    returnsDeletedObject: false, fieldSelectors: BASE_FIELDS, shortNames: ['deploy'], verbs: VERBS,
  },
  replicasets: {
    resource: 'replicasets', kind: 'ReplicaSet', listKind: 'ReplicaSetList', group: 'apps', version: 'v1', namespaced: true,
    returnsDeletedObject: false, fieldSelectors: BASE_FIELDS, shortNames: ['rs'], verbs: VERBS,
  },
  statefulsets: {
    resource: 'statefulsets', kind: 'StatefulSet', listKind: 'StatefulSetList', group: 'apps', version: 'v1', namespaced: true,
    returnsDeletedObject: false, fieldSelectors: BASE_FIELDS, shortNames: ['sts'], verbs: VERBS,
  },
  daemonsets: {
    resource: 'daemonsets', kind: 'DaemonSet', listKind: 'DaemonSetList', group: 'apps', version: 'v1', namespaced: true,
    returnsDeletedObject: false, fieldSelectors: BASE_FIELDS, shortNames: ['ds'], verbs: VERBS,
  },
};

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Looks a resource up by its URL group/version and plural name. */
export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  const def = (RESOURCES as Record<string, ResourceDef | undefined>)[plural];
  return def && def.group === group && def.version === version ? def : undefined;
}

export interface WriteContext {
  /** The object before this write, or null on create. */
  old: JsonObject | null;
  /** Looks up another object (e.g. the ServiceAccount a token secret names). */
  lookup(resource: NamedResource, namespace: string, name: string): JsonObject | undefined;
  /** Next free ClusterIP for services. */
  allocateClusterIP(): string;
  validateNetworkPolicy?: NetworkPolicyValidator | undefined;
}

const obj = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});

function defaultPorts(ports: Json | undefined): void {
  if (!Array.isArray(ports)) return;
  for (const p of ports) if (isObject(p) && p.protocol === undefined) p.protocol = 'TCP';
}

/** The defaults that live inside list items: port protocols and service target ports. */
export function defaultListItems(def: ResourceDef, o: JsonObject): void {
  const spec = obj(o.spec);
  if (def.resource === 'networkpolicies') {
    for (const dir of ['ingress', 'egress']) {
      const rules = spec[dir];
      if (Array.isArray(rules)) for (const rule of rules) if (isObject(rule)) defaultPorts(rule.ports);
    }
  } else if (def.resource === 'pods') {
    for (const key of ['containers', 'initContainers']) {
      const list = spec[key];
      if (Array.isArray(list)) for (const c of list) if (isObject(c)) defaultPorts(c.ports);
    }
  } else if (def.resource === 'services' && Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isObject(p)) continue;
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port ?? null;
    }
  }
}

/** v1 defaulting and the registry strategies' PrepareForCreate/PrepareForUpdate. */
export function prepare(def: ResourceDef, o: JsonObject, ctx: WriteContext): void {
  const meta = obj(o.metadata);
  switch (def.resource) {
    case 'namespaces': {
      // kube-apiserver forces this label on every write (KEP-2161).
      if (typeof meta.name === 'string') meta.labels = { ...obj(meta.labels), 'kubernetes.io/metadata.name': meta.name };
      o.spec = { finalizers: ['kubernetes'], ...obj(o.spec) };
      o.status = ctx.old ? (ctx.old.status ?? { phase: 'Active' }) : { phase: 'Active' };
      break;
    }
    case 'pods': {
      const spec = (o.spec = obj(o.spec));
      spec.serviceAccountName ??= 'default';
      spec.restartPolicy ??= 'Always';
      spec.dnsPolicy ??= 'ClusterFirst';
      for (const c of Array.isArray(spec.containers) ? spec.containers : []) if (isObject(c)) defaultPorts(c.ports);
      // The main resource endpoint never writes status: on create it starts Pending.
      o.status = ctx.old ? (ctx.old.status ?? { phase: 'Pending' }) : { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    }
    case 'services': {
      const spec = (o.spec = obj(o.spec));
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (Array.isArray(spec.ports)) {
        for (const p of spec.ports) {
          if (!isObject(p)) continue;
          p.protocol ??= 'TCP';
          p.targetPort ??= p.port ?? null;
        }
      }
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        spec.clusterIP = ctx.old ? (obj(ctx.old.spec).clusterIP ?? ctx.allocateClusterIP()) : ctx.allocateClusterIP();
      }
      if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') spec.clusterIPs ??= [spec.clusterIP];
      o.status = ctx.old ? (ctx.old.status ?? { loadBalancer: {} }) : { loadBalancer: {} };
      break;
    }
    case 'secrets': {
      o.type ??= 'Opaque';
      // stringData is write-only: merged into data (base64) and never stored.
      if (isObject(o.stringData)) {
        const data = (o.data = obj(o.data));
        for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(text(v), 'utf8').toString('base64');
      }
      delete o.stringData;
      // The token controller fills legacy token secrets; done inline here so that tests can
      // check that boundwatch never passes the token on.
      if (o.type === 'kubernetes.io/service-account-token' && !ctx.old) {
        const data = (o.data = obj(o.data));
        const ns = text(meta.namespace ?? '');
        const sa = ctx.lookup('serviceaccounts', ns, text(obj(meta.annotations)['kubernetes.io/service-account.name'] ?? ''));
        if (sa && data.token === undefined) {
          meta.annotations = { ...obj(meta.annotations), 'kubernetes.io/service-account.uid': text(obj(sa.metadata).uid ?? '') };
          data.token = Buffer.from(`eyJhbGciOiJSUzI1NiJ9.test-token-${randomBytes(12).toString('hex')}`).toString('base64');
          data['ca.crt'] = Buffer.from('-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n').toString('base64');
          data.namespace = Buffer.from(ns).toString('base64');
        }
      }
      break;
    }
    case 'networkpolicies': {
      const spec = (o.spec = obj(o.spec));
      // podSelector has no omitempty in the v1 type: it always reads back, at least as {}.
      if (!isObject(spec.podSelector)) spec.podSelector = {};
      const egress = Array.isArray(spec.egress) ? spec.egress : [];
      const policyTypes = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : undefined;
      spec.policyTypes = defaultPolicyTypes(policyTypes, egress.length);
      for (const rule of [...(Array.isArray(spec.ingress) ? spec.ingress : []), ...egress]) if (isObject(rule)) defaultPorts(rule.ports);
      break;
    }
    default:
      break;
  }
}

/** ValidateObjectMeta (+ update rules) and the type-specific checks kube-apiserver runs. */
export function validate(def: ResourceDef, o: JsonObject, ctx: WriteContext): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj(o.metadata);
  const name = meta.name;
  if (typeof name !== 'string' || name === '') errs.push(fieldError.required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameErrors(def.resource, name)) errs.push(fieldError.invalid('metadata.name', name, msg));
  if (def.namespaced) {
    const ns = meta.namespace;
    if (typeof ns !== 'string' || ns === '') errs.push(fieldError.required('metadata.namespace', ''));
    else for (const msg of nameErrors('namespaces', ns)) errs.push(fieldError.invalid('metadata.namespace', ns, msg));
  } else if (meta.namespace) {
    errs.push(fieldError.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (meta.labels !== undefined && !isObject(meta.labels)) errs.push(fieldError.invalid('metadata.labels', meta.labels, 'must be a map of strings'));
  else errs.push(...validateLabels(obj(meta.labels)));
  errs.push(...validateAnnotations(obj(meta.annotations)));

  const old = ctx.old;
  if (old) {
    const oldMeta = obj(old.metadata);
    if (meta.uid !== undefined && meta.uid !== oldMeta.uid) errs.push(fieldError.invalid('metadata.uid', meta.uid, 'field is immutable'));
  }

  switch (def.resource) {
    case 'pods': {
      const spec = obj(o.spec);
      if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(fieldError.required('spec.containers', ''));
      if (old && !podSpecUpdateAllowed(obj(old.spec), spec)) {
        errs.push(
          fieldError.forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          ),
        );
      }
      break;
    }
    case 'secrets': {
      const data = obj(o.data);
      for (const [k, v] of Object.entries(data)) {
        if (!/^[-._a-zA-Z0-9]+$/.test(k)) errs.push(fieldError.invalid(`data[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) errs.push(fieldError.invalid(`data[${k}]`, '<secret data>', 'must be base64-encoded'));
      }
      if (o.type === 'kubernetes.io/service-account-token') {
        const saName = obj(meta.annotations)['kubernetes.io/service-account.name'];
        if (typeof saName !== 'string' || saName === '') errs.push(fieldError.required('metadata.annotations[kubernetes.io/service-account.name]', ''));
      }
      if (old && old.type !== undefined && o.type !== old.type) errs.push(fieldError.invalid('type', o.type, 'field is immutable'));
      break;
    }
    case 'networkpolicies': {
      if (ctx.validateNetworkPolicy) {
        const result = ctx.validateNetworkPolicy(o, old ? { old } : {});
        if (result.malformed) throw malformed(def, result.errors);
        // The shared validator checks metadata too; keep one copy of each error.
        const seen = new Set(errs.map((e) => e.message));
        for (const e of result.errors) if (!seen.has(e.message)) errs.push(e);
      }
      break;
    }
    case 'clusternetworkpolicies': {
      // A CRD: the API server checks the CRD's OpenAPI schema (the shared validator transcribes it).
      const result = validateClusterNetworkPolicy(o);
      if (result.malformed) throw malformed(def, result.errors);
      const seen = new Set(errs.map((e) => e.message));
      for (const e of result.errors) if (!seen.has(e.message)) errs.push(e);
      break;
    }
    default:
      break;
  }
  return errs;
}

/** A body that does not decode into the Go type: kube-apiserver's 400. */
function malformed(def: ResourceDef, errs: FieldError[]): Error {
  return badRequest(`${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: ${errs.map((e) => e.message).join('; ')}`);
}

/** The fields of a pod spec that ValidatePodUpdate lets change. */
function podSpecUpdateAllowed(oldSpec: JsonObject, newSpec: JsonObject): boolean {
  const normalize = (spec: JsonObject): JsonObject => {
    const c = JSON.parse(JSON.stringify(spec)) as JsonObject;
    for (const key of ['containers', 'initContainers']) {
      const list = c[key];
      if (Array.isArray(list)) for (const ctr of list) if (isObject(ctr)) delete ctr.image;
    }
    delete c.activeDeadlineSeconds;
    delete c.tolerations;
    delete c.terminationGracePeriodSeconds;
    return c;
  };
  return deepEqual(normalize(oldSpec), normalize(newSpec));
}

/** Whether a write changes what `metadata.generation` counts: anything but metadata and status. */
export function specChanged(old: JsonObject, next: JsonObject): boolean {
  const strip = (o: JsonObject): JsonObject => {
    const c = { ...o };
    delete c.metadata;
    delete c.status;
    return c;
  };
  return !deepEqual(strip(old), strip(next));
}
