/**
 * Events that look new but are benign — the ones a naive "first time seen" rule alarms on: a
 * new engineer on the on-call rotation, a kubectl upgrade, an EKS add-on update, an
 * autoscaling burst with new nodes joining, a new deployment with its own service account, a
 * new namespace for a team, a weekend hotfix, and the second run of a weekly CronJob. Each one
 * is scheduled in the judged days and labelled `lookalike:<name>`.
 */
import { pick } from '#infra/local/scenario/random';
import { saUser, workloadBody, type Actor } from './audit-builder';
import {
  DAY,
  HOUR,
  MIN,
  ciActor,
  ciDeploy,
  nodeJoins,
  nodeLeaves,
  personActor,
  podStarts,
  podStops,
  session,
  type Person,
  type PodState,
  type WorkloadDef,
  type World,
} from './cluster-model';

export interface Lookalike {
  id: string;
  title: string;
  day: number;
  hour: number;
  run(w: World, t: number, ctx: LookalikeContext): void;
}

export interface LookalikeContext {
  people: Person[];
  /** Lets a lookalike change a person for the rest of the scenario (a new laptop, a new engineer). */
  setPerson(p: Person): void;
  workload(ns: string, name: string): WorkloadDef;
  /** Registers a workload that appears during the scenario. */
  addWorkload(def: WorkloadDef): void;
  /** Schedules more work later in the scenario. */
  later(t: number, fn: () => void): void;
}

const controllerActor = (name: string): Actor => ({
  user: saUser('kube-system', name),
  ip: '172.16.49.12',
  ua: `kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/a737599/${name}`,
  reason: `RBAC: allowed by ClusterRoleBinding "system:controller:${name}"`,
});

export const LOOKALIKES: Lookalike[] = [
  {
    id: 'new-oncall-engineer',
    title: 'A new engineer joins the rotation (new session name, new home network, k9s)',
    day: 7,
    hour: 9.5,
    run(w, t, ctx) {
      const grace: Person = { session: 'grace@example.com', role: 'developer', tz: 1, homeIp: '151.229.84.12', ua: 'k9s/v0.32.5 (darwin/arm64) kubernetes/$Format', namespaces: ['shop', 'orders'] };
      ctx.setPerson(grace);
      session(w, grace, t, true, 14);
      ctx.later(t + 5 * HOUR, () => session(w, grace, t + 5 * HOUR, false, 10));
    },
  },
  {
    id: 'kubectl-upgrade',
    title: 'A developer upgrades kubectl on the laptop',
    day: 8,
    hour: 8.7,
    run(w, t, ctx) {
      const bob = ctx.people.find((p) => p.session === 'bob@example.com')!;
      const upgraded = { ...bob, ua: 'kubectl/v1.31.1 (darwin/arm64) kubernetes/948afe5' };
      ctx.setPerson(upgraded);
      session(w, upgraded, t, false, 12);
    },
  },
  {
    id: 'addon-upgrade',
    title: 'EKS updates the VPC CNI add-on (new image tag, pods replaced on every node)',
    day: 8,
    hour: 2.2,
    run(w, t, ctx) {
      const addon: Actor = { user: { username: 'eks:addon-manager', groups: ['system:authenticated'] }, ip: '35.163.244.48', ua: 'Go-http-client/1.1', reason: 'RBAC: allowed by RoleBinding "eks:addon-manager/kube-system"' };
      const def = ctx.workload('kube-system', 'aws-node');
      def.image = def.image.replace('v1.18.3', 'v1.18.5');
      w.emit(t, addon, { verb: 'get', resource: 'daemonsets', ns: 'kube-system', name: 'aws-node' });
      w.emit(t + 2000, addon, { verb: 'patch', resource: 'daemonsets', ns: 'kube-system', name: 'aws-node', body: { spec: { template: { spec: { containers: [{ name: 'aws-node', image: def.image }] } } } } });
      let at = t + 10_000;
      for (const pod of w.livePods(t, def)) {
        podStops(w, pod, at, controllerActor('daemon-set-controller'));
        podStarts(w, def, at + 35_000, pod.node, '');
        at += 60_000;
      }
    },
  },
  {
    id: 'autoscaling-burst',
    title: 'A traffic peak: HPA scales checkout from 3 to 10 replicas; cluster-autoscaler adds two nodes',
    day: 9,
    hour: 11,
    run(w, t, ctx) {
      const checkout = ctx.workload('shop', 'checkout');
      const hpa = controllerActor('horizontal-pod-autoscaler');
      const ca = w.livePods(t).find((p) => p.def.name === 'cluster-autoscaler')!;
      const caActor = w.podActor(ca, t);
      w.emit(t, hpa, { verb: 'update', resource: 'deployments', ns: 'shop', name: 'checkout', sub: 'scale' });
      const nodes = w.labelled('lookalike:new-node-joins', () => {
        w.emit(t + 60_000, caActor, { verb: 'get', resource: 'configmaps', ns: 'kube-system', name: 'cluster-autoscaler-status' });
        return [nodeJoins(w, t + 3 * MIN), nodeJoins(w, t + 4 * MIN)];
      });
      const rs = w.livePods(t, checkout)[0]?.rs ?? w.suffix(9);
      const burst: PodState[] = [];
      for (let i = 0; i < 7; i++) {
        const node = i < 4 ? nodes[i % 2]! : pick(w.rand, w.liveNodes(t));
        burst.push(podStarts(w, checkout, t + 5 * MIN + i * 20_000, node, rs));
      }
      // Traffic falls in the evening: back to three replicas, the nodes drain and leave.
      ctx.later(t + 5 * HOUR, () => {
        const end = t + 5 * HOUR;
        w.emit(end, hpa, { verb: 'update', resource: 'deployments', ns: 'shop', name: 'checkout', sub: 'scale' });
        burst.forEach((p, i) => podStops(w, p, end + 30_000 + i * 5000));
        ctx.later(end + HOUR, () => w.labelled('lookalike:new-node-joins', () => nodes.forEach((n, i) => nodeLeaves(w, n, end + HOUR + i * 60_000))));
      });
    },
  },
  {
    id: 'new-deployment-new-sa',
    title: 'CI deploys a new service (search) with its own service account',
    day: 10,
    hour: 10.5,
    run(w, t, ctx) {
      const ci = ciActor(w, 'helm');
      const def: WorkloadDef = {
        ns: 'shop', name: 'search', sa: 'search', kind: 'Deployment', replicas: 2, mountsSecrets: true,
        image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/search:1.0.0', ua: 'search/v1.0.0 (linux/amd64) kubernetes/$Format', label: 'lookalike:new-deployment-new-sa',
        startup: (w2, pod, t2) => w2.emit(t2, w2.podActor(pod, t2), { verb: 'get', resource: 'leases', ns: 'shop', name: 'search-indexer' }),
        api: (w2, pod, t0) => {
          const a = w2.podActor(pod, t0);
          for (const tt of w2.times(t0, 360)) w2.emit(tt, a, { verb: 'update', resource: 'leases', ns: 'shop', name: 'search-indexer' });
          for (const tt of w2.times(t0, 8)) w2.emit(tt, a, { verb: 'watch', resource: 'configmaps', ns: 'shop' });
          for (const tt of w2.times(t0, 4)) w2.emit(tt, a, { verb: 'get', resource: 'configmaps', ns: 'shop', name: 'search-settings' });
        },
      };
      w.emit(t, ci, { verb: 'list', resource: 'secrets', ns: 'shop', query: 'labelSelector=name%3Dsearch%2Cowner%3Dhelm' });
      w.emit(t + 900, ci, { verb: 'create', resource: 'secrets', ns: 'shop', name: 'sh.helm.release.v1.search.v1' });
      w.emit(t + 1500, ci, { verb: 'create', resource: 'serviceaccounts', ns: 'shop', body: { kind: 'ServiceAccount', metadata: { name: 'search' } } });
      w.emit(t + 2000, ci, { verb: 'create', resource: 'configmaps', ns: 'shop', body: { kind: 'ConfigMap', metadata: { name: 'search-settings' }, data: { INDEX_REFRESH: '30s' } } });
      w.emit(t + 2500, ci, { verb: 'create', resource: 'roles', ns: 'shop', body: { kind: 'Role', metadata: { name: 'search' }, rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'create'] }] } });
      w.emit(t + 2800, ci, { verb: 'create', resource: 'rolebindings', ns: 'shop', body: { kind: 'RoleBinding', metadata: { name: 'search' }, roleRef: { kind: 'Role', name: 'search' }, subjects: [{ kind: 'ServiceAccount', name: 'search', namespace: 'shop' }] } });
      w.emit(t + 3000, ci, { verb: 'create', resource: 'services', ns: 'shop', body: { kind: 'Service', metadata: { name: 'search' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } } });
      w.emit(t + 3500, ci, { verb: 'create', resource: 'deployments', ns: 'shop', body: workloadBody('Deployment', 'shop', 'search', { serviceAccountName: 'search', containers: [{ name: 'search', image: def.image }] }, 2) });
      ctx.addWorkload(def);
      const rs = w.suffix(9);
      w.labelled(def.label, () => {
        podStarts(w, def, t + 8000, pick(w.rand, w.liveNodes(t)), rs);
        podStarts(w, def, t + 9000, pick(w.rand, w.liveNodes(t)), rs);
      });
    },
  },
  {
    id: 'new-namespace',
    title: 'A platform engineer creates a namespace for a new team; CI deploys its first service there',
    day: 11,
    hour: 9.2,
    run(w, t, ctx) {
      const frank = ctx.people.find((p) => p.session === 'frank@example.com')!;
      const at = session(w, { ...frank, namespaces: ['analytics'] }, t, false, 3);
      const def: WorkloadDef = {
        ns: 'analytics', name: 'reports-api', sa: 'reports-api', kind: 'Deployment', replicas: 2, mountsSecrets: true,
        image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/analytics/reports-api:0.4.0', ua: 'reports-api/v0.4.0 (linux/amd64) kubernetes/$Format', label: 'lookalike:new-namespace',
        startup: (w2, pod, t2) => w2.emit(t2, w2.podActor(pod, t2), { verb: 'get', resource: 'configmaps', ns: 'analytics', name: 'reports-settings' }),
        api: (w2, pod, t0) => {
          for (const tt of w2.times(t0, 6)) w2.emit(tt, w2.podActor(pod, t0), { verb: 'get', resource: 'configmaps', ns: 'analytics', name: 'reports-settings' });
        },
      };
      // The namespace itself, and what the control plane does for every new namespace.
      const fa = personActor(w, frank, false);
      w.emit(at, fa, { verb: 'create', resource: 'namespaces', body: { kind: 'Namespace', metadata: { name: 'analytics' } } });
      w.emit(at + 500, controllerActor('service-account-controller'), { verb: 'create', resource: 'serviceaccounts', ns: 'analytics', body: { kind: 'ServiceAccount', metadata: { name: 'default' } } });
      w.emit(at + 600, controllerActor('root-ca-cert-publisher'), { verb: 'create', resource: 'configmaps', ns: 'analytics', body: { kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' } } });
      w.emit(at + 4000, fa, { verb: 'create', resource: 'rolebindings', ns: 'analytics', body: { kind: 'RoleBinding', metadata: { name: 'analytics-devs' }, roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: 'analytics-developers' }] } });
      ctx.later(at + 2 * HOUR, () => {
        const ci = ciActor(w, 'helm');
        const t2 = at + 2 * HOUR;
        w.emit(t2, ci, { verb: 'list', resource: 'secrets', ns: 'analytics', query: 'labelSelector=name%3Dreports-api%2Cowner%3Dhelm' });
        w.emit(t2 + 800, ci, { verb: 'create', resource: 'secrets', ns: 'analytics', name: 'sh.helm.release.v1.reports-api.v1' });
        w.emit(t2 + 1500, ci, { verb: 'create', resource: 'serviceaccounts', ns: 'analytics', body: { kind: 'ServiceAccount', metadata: { name: 'reports-api' } } });
        w.emit(t2 + 2000, ci, { verb: 'create', resource: 'configmaps', ns: 'analytics', body: { kind: 'ConfigMap', metadata: { name: 'reports-settings' }, data: { PAGE_SIZE: '50' } } });
        w.emit(t2 + 2500, ci, { verb: 'create', resource: 'services', ns: 'analytics', body: { kind: 'Service', metadata: { name: 'reports-api' }, spec: { type: 'ClusterIP' } } });
        w.emit(t2 + 3000, ci, { verb: 'create', resource: 'deployments', ns: 'analytics', body: workloadBody('Deployment', 'analytics', 'reports-api', { serviceAccountName: 'reports-api', containers: [{ name: 'reports-api', image: def.image }] }, 2) });
        ctx.addWorkload(def);
        const rs = w.suffix(9);
        w.labelled(def.label, () => {
          podStarts(w, def, t2 + 8000, pick(w.rand, w.liveNodes(t2)), rs);
          podStarts(w, def, t2 + 9000, pick(w.rand, w.liveNodes(t2)), rs);
        });
      });
    },
  },
  {
    id: 'weekend-hotfix',
    title: 'Saturday afternoon page: the on-call engineer restarts checkout from home, then CI ships a hotfix',
    day: 12,
    hour: 13.4,
    run(w, t, ctx) {
      const oncall = ctx.people.find((p) => p.session === 'alice@example.com')!;
      const end = session(w, oncall, t, true, 18);
      ctx.later(end + 40 * MIN, () => ciDeploy(w, ctx.workload('shop', 'checkout'), end + 40 * MIN));
    },
  },
];

export { DAY };
