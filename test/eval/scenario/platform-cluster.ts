/**
 * The second evaluation cluster: a busier platform than the shop cluster, written to exercise
 * what that one does not. Karpenter replaces nodes all day (consolidation, spot, drift on the
 * upgrade day); Flux deploys everything, applying with server-side apply and impersonating each
 * tenant's service account; an Istio mesh; cert-manager and External Secrets; Prometheus
 * scraping every kubelet through the API server's node proxy; a fleet of CronJobs; nightly Spark
 * jobs whose driver creates and deletes its executors; four people on SSO roles; a CI role that
 * runs integration tests; and a minor-version upgrade day. Flux, cert-manager, Istio and
 * Karpenter are installed on the first day, while boundwatch watches.
 *
 * The tenants' applications and the EKS add-ons are the shop cluster's (cluster-model.ts); the
 * rest is here. Rates are per hour, machine traffic scaled by `scale` as in the shop cluster.
 */
import { pick } from '#infra/local/scenario/random';
import { podBody, roleUser, saUser, workloadBody, type Actor, type RequestSpec } from './audit-builder';
import {
  DAY,
  HOUR,
  MIN,
  World,
  appWorkloads,
  controlPlaneHour,
  controller,
  cp,
  informers,
  kubeletHour,
  leaderLease,
  localWeekday,
  nodeJoins,
  platformWorkloads,
  podStarts,
  podStops,
  session,
  watches,
  workloadsHour,
  hourly,
  type Emitted,
  type Scheduled,
  type NodeState,
  type Person,
  type PodState,
  type WorkloadDef,
} from './cluster-model';
import type { ScenarioInfo, ScenarioOptions, ScenarioStream } from './scenario';
import { PLATFORM_LOOKALIKES, PLATFORM_TECHNIQUES, type PlatformContext } from './platform-events';
import { techniqueTime } from './techniques';

const crb = (binding: string, role: string, ns: string, sa: string) => `RBAC: allowed by ClusterRoleBinding "${binding}" of ClusterRole "${role}" to ServiceAccount "${sa}/${ns}"`;

/** Tenants Flux reconciles, each as its own service account (multi-tenancy lockdown). */
export const TENANTS = ['shop', 'orders', 'payments', 'data', 'ml'];
export const TENANT_SA = 'flux-reconciler';

export const tenantUser = (ns: string) => saUser(ns, TENANT_SA);

const ADDONS_REUSED = new Set(['aws-node', 'kube-proxy', 'ebs-csi-node', 'node-exporter', 'fluent-bit', 'coredns', 'ebs-csi-controller', 'aws-load-balancer-controller', 'metrics-server', 'prometheus', 'kube-state-metrics', 'external-secrets']);

const CERTS = Array.from({ length: 40 }, (_, i) => [TENANTS[i % TENANTS.length]!, `tls-${['api', 'web', 'grpc', 'admin', 'metrics', 'hooks', 'edge', 'internal'][i % 8]}-${i}`] as const);

export const KARPENTER: WorkloadDef = {
  ns: 'karpenter', name: 'karpenter', sa: 'karpenter', kind: 'Deployment', replicas: 2,
  image: 'public.ecr.aws/karpenter/controller:1.0.6', ua: 'karpenter/v1.0.6 (linux/amd64) kubernetes/$Format',
  reason: crb('karpenter-core', 'karpenter-core', 'karpenter', 'karpenter'),
  startup: (w, pod, t) => informers(w, pod, t, [['nodes', undefined], ['pods', undefined], ['nodeclaims', undefined], ['nodepools', undefined], ['persistentvolumeclaims', undefined]]),
  api: (w, pod, t0) => {
    leaderLease(w, pod, t0, 'karpenter', 'karpenter-leader-election', 360);
    const a = w.podActor(pod, t0);
    if (w.livePods(t0, pod.def)[0] !== pod) return;
    watches(w, a, t0, [['nodes', undefined], ['pods', undefined], ['nodeclaims', undefined]], 6);
    for (const t of w.times(t0, 60)) w.emit(t, a, { verb: 'get', resource: 'nodes', name: pick(w.rand, w.liveNodes(t0)).name });
    for (const t of w.times(t0, 12)) w.emit(t, a, { verb: 'patch', resource: 'nodeclaims', name: `default-${w.suffix(5)}`, sub: 'status' });
  },
};

const fluxDef = (name: string, extra: Partial<WorkloadDef>): WorkloadDef => ({
  ns: 'flux-system', name, sa: name, kind: 'Deployment', replicas: 1,
  image: `ghcr.io/fluxcd/${name}:v1.4.1`, ua: `flux-${name}/v1.4.1 (linux/amd64) kubernetes/$Format`,
  reason: crb('cluster-reconciler-flux-system', 'cluster-admin', 'flux-system', name),
  ...extra,
});

export const SOURCE_CONTROLLER = fluxDef('source-controller', {
  startup: (w, pod, t) => informers(w, pod, t, [['gitrepositories', undefined], ['secrets', 'flux-system']]),
  api: (w, pod, t0) => {
    leaderLease(w, pod, t0, 'flux-system', 'source-controller-leader-election', 360);
    const a = w.podActor(pod, t0);
    for (const t of w.times(t0, 60)) {
      w.emit(t, a, { verb: 'get', resource: 'secrets', ns: 'flux-system', name: 'flux-system' });
      w.emit(t + 900, a, { verb: 'patch', resource: 'gitrepositories', ns: 'flux-system', name: 'flux-system', sub: 'status' });
    }
  },
});

/** One reconciliation of a tenant: server-side apply as the tenant's service account (a dry run, then changed objects only). */
function reconcileTenant(w: World, a: Actor, ns: string, t: number, changed: boolean): void {
  const as = tenantUser(ns);
  w.emit(t, a, { verb: 'get', resource: 'kustomizations', ns: 'flux-system', name: ns });
  for (const r of ['deployments', 'services', 'configmaps']) w.emit(t + 200, a, { verb: 'patch', resource: r, ns, name: `${ns}-app`, query: 'dryRun=All&fieldManager=kustomize-controller', impersonate: as });
  if (changed) w.emit(t + 600, a, { verb: 'patch', resource: 'deployments', ns, name: `${ns}-app`, query: 'fieldManager=kustomize-controller', impersonate: as, body: { kind: 'Deployment', metadata: { name: `${ns}-app` } } });
  w.emit(t + 900, a, { verb: 'patch', resource: 'kustomizations', ns: 'flux-system', name: ns, sub: 'status' });
}

export const KUSTOMIZE_CONTROLLER = fluxDef('kustomize-controller', {
  startup: (w, pod, t) => informers(w, pod, t, [['kustomizations', undefined], ['gitrepositories', undefined]]),
  api: (w, pod, t0) => {
    leaderLease(w, pod, t0, 'flux-system', 'kustomize-controller-leader-election', 360);
    const a = w.podActor(pod, t0);
    // Every tenant every ten minutes (machine traffic: scaled).
    for (const ns of (w as PlatformWorld).tenants) for (const t of w.times(t0, 6)) reconcileTenant(w, a, ns, t, w.rand() < 0.05);
  },
});

export const HELM_CONTROLLER = fluxDef('helm-controller', {
  // Helm keeps release state in secrets; the controller's informer watches them cluster-wide.
  startup: (w, pod, t) => informers(w, pod, t, [['helmreleases', undefined], ['secrets', undefined]]),
  api: (w, pod, t0) => {
    leaderLease(w, pod, t0, 'flux-system', 'helm-controller-leader-election', 360);
    const a = w.podActor(pod, t0);
    for (const [ns, rel] of [['cert-manager', 'cert-manager'], ['istio-system', 'istiod'], ['karpenter', 'karpenter'], ['spark', 'spark-operator']] as const) {
      for (const t of w.times(t0, 4)) {
        w.emit(t, a, { verb: 'list', resource: 'secrets', ns, query: `labelSelector=name%3D${rel}%2Cowner%3Dhelm` });
        w.emit(t + 300, a, { verb: 'patch', resource: 'helmreleases', ns: 'flux-system', name: rel, sub: 'status' });
      }
    }
  },
});

export const CERT_MANAGER: WorkloadDef = {
  ns: 'cert-manager', name: 'cert-manager', sa: 'cert-manager', kind: 'Deployment', replicas: 1,
  image: 'quay.io/jetstack/cert-manager-controller:v1.15.3', ua: 'cert-manager-certificates-issuing/v1.15.3 (linux/amd64) cert-manager/6e7f1f8',
  reason: crb('cert-manager-controller-certificates', 'cert-manager-controller-certificates', 'cert-manager', 'cert-manager'),
  // Its secrets informer is cluster-wide: every certificate's key pair lives in its own namespace.
  startup: (w, pod, t) => informers(w, pod, t, [['certificates', undefined], ['certificaterequests', undefined], ['orders', undefined], ['challenges', undefined], ['secrets', undefined], ['ingresses', undefined]]),
  api: (w, pod, t0) => {
    leaderLease(w, pod, t0, 'kube-system', 'cert-manager-controller', 360);
    const a = w.podActor(pod, t0);
    watches(w, a, t0, [['certificates', undefined], ['secrets', undefined]], 4);
    for (const t of w.times(t0, 20)) {
      const [ns, name] = pick(w.rand, CERTS);
      w.emit(t, a, { verb: 'get', resource: 'certificates', ns, name });
      w.emit(t + 50, a, { verb: 'get', resource: 'secrets', ns, name });
    }
  },
};

export const CAINJECTOR: WorkloadDef = {
  ns: 'cert-manager', name: 'cert-manager-cainjector', sa: 'cert-manager-cainjector', kind: 'Deployment', replicas: 1,
  image: 'quay.io/jetstack/cert-manager-cainjector:v1.15.3', ua: 'cainjector/v1.15.3 (linux/amd64) cert-manager/6e7f1f8',
  reason: crb('cert-manager-cainjector', 'cert-manager-cainjector', 'cert-manager', 'cert-manager-cainjector'),
  startup: (w, pod, t) => {
    informers(w, pod, t, [['mutatingwebhookconfigurations', undefined], ['validatingwebhookconfigurations', undefined], ['customresourcedefinitions', undefined]]);
    const a = w.podActor(pod, t);
    w.emit(t + 2000, a, { verb: 'patch', resource: 'validatingwebhookconfigurations', name: 'cert-manager-webhook', body: { webhooks: [{ name: 'webhook.cert-manager.io', clientConfig: { caBundle: 'LS0tLS1CRUdJTi...' } }] } });
    w.emit(t + 2100, a, { verb: 'patch', resource: 'mutatingwebhookconfigurations', name: 'cert-manager-webhook', body: { webhooks: [{ name: 'webhook.cert-manager.io', clientConfig: { caBundle: 'LS0tLS1CRUdJTi...' } }] } });
  },
  api: (w, pod, t0) => leaderLease(w, pod, t0, 'kube-system', 'cert-manager-cainjector-leader-election', 360),
};

export const ISTIOD: WorkloadDef = {
  ns: 'istio-system', name: 'istiod', sa: 'istiod', kind: 'Deployment', replicas: 2,
  image: 'docker.io/istio/pilot:1.23.2', ua: 'pilot-discovery/1.23.2',
  reason: crb('istiod-clusterrole-istio-system', 'istiod-clusterrole-istio-system', 'istio-system', 'istiod'),
  startup: (w, pod, t) => {
    informers(w, pod, t, [['pods', undefined], ['services', undefined], ['endpointslices', undefined], ['namespaces', undefined], ['configmaps', undefined], ['virtualservices', undefined], ['destinationrules', undefined]]);
    // On every start it writes its current CA into its own webhooks, and nothing else.
    const a = w.podActor(pod, t);
    w.emit(t + 3000, a, { verb: 'patch', resource: 'mutatingwebhookconfigurations', name: 'istio-sidecar-injector', body: { webhooks: ['namespace.sidecar-injector.istio.io', 'object.sidecar-injector.istio.io'].map((name) => ({ name, clientConfig: { caBundle: 'LS0tLS1CRUdJTi...' } })) } });
    w.emit(t + 3100, a, { verb: 'patch', resource: 'validatingwebhookconfigurations', name: 'istio-validator-istio-system', body: { webhooks: [{ name: 'rev.validation.istio.io', clientConfig: { caBundle: 'LS0tLS1CRUdJTi...' } }] } });
  },
  api: (w, pod, t0) => {
    leaderLease(w, pod, t0, 'istio-system', 'istio-leader', 360);
    const a = w.podActor(pod, t0);
    watches(w, a, t0, [['pods', undefined], ['services', undefined], ['endpointslices', undefined], ['configmaps', undefined]], 6);
    for (const t of w.times(t0, 10)) w.emit(t, a, { verb: 'update', resource: 'configmaps', ns: pick(w.rand, TENANTS), name: 'istio-ca-root-cert' });
  },
};

export const SPARK_OPERATOR: WorkloadDef = {
  ns: 'spark', name: 'spark-operator', sa: 'spark-operator', kind: 'Deployment', replicas: 1,
  image: 'docker.io/kubeflow/spark-operator:2.0.2', ua: 'spark-operator/v2.0.2 (linux/amd64) kubernetes/$Format',
  reason: crb('spark-operator', 'spark-operator', 'spark', 'spark-operator'),
  startup: (w, pod, t) => informers(w, pod, t, [['sparkapplications', undefined], ['pods', undefined]]),
  api: (w, pod, t0) => {
    leaderLease(w, pod, t0, 'spark', 'spark-operator-lock', 360);
    watches(w, w.podActor(pod, t0), t0, [['sparkapplications', undefined], ['pods', 'ml']], 6);
  },
};

const SPARK_DRIVER: WorkloadDef = { ns: 'ml', name: 'features-driver', sa: 'spark-driver', kind: 'Deployment', replicas: 0, image: 'docker.io/apache/spark:3.5.3', ua: 'spark/3.5.3 (linux/amd64) kubernetes/$Format' };

/** A fleet of CronJobs across the tenants: small jobs every hour or every quarter of an hour. */
const CRONJOBS: Array<{ def: WorkloadDef; perHour: number; work: RequestSpec[] }> = [
  { def: { ns: 'shop', name: 'cache-warmer', sa: 'cache-warmer', kind: 'Deployment', replicas: 0, image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/cache-warmer:1.2.0', ua: 'cache-warmer/v1.2.0' }, perHour: 4, work: [{ verb: 'get', resource: 'configmaps', ns: 'shop', name: 'cache-warmer' }] },
  { def: { ns: 'orders', name: 'invoice-export', sa: 'invoice-export', kind: 'Deployment', replicas: 0, image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/orders/invoice-export:3.0.1', ua: 'invoice-export/v3.0.1' }, perHour: 1, work: [{ verb: 'get', resource: 'secrets', ns: 'orders', name: 'orders-queue' }] },
  { def: { ns: 'ml', name: 'feature-refresh', sa: 'feature-refresh', kind: 'Deployment', replicas: 0, image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/ml/features:0.8.4', ua: 'feature-refresh/v0.8.4' }, perHour: 1, work: [{ verb: 'get', resource: 'configmaps', ns: 'ml', name: 'features' }] },
  { def: { ns: 'data', name: 'vacuum', sa: 'vacuum', kind: 'Deployment', replicas: 0, image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/data/vacuum:1.0.3', ua: 'vacuum/v1.0.3' }, perHour: 1, work: [{ verb: 'get', resource: 'secrets', ns: 'data', name: 'postgres.orders-db.credentials' }] },
  { def: { ns: 'payments', name: 'settlement', sa: 'settlement', kind: 'Deployment', replicas: 0, image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/payments/settlement:2.2.0', ua: 'settlement/v2.2.0' }, perHour: 2, work: [{ verb: 'get', resource: 'secrets', ns: 'payments', name: 'psp-credentials' }, { verb: 'create', resource: 'events', ns: 'payments' }] },
];

function cronRun(w: World, def: WorkloadDef, t: number, work: RequestSpec[]): void {
  const job = `${def.name}-${Math.floor(t / MIN)}`;
  w.emit(t, controller('cronjob-controller'), { verb: 'create', resource: 'jobs', ns: def.ns, name: job, body: workloadBody('Job', def.ns, job, { serviceAccountName: def.sa, containers: [{ name: def.name, image: def.image }] }) });
  w.emit(t + 300, controller('cronjob-controller'), { verb: 'update', resource: 'cronjobs', ns: def.ns, name: def.name, sub: 'status' });
  const node = pick(w.rand, w.liveNodes(t));
  const pod = podStarts(w, { ...def, kind: 'Deployment' }, t + 800, node, job.slice(-9));
  const a = w.podActor(pod, t + 15_000);
  work.forEach((spec, i) => w.emit(t + 15_000 + i * 500, a, spec));
  podStops(w, pod, t + 2 * MIN, controller('job-controller'));
  w.emit(t + 32 * MIN, controller('ttl-after-finished-controller'), { verb: 'delete', resource: 'jobs', ns: def.ns, name: job });
}

/** A nightly Spark application: the operator starts the driver; the driver creates, watches and deletes its executors. */
function sparkRun(w: World, t: number): void {
  const app = `features-${Math.floor(t / DAY)}`;
  const operator = w.livePods(t, SPARK_OPERATOR)[0];
  if (!operator) return;
  const op = w.podActor(operator, t);
  w.emit(t, op, { verb: 'create', resource: 'pods', ns: 'ml', name: `${app}-driver`, body: podBody('ml', '', { serviceAccountName: 'spark-driver', containers: [{ name: 'spark-kubernetes-driver', image: SPARK_DRIVER.image }] }) });
  w.emit(t + 200, op, { verb: 'create', resource: 'services', ns: 'ml', name: `${app}-driver-svc`, body: { kind: 'Service', metadata: { name: `${app}-driver-svc` }, spec: { type: 'ClusterIP' } } });
  const driverPod = w.startPod(SPARK_DRIVER, t + 1000, pick(w.rand, w.liveNodes(t)), '', `${app}-driver`);
  const d = w.podActor(driverPod, t + 10_000);
  const executors = 6 + Math.floor(w.rand() * 10);
  let at = t + 10_000;
  for (let i = 1; i <= executors; i++) {
    w.emit((at += 300), d, { verb: 'create', resource: 'pods', ns: 'ml', name: `${app}-exec-${i}`, body: podBody('ml', '', { serviceAccountName: 'spark-driver', containers: [{ name: 'spark-kubernetes-executor', image: SPARK_DRIVER.image }] }) });
  }
  w.emit(at + 100, d, { verb: 'watch', resource: 'pods', ns: 'ml' });
  for (let i = 0; i < 20; i++) w.emit(at + 60_000 * (i + 1), d, { verb: 'list', resource: 'pods', ns: 'ml', query: `labelSelector=spark-app-selector%3D${app}` });
  at += 25 * MIN;
  for (let i = 1; i <= executors; i++) w.emit((at += 200), d, { verb: 'delete', resource: 'pods', ns: 'ml', name: `${app}-exec-${i}` });
  w.emit(at + 5000, op, { verb: 'patch', resource: 'sparkapplications', ns: 'ml', name: app, sub: 'status' });
  w.emit(at + 8000, op, { verb: 'delete', resource: 'pods', ns: 'ml', name: `${app}-driver` });
  driverPod.ended = at + 8000;
}

/** The CI role runs integration tests in its own namespace: a Job, its logs, then clean-up. */
export function ciTestRun(w: World, t: number): void {
  const run = 7_000_000 + Math.floor(w.rand() * 999_999);
  const ci: Actor = {
    user: roleUser('gitlab-ci-runner', `gitlab-ci-${run}`, `ASIAGLCI${run.toString(36).toUpperCase().padEnd(12, 'X').slice(0, 12)}`),
    ip: `10.30.${1 + Math.floor(w.rand() * 3)}.${10 + Math.floor(w.rand() * 200)}`,
    ua: 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9',
    reason: 'EKS Access Policy: allowed by RoleBinding "arn:aws:iam::111122223333:role/gitlab-ci-runner+arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"',
  };
  const job = `it-${run}`;
  w.emit(t, ci, { verb: 'create', resource: 'jobs', ns: 'ci', name: job, body: workloadBody('Job', 'ci', job, { containers: [{ name: 'it', image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/ci/integration:latest' }] }) });
  for (let i = 0; i < 8; i++) w.emit(t + 5000 + i * 15_000, ci, { verb: 'get', resource: 'jobs', ns: 'ci', name: job });
  w.emit(t + 130_000, ci, { verb: 'list', resource: 'pods', ns: 'ci', query: `labelSelector=job-name%3D${job}` });
  w.emit(t + 131_000, ci, { verb: 'get', resource: 'pods', ns: 'ci', name: `${job}-x`, sub: 'log' });
  w.emit(t + 133_000, ci, { verb: 'delete', resource: 'jobs', ns: 'ci', name: job });
}

export const PLATFORM_PEOPLE: Person[] = [
  { session: 'hank@example.com', role: 'developer', tz: 1, homeIp: '82.132.214.9', ua: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350', namespaces: ['shop', 'orders'] },
  { session: 'iris@example.com', role: 'developer', tz: -5, homeIp: '67.180.22.41', ua: 'k9s/v0.32.5 (darwin/arm64) kubernetes/$Format', namespaces: ['payments', 'data', 'ml'] },
  { session: 'jon@example.com', role: 'admin', tz: 1, homeIp: '109.150.8.77', ua: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350', namespaces: ['kube-system', 'monitoring', 'flux-system', 'istio-system'] },
  { session: 'kim@example.com', role: 'admin', tz: -8, homeIp: '73.231.90.15', ua: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350', namespaces: ['kube-system', 'karpenter', 'cert-manager', 'logging'] },
];

/** Service accounts of the platform's controllers: no HIGH on these while the cluster learns. */
export const PLATFORM_CONTROLLERS = [
  ...['source-controller', 'kustomize-controller', 'helm-controller'].map((n) => `system:serviceaccount:flux-system:${n}`),
  'system:serviceaccount:cert-manager:cert-manager',
  'system:serviceaccount:cert-manager:cert-manager-cainjector',
  'system:serviceaccount:istio-system:istiod',
  'system:serviceaccount:karpenter:karpenter',
  'system:serviceaccount:spark:spark-operator',
  'system:serviceaccount:external-secrets:external-secrets',
  'system:serviceaccount:monitoring:prometheus',
  'system:serviceaccount:monitoring:kube-state-metrics',
];

export class PlatformWorld extends World {
  tenants: string[] = [...TENANTS];
  kubeletVersion = 'v1.30.4-eks-a737599';
}

const karpenterActor = (w: World, t: number): Actor => {
  const pod = w.livePods(t, KARPENTER)[0];
  return pod ? w.podActor(pod, t) : controller('node-controller');
};

/**
 * Karpenter replaces a node: a new node claim and node first, then the old one is drained (its
 * pods evicted and re-created elsewhere by their controllers; a StatefulSet pod keeps its name
 * with a new UID and address) and deleted.
 */
export function replaceNode(w: PlatformWorld, victim: NodeState, t: number): NodeState {
  const k = karpenterActor(w, t);
  w.emit(t, k, { verb: 'create', resource: 'nodeclaims', name: `default-${w.suffix(5)}`, body: { kind: 'NodeClaim', metadata: { generateName: 'default-' } } });
  const fresh = nodeJoins(w, t + 60_000, victim.az);
  fresh.actor = { ...fresh.actor, ua: `kubelet/${w.kubeletVersion} (linux/amd64) kubernetes/a737599` };
  let at = t + 120_000;
  w.emit(at, k, { verb: 'patch', resource: 'nodes', name: victim.name, body: { spec: { taints: [{ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }] } } });
  for (const pod of w.livePods(at)) {
    if (pod.node !== victim) continue;
    if (pod.def.kind === 'DaemonSet') {
      pod.ended = at + 90_000;
      continue;
    }
    w.emit((at += 500), k, { verb: 'create', resource: 'pods', ns: pod.def.ns, name: pod.name, sub: 'eviction' });
    const by = pod.def.kind === 'StatefulSet' ? controller('statefulset-controller') : controller('replicaset-controller');
    podStops(w, pod, at + 500, by);
    const targets = w.liveNodes(at).filter((n) => n !== victim);
    podStarts(w, pod.def, at + (pod.def.kind === 'StatefulSet' ? 35_000 : 3000), pod.def.kind === 'StatefulSet' ? fresh : pick(w.rand, targets), pod.rs, pod.def.kind === 'StatefulSet' ? pod.name : undefined);
  }
  victim.left = at + 120_000;
  w.emit(at + 100_000, k, { verb: 'delete', resource: 'nodes', name: victim.name });
  w.emit(at + 101_000, k, { verb: 'delete', resource: 'nodeclaims', name: `default-${w.suffix(5)}` });
  return fresh;
}

function install(w: PlatformWorld, t: number, defs: WorkloadDef[], by: Actor): void {
  let at = t;
  for (const def of defs) {
    w.emit((at += 1000), by, { verb: 'patch', resource: 'deployments', ns: def.ns, name: def.name, code: 201, query: 'fieldManager=helm-controller', body: workloadBody('Deployment', def.ns, def.name, { serviceAccountName: def.sa, containers: [{ name: def.name, image: def.image }] }, def.replicas) });
    w.emit(at + 500, controller('deployment-controller'), { verb: 'create', resource: 'replicasets', ns: def.ns, body: workloadBody('ReplicaSet', def.ns, `${def.name}-x`, { serviceAccountName: def.sa, containers: [{ name: def.name, image: def.image }] }) });
    w.workloads.push(def);
    const rs = w.suffix(9);
    for (let i = 0; i < def.replicas; i++) podStarts(w, def, at + 2000 + i * 700, pick(w.rand, w.liveNodes(at)), rs);
  }
}

export const PLATFORM_STACK = [CERT_MANAGER, CAINJECTOR, ISTIOD, KARPENTER, SPARK_OPERATOR];

function plan(w: PlatformWorld, start: number, days: number, at: (t: number, fn: () => void) => void): void {
  // Day 0: a platform engineer bootstraps Flux; Flux installs the platform stack.
  const jon = PLATFORM_PEOPLE[2]!;
  at(start + 2 * HOUR, () => {
    const t = start + 2 * HOUR;
    const admin = { user: roleUser('AWSReservedSSO_PlatformAdmin_9f8e7d6c5b4a3210', jon.session, 'ASIAJONBOOTSTRAP0001'), ip: jon.homeIp, ua: jon.ua, reason: 'EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::111122223333:role/AWSReservedSSO_PlatformAdmin_9f8e7d6c5b4a3210+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"' };
    w.emit(t, admin, { verb: 'create', resource: 'namespaces', body: { kind: 'Namespace', metadata: { name: 'flux-system' } } });
    w.emit(t + 2000, admin, { verb: 'patch', resource: 'clusterrolebindings', code: 201, query: 'fieldManager=flux', body: { kind: 'ClusterRoleBinding', metadata: { name: 'cluster-reconciler-flux-system' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'kustomize-controller', namespace: 'flux-system' }, { kind: 'ServiceAccount', name: 'helm-controller', namespace: 'flux-system' }] } });
    install(w, t + 5000, [SOURCE_CONTROLLER, KUSTOMIZE_CONTROLLER, HELM_CONTROLLER], admin);
    const helm = () => w.podActor(w.livePods(t + HOUR, HELM_CONTROLLER)[0]!, t + HOUR);
    at(t + 20 * MIN, () => install(w, t + 20 * MIN, PLATFORM_STACK, helm()));
  });
  for (let d = 0; d < days; d++) {
    const day0 = start + d * DAY;
    const weekday = localWeekday(day0 + 12 * HOUR, 0);
    // People.
    for (const p of PLATFORM_PEOPLE) {
      for (const [from, to, prob] of [[9, 12.5, 0.6], [13.5, 18, 0.45]] as const) {
        const t = day0 + Math.floor((from - p.tz + w.rand() * (to - from)) * HOUR);
        if (localWeekday(t, p.tz) >= 5 || w.rand() >= prob) continue;
        at(t, () => session(w, p, t, w.rand() < 0.35, 4 + Math.floor(w.rand() * 14)));
      }
    }
    // CI integration tests on weekdays.
    if (weekday < 5) for (let i = 0; i < 4; i++) {
      const t = day0 + 8 * HOUR + Math.floor(w.rand() * 10 * HOUR);
      at(t, () => ciTestRun(w, t));
    }
    // The CronJob fleet (unscaled: each run is a handful of requests).
    for (const c of CRONJOBS) for (let h = 0; h < 24; h++) for (let k = 0; k < c.perHour; k++) {
      const t = day0 + h * HOUR + Math.floor((k * HOUR) / c.perHour) + 7 * MIN;
      at(t, () => cronRun(w, c.def, t, c.work));
    }
    // Nightly Spark.
    at(day0 + 1 * HOUR, () => sparkRun(w, day0 + 1 * HOUR));
    // Chart bumps (Renovate): Flux upgrades one release on weekdays, CRDs included.
    if (weekday < 5 && d > 0) {
      const t = day0 + 10 * HOUR + Math.floor(w.rand() * 4 * HOUR);
      at(t, () => chartBump(w, t));
    }
    // Karpenter consolidation: a few nodes replaced every day. After learning, it is look-new-but-benign.
    const churn = 3 + Math.floor(w.rand() * 3);
    for (let i = 0; i < churn; i++) {
      const t = day0 + Math.floor(((i + w.rand()) * DAY) / churn);
      const label = d >= 7 ? 'lookalike:karpenter-consolidation' : undefined;
      at(t, () => w.labelled(label, () => {
        const live = w.liveNodes(t).filter((n) => n.joined < t - HOUR);
        if (live.length > 3) replaceNode(w, pick(w.rand, live), t);
      }));
    }
  }
}

/** A chart upgrade by the helm-controller: server-side apply of the CRDs and the Deployment. */
export function chartBump(w: World, t: number): void {
  const pod = w.livePods(t, HELM_CONTROLLER)[0];
  if (!pod) return;
  const a = w.podActor(pod, t);
  const def = pick(w.rand, [CERT_MANAGER, SPARK_OPERATOR, KARPENTER]);
  for (const crd of ['certificates.cert-manager.io', 'nodepools.karpenter.sh', 'sparkapplications.sparkoperator.k8s.io']) w.emit((t += 400), a, { verb: 'patch', resource: 'customresourcedefinitions', name: crd, query: 'fieldManager=helm-controller' });
  w.emit(t + 1000, a, { verb: 'patch', resource: 'deployments', ns: def.ns, name: def.name, query: 'fieldManager=helm-controller', body: workloadBody('Deployment', def.ns, def.name, { serviceAccountName: def.sa, containers: [{ name: def.name, image: def.image }] }) });
  w.emit(t + 1500, a, { verb: 'update', resource: 'secrets', ns: def.ns, name: `sh.helm.release.v1.${def.name}.v${2 + Math.floor(w.rand() * 9)}` });
}

/** The platform cluster over `days` days, hour by hour, like the shop scenario (scenario.ts). */
export function platformScenario(options: ScenarioOptions = {}): ScenarioStream {
  const seed = options.seed ?? 20261204;
  const days = options.days ?? 14;
  const start = options.start ?? Date.parse('2026-11-02T00:00:00Z');
  const scale = options.scale ?? 0.4;
  const techniques = (options.techniques ?? PLATFORM_TECHNIQUES).filter((t) => t.day < days);
  const lookalikes = options.lookalikes === false ? [] : PLATFORM_LOOKALIKES.filter((l) => l.day < days);
  const info: ScenarioInfo = { start, days, techniques, lookalikes: [...lookalikes.map((l) => l.id), 'karpenter-consolidation'], platformControllers: PLATFORM_CONTROLLERS };
  return { info, hours: stream(seed, days, start, scale, techniques, lookalikes) };
}

function* stream(seed: number, days: number, start: number, scale: number, techniques: typeof PLATFORM_TECHNIQUES, lookalikes: typeof PLATFORM_LOOKALIKES): Generator<Emitted[]> {
  const w = new PlatformWorld(seed, start, scale);
  w.roster = [...PLATFORM_PEOPLE];
  w.workloads = [...platformWorkloads().filter((d) => ADDONS_REUSED.has(d.name)), ...appWorkloads()];
  for (let i = 0; i < 8; i++) w.addNode(start - 30 * DAY, (i % 3) + 1);
  for (const def of w.workloads) {
    if (def.kind === 'DaemonSet') for (const n of w.nodes) w.startPod(def, start - 20 * DAY, n, '');
    else {
      const rs = w.suffix(9);
      for (let i = 0; i < def.replicas; i++) w.startPod(def, start - 10 * DAY, w.nodes[(i * 3 + def.name.length) % w.nodes.length]!, rs);
    }
  }
  w.drain();
  const schedule: Scheduled[] = [];
  const at = (t: number, fn: () => void) => schedule.push({ t, fn });
  plan(w, start, days, at);
  for (const l of lookalikes) {
    const t = start + l.day * DAY + Math.floor(l.hour * HOUR);
    const label = `lookalike:${l.id}`;
    const ctx: PlatformContext = { later: (t2, fn) => schedule.push({ t: t2, fn: () => w.labelled(label, fn) }) };
    at(t, () => w.labelled(label, () => l.run(w, t, ctx)));
  }
  for (const tech of techniques) {
    const t = techniqueTime(start, tech);
    at(t, () => w.labelled(`attack:${tech.id}`, () => tech.run(w, t)));
  }
  yield* hourly(w, start, days, schedule, (h, t0) => {
    // Pods long gone only slow down every "which pods run now" question.
    if (h % 24 === 0) w.pods = w.pods.filter((p) => p.ended === undefined || p.ended > t0 - HOUR);
    controlPlaneHour(w, t0);
    for (const node of w.liveNodes(t0)) w.labelled(node.joined >= start ? node.label : undefined, () => kubeletHour(w, node, t0));
    workloadsHour(w, t0);
  });
}

export type { PodState };
export { cp };
