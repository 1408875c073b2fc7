/**
 * The benign model: how a small production EKS cluster behaves over days, written before (and
 * independently of) the detectors. Three AZs, six m-class nodes, the usual add-ons (VPC CNI,
 * kube-proxy, CoreDNS, EBS CSI, AWS Load Balancer Controller, cluster-autoscaler,
 * metrics-server, Prometheus with node-exporter and kube-state-metrics, Fluent Bit,
 * External Secrets, a Postgres operator), a shop (checkout, cart, catalog, orders), payments,
 * CronJobs, a CI deployer (GitHub Actions through OIDC, from GitHub-hosted runners), developers
 * on an SSO role in two time zones with an on-call rotation, and platform engineers on an admin
 * role.
 *
 * Rates are real rates per hour; machine traffic (leases, watches, controllers, add-ons,
 * applications) is multiplied by `scale` so that an evaluation runs in minutes. People and CI
 * are not scaled, so at scale < 1 they weigh more in the mix than in a real cluster, which makes
 * the measured false-alarm rate per million events pessimistic, not flattering.
 */
import type { AuditEvent } from '#shared/audit/event';
import { pick, seededRandom } from '#infra/local/scenario/random';
import { ACCOUNT, nodeUser, nonResource, podBody, req, roleUser, saUser, systemUser, workloadBody, type Actor, type PodSpecInput, type RequestSpec } from './audit-builder';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const MIN = 60_000;

export interface Emitted {
  t: number;
  e: AuditEvent;
  /** `attack:<technique>` or `lookalike:<name>`; absent for ordinary benign traffic. */
  label?: string;
}

export interface NodeState {
  name: string;
  ip: string;
  az: number;
  instanceId: string;
  joined: number;
  left?: number;
  actor: Actor;
  /** Label of the events its kubelet makes (a lookalike's new node). */
  label?: string;
}

export interface WorkloadDef {
  ns: string;
  name: string;
  sa: string;
  kind: 'Deployment' | 'DaemonSet' | 'StatefulSet';
  replicas: number;
  image: string;
  spec?: Partial<PodSpecInput>;
  ua?: string;
  /** Per-pod API use per hour (real rates). */
  api?: (w: World, pod: PodState, t0: number) => void;
  /** What the pod does through the API as it starts (informers list, then watch; first reads). */
  startup?: (w: World, pod: PodState, t: number) => void;
  /** Secrets mounted as volumes (the kubelet watches them). */
  mountsSecrets?: boolean;
  hostNetwork?: boolean;
  /** The pod's own label for events it triggers (lookalikes). */
  label?: string;
  /** Authorizer reason of its requests (default: its own RoleBinding). */
  reason?: string;
}

export interface PodState {
  def: WorkloadDef;
  name: string;
  ip: string;
  node: NodeState;
  started: number;
  ended?: number;
  rs: string;
  /** Every pod instance has its own UID, also one re-created under the same name (a StatefulSet pod). */
  uid: string;
  label?: string;
}

const RS_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class World {
  readonly rand: () => number;
  nodes: NodeState[] = [];
  pods: PodState[] = [];
  workloads: WorkloadDef[] = [];
  roster: Person[] = [];
  private out: Emitted[] = [];
  private nextPodIp = [0, 100, 100, 100];
  private nodeSeq = 0;
  label: string | undefined;

  constructor(
    readonly seed: number,
    readonly start: number,
    readonly scale: number,
  ) {
    this.rand = seededRandom(seed);
  }

  emit(t: number, actor: Actor, spec: RequestSpec): AuditEvent {
    const e = req(t, actor, spec);
    this.out.push(this.label ? { t, e, label: this.label } : { t, e });
    return e;
  }

  push(t: number, e: AuditEvent): void {
    this.out.push(this.label ? { t, e, label: this.label } : { t, e });
  }

  drain(): Emitted[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /** Runs `fn` with events labelled. */
  labelled<T>(label: string | undefined, fn: () => T): T {
    const before = this.label;
    this.label = label ?? before;
    try {
      return fn();
    } finally {
      this.label = before;
    }
  }

  /** Times within [t0, t0+span) for `perHour` events per hour (machine traffic is scaled). */
  times(t0: number, perHour: number, span = HOUR, scaled = true): number[] {
    const expected = (perHour * (scaled ? this.scale : 1) * span) / HOUR;
    let n = Math.floor(expected);
    if (this.rand() < expected - n) n += 1;
    const ts = new Array<number>(n);
    for (let i = 0; i < n; i++) ts[i] = t0 + Math.floor(this.rand() * span);
    return ts;
  }

  suffix(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += RS_ALPHABET[Math.floor(this.rand() * RS_ALPHABET.length)];
    return s;
  }

  addNode(t: number, az?: number): NodeState {
    const zone = az ?? (this.nodeSeq % 3) + 1;
    const host = 10 + ((this.nodeSeq * 7) % 80);
    this.nodeSeq += 1;
    const ip = `10.20.${zone}.${host}`;
    const name = `ip-10-20-${zone}-${host}.ec2.internal`;
    const instanceId = `i-0${(this.seed * 7919 + this.nodeSeq * 104729).toString(16).padStart(16, '0').slice(-16)}`;
    const node: NodeState = { name, ip, az: zone, instanceId, joined: t, actor: { user: nodeUser(name, instanceId), ip, ua: 'kubelet/v1.30.4-eks-a737599 (linux/amd64) kubernetes/a737599', reason: '' }, ...(this.label ? { label: this.label } : {}) };
    this.nodes.push(node);
    return node;
  }

  nodeLabel(node: NodeState): string | undefined {
    return node.label;
  }

  /** The current version of a person (a lookalike may have changed their laptop). */
  person(sessionName: string): Person | undefined {
    return this.roster.find((p) => p.session === sessionName);
  }

  liveNodes(t: number): NodeState[] {
    return this.nodes.filter((n) => n.joined <= t && (n.left === undefined || n.left > t));
  }

  podIp(az: number): string {
    const host = this.nextPodIp[az]!;
    this.nextPodIp[az] = host >= 250 ? 100 : host + 1;
    return `10.20.${az}.${host}`;
  }

  startPod(def: WorkloadDef, t: number, node: NodeState, rs: string, name?: string): PodState {
    const podName =
      name ??
      (def.kind === 'DaemonSet'
        ? `${def.name}-${this.suffix(5)}`
        : def.kind === 'StatefulSet'
          ? `${def.name}-${this.livePods(t, def).length}`
          : `${def.name}-${rs}-${this.suffix(5)}`);
    const uid = `${this.suffix(8)}-${this.suffix(4)}-${this.suffix(4)}-${this.suffix(12)}`;
    const pod: PodState = { def, name: podName, ip: def.hostNetwork ? node.ip : this.podIp(node.az), node, started: t, rs, uid, ...(this.label ? { label: this.label } : {}) };
    this.pods.push(pod);
    return pod;
  }

  livePods(t: number, def?: WorkloadDef): PodState[] {
    return this.pods.filter((p) => p.started <= t && (p.ended === undefined || p.ended > t) && (!def || p.def === def));
  }

  /** The service-account identity of a pod, with a bound-token credential id that rotates hourly. */
  podActor(pod: PodState, t: number, ua?: string): Actor {
    const hour = Math.floor((t - pod.started) / HOUR);
    return {
      user: saUser(pod.def.ns, pod.def.sa, { name: pod.name, uid: pod.uid, node: pod.node.name, credential: `JTI=${pod.name}-${hour}` }),
      ip: pod.ip,
      ua: ua ?? pod.def.ua ?? `${pod.def.name}/v1.0.0 (linux/amd64) kubernetes/$Format`,
      reason: pod.def.reason ?? `RBAC: allowed by RoleBinding "${pod.def.name}/${pod.def.ns}" of Role "${pod.def.name}" to ServiceAccount "${pod.def.sa}/${pod.def.ns}"`,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Identities of the platform

const CP_IP = ['172.16.49.12', '172.16.117.200'];
export const cp = (w: World, username: string, ua: string, ip = pick(w.rand, CP_IP)): Actor => ({ user: systemUser(username), ip, ua, reason: 'RBAC: allowed by ClusterRoleBinding "system:' + username.split(':').pop() + '"' });
export const controller = (name: string): Actor => ({
  user: saUser('kube-system', name),
  ip: CP_IP[0]!,
  ua: `kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/a737599/${name}`,
  reason: `RBAC: allowed by ClusterRoleBinding "system:controller:${name}"`,
});
const AWS_ADDON_IPS = ['35.163.244.48', '35.163.244.61', '52.12.201.9'];

const K8S_VERSION = 'v1.30.4-eks-a737599';
const ECR = '602401143452.dkr.ecr.us-west-2.amazonaws.com';

// ---------------------------------------------------------------------------------------------
// Workloads

export function leaderLease(w: World, pod: PodState, t0: number, ns: string, lease: string, perHour: number): void {
  const a = w.podActor(pod, t0);
  // Only the leader renews; followers poll less often.
  const leader = w.livePods(t0, pod.def)[0] === pod;
  for (const t of w.times(t0, leader ? perHour : perHour / 6)) w.emit(t, a, { verb: leader ? 'update' : 'get', resource: 'leases', ns, name: lease });
}

/** Informers at start-up: a list, then a watch, of each resource. */
export function informers(w: World, pod: PodState, t: number, specs: Array<[string, string | undefined]>): void {
  const a = w.podActor(pod, t);
  specs.forEach(([resource, ns], i) => {
    w.emit(t + i * 150, a, { verb: 'list', resource, ...(ns ? { ns } : {}) });
    w.emit(t + i * 150 + 60, a, { verb: 'watch', resource, ...(ns ? { ns } : {}) });
  });
}

export function watches(w: World, a: Actor, t0: number, specs: Array<[string, string | undefined]>, perHour = 8): void {
  for (const [resource, ns] of specs) for (const t of w.times(t0, perHour)) w.emit(t, a, { verb: 'watch', resource, ...(ns ? { ns } : {}) });
}

/** Add-ons and operators are installed with a ClusterRoleBinding to their own ClusterRole. */
export function platformWorkloads(): WorkloadDef[] {
  return addonWorkloads().map((d) => ({ reason: `RBAC: allowed by ClusterRoleBinding "${d.name}" of ClusterRole "${d.name}" to ServiceAccount "${d.sa}/${d.ns}"`, ...d }));
}

function addonWorkloads(): WorkloadDef[] {
  return [
    {
      ns: 'kube-system', name: 'aws-node', sa: 'aws-node', kind: 'DaemonSet', replicas: 0, hostNetwork: true,
      startup: (w, pod, t) => (w.emit(t, w.podActor(pod, t), { verb: 'get', resource: 'nodes', name: pod.node.name }), informers(w, pod, t + 200, [['pods', undefined]])),
      image: `${ECR}/amazon-k8s-cni:v1.18.3-eksbuild.1`, ua: 'aws-node/v1.18.3 (linux/amd64) kubernetes/$Format',
      spec: { hostNetwork: true, containers: [{ name: 'aws-node', image: `${ECR}/amazon-k8s-cni:v1.18.3-eksbuild.1`, privileged: true }], hostPaths: [{ name: 'cni-bin', path: '/opt/cni/bin' }, { name: 'run', path: '/var/run/aws-node' }] },
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        for (const t of w.times(t0, 60)) w.emit(t, a, { verb: 'get', resource: 'nodes', name: pod.node.name });
        for (const t of w.times(t0, 30)) w.emit(t, a, { verb: 'get', resource: 'eniconfigs', name: `us-west-2${'abc'[pod.node.az - 1]}` });
        watches(w, a, t0, [['pods', undefined]], 8);
      },
    },
    {
      ns: 'kube-system', name: 'kube-proxy', sa: 'kube-proxy', kind: 'DaemonSet', replicas: 0, hostNetwork: true,
      startup: (w, pod, t) => (w.emit(t, w.podActor(pod, t), { verb: 'get', resource: 'nodes', name: pod.node.name }), informers(w, pod, t + 200, [['endpointslices', undefined], ['services', undefined]])),
      image: `${ECR}/eks/kube-proxy:v1.30.3-minimal-eksbuild.5`, ua: `kube-proxy/${K8S_VERSION} (linux/amd64) kubernetes/a737599`,
      spec: { hostNetwork: true, containers: [{ name: 'kube-proxy', image: `${ECR}/eks/kube-proxy:v1.30.3-minimal-eksbuild.5`, privileged: true }], hostPaths: [{ name: 'lib-modules', path: '/lib/modules' }] },
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        watches(w, a, t0, [['endpointslices', undefined], ['services', undefined]], 8);
        for (const t of w.times(t0, 12)) w.emit(t, a, { verb: 'get', resource: 'nodes', name: pod.node.name });
      },
    },
    {
      ns: 'kube-system', name: 'ebs-csi-node', sa: 'ebs-csi-node-sa', kind: 'DaemonSet', replicas: 0,
      startup: (w, pod, t) => w.emit(t, w.podActor(pod, t), { verb: 'get', resource: 'nodes', name: pod.node.name }),
      image: `${ECR}/eks/aws-ebs-csi-driver:v1.34.0`, ua: 'aws-ebs-csi-driver/v1.34.0 (linux/amd64) kubernetes/$Format',
      spec: { containers: [{ name: 'ebs-plugin', image: `${ECR}/eks/aws-ebs-csi-driver:v1.34.0`, privileged: true }], hostPaths: [{ name: 'kubelet-dir', path: '/var/lib/kubelet' }, { name: 'device-dir', path: '/dev' }] },
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        for (const t of w.times(t0, 12)) w.emit(t, a, { verb: 'get', resource: 'nodes', name: pod.node.name });
        for (const t of w.times(t0, 6)) w.emit(t, a, { verb: 'get', resource: 'csinodes', name: pod.node.name });
      },
    },
    {
      ns: 'monitoring', name: 'node-exporter', sa: 'node-exporter', kind: 'DaemonSet', replicas: 0, hostNetwork: true,
      image: 'quay.io/prometheus/node-exporter:v1.8.2',
      spec: { hostNetwork: true, hostPID: true, containers: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2', mounts: [{ name: 'proc', path: '/host/proc', readOnly: true }, { name: 'sys', path: '/host/sys', readOnly: true }, { name: 'root', path: '/host/root', readOnly: true }] }], hostPaths: [{ name: 'proc', path: '/proc' }, { name: 'sys', path: '/sys' }, { name: 'root', path: '/' }] },
    },
    {
      ns: 'logging', name: 'fluent-bit', sa: 'fluent-bit', kind: 'DaemonSet', replicas: 0,
      startup: (w, pod, t) => informers(w, pod, t, [['pods', undefined]]),
      image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2', ua: 'fluent-bit/2.32.2',
      spec: { containers: [{ name: 'fluent-bit', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2', mounts: [{ name: 'varlog', path: '/var/log', readOnly: true }] }], hostPaths: [{ name: 'varlog', path: '/var/log' }] },
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        watches(w, a, t0, [['pods', undefined]], 8);
        for (const t of w.times(t0, 20)) w.emit(t, a, { verb: 'get', resource: 'pods', ns: pick(w.rand, ['shop', 'payments', 'data', 'kube-system', 'monitoring']) });
      },
    },
    {
      ns: 'kube-system', name: 'coredns', sa: 'coredns', kind: 'Deployment', replicas: 2,
      image: `${ECR}/eks/coredns:v1.11.3-eksbuild.1`, ua: 'coredns/v1.11.3 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => watches(w, w.podActor(pod, t0), t0, [['endpointslices', undefined], ['services', undefined], ['namespaces', undefined]], 10),
    },
    {
      ns: 'kube-system', name: 'ebs-csi-controller', sa: 'ebs-csi-controller-sa', kind: 'Deployment', replicas: 2,
      image: `${ECR}/eks/aws-ebs-csi-driver:v1.34.0`, ua: 'csi-attacher/v4.6.1 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        leaderLease(w, pod, t0, 'kube-system', 'external-attacher-leader-ebs-csi-aws-com', 360);
        watches(w, w.podActor(pod, t0), t0, [['volumeattachments', undefined], ['persistentvolumes', undefined]], 8);
      },
    },
    {
      ns: 'kube-system', name: 'aws-load-balancer-controller', sa: 'aws-load-balancer-controller', kind: 'Deployment', replicas: 2,
      image: 'public.ecr.aws/eks/aws-load-balancer-controller:v2.8.2', ua: 'controller/v2.8.2 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        leaderLease(w, pod, t0, 'kube-system', 'aws-load-balancer-controller-leader', 360);
        const a = w.podActor(pod, t0);
        watches(w, a, t0, [['ingresses', undefined], ['services', undefined], ['endpointslices', undefined], ['targetgroupbindings', undefined], ['pods', undefined]], 8);
        for (const t of w.times(t0, 2)) w.emit(t, a, { verb: 'get', resource: 'secrets', ns: 'kube-system', name: 'aws-load-balancer-tls' });
      },
    },
    {
      ns: 'kube-system', name: 'cluster-autoscaler', sa: 'cluster-autoscaler', kind: 'Deployment', replicas: 1,
      image: 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.30.2', ua: 'cluster-autoscaler/v1.30.2 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        leaderLease(w, pod, t0, 'kube-system', 'cluster-autoscaler', 360);
        const a = w.podActor(pod, t0);
        for (const t of w.times(t0, 360)) w.emit(t, a, { verb: 'update', resource: 'configmaps', ns: 'kube-system', name: 'cluster-autoscaler-status' });
        for (const t of w.times(t0, 30)) w.emit(t, a, { verb: 'list', resource: 'pods' });
        for (const t of w.times(t0, 30)) w.emit(t, a, { verb: 'list', resource: 'nodes' });
        watches(w, a, t0, [['poddisruptionbudgets', undefined], ['statefulsets', undefined], ['replicasets', undefined]], 8);
      },
    },
    {
      ns: 'kube-system', name: 'metrics-server', sa: 'metrics-server', kind: 'Deployment', replicas: 1,
      image: 'registry.k8s.io/metrics-server/metrics-server:v0.7.2', ua: 'metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        watches(w, a, t0, [['nodes', undefined], ['pods', undefined]], 8);
        for (const t of w.times(t0, 4)) w.emit(t, a, { verb: 'get', resource: 'configmaps', ns: 'kube-system', name: 'extension-apiserver-authentication' });
      },
    },
    {
      ns: 'monitoring', name: 'prometheus', sa: 'prometheus', kind: 'StatefulSet', replicas: 1,
      image: 'quay.io/prometheus/prometheus:v2.54.1', ua: 'Prometheus/2.54.1',
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        // cAdvisor metrics scraped through the API server's node proxy, every 30 s per node.
        for (const node of w.liveNodes(t0)) for (const t of w.times(t0, 120)) w.emit(t, a, { verb: 'get', resource: 'nodes', name: node.name, sub: 'proxy' });
        watches(w, a, t0, [['pods', undefined], ['services', undefined], ['endpoints', undefined], ['endpointslices', undefined], ['nodes', undefined]], 6);
      },
    },
    {
      ns: 'monitoring', name: 'kube-state-metrics', sa: 'kube-state-metrics', kind: 'Deployment', replicas: 1,
      image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0', ua: 'kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        const rs = ['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs', 'services', 'endpoints', 'configmaps', 'secrets', 'persistentvolumeclaims', 'nodes', 'namespaces', 'horizontalpodautoscalers', 'ingresses', 'leases', 'poddisruptionbudgets'];
        for (const r of rs) {
          const clusterScoped = r === 'nodes' || r === 'namespaces';
          for (const t of w.times(t0, 6)) w.emit(t, a, { verb: 'watch', resource: r });
          for (const t of w.times(t0, 1)) w.emit(t, a, { verb: 'list', resource: r, ...(clusterScoped ? {} : {}) });
        }
      },
    },
    {
      ns: 'external-secrets', name: 'external-secrets', sa: 'external-secrets', kind: 'Deployment', replicas: 1,
      image: 'ghcr.io/external-secrets/external-secrets:v0.10.3', ua: 'external-secrets/v0.10.3 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        leaderLease(w, pod, t0, 'external-secrets', 'external-secrets-controller', 360);
        const a = w.podActor(pod, t0);
        watches(w, a, t0, [['externalsecrets', undefined], ['secrets', undefined]], 6);
        // Hourly refresh of each ExternalSecret: read the target secret, update it when the source changed.
        for (const [ns, name] of EXTERNAL_SECRETS) {
          const t = t0 + Math.floor(w.rand() * HOUR);
          w.emit(t, a, { verb: 'get', resource: 'secrets', ns, name });
          if (w.rand() < 0.2) w.emit(t + 40, a, { verb: 'update', resource: 'secrets', ns, name });
          w.emit(t + 80, a, { verb: 'update', resource: 'externalsecrets', ns, name, sub: 'status' });
        }
      },
    },
    {
      ns: 'data', name: 'postgres-operator', sa: 'postgres-operator', kind: 'Deployment', replicas: 1,
      image: 'ghcr.io/zalando/postgres-operator:v1.13.0', ua: 'postgres-operator/v1.13.0',
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        watches(w, a, t0, [['postgresqls', undefined], ['pods', 'data'], ['statefulsets', 'data']], 6);
        for (const t of w.times(t0, 30)) w.emit(t, a, { verb: 'get', resource: 'pods', ns: 'data', name: `orders-db-${Math.floor(w.rand() * 2)}` });
        for (const t of w.times(t0, 6)) w.emit(t, a, { verb: 'patch', resource: 'pods', ns: 'data', name: `orders-db-${Math.floor(w.rand() * 2)}` });
        for (const t of w.times(t0, 6)) w.emit(t, a, { verb: 'get', resource: 'secrets', ns: 'data', name: pick(w.rand, ['postgres.orders-db.credentials', 'standby.orders-db.credentials']) });
        // Health checks run patronictl inside the database pods.
        for (const t of w.times(t0, 2)) w.emit(t, a, { verb: 'create', resource: 'pods', ns: 'data', name: `orders-db-${Math.floor(w.rand() * 2)}`, sub: 'exec', query: 'command=patronictl&command=list&container=postgres&stdout=true' });
      },
    },
  ];
}

const EXTERNAL_SECRETS: Array<[string, string]> = [
  ['shop', 'checkout-db'], ['shop', 'stripe-api'], ['shop', 'cart-redis'], ['payments', 'payments-api-key'],
  ['payments', 'psp-credentials'], ['data', 'orders-db-backup'], ['orders', 'orders-queue'], ['shop', 'catalog-search'],
];

export function appWorkloads(): WorkloadDef[] {
  return [
    {
      ns: 'shop', name: 'checkout', sa: 'checkout', kind: 'Deployment', replicas: 3, mountsSecrets: true,
      startup: (w, pod, t) => (informers(w, pod, t, [['configmaps', 'shop']]), w.emit(t + 400, w.podActor(pod, t), { verb: 'get', resource: 'configmaps', ns: 'shop', name: 'checkout-settings' })),
      image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/checkout:2.3.1', ua: 'checkout/v2.3.1 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        watches(w, a, t0, [['configmaps', 'shop']], 8);
        for (const t of w.times(t0, 4)) w.emit(t, a, { verb: 'get', resource: 'configmaps', ns: 'shop', name: 'checkout-settings' });
        for (const t of w.times(t0, 2)) w.emit(t, a, { verb: 'get', resource: 'services', ns: 'shop', name: 'payments-gateway' });
      },
    },
    {
      ns: 'shop', name: 'cart', sa: 'cart', kind: 'Deployment', replicas: 2, mountsSecrets: true,
      startup: (w, pod, t) => w.emit(t, w.podActor(pod, t), { verb: 'list', resource: 'endpoints', ns: 'shop' }),
      image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/cart:1.9.0', ua: 'cart/v1.9.0 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        // Client-side load balancing: endpoints of the cache every 30 s.
        for (const t of w.times(t0, 120)) w.emit(t, a, { verb: 'list', resource: 'endpoints', ns: 'shop' });
      },
    },
    { ns: 'shop', name: 'catalog', sa: 'catalog', kind: 'Deployment', replicas: 2, mountsSecrets: true, image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/catalog:4.0.2' },
    {
      ns: 'orders', name: 'orders-worker', sa: 'orders-worker', kind: 'Deployment', replicas: 2, mountsSecrets: true,
      startup: (w, pod, t) => w.emit(t, w.podActor(pod, t), { verb: 'get', resource: 'leases', ns: 'orders', name: 'orders-worker-leader' }),
      image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/orders/worker:3.2.0', ua: 'orders-worker/v3.2.0 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        leaderLease(w, pod, t0, 'orders', 'orders-worker-leader', 360);
        for (const t of w.times(t0, 10)) w.emit(t, w.podActor(pod, t0), { verb: 'create', resource: 'events', ns: 'orders' });
      },
    },
    {
      ns: 'payments', name: 'payments-api', sa: 'payments', kind: 'Deployment', replicas: 2, mountsSecrets: true,
      startup: (w, pod, t) => w.emit(t, w.podActor(pod, t), { verb: 'get', resource: 'leases', ns: 'payments', name: 'payments-reconciler' }),
      image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/payments/api:5.1.4', ua: 'payments-api/v5.1.4 (linux/amd64) kubernetes/$Format',
      api: (w, pod, t0) => {
        leaderLease(w, pod, t0, 'payments', 'payments-reconciler', 360);
        // Reads its API key at start-up (and on the hourly key-rotation check).
        const a = w.podActor(pod, t0);
        if (pod.started >= t0 && pod.started < t0 + HOUR) w.emit(pod.started + 5000, a, { verb: 'get', resource: 'secrets', ns: 'payments', name: 'payments-api-key' });
        for (const t of w.times(t0, 1, HOUR, false)) w.emit(t, a, { verb: 'get', resource: 'secrets', ns: 'payments', name: 'payments-api-key' });
      },
    },
    {
      ns: 'data', name: 'orders-db', sa: 'orders-db', kind: 'StatefulSet', replicas: 2, mountsSecrets: true,
      image: 'ghcr.io/zalando/spilo-16:3.3-p1', ua: 'patroni/3.3.2',
      api: (w, pod, t0) => {
        const a = w.podActor(pod, t0);
        for (const t of w.times(t0, 360)) w.emit(t, a, { verb: 'patch', resource: 'endpoints', ns: 'data', name: 'orders-db' });
        for (const t of w.times(t0, 120)) w.emit(t, a, { verb: 'get', resource: 'endpoints', ns: 'data', name: 'orders-db' });
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Pod lifecycle: scheduling, kubelet, controllers

/** Everything that happens when a pod starts: controller, scheduler, kubelet, token, endpoints. */
export function podStarts(w: World, def: WorkloadDef, t: number, node: NodeState, rs: string, name?: string): PodState {
  const pod = w.startPod(def, t, node, rs, name);
  const creator = def.kind === 'DaemonSet' ? controller('daemon-set-controller') : def.kind === 'StatefulSet' ? controller('statefulset-controller') : controller('replicaset-controller');
  const body = podBody(def.ns, def.kind === 'StatefulSet' ? '' : `${pod.name.slice(0, pod.name.length - 5)}`, { serviceAccountName: def.sa, containers: [{ name: def.name, image: def.image }], ...(def.hostNetwork ? { hostNetwork: true } : {}), ...def.spec, nodeName: def.kind === 'DaemonSet' ? node.name : undefined }, { app: def.name });
  w.emit(t, creator, { verb: 'create', resource: 'pods', ns: def.ns, body });
  w.emit(t + 15, cp(w, 'eks:pod-identity-mutating-webhook', 'amazon-eks-pod-identity-webhook/v0.5.5'), { verb: 'get', resource: 'serviceaccounts', ns: def.ns, name: def.sa });
  if (def.kind !== 'DaemonSet') w.emit(t + 40, cp(w, 'system:kube-scheduler', `kube-scheduler/${K8S_VERSION} (linux/amd64) kubernetes/a737599/scheduler`), { verb: 'create', resource: 'pods', ns: def.ns, name: pod.name, sub: 'binding' });
  const k = node.actor;
  w.emit(t + 900, k, { verb: 'get', resource: 'pods', ns: def.ns, name: pod.name });
  w.emit(t + 1200, k, { verb: 'create', resource: 'serviceaccounts', ns: def.ns, name: def.sa, sub: 'token' });
  w.emit(t + 1300, k, { verb: 'list', resource: 'configmaps', ns: def.ns });
  if (def.mountsSecrets) w.emit(t + 1350, k, { verb: 'list', resource: 'secrets', ns: def.ns });
  w.emit(t + 4000, k, { verb: 'patch', resource: 'pods', ns: def.ns, name: pod.name, sub: 'status' });
  w.emit(t + 9000, k, { verb: 'patch', resource: 'pods', ns: def.ns, name: pod.name, sub: 'status' });
  w.emit(t + 9500, controller('endpointslice-controller'), { verb: 'update', resource: 'endpointslices', ns: def.ns, name: `${def.name}-${w.suffix(5)}` });
  // The container starts a few seconds after the kubelet saw the pod; clients connect at once.
  if (def.startup) {
    const startup = def.startup;
    const run = () => startup(w, pod, t + 6000);
    if (pod.label) w.labelled(pod.label, run);
    else run();
  }
  return pod;
}

export function podStops(w: World, pod: PodState, t: number, by: Actor = controller('replicaset-controller')): void {
  pod.ended = t + 30_000;
  const def = pod.def;
  w.emit(t, by, { verb: 'delete', resource: 'pods', ns: def.ns, name: pod.name });
  w.emit(t + 2000, pod.node.actor, { verb: 'patch', resource: 'pods', ns: def.ns, name: pod.name, sub: 'status' });
  w.emit(t + 30_000, pod.node.actor, { verb: 'delete', resource: 'pods', ns: def.ns, name: pod.name });
  w.emit(t + 31_000, controller('endpointslice-controller'), { verb: 'update', resource: 'endpointslices', ns: def.ns, name: `${def.name}-${w.suffix(5)}` });
}

/** A node joining: registration, serving certificate, lease, DaemonSet pods. */
export function nodeJoins(w: World, t: number, az?: number): NodeState {
  const node = w.addNode(t, az);
  const k = node.actor;
  w.emit(t, k, { verb: 'get', resource: 'nodes', name: node.name, code: 404 });
  w.emit(t + 200, k, { verb: 'create', resource: 'nodes', body: { kind: 'Node', metadata: { name: node.name } } });
  w.emit(t + 900, k, { verb: 'create', resource: 'certificatesigningrequests', body: { kind: 'CertificateSigningRequest', spec: { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] } } });
  w.emit(t + 1500, cp(w, 'eks:certificate-controller', 'eks-certificate-controller/v1.30'), { verb: 'update', resource: 'certificatesigningrequests', name: `csr-${w.suffix(5)}`, sub: 'approval' });
  w.emit(t + 2000, k, { verb: 'create', resource: 'leases', ns: 'kube-node-lease', name: node.name });
  w.emit(t + 2500, k, { verb: 'get', resource: 'csinodes', name: node.name });
  for (const def of w.workloads) if (def.kind === 'DaemonSet') podStarts(w, def, t + 20_000 + Math.floor(w.rand() * 20_000), node, '');
  return node;
}

export function nodeLeaves(w: World, node: NodeState, t: number): void {
  const drainer = cp(w, 'eks:node-manager', 'eks-node-manager/v1.30');
  for (const pod of w.livePods(t)) {
    if (pod.node !== node) continue;
    if (pod.def.kind === 'DaemonSet') pod.ended = t + 60_000;
    else {
      w.emit(t, drainer, { verb: 'create', resource: 'pods', ns: pod.def.ns, name: pod.name, sub: 'eviction' });
      podStops(w, pod, t + 1000);
      const target = pick(w.rand, w.liveNodes(t).filter((n) => n !== node));
      podStarts(w, pod.def, t + 5000, target, pod.rs);
    }
  }
  node.left = t + 120_000;
  w.emit(t + 120_000, cp(w, 'eks:cloud-controller-manager', 'aws-cloud-controller-manager/v1.30.1'), { verb: 'delete', resource: 'nodes', name: node.name });
}

/** A rollout: new ReplicaSet, pods replaced one by one. */
export function rollout(w: World, def: WorkloadDef, t: number): void {
  const rs = w.suffix(9);
  const deploy = controller('deployment-controller');
  w.emit(t, deploy, { verb: 'create', resource: 'replicasets', ns: def.ns, body: workloadBody('ReplicaSet', def.ns, `${def.name}-${rs}`, { serviceAccountName: def.sa, containers: [{ name: def.name, image: def.image }] }) });
  let at = t + 2000;
  for (const old of w.livePods(t, def)) {
    const nodes = w.liveNodes(at);
    podStarts(w, def, at, pick(w.rand, nodes), rs);
    podStops(w, old, at + 20_000);
    w.emit(at + 21_000, deploy, { verb: 'update', resource: 'replicasets', ns: def.ns, name: `${def.name}-${old.rs}`, sub: 'scale' });
    at += 25_000;
  }
  w.emit(at, deploy, { verb: 'update', resource: 'deployments', ns: def.ns, name: def.name, sub: 'status' });
  w.emit(at + 60_000, controller('generic-garbage-collector'), { verb: 'delete', resource: 'replicasets', ns: def.ns, name: `${def.name}-${w.suffix(9)}` });
}

// ---------------------------------------------------------------------------------------------
// Hourly machine traffic

export function controlPlaneHour(w: World, t0: number): void {
  const kcm = cp(w, 'system:kube-controller-manager', `kube-controller-manager/${K8S_VERSION} (linux/amd64) kubernetes/a737599/leader-election`);
  const sched = cp(w, 'system:kube-scheduler', `kube-scheduler/${K8S_VERSION} (linux/amd64) kubernetes/a737599/leader-election`);
  const ccm = cp(w, 'eks:cloud-controller-manager', 'aws-cloud-controller-manager/v1.30.1 (linux/amd64) kubernetes/$Format');
  for (const t of w.times(t0, 1800)) w.emit(t, kcm, { verb: 'update', resource: 'leases', ns: 'kube-system', name: 'kube-controller-manager' });
  for (const t of w.times(t0, 1800)) w.emit(t, sched, { verb: 'update', resource: 'leases', ns: 'kube-system', name: 'kube-scheduler' });
  for (const t of w.times(t0, 1800)) w.emit(t, ccm, { verb: 'update', resource: 'leases', ns: 'kube-system', name: 'cloud-controller-manager' });
  for (let i = 0; i < 2; i++) {
    const api = cp(w, 'system:apiserver', `kube-apiserver/${K8S_VERSION} (linux/amd64) kubernetes/a737599`, CP_IP[i]);
    for (const t of w.times(t0, 360)) w.emit(t, api, { verb: 'update', resource: 'leases', ns: 'kube-system', name: `apiserver-${i === 0 ? 'k4tqzvbn2xvd7q' : 'r9mw5hxclbtsfg'}` });
  }
  const nodes = w.liveNodes(t0);
  for (const n of nodes) for (const t of w.times(t0, 12)) w.emit(t, ccm, { verb: 'patch', resource: 'nodes', name: n.name, sub: 'status' });
  for (const t of w.times(t0, 60)) w.emit(t, ccm, { verb: 'list', resource: 'nodes' });
  const gc = controller('generic-garbage-collector');
  for (const r of ['pods', 'replicasets', 'deployments', 'jobs', 'configmaps', 'secrets', 'serviceaccounts', 'endpointslices', 'leases', 'roles', 'rolebindings', 'events']) {
    for (const t of w.times(t0, 8)) w.emit(t, gc, { verb: 'watch', resource: r });
  }
  const hpa = controller('horizontal-pod-autoscaler');
  for (const name of ['checkout', 'cart']) {
    for (const t of w.times(t0, 240)) w.emit(t, hpa, { verb: 'get', resource: 'deployments', ns: 'shop', name, sub: 'scale' });
    for (const t of w.times(t0, 240)) w.emit(t, hpa, { verb: 'list', resource: 'pods', ns: 'shop' });
  }
  const rsc = controller('replicaset-controller');
  for (const r of ['replicasets', 'pods']) for (const t of w.times(t0, 8)) w.emit(t, rsc, { verb: 'watch', resource: r });
  const eps = controller('endpointslice-controller');
  for (const r of ['services', 'pods', 'endpointslices']) for (const t of w.times(t0, 8)) w.emit(t, eps, { verb: 'watch', resource: r });
  for (const t of w.times(t0, 12)) w.emit(t, cp(w, 'eks:node-manager', 'eks-node-manager/v1.30'), { verb: 'get', resource: 'nodes', name: pick(w.rand, nodes).name });
  for (const t of w.times(t0, 60)) w.emit(t, cp(w, 'eks:k8s-metrics', 'eks-k8s-metrics/v1.30'), { verb: 'list', resource: pick(w.rand, ['pods', 'nodes', 'namespaces', 'deployments']) });
  for (const t of w.times(t0, 60)) w.emit(t, cp(w, 'eks:authenticator', 'aws-iam-authenticator/v0.6.20'), { verb: 'get', resource: 'configmaps', ns: 'kube-system', name: 'aws-auth' });
  for (const t of w.times(t0, 12)) w.emit(t, cp(w, 'eks:cluster-event-watcher', 'eks-cluster-event-watcher/v1.30'), { verb: 'watch', resource: 'events' });
  const addonMgr: Actor = { user: systemUser('eks:addon-manager'), ip: pick(w.rand, AWS_ADDON_IPS), ua: 'Go-http-client/1.1', reason: 'RBAC: allowed by RoleBinding "eks:addon-manager/kube-system" of Role "eks:addon-manager" to User "eks:addon-manager"' };
  for (const t of w.times(t0, 12)) w.emit(t, addonMgr, { verb: 'get', resource: pick(w.rand, ['deployments', 'daemonsets']), ns: 'kube-system', name: pick(w.rand, ['coredns', 'aws-node', 'kube-proxy', 'ebs-csi-controller']) });
}

export function kubeletHour(w: World, node: NodeState, t0: number): void {
  const k = node.actor;
  for (const t of w.times(t0, 360)) w.emit(t, k, { verb: 'update', resource: 'leases', ns: 'kube-node-lease', name: node.name });
  for (const t of w.times(t0, 60)) w.emit(t, k, { verb: 'get', resource: 'nodes', name: node.name });
  for (const t of w.times(t0, 60)) w.emit(t, k, { verb: 'patch', resource: 'nodes', name: node.name, sub: 'status' });
  for (const r of ['pods', 'services', 'nodes']) for (const t of w.times(t0, 6)) w.emit(t, k, { verb: 'watch', resource: r });
  for (const pod of w.livePods(t0)) {
    if (pod.node !== node) continue;
    const ns = pod.def.ns;
    for (const t of w.times(t0, 6)) w.emit(t, k, { verb: 'watch', resource: 'configmaps', ns });
    if (pod.def.mountsSecrets) for (const t of w.times(t0, 6)) w.emit(t, k, { verb: 'watch', resource: 'secrets', ns });
    for (const t of w.times(t0, 1.25)) w.emit(t, k, { verb: 'create', resource: 'serviceaccounts', ns, name: pod.def.sa, sub: 'token' });
    for (const t of w.times(t0, 2)) w.emit(t, k, { verb: 'get', resource: 'pods', ns, name: pod.name });
  }
}

export function workloadsHour(w: World, t0: number): void {
  for (const pod of w.livePods(t0)) {
    const api = pod.def.api;
    if (!api) continue;
    if (pod.label) w.labelled(pod.label, () => api(w, pod, t0));
    else api(w, pod, t0);
  }
}

// ---------------------------------------------------------------------------------------------
// CI: GitHub Actions through OIDC, from GitHub-hosted runners (Azure addresses, a new one per run)

const RUNNER_PREFIXES = ['20.14', '20.51', '20.85', '20.97', '40.71', '52.179', '13.64', '104.45', '172.183', '4.175', '20.169', '52.225'];

export function ciActor(w: World, tool: 'kubectl' | 'helm'): Actor {
  const prefix = pick(w.rand, RUNNER_PREFIXES);
  const ip = `${prefix}.${Math.floor(w.rand() * 255)}.${1 + Math.floor(w.rand() * 250)}`;
  const run = 9_000_000_000 + Math.floor(w.rand() * 999_999_999);
  return {
    user: roleUser('github-actions-deployer', `GitHubActions-${run}`, `ASIAGHA${run.toString(36).toUpperCase().padEnd(13, 'X').slice(0, 13)}`),
    ip,
    ua: tool === 'helm' ? 'Helm/3.15.4 (linux/amd64) kubernetes/$Format' : 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9',
    reason: 'EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::111122223333:role/github-actions-deployer+arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"',
  };
}

/** `helm upgrade --install` of one application, then `kubectl rollout status`. */
export function ciDeploy(w: World, def: WorkloadDef, t: number): void {
  const helm = ciActor(w, 'helm');
  const ns = def.ns;
  const rel = `sh.helm.release.v1.${def.name}.v${10 + Math.floor(w.rand() * 300)}`;
  let at = t;
  const step = (spec: RequestSpec, a: Actor = helm) => w.emit((at += 300 + Math.floor(w.rand() * 700)), a, { ns, ...spec });
  step({ verb: 'list', resource: 'secrets', query: `labelSelector=name%3D${def.name}%2Cowner%3Dhelm` });
  step({ verb: 'get', resource: 'secrets', name: rel });
  step({ verb: 'create', resource: 'secrets', name: rel });
  step({ verb: 'get', resource: 'configmaps', name: `${def.name}-settings` });
  step({ verb: 'patch', resource: 'configmaps', name: `${def.name}-settings`, body: { data: { LOG_LEVEL: 'info', FEATURE_FLAGS: 'new-cart' } } });
  step({ verb: 'get', resource: 'services', name: def.name });
  step({ verb: 'patch', resource: 'services', name: def.name });
  step({ verb: 'get', resource: 'deployments', name: def.name });
  step({ verb: 'patch', resource: 'deployments', name: def.name, body: { spec: { template: { spec: { containers: [{ name: def.name, image: def.image }] } } } } });
  step({ verb: 'get', resource: 'horizontalpodautoscalers', name: def.name });
  step({ verb: 'update', resource: 'secrets', name: rel.replace(/v\d+$/, 'v9') });
  if (w.rand() < 0.3) step({ verb: 'delete', resource: 'secrets', name: rel.replace(/v\d+$/, 'v1') });
  const kubectl = { ...helm, ua: 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9' };
  for (let i = 0; i < 6; i++) step({ verb: 'get', resource: 'deployments', name: def.name }, kubectl);
  step({ verb: 'list', resource: 'pods', query: `labelSelector=app%3D${def.name}` }, kubectl);
  if (def.kind === 'Deployment') rollout(w, def, t + 5000);
}

// ---------------------------------------------------------------------------------------------
// People

export interface Person {
  session: string;
  role: 'developer' | 'admin';
  /** Hours offset of their local time from UTC. */
  tz: number;
  homeIp: string;
  ua: string;
  namespaces: string[];
}

export const DEVELOPER_ROLE = 'AWSReservedSSO_Developer_4b1c2d3e4f5a6b7c';
export const ADMIN_ROLE = 'AWSReservedSSO_PlatformAdmin_9f8e7d6c5b4a3210';
const OFFICE_NAT = '198.51.100.';

export function people(): Person[] {
  return [
    { session: 'alice@example.com', role: 'developer', tz: 1, homeIp: '81.2.69.142', ua: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350', namespaces: ['shop', 'orders'] },
    { session: 'bob@example.com', role: 'developer', tz: 1, homeIp: '87.115.33.20', ua: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350', namespaces: ['shop', 'payments'] },
    { session: 'carol@example.com', role: 'developer', tz: -5, homeIp: '73.162.10.77', ua: 'k9s/v0.32.5 (darwin/arm64) kubernetes/$Format', namespaces: ['payments', 'data'] },
    { session: 'dan@example.com', role: 'developer', tz: -5, homeIp: '98.207.141.3', ua: 'kubectl/v1.29.7 (linux/amd64) kubernetes/4e4bc7c', namespaces: ['orders', 'data', 'shop'] },
    { session: 'erin@example.com', role: 'developer', tz: 1, homeIp: '90.221.5.18', ua: 'kubectl/v1.30.2 (windows/amd64) kubernetes/3968350', namespaces: ['shop'] },
    { session: 'frank@example.com', role: 'admin', tz: 1, homeIp: '86.142.77.9', ua: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350', namespaces: ['kube-system', 'monitoring', 'logging', 'shop'] },
    { session: 'gwen@example.com', role: 'admin', tz: -5, homeIp: '24.5.63.201', ua: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350', namespaces: ['kube-system', 'monitoring', 'external-secrets', 'data'] },
  ];
}

export function personActor(w: World, p: Person, atHome: boolean, ua = p.ua): Actor {
  const role = p.role === 'admin' ? ADMIN_ROLE : DEVELOPER_ROLE;
  const policy = p.role === 'admin' ? 'AmazonEKSClusterAdminPolicy' : 'AmazonEKSEditPolicy';
  return {
    user: roleUser(role, p.session, `ASIA${p.session.slice(0, 4).toUpperCase()}${Math.floor(w.rand() * 1e9).toString(36).toUpperCase().padEnd(12, 'Q').slice(0, 12)}`),
    ip: atHome ? p.homeIp : `${OFFICE_NAT}${10 + Math.floor(w.rand() * 30)}`,
    ua,
    reason: `EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::${ACCOUNT}:role/${role}+arn:aws:eks::aws:cluster-access-policy/${policy}" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/${policy}"`,
  };
}

type Cmd = (w: World, a: Actor, ns: string, t: number) => number;
const podName = (w: World, ns: string, t: number) => pick(w.rand, w.livePods(t).filter((p) => p.def.ns === ns).map((p) => p.name).concat([`${ns}-debug`]));

const DEV_COMMANDS: Array<[number, Cmd]> = [
  [25, (w, a, ns, t) => (w.emit(t, a, { verb: 'list', resource: 'pods', ns }), 1)],
  [18, (w, a, ns, t) => (w.emit(t, a, { verb: 'get', resource: 'pods', ns, name: podName(w, ns, t), sub: 'log' }), 1)],
  [10, (w, a, ns, t) => (w.emit(t, a, { verb: 'get', resource: 'pods', ns, name: podName(w, ns, t) }), w.emit(t + 200, a, { verb: 'list', resource: 'events', ns }), 2)],
  [8, (w, a, ns, t) => (w.emit(t, a, { verb: 'get', resource: 'deployments', ns, name: pick(w.rand, ['checkout', 'cart', 'catalog', 'payments-api', 'orders-worker']) }), 1)],
  [5, (w, a, ns, t) => (w.emit(t, a, { verb: 'list', resource: 'services', ns }), w.emit(t + 150, a, { verb: 'list', resource: 'endpoints', ns }), 2)],
  [5, (w, a, ns, t) => (w.emit(t, a, { verb: 'list', resource: 'pods', ns, query: 'labelSelector=' }), 1)],
  [4, (w, a, _ns, t) => (w.emit(t, a, { verb: 'list', resource: 'pods', query: 'limit=500' }), 1)],
  [4, (w, a, ns, t) => (w.emit(t, a, { verb: 'get', resource: 'configmaps', ns, name: pick(w.rand, ['checkout-settings', 'cart-settings', 'feature-flags']) }), 1)],
  [3, (w, a, ns, t) => (w.emit(t, a, { verb: 'patch', resource: 'deployments', ns, name: pick(w.rand, ['checkout', 'cart', 'orders-worker']), body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(t).toISOString() } } } } } }), 1)],
  [3, (w, a, ns, t) => (w.emit(t, a, { verb: 'create', resource: 'pods', ns, name: podName(w, ns, t), sub: 'exec', query: 'command=sh&stdin=true&stdout=true&tty=true' }), 1)],
  [2, (w, a, ns, t) => (w.emit(t, a, { verb: 'create', resource: 'pods', ns, name: podName(w, ns, t), sub: 'portforward' }), 1)],
  [2, (w, a, ns, t) => (w.emit(t, a, { verb: 'delete', resource: 'pods', ns, name: podName(w, ns, t) }), 1)],
  [3, (w, a, _ns, t) => (w.emit(t, a, { verb: 'list', resource: 'nodes' }), 1)],
  [1.5, (w, a, ns, t) => (w.emit(t, a, { verb: 'get', resource: 'secrets', ns, name: pick(w.rand, ['checkout-db', 'cart-redis', 'payments-api-key', 'orders-queue']) }), 1)],
  [1, (w, a, ns, t) => (w.emit(t, a, { verb: 'patch', resource: 'deployments', ns, name: pick(w.rand, ['checkout', 'cart']), sub: 'scale' }), 1)],
  [1, (w, a, ns, t) => (w.emit(t, a, { verb: 'list', resource: 'ingresses', ns }), 1)],
  [1, (w, a, ns, t) => (w.emit(t, a, { verb: 'list', resource: 'horizontalpodautoscalers', ns }), 1)],
  [0.3, (w, a, _ns, t) => (w.emit(t, a, { verb: 'create', resource: 'selfsubjectaccessreviews' }), 1)],
];

const ADMIN_COMMANDS: Array<[number, Cmd]> = [
  [15, (w, a, _ns, t) => (w.emit(t, a, { verb: 'list', resource: 'nodes' }), 1)],
  [15, (w, a, ns, t) => (w.emit(t, a, { verb: 'list', resource: 'pods', ns }), 1)],
  [10, (w, a, _ns, t) => (w.emit(t, a, { verb: 'list', resource: 'pods', query: 'limit=500' }), 1)],
  [10, (w, a, ns, t) => (w.emit(t, a, { verb: 'get', resource: 'pods', ns, name: podName(w, ns, t), sub: 'log' }), 1)],
  [8, (w, a, _ns, t) => (w.emit(t, a, { verb: 'get', resource: 'nodes', name: pick(w.rand, w.liveNodes(t)).name }), 1)],
  [6, (w, a, _ns, t) => (w.emit(t, a, { verb: 'list', resource: 'daemonsets', ns: 'kube-system' }), 1)],
  [6, (w, a, _ns, t) => (w.emit(t, a, { verb: 'list', resource: 'events', ns: 'kube-system' }), 1)],
  [4, (w, a, ns, t) => (w.emit(t, a, { verb: 'get', resource: 'configmaps', ns, name: 'aws-auth' }), 1)],
  [4, (w, a, _ns, t) => (w.emit(t, a, { verb: 'list', resource: 'clusterrolebindings' }), 1)],
  [3, (w, a, _ns, t) => (w.emit(t, a, { verb: 'get', resource: 'clusterroles', name: pick(w.rand, ['view', 'edit', 'admin']) }), 1)],
  [3, (w, a, ns, t) => (w.emit(t, a, { verb: 'create', resource: 'pods', ns, name: podName(w, ns, t), sub: 'exec', query: 'command=sh&stdin=true&stdout=true&tty=true' }), 1)],
  [2, (w, a, ns, t) => (w.emit(t, a, { verb: 'get', resource: 'secrets', ns, name: pick(w.rand, ['aws-load-balancer-tls', 'grafana-admin', 'external-secrets-webhook']) }), 1)],
  [2, (w, a, ns, t) => (w.emit(t, a, { verb: 'create', resource: 'rolebindings', ns, body: { kind: 'RoleBinding', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'developers' }] } }), 1)],
  [2, (w, a, ns, t) => (w.emit(t, a, { verb: 'patch', resource: 'deployments', ns, name: pick(w.rand, ['coredns', 'metrics-server', 'prometheus']) }), 1)],
  [1, (w, a, _ns, t) => (w.emit(t, a, { verb: 'create', resource: 'selfsubjectrulesreviews' }), 1)],
  [1, (w, a, ns, t) => (w.emit(t, a, { verb: 'create', resource: 'pods', ns, name: podName(w, ns, t), sub: 'eviction' }), 1)],
];

function weighted(w: World, cmds: Array<[number, Cmd]>): Cmd {
  const total = cmds.reduce((n, [wt]) => n + wt, 0);
  let r = w.rand() * total;
  for (const [wt, c] of cmds) if ((r -= wt) <= 0) return c;
  return cmds[cmds.length - 1]![1];
}

/** One terminal session: a burst of commands over a few minutes to half an hour. */
export function session(w: World, p: Person, t: number, atHome: boolean, commands: number, ua?: string): number {
  const a = personActor(w, p, atHome, ua);
  const cmds = p.role === 'admin' ? ADMIN_COMMANDS : DEV_COMMANDS;
  // Tools re-discover the API at the start of a session.
  w.push(t, nonResource(t, a, 'get', '/api?timeout=32s'));
  let at = t + 500;
  for (let i = 0; i < commands; i++) {
    const ns = w.rand() < 0.85 ? pick(w.rand, p.namespaces) : pick(w.rand, ['shop', 'payments', 'orders', 'data', 'monitoring']);
    weighted(w, cmds)(w, a, ns, at);
    at += 5_000 + Math.floor(w.rand() * 90_000);
  }
  return at;
}

export const localHour = (t: number, tz: number) => ((Math.floor(t / HOUR) + tz) % 24 + 24) % 24;
/** 0 = Monday … 6 = Sunday, in the person's time zone. */
export const localWeekday = (t: number, tz: number) => ((Math.floor((t + tz * HOUR) / DAY) + 3) % 7 + 7) % 7;


/** Work due at a time; it may schedule more. */
export interface Scheduled {
  t: number;
  fn: () => void;
}

/**
 * The hour-by-hour clock both scenarios run on: each hour, everything scheduled before its end
 * runs (work that schedules more runs too, until the queue is empty), then `eachHour` adds the
 * hour's routine; events are yielded per hour, and those stamped later are carried over.
 */
export function* hourly(w: World, start: number, days: number, schedule: Scheduled[], eachHour: (h: number, t0: number) => void): Generator<Emitted[]> {
  let carry: Emitted[] = [];
  for (let h = 0; h < days * 24; h++) {
    const t0 = start + h * HOUR;
    const t1 = t0 + HOUR;
    for (;;) {
      const due = schedule.filter((s) => s.t < t1);
      if (due.length === 0) break;
      for (const s of due) schedule.splice(schedule.indexOf(s), 1);
      due.sort((a, b) => a.t - b.t);
      for (const s of due) s.fn();
    }
    eachHour(h, t0);
    const all = carry.concat(w.drain());
    const now: Emitted[] = [];
    carry = [];
    for (const e of all) (e.t < t1 ? now : carry).push(e);
    now.sort((a, b) => a.t - b.t);
    yield now;
  }
  if (carry.length) yield carry.sort((a, b) => a.t - b.t);
}
