/**
 * What happens on the platform cluster (platform-cluster.ts) besides its routine: the attacks
 * its detectors must catch, each with the severity it deserves and the principal it must be
 * raised on, and the look-new-but-benign events of a platform like this one.
 */
import { pick } from '#infra/local/scenario/random';
import { ACCOUNT, roleUser, saUser, type Actor } from './audit-builder';
import { DAY, HOUR, MIN, personActor, session, type World } from './cluster-model';
import {
  CERT_MANAGER,
  ISTIOD,
  KUSTOMIZE_CONTROLLER,
  PLATFORM_PEOPLE,
  PlatformWorld,
  TENANTS,
  TENANT_SA,
  replaceNode,
  tenantUser,
} from './platform-cluster';
import type { Technique } from './techniques';

export interface PlatformContext {
  later(t: number, fn: () => void): void;
}

export interface PlatformLookalike {
  id: string;
  title: string;
  day: number;
  hour: number;
  run(w: PlatformWorld, t: number, ctx: PlatformContext): void;
}

const ATTACKER = ['45.137.21.9', '194.26.29.113', '5.188.206.14'];
const KUBECTL = 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc';
const ADMIN_ROLE = 'AWSReservedSSO_PlatformAdmin_9f8e7d6c5b4a3210';
const DEVELOPER_ROLE = 'AWSReservedSSO_Developer_4b1c2d3e4f5a6b7c';
const roleArn = (role: string) => `arn:aws:iam::${ACCOUNT}:role/${role}`;

const stolenCi = (): Actor => ({
  user: roleUser('gitlab-ci-runner', 'gitlab-ci-7123456', 'ASIAGLCISTOLEN00001'),
  ip: ATTACKER[0]!,
  ua: KUBECTL,
  reason: `EKS Access Policy: allowed by ClusterRoleBinding "${roleArn('gitlab-ci-runner')}+arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"`,
});

const admin = (ip: string, session: string, key: string): Actor => ({
  user: roleUser(ADMIN_ROLE, session, key),
  ip,
  ua: KUBECTL,
  reason: `EKS Access Policy: allowed by ClusterRoleBinding "${roleArn(ADMIN_ROLE)}+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"`,
});

function podOf(w: World, t: number, ns: string, name: string) {
  const p = w.livePods(t).find((x) => x.def.ns === ns && x.def.name === name);
  if (!p) throw new Error(`platform scenario: no running pod of ${ns}/${name}`);
  return p;
}

export const PLATFORM_TECHNIQUES: Technique[] = [
  {
    id: 'ssa.webhook-to-external-url',
    title: 'Stolen CI session creates a mutating webhook by server-side apply, pointing outside the cluster',
    source: 'extra',
    day: 8,
    hour: 4.2,
    expect: { severity: 'HIGH', principal: roleArn('gitlab-ci-runner') },
    run(w, t) {
      w.emit(t, stolenCi(), {
        verb: 'patch',
        resource: 'mutatingwebhookconfigurations',
        name: 'pod-policy',
        code: 201,
        query: 'fieldManager=kubectl&force=true',
        body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'pod-policy' }, webhooks: [{ name: 'pods.policy.example.io', clientConfig: { url: 'https://198.51.100.77:8443/mutate' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }] },
      });
    },
  },
  {
    id: 'anti-forensics.events-and-log-shipper',
    title: 'A stolen admin session erases events everywhere and rewrites the log shipper configuration',
    source: 'extra',
    day: 9,
    hour: 2.6,
    expect: { severity: 'HIGH', principal: roleArn(ADMIN_ROLE) },
    run(w, t) {
      const a = admin(ATTACKER[1]!, 'kim@example.com', 'ASIAKIMSTOLEN000001');
      w.emit(t, a, { verb: 'deletecollection', resource: 'events' });
      w.emit(t + 4000, a, { verb: 'patch', resource: 'configmaps', ns: 'logging', name: 'fluent-bit-config', body: { data: { 'output.conf': '[OUTPUT]\n    Name null\n    Match *\n' } } });
    },
  },
  {
    id: 'kubelet-api.exec-through-node-proxy',
    title: "Prometheus's token runs a shell in a pod through the kubelet API",
    source: 'extra',
    day: 10,
    hour: 21.4,
    expect: { severity: 'HIGH', principal: 'system:serviceaccount:monitoring:prometheus' },
    run(w, t) {
      const prom = podOf(w, t, 'monitoring', 'prometheus');
      const a = { ...w.podActor(prom, t), ua: 'curl/8.5.0' };
      const target = pick(w.rand, w.livePods(t).filter((p) => p.def.ns === 'payments'));
      w.emit(t, a, { verb: 'get', resource: 'nodes', name: target.node.name, sub: 'proxy', subpath: '/pods' });
      w.emit(t + 5000, a, { verb: 'create', resource: 'nodes', name: target.node.name, sub: 'proxy', subpath: `/exec/payments/${target.name}/${target.def.name}`, query: 'command=sh&command=-c&command=id&output=1&error=1', code: 101, stage: 'ResponseComplete' });
    },
  },
  {
    id: 'impersonation.system-masters',
    title: "The GitOps controller's token impersonates a cluster administrator",
    source: 'extra',
    day: 11,
    hour: 3.1,
    expect: { severity: 'HIGH', principal: 'system:serviceaccount:flux-system:kustomize-controller' },
    run(w, t) {
      const pod = w.livePods(t, KUSTOMIZE_CONTROLLER)[0]!;
      const a = { ...w.podActor(pod, t), ip: pod.ip, ua: KUBECTL };
      const as = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
      w.emit(t, a, { verb: 'list', resource: 'secrets', ns: 'payments', impersonate: as });
      w.emit(t + 3000, a, { verb: 'get', resource: 'secrets', ns: 'payments', name: 'psp-credentials', impersonate: as });
    },
  },
  {
    id: 'rbac.role-with-impersonate',
    title: 'A stolen developer session creates a ClusterRole that can impersonate anyone',
    source: 'extra',
    day: 12,
    hour: 20.7,
    expect: { severity: 'HIGH', principal: roleArn(DEVELOPER_ROLE) },
    run(w, t) {
      const a: Actor = { user: roleUser(DEVELOPER_ROLE, 'hank@example.com', 'ASIAHANKSTOLEN00001'), ip: ATTACKER[2]!, ua: KUBECTL, reason: `EKS Access Policy: allowed by ClusterRoleBinding "${roleArn(DEVELOPER_ROLE)}+arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"` };
      w.emit(t, a, { verb: 'create', resource: 'clusterroles', body: { kind: 'ClusterRole', metadata: { name: 'support-tools' }, rules: [{ apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] }] } });
    },
  },
  {
    id: 'session.concurrent-use',
    title: "A developer's session key used from the attacker's network while the developer works",
    source: 'extra',
    day: 9,
    hour: 15.3,
    expect: { severity: 'HIGH', principal: roleArn(DEVELOPER_ROLE) },
    run(w, t) {
      const iris = PLATFORM_PEOPLE[1]!;
      const own = personActor(w, iris, true);
      w.labelled(undefined, () => {
        w.emit(t, own, { verb: 'list', resource: 'pods', ns: 'payments' });
        w.emit(t + 40_000, own, { verb: 'get', resource: 'pods', ns: 'payments', name: 'payments-api', sub: 'log' });
      });
      const thief: Actor = { ...own, ip: ATTACKER[2]!, ua: own.ua };
      w.emit(t + 4 * MIN, thief, { verb: 'list', resource: 'pods', ns: 'payments' });
      w.emit(t + 4 * MIN + 3000, thief, { verb: 'get', resource: 'configmaps', ns: 'payments', name: 'payments-settings' });
    },
  },
  {
    id: 'new-sa.node-proxy',
    title: 'A person creates a service account with nodes/proxy rights, then it reaches the kubelets',
    source: 'extra',
    day: 12,
    hour: 9.8,
    expect: { severity: 'HIGH', principal: 'system:serviceaccount:default:node-debugger' },
    run(w, t) {
      const jon = PLATFORM_PEOPLE[2]!;
      const a = admin(jon.homeIp, jon.session, 'ASIAJONSESSION00042');
      w.labelled(undefined, () => {
        w.emit(t, a, { verb: 'create', resource: 'serviceaccounts', ns: 'default', body: { kind: 'ServiceAccount', metadata: { name: 'node-debugger' } } });
        w.emit(t + 2000, a, { verb: 'create', resource: 'clusterrolebindings', body: { kind: 'ClusterRoleBinding', metadata: { name: 'node-debugger' }, roleRef: { kind: 'ClusterRole', name: 'system:node-proxier' }, subjects: [{ kind: 'ServiceAccount', name: 'node-debugger', namespace: 'default' }] } });
        w.emit(t + 4000, a, { verb: 'create', resource: 'serviceaccounts', ns: 'default', name: 'node-debugger', sub: 'token' });
      });
      const sa: Actor = { user: saUser('default', 'node-debugger'), ip: '10.20.2.77', ua: 'curl/8.5.0', reason: 'RBAC: allowed by ClusterRoleBinding "node-debugger" of ClusterRole "system:node-proxier" to ServiceAccount "node-debugger/default"' };
      for (const [i, n] of w.liveNodes(t).slice(0, 3).entries()) w.emit(t + 60_000 + i * 2000, sa, { verb: 'get', resource: 'nodes', name: n.name, sub: 'proxy', subpath: '/pods' });
    },
  },
];

export const PLATFORM_LOOKALIKES: PlatformLookalike[] = [
  {
    id: 'statefulset-reschedule',
    title: 'Karpenter consolidates the node of a database pod: same pod name, new UID, new address',
    day: 8,
    hour: 11.2,
    run(w, t) {
      const db = w.livePods(t).find((p) => p.def.ns === 'data' && p.def.name === 'orders-db');
      if (db) replaceNode(w, db.node, t);
    },
  },
  {
    id: 'mesh-restart',
    title: 'istiod restarts and rotates the CA bundle of its own webhooks',
    day: 8,
    hour: 15.6,
    run(w, t) {
      for (const [i, pod] of w.livePods(t, ISTIOD).entries()) {
        const node = pick(w.rand, w.liveNodes(t));
        w.emit(t + i * 30_000, { user: saUser('kube-system', 'replicaset-controller'), ip: '172.16.49.12', ua: 'kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/a737599/replicaset-controller', reason: 'RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller"' }, { verb: 'delete', resource: 'pods', ns: 'istio-system', name: pod.name });
        pod.ended = t + i * 30_000 + 20_000;
        const fresh = w.startPod(ISTIOD, t + i * 30_000 + 5000, node, pod.rs);
        ISTIOD.startup!(w, fresh, t + i * 30_000 + 8000);
      }
    },
  },
  {
    id: 'cert-manager-mass-renewal',
    title: 'cert-manager renews forty certificates at once and cleans up after itself',
    day: 9,
    hour: 3.5,
    run(w, t) {
      const pod = w.livePods(t, CERT_MANAGER)[0]!;
      const a = w.podActor(pod, t);
      let at = t;
      const renewed: Array<[string, string, string]> = [];
      for (let i = 0; i < 40; i++) {
        const ns = TENANTS[i % TENANTS.length]!;
        const cert = `tls-${i}`;
        const tmp = `${cert}-${w.suffix(5)}`;
        w.emit((at += 400), a, { verb: 'create', resource: 'secrets', ns, name: tmp, body: { kind: 'Secret', metadata: { name: tmp }, type: 'Opaque' } });
        w.emit((at += 200), a, { verb: 'create', resource: 'certificaterequests', ns, name: `${cert}-1`, body: { kind: 'CertificateRequest', metadata: { name: `${cert}-1` } } });
        w.emit((at += 200), a, { verb: 'create', resource: 'orders', ns, name: `${cert}-1-123`, body: { kind: 'Order', metadata: { name: `${cert}-1-123` } } });
        w.emit((at += 200), a, { verb: 'create', resource: 'challenges', ns, name: `${cert}-1-123-0`, body: { kind: 'Challenge', metadata: { name: `${cert}-1-123-0` } } });
        renewed.push([ns, cert, tmp]);
      }
      at += 5 * MIN;
      for (const [ns, cert, tmp] of renewed) {
        w.emit((at += 150), a, { verb: 'update', resource: 'secrets', ns, name: cert });
        w.emit((at += 150), a, { verb: 'delete', resource: 'challenges', ns, name: `${cert}-1-123-0` });
        w.emit((at += 150), a, { verb: 'delete', resource: 'orders', ns, name: `${cert}-1-123` });
        // The temporary key secret goes as the issuing controller finishes the certificate.
        w.emit((at += 150), a, { verb: 'delete', resource: 'secrets', ns, name: tmp });
      }
    },
  },
  {
    id: 'gitops-new-tenant',
    title: 'A new tenant is onboarded through Git: Flux creates its namespace and starts impersonating its reconciler',
    day: 10,
    hour: 10.4,
    run(w, t) {
      const pod = w.livePods(t, KUSTOMIZE_CONTROLLER)[0]!;
      const a = w.podActor(pod, t);
      w.emit(t, a, { verb: 'patch', resource: 'namespaces', name: 'search', code: 201, query: 'fieldManager=kustomize-controller', body: { kind: 'Namespace', metadata: { name: 'search' } } });
      w.emit(t + 300, a, { verb: 'patch', resource: 'serviceaccounts', ns: 'search', name: TENANT_SA, code: 201, query: 'fieldManager=kustomize-controller', body: { kind: 'ServiceAccount', metadata: { name: TENANT_SA } } });
      w.emit(t + 600, a, { verb: 'patch', resource: 'rolebindings', ns: 'search', name: TENANT_SA, code: 201, query: 'fieldManager=kustomize-controller', body: { kind: 'RoleBinding', metadata: { name: TENANT_SA }, roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'ServiceAccount', name: TENANT_SA, namespace: 'search' }] } });
      w.emit(t + 900, a, { verb: 'patch', resource: 'deployments', ns: 'search', name: 'search-app', code: 201, query: 'fieldManager=kustomize-controller', impersonate: tenantUser('search'), body: { kind: 'Deployment', metadata: { name: 'search-app' } } });
      w.tenants.push('search');
    },
  },
  {
    id: 'upgrade-day',
    title: 'Minor-version upgrade: add-ons updated by EKS, every node replaced with the new kubelet, the mesh and cert-manager upgraded by Flux',
    day: 10,
    hour: 14,
    run(w, t, ctx) {
      const addon: Actor = { user: { username: 'eks:addon-manager', groups: ['system:authenticated'] }, ip: '35.163.244.48', ua: 'Go-http-client/1.1', reason: 'RBAC: allowed by RoleBinding "eks:addon-manager/kube-system" of Role "eks:addon-manager" to User "eks:addon-manager"' };
      for (const [i, name] of ['kube-proxy', 'aws-node', 'coredns'].entries()) w.emit(t + i * 5000, addon, { verb: 'patch', resource: name === 'coredns' ? 'deployments' : 'daemonsets', ns: 'kube-system', name, query: 'fieldManager=eks', body: { spec: { template: { spec: { containers: [{ name, image: `602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/${name}:v1.31.0-eksbuild.1` }] } } } } });
      w.kubeletVersion = 'v1.31.2-eks-7f9249a';
      const nodes = w.liveNodes(t);
      nodes.forEach((n, i) => ctx.later(t + 10 * MIN + i * 12 * MIN, () => replaceNode(w, n, t + 10 * MIN + i * 12 * MIN)));
      ctx.later(t + 3 * HOUR, () => {
        const helm = w.livePods(t + 3 * HOUR).find((p) => p.def.name === 'helm-controller');
        if (!helm) return;
        const a = w.podActor(helm, t + 3 * HOUR);
        w.emit(t + 3 * HOUR, a, { verb: 'patch', resource: 'deployments', ns: 'istio-system', name: 'istiod', query: 'fieldManager=helm-controller', body: { spec: { template: { spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.24.0' }] } } } } });
        for (const pod of w.livePods(t + 3 * HOUR, ISTIOD)) {
          pod.ended = t + 3 * HOUR + 60_000;
          const fresh = w.startPod(ISTIOD, t + 3 * HOUR + 20_000, pick(w.rand, w.liveNodes(t + 3 * HOUR)), 'v124');
          ISTIOD.startup!(w, fresh, t + 3 * HOUR + 25_000);
        }
      });
    },
  },
  {
    id: 'tenant-offboarding',
    title: "A retired team's namespace is deleted; the namespace controller removes everything in it, secrets included",
    day: 12,
    hour: 10.1,
    run(w, t) {
      const jon = PLATFORM_PEOPLE[2]!;
      const end = session(w, jon, t, false, 3);
      const a = personActor(w, jon, false);
      w.emit(end, a, { verb: 'delete', resource: 'namespaces', name: 'legacy' });
      const nc: Actor = { user: saUser('kube-system', 'namespace-controller'), ip: '172.16.49.12', ua: 'kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/a737599/namespace-controller', reason: 'RBAC: allowed by ClusterRoleBinding "system:controller:namespace-controller"' };
      let at = end + 2000;
      for (const r of ['configmaps', 'secrets', 'serviceaccounts', 'rolebindings', 'services', 'deployments', 'replicasets', 'pods', 'jobs', 'leases']) {
        w.emit((at += 200), nc, { verb: 'list', resource: r, ns: 'legacy' });
        for (let i = 0; i < (r === 'secrets' ? 30 : 8); i++) w.emit((at += 50), nc, { verb: 'delete', resource: r, ns: 'legacy', name: `${r}-${i}` });
      }
      w.emit(at + 5000, nc, { verb: 'delete', resource: 'namespaces', name: 'legacy' });
    },
  },
];

export { DAY, HOUR };
