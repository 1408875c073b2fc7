/**
 * CloudWatch Logs deliveries as a real cluster produces them: an EKS control plane writes its
 * audit log to two API-server log streams, and the subscription filter delivers each stream
 * near-real-time, every couple of seconds, so a payload holds tens of events, not thousands.
 * About 90 principals (kubelets, controllers, workloads' service accounts, CI roles, people)
 * make about 80 requests a second together. Seeded, so every run measures the same input.
 */
import type { AuditEvent } from '#shared/audit/event';
import type { CloudWatchLogsData } from '#shared/audit/cloudwatch';
import { nodeUser, req, resetAuditIds, roleUser, saUser, systemUser, type Actor, type RequestSpec } from '#test/eval/scenario/audit-builder';
import { seededRandom } from '#infra/local/scenario/random';

export interface DeliveryOptions {
  /** Requests per second, the whole cluster. */
  eventsPerSec: number;
  /** API-server log streams (EKS runs at least two). */
  streams: number;
  /** How often each stream is cut into a payload (ms). */
  cutMs: number;
}

export const REALISTIC_DELIVERY: DeliveryOptions = { eventsPerSec: 80, streams: 2, cutMs: 2000 };

interface Principal {
  actors: Actor[];
  requests: RequestSpec[];
  /** Relative share of the cluster's requests. */
  weight: number;
}

const NAMESPACES = ['shop', 'payments', 'search', 'media', 'auth', 'orders', 'ledger', 'edge'];

/** About 90 principals with the repertoires and relative rates of a mid-sized production cluster. */
export function realisticPrincipals(): Principal[] {
  const out: Principal[] = [];
  const nodes = Array.from({ length: 30 }, (_, i) => `ip-10-40-${(i % 3) + 1}-${20 + i}.ec2.internal`);
  nodes.forEach((node, i) => {
    out.push({
      actors: [{ user: nodeUser(node, `i-0b${String(i).padStart(15, '0')}`), ip: `10.40.${(i % 3) + 1}.${20 + i}`, ua: 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46' }],
      requests: [
        { verb: 'update', resource: 'leases', ns: 'kube-node-lease', name: node },
        { verb: 'patch', resource: 'nodes', name: node, sub: 'status' },
        { verb: 'get', resource: 'nodes', name: node },
        { verb: 'patch', resource: 'pods', ns: NAMESPACES[i % 8]!, name: `app-${i}-7d9f`, sub: 'status' },
        { verb: 'get', resource: 'configmaps', ns: NAMESPACES[i % 8]!, name: 'kube-root-ca.crt' },
        { verb: 'get', resource: 'secrets', ns: NAMESPACES[i % 8]!, name: `app-${i % 8}-db` },
      ],
      weight: 1,
    });
  });
  for (let i = 0; i < 40; i++) {
    const ns = NAMESPACES[i % 8]!;
    const name = `svc-${i}`;
    const actors = [0, 1].map((r) => {
      const pod = `${name}-6c8d7f9b5-${r === 0 ? 'a1b2c' : 'd3e4f'}`;
      return { user: saUser(ns, name, { name: pod, node: nodes[(i + r * 7) % 30]!, credential: `JTI=${pod}` }), ip: `10.40.${(i % 3) + 1}.${100 + i + r}`, ua: `${name}/v1.4.${i % 5} (linux/amd64)` };
    });
    out.push({
      actors,
      requests: [
        { verb: 'get', resource: 'configmaps', ns, name: `${name}-settings` },
        { verb: 'watch', resource: 'configmaps', ns },
        { verb: 'list', resource: 'endpoints', ns },
        { verb: 'get', resource: 'secrets', ns, name: `${name}-credentials` },
      ],
      weight: 0.5,
    });
  }
  const controllers = [
    'system:kube-controller-manager',
    'system:kube-scheduler',
    'system:serviceaccount:kube-system:replicaset-controller',
    'system:serviceaccount:kube-system:endpointslice-controller',
    'system:serviceaccount:kube-system:deployment-controller',
    'system:serviceaccount:kube-system:aws-node',
    'system:serviceaccount:kube-system:coredns',
    'system:serviceaccount:karpenter:karpenter',
    'system:serviceaccount:cert-manager:cert-manager',
    'system:serviceaccount:kube-system:aws-load-balancer-controller',
    'system:serviceaccount:monitoring:prometheus',
    'system:serviceaccount:flux-system:kustomize-controller',
  ];
  controllers.forEach((username, i) => {
    const parts = username.split(':');
    const user = parts[1] === 'serviceaccount' ? saUser(parts[2]!, parts[3]!) : systemUser(username);
    out.push({
      actors: [{ user, ip: `10.40.0.${10 + i}`, ua: `${parts[parts.length - 1]}/v1.31.2 (linux/amd64) kubernetes/5864a46` }],
      requests: [
        { verb: 'update', resource: 'leases', ns: 'kube-system', name: parts[parts.length - 1]! },
        { verb: 'list', resource: 'pods' },
        { verb: 'watch', resource: 'endpointslices' },
        ...NAMESPACES.slice(0, 4).map((ns): RequestSpec => ({ verb: 'update', resource: 'replicasets', ns, sub: 'status' })),
        { verb: 'get', resource: 'configmaps', ns: 'kube-system', name: 'extension-apiserver-authentication' },
      ],
      weight: 2.5,
    });
  });
  for (let i = 0; i < 5; i++) {
    out.push({
      actors: [{ user: roleUser(`deployer-${i}`, `ci-run-${i}`, `ASIACI${String(i).padStart(10, '0')}`), ip: `10.40.200.${i + 1}`, ua: 'kubectl/v1.31.0 (linux/amd64) kubernetes/abc1234' }],
      requests: [
        { verb: 'get', resource: 'deployments', ns: NAMESPACES[i]!, name: `svc-${i}` },
        { verb: 'patch', resource: 'deployments', ns: NAMESPACES[i]!, name: `svc-${i}` },
      ],
      weight: 0.05,
    });
  }
  for (const person of ['alice@example.com', 'bob@example.com', 'carol@example.com']) {
    out.push({
      actors: [{ user: roleUser('sso_oncall', person, `ASIASSO${person.slice(0, 3).toUpperCase()}0000000`), ip: '198.51.100.23', ua: 'kubectl/v1.31.0 (darwin/arm64) kubernetes/abc1234' }],
      requests: [
        { verb: 'list', resource: 'pods', ns: 'shop' },
        { verb: 'get', resource: 'pods', ns: 'shop', name: 'svc-0-6c8d7f9b5-a1b2c', sub: 'log' },
        { verb: 'list', resource: 'events', ns: 'shop' },
      ],
      weight: 0.05,
    });
  }
  return out;
}

/**
 * The payloads of `[fromMs, toMs)`, in delivery order: each stream is cut every `cutMs`, and a
 * payload holds the stream's events of that interval (empty intervals send nothing). Event ids
 * are unique across calls with the same `idSpace`.
 */
export function* deliveries(fromMs: number, toMs: number, opts: DeliveryOptions, seed: number): Generator<CloudWatchLogsData> {
  const rand = seededRandom(seed);
  resetAuditIds(seed);
  const principals = realisticPrincipals();
  const total = principals.reduce((n, p) => n + p.weight, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const p of principals) cumulative.push((acc += p.weight / total));
  const pickPrincipal = (): Principal => {
    const r = rand();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return principals[lo]!;
  };
  const perCut = (opts.eventsPerSec * opts.cutMs) / 1000;
  let id = 0;
  for (let t = fromMs; t < toMs; t += opts.cutMs) {
    const byStream: AuditEvent[][] = Array.from({ length: opts.streams }, () => []);
    // Poisson-like spread around the mean rate.
    const n = Math.max(0, Math.round(perCut * (0.75 + rand() * 0.5)));
    for (let i = 0; i < n; i++) {
      const p = pickPrincipal();
      const actor = p.actors[Math.floor(rand() * p.actors.length)]!;
      const spec = p.requests[Math.floor(rand() * p.requests.length)]!;
      byStream[Math.floor(rand() * opts.streams)]!.push(req(t + Math.floor(rand() * opts.cutMs), actor, spec));
    }
    for (let s = 0; s < opts.streams; s++) {
      const events = byStream[s]!.sort((a, b) => (a.stageTimestamp! < b.stageTimestamp! ? -1 : 1));
      if (events.length === 0) continue;
      yield {
        messageType: 'DATA_MESSAGE',
        owner: '111122223333',
        logGroup: '/aws/eks/bench/cluster',
        logStream: `kube-apiserver-audit-${String(s).repeat(32)}`,
        subscriptionFilters: ['boundwatch'],
        logEvents: events.map((e) => ({
          id: `${seed}`.padStart(12, '0') + String(id++).padStart(44, '0'),
          timestamp: Date.parse(e.stageTimestamp!) + 50,
          message: JSON.stringify(e),
        })),
      };
    }
  }
}
