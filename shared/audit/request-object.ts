/**
 * Read-only views of `requestObject`, the body EKS logs at Request level for writes. Detection
 * looks at shapes (flags, paths, names of keys and roles), never returns body values to put in
 * evidence. Every accessor is total: a missing or odd body yields "nothing", never a throw.
 */
import type { AuditEvent } from './event';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function body(event: AuditEvent): Obj | undefined {
  return isObj(event.requestObject) ? event.requestObject : undefined;
}

export interface ContainerView {
  image?: string;
  privileged: boolean;
  runAsRoot: boolean;
  addedCapabilities: string[];
  /** Volume names mounted read-write. */
  writableMounts: Set<string>;
  /** Volume names mounted at all. */
  mounts: Set<string>;
}

export interface PodSpecView {
  containers: ContainerView[];
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  /** hostPath volumes: volume name → path. */
  hostPaths: Map<string, string>;
}

/** Workload kinds whose body carries a pod template, and where. */
const TEMPLATE_PATHS: Record<string, string[][]> = {
  pods: [['spec']],
  deployments: [['spec', 'template', 'spec']],
  daemonsets: [['spec', 'template', 'spec']],
  statefulsets: [['spec', 'template', 'spec']],
  replicasets: [['spec', 'template', 'spec']],
  replicationcontrollers: [['spec', 'template', 'spec']],
  jobs: [['spec', 'template', 'spec']],
  cronjobs: [['spec', 'jobTemplate', 'spec', 'template', 'spec']],
};

export function carriesPodSpec(resource: string): boolean {
  return resource in TEMPLATE_PATHS;
}

function dig(o: Obj, path: string[]): Obj | undefined {
  let cur: unknown = o;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return isObj(cur) ? cur : undefined;
}

function containerView(c: Obj, podRunAsRoot: boolean): ContainerView {
  const sc = isObj(c.securityContext) ? c.securityContext : {};
  const caps = isObj(sc.capabilities) ? arr(sc.capabilities.add).map(String) : [];
  const mounts = new Set<string>();
  const writable = new Set<string>();
  for (const m of arr(c.volumeMounts)) {
    if (!isObj(m)) continue;
    const name = str(m.name);
    if (!name) continue;
    mounts.add(name);
    if (m.readOnly !== true) writable.add(name);
  }
  const runAsRoot = sc.runAsUser === 0 || sc.runAsNonRoot === false || (podRunAsRoot && sc.runAsNonRoot !== true && sc.runAsUser === undefined);
  const image = str(c.image);
  return { ...(image !== undefined ? { image } : {}), privileged: sc.privileged === true, runAsRoot, addedCapabilities: caps.map((x) => x.toUpperCase()), writableMounts: writable, mounts };
}

/** The pod spec a create/update of a pod or workload carries, if the body is there. */
export function podSpecOf(event: AuditEvent): PodSpecView | undefined {
  const b = body(event);
  const resource = event.objectRef?.resource;
  if (!b || !resource || event.objectRef?.subresource) return undefined;
  const paths = TEMPLATE_PATHS[resource];
  if (!paths) return undefined;
  for (const path of paths) {
    const spec = dig(b, path);
    if (!spec) continue;
    const psc = isObj(spec.securityContext) ? spec.securityContext : {};
    const podRunAsRoot = psc.runAsUser === 0 || psc.runAsNonRoot === false;
    const containers = [...arr(spec.containers), ...arr(spec.initContainers), ...arr(spec.ephemeralContainers)]
      .filter(isObj)
      .map((c) => containerView(c, podRunAsRoot));
    const hostPaths = new Map<string, string>();
    for (const v of arr(spec.volumes)) {
      if (isObj(v) && isObj(v.hostPath)) {
        const p = str(v.hostPath.path);
        if (p !== undefined) hostPaths.set(str(v.name) ?? '', p);
      }
    }
    return { containers, hostNetwork: spec.hostNetwork === true, hostPID: spec.hostPID === true, hostIPC: spec.hostIPC === true, hostPaths };
  }
  return undefined;
}

/** Image repository without tag or digest: `nginx:1.25` → `nginx`, `r.io/a/b@sha256:..` → `r.io/a/b`. */
export function imageRepo(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

export interface PolicyRuleView {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  nonResourceURLs: string[];
}

/** `rules` of a Role/ClusterRole body. */
export function roleRulesOf(event: AuditEvent): PolicyRuleView[] {
  const b = body(event);
  if (!b) return [];
  return arr(b.rules)
    .filter(isObj)
    .map((r) => ({
      apiGroups: arr(r.apiGroups).map(String),
      resources: arr(r.resources).map(String),
      verbs: arr(r.verbs).map(String),
      nonResourceURLs: arr(r.nonResourceURLs).map(String),
    }));
}

export interface SubjectView {
  kind: string;
  name: string;
  namespace?: string;
}

/** `roleRef` and `subjects` of a RoleBinding/ClusterRoleBinding body. */
export function bindingOf(event: AuditEvent): { roleRef?: { kind: string; name: string }; subjects: SubjectView[] } {
  const b = body(event);
  if (!b) return { subjects: [] };
  const rr = isObj(b.roleRef) ? { kind: str(b.roleRef.kind) ?? '', name: str(b.roleRef.name) ?? '' } : undefined;
  const subjects = arr(b.subjects)
    .filter(isObj)
    .map((s): SubjectView => {
      const namespace = str(s.namespace);
      return { kind: str(s.kind) ?? '', name: str(s.name) ?? '', ...(namespace ? { namespace } : {}) };
    });
  return { ...(rr ? { roleRef: rr } : {}), subjects };
}

export function serviceTypeOf(event: AuditEvent): string | undefined {
  const spec = body(event)?.spec;
  return isObj(spec) ? str(spec.type) : undefined;
}

/** Names and labels that identify a Service, for recognising well-known dashboards. */
export function serviceIdentity(event: AuditEvent): string[] {
  const b = body(event);
  const out: string[] = [];
  if (event.objectRef?.name) out.push(event.objectRef.name);
  if (event.objectRef?.namespace) out.push(event.objectRef.namespace);
  const meta = b && isObj(b.metadata) ? b.metadata : undefined;
  if (meta && isObj(meta.labels)) out.push(...Object.values(meta.labels).map(String));
  const spec = b && isObj(b.spec) ? b.spec : undefined;
  if (spec && isObj(spec.selector)) out.push(...Object.values(spec.selector).map(String));
  return out.map((s) => s.toLowerCase());
}

/** Whether an Ingress body declares TLS. */
export function ingressHasTls(event: AuditEvent): boolean {
  const spec = body(event)?.spec;
  return isObj(spec) && arr(spec.tls).length > 0;
}

/**
 * Whether any key or value of a ConfigMap's data matches one of the patterns. Values are only
 * tested, never returned.
 */
export function configMapMentions(event: AuditEvent, patterns: RegExp): boolean {
  const b = body(event);
  if (!b) return false;
  for (const field of ['data', 'binaryData'] as const) {
    const data = b[field];
    if (!isObj(data)) continue;
    for (const [k, v] of Object.entries(data)) {
      if (patterns.test(k) || (typeof v === 'string' && patterns.test(v))) return true;
    }
  }
  return false;
}

/**
 * The command of a `pods/exec` request: from the body (EKS logs the PodExecOptions at Request
 * level) or from the `command=` query parameters of the request URI.
 */
export function execCommand(event: AuditEvent): string[] {
  const fromBody = body(event)?.command;
  if (Array.isArray(fromBody)) return fromBody.map(String);
  const uri = event.requestURI ?? '';
  const q = uri.indexOf('?');
  if (q < 0) return [];
  const out: string[] = [];
  for (const part of uri.slice(q + 1).split('&')) {
    if (!part.startsWith('command=')) continue;
    try {
      out.push(decodeURIComponent(part.slice('command='.length).replace(/\+/g, ' ')));
    } catch {
      out.push(part.slice('command='.length));
    }
  }
  return out;
}

/** `spec.signerName` and `spec.usages` of a CertificateSigningRequest body. */
export function csrOf(event: AuditEvent): { signerName?: string; usages: string[] } {
  const spec = body(event)?.spec;
  if (!isObj(spec)) return { usages: [] };
  const signerName = str(spec.signerName);
  return { ...(signerName !== undefined ? { signerName } : {}), usages: arr(spec.usages).map(String) };
}

/** Nodes a body walk visits at most: bodies are the client's to write (a flat key count bounds the work). */
const MAX_WALK_NODES = 100_000;

/**
 * Whether a patch/update body mentions `field` anywhere, in a key or a string value (patches
 * carry only what changes). Iterative, with an explicit stack: a client can nest a body
 * thousands of levels deep, which a recursive JSON.stringify turns into a stack overflow.
 */
export function bodyMentions(event: AuditEvent, field: RegExp): boolean {
  const b = event.requestObject;
  if (b === undefined || b === null) return false;
  const stack: unknown[] = [b];
  for (let visited = 0; stack.length > 0 && visited < MAX_WALK_NODES; visited++) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (field.test(v)) return true;
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (isObj(v)) {
      for (const k in v) {
        if (field.test(k)) return true;
        stack.push(v[k]);
      }
    }
  }
  return false;
}
