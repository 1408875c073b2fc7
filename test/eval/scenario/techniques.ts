/**
 * Attack techniques as the API calls they make (shared/detect/README.md#anchors): the ten Stratus
 * Red Team Kubernetes/EKS techniques, as its Go code and Terraform warm-ups issue them, and more
 * attacks on EKS seen in the wild. Each one is a function of the world at a time; the caller
 * labels its events `attack:<id>`. Techniques do what the attack needs, not what a detector
 * looks for.
 */
import type { Severity } from '#shared/events/schema';
import { pick } from '#infra/local/scenario/random';
import { ACCOUNT, podBody, roleUser, saUser, workloadBody, type Actor } from './audit-builder';
import { ADMIN_ROLE, DEVELOPER_ROLE, HOUR, ciActor, type PodState, type World } from './cluster-model';

export interface Technique {
  id: string;
  title: string;
  source: 'stratus' | 'extra';
  /** The least severity it must raise, and the principal it must be raised on (checked when given). */
  expect?: { severity: Severity; principal: string };
  /** Day of the scenario and UTC hour (fractional) it starts. */
  day: number;
  hour: number;
  run(w: World, t: number): void;
}

/** Attacker infrastructure: a VPS range, and the Tor exits the evaluation puts on its IP list. */
export const ATTACKER_IPS = ['45.137.21.9', '194.26.29.113', '5.188.206.14', '103.251.167.20'];
export const TOR_EXITS = ['185.220.101.34', '185.220.101.47', '204.85.191.30', '192.42.116.16'];

const STRATUS_UA = 'stratus-red-team_8c2f41d7-5a3e-4f9b-b7e2-1d0a9c6e3f21';
const TERRAFORM_UA = 'HashiCorp/1.0 Terraform/1.9.5';

function stolenAdmin(ip: string, ua: string): Actor {
  return {
    user: roleUser(ADMIN_ROLE, 'frank@example.com', 'ASIAFRANKSTOLEN00001'),
    ip,
    ua,
    reason: `EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::${ACCOUNT}:role/${ADMIN_ROLE}+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"`,
  };
}

function stolenDeveloper(ip: string, ua: string): Actor {
  return {
    user: roleUser(DEVELOPER_ROLE, 'dan@example.com', 'ASIADANSTOLEN000001'),
    ip,
    ua,
    reason: `EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::${ACCOUNT}:role/${DEVELOPER_ROLE}+arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"`,
  };
}

function stolenCi(w: World, ip: string, ua = 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc'): Actor {
  return { ...ciActor(w, 'kubectl'), ip, ua };
}

/** A running pod of a workload, for token theft. */
function podOf(w: World, t: number, ns: string, name: string): PodState {
  const p = w.livePods(t).find((x) => x.def.ns === ns && x.def.name === name);
  if (!p) throw new Error(`scenario: no running pod of ${ns}/${name} at ${new Date(t).toISOString()}`);
  return p;
}

function podToken(pod: PodState, ip: string, ua: string): Actor {
  return {
    user: saUser(pod.def.ns, pod.def.sa, { name: pod.name, uid: pod.uid, node: pod.node.name, credential: `JTI=${pod.name}-stolen` }),
    ip,
    ua,
    reason: `RBAC: allowed by RoleBinding "${pod.def.name}/${pod.def.ns}"`,
  };
}

const lower8 = (w: World) => Array.from({ length: 8 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(w.rand() * 26)]).join('');

export const STRATUS_TECHNIQUES: Technique[] = [
  {
    id: 'k8s.credential-access.dump-secrets',
    title: 'Dump all secrets',
    source: 'stratus',
    day: 9,
    hour: 13.2,
    run(w, t) {
      const a = stolenAdmin(ATTACKER_IPS[0]!, STRATUS_UA);
      w.emit(t, a, { verb: 'list', resource: 'secrets', query: 'limit=1000' });
    },
  },
  {
    id: 'k8s.credential-access.steal-serviceaccount-token',
    title: 'Steal a pod service-account token',
    source: 'stratus',
    day: 9,
    hour: 14.1,
    run(w, t) {
      const tf = stolenAdmin(ATTACKER_IPS[0]!, TERRAFORM_UA);
      const a = stolenAdmin(ATTACKER_IPS[0]!, STRATUS_UA);
      const ns = `stratus-red-team-${lower8(w)}`;
      w.emit(t, tf, { verb: 'create', resource: 'namespaces', body: { kind: 'Namespace', metadata: { name: ns } } });
      w.emit(t + 2000, tf, { verb: 'create', resource: 'serviceaccounts', ns, body: { kind: 'ServiceAccount', metadata: { name: 'stratus-red-team-ssat-sa' } } });
      w.emit(t + 4000, tf, { verb: 'create', resource: 'pods', ns, body: podBody(ns, 'stratus-red-team-ssat-pod', { serviceAccountName: 'stratus-red-team-ssat-sa', containers: [{ name: 'alpine', image: 'public.ecr.aws/docker/library/alpine:3.15.0' }] }) });
      w.emit(t + 60_000, a, { verb: 'create', resource: 'pods', ns, name: 'stratus-red-team-ssat-pod', sub: 'exec', query: 'command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&stdout=true&stderr=true' });
    },
  },
  {
    id: 'k8s.persistence.create-admin-clusterrole',
    title: 'Create an admin ClusterRole and bind it to a new kube-system service account',
    source: 'stratus',
    day: 9,
    hour: 15.4,
    run(w, t) {
      const a = stolenAdmin(ATTACKER_IPS[0]!, STRATUS_UA);
      w.emit(t, a, { verb: 'create', resource: 'clusterroles', body: { kind: 'ClusterRole', metadata: { name: 'stratus-red-team-clusterrole' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] } });
      w.emit(t + 500, a, { verb: 'create', resource: 'serviceaccounts', ns: 'kube-system', body: { kind: 'ServiceAccount', metadata: { name: 'stratus-red-team-serviceaccount', namespace: 'kube-system' } } });
      w.emit(t + 1000, a, { verb: 'create', resource: 'clusterrolebindings', body: { kind: 'ClusterRoleBinding', metadata: { name: 'stratus-red-team-crb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'stratus-red-team-clusterrole' }, subjects: [{ kind: 'ServiceAccount', name: 'stratus-red-team-serviceaccount', namespace: 'kube-system' }] } });
      // Polls for a token Secret that Kubernetes >= 1.24 no longer creates.
      for (let i = 0; i < 60; i++) w.emit(t + 1500 + i * 1000, a, { verb: 'get', resource: 'serviceaccounts', ns: 'kube-system', name: 'stratus-red-team-serviceaccount' });
    },
  },
  {
    id: 'k8s.persistence.create-client-certificate',
    title: 'Create a client certificate credential',
    source: 'stratus',
    day: 9,
    hour: 16.5,
    run(w, t) {
      const a = stolenAdmin(ATTACKER_IPS[0]!, STRATUS_UA);
      w.emit(t, a, { verb: 'create', resource: 'certificatesigningrequests', body: { kind: 'CertificateSigningRequest', metadata: { name: 'stratus-red-team-csr' }, spec: { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], request: 'LS0tLS1CRUdJTi...' } } });
      w.emit(t + 800, a, { verb: 'update', resource: 'certificatesigningrequests', name: 'stratus-red-team-csr', sub: 'approval' });
      w.emit(t + 1600, a, { verb: 'get', resource: 'certificatesigningrequests', name: 'stratus-red-team-csr' });
      w.emit(t + 2400, a, { verb: 'delete', resource: 'certificatesigningrequests', name: 'stratus-red-team-csr' });
    },
  },
  {
    id: 'k8s.persistence.create-token',
    title: 'Create a long-lived token',
    source: 'stratus',
    day: 10,
    hour: 9.3,
    run(w, t) {
      const a = stolenAdmin(ATTACKER_IPS[1]!, STRATUS_UA);
      w.emit(t, a, { verb: 'create', resource: 'serviceaccounts', ns: 'kube-system', name: 'clusterrole-aggregation-controller', sub: 'token', body: { kind: 'TokenRequest', spec: { expirationSeconds: 31_536_000 } } });
    },
  },
  {
    id: 'k8s.privilege-escalation.hostpath-volume',
    title: 'Container breakout via a hostPath volume',
    source: 'stratus',
    day: 10,
    hour: 10.4,
    run(w, t) {
      const tf = stolenAdmin(ATTACKER_IPS[1]!, TERRAFORM_UA);
      const a = stolenAdmin(ATTACKER_IPS[1]!, STRATUS_UA);
      const ns = `stratus-red-team-hpns-${lower8(w).slice(0, 4)}`;
      w.emit(t, tf, { verb: 'create', resource: 'namespaces', body: { kind: 'Namespace', metadata: { name: ns } } });
      w.emit(t + 30_000, a, { verb: 'create', resource: 'pods', ns, body: podBody(ns, 'k8s.privilege-escalation.hostpath-volume', { containers: [{ name: 'main', image: 'busybox:stable', mounts: [{ name: 'host', path: '/host' }] }], hostPaths: [{ name: 'host', path: '/' }] }) });
    },
  },
  {
    id: 'k8s.privilege-escalation.nodes-proxy',
    title: 'Privilege escalation through nodes/proxy',
    source: 'stratus',
    day: 10,
    hour: 11.6,
    run(w, t) {
      const tf = stolenAdmin(ATTACKER_IPS[1]!, TERRAFORM_UA);
      const a = stolenAdmin(ATTACKER_IPS[1]!, STRATUS_UA);
      const ns = `stratus-red-team-np-name-${lower8(w)}`;
      w.emit(t, tf, { verb: 'create', resource: 'namespaces', body: { kind: 'Namespace', metadata: { name: ns } } });
      w.emit(t + 1000, tf, { verb: 'create', resource: 'clusterroles', body: { kind: 'ClusterRole', metadata: { name: 'stratus-red-team-np-clusterrole' }, rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get', 'create'] }] } });
      w.emit(t + 2000, tf, { verb: 'create', resource: 'serviceaccounts', ns, body: { kind: 'ServiceAccount', metadata: { name: 'stratus-red-team-np-sa' } } });
      w.emit(t + 3000, tf, { verb: 'create', resource: 'clusterrolebindings', body: { kind: 'ClusterRoleBinding', metadata: { name: 'stratus-red-team-np-crb' }, roleRef: { kind: 'ClusterRole', name: 'stratus-red-team-np-clusterrole' }, subjects: [{ kind: 'ServiceAccount', name: 'stratus-red-team-np-sa', namespace: ns }] } });
      w.emit(t + 60_000, a, { verb: 'create', resource: 'serviceaccounts', ns, name: 'stratus-red-team-np-sa', sub: 'token' });
      w.emit(t + 61_000, a, { verb: 'list', resource: 'nodes' });
      const sa: Actor = { user: saUser(ns, 'stratus-red-team-np-sa'), ip: ATTACKER_IPS[1]!, ua: STRATUS_UA, reason: 'RBAC: allowed by ClusterRoleBinding "stratus-red-team-np-crb"' };
      const node = w.liveNodes(t)[0]!;
      w.emit(t + 62_000, sa, { verb: 'get', resource: 'nodes', name: node.name, sub: 'proxy' });
    },
  },
  {
    id: 'k8s.privilege-escalation.privileged-pod',
    title: 'Run a privileged pod',
    source: 'stratus',
    day: 10,
    hour: 13.1,
    run(w, t) {
      const tf = stolenAdmin(ATTACKER_IPS[1]!, TERRAFORM_UA);
      const a = stolenAdmin(ATTACKER_IPS[1]!, STRATUS_UA);
      const ns = `stratus-red-team-privileged-name-${lower8(w)}`;
      w.emit(t, tf, { verb: 'create', resource: 'namespaces', body: { kind: 'Namespace', metadata: { name: ns } } });
      w.emit(t + 30_000, a, { verb: 'create', resource: 'pods', ns, body: podBody(ns, 'k8s.privilege-escalation.privileged-pod', { containers: [{ name: 'main', image: 'busybox:stable', privileged: true }] }) });
    },
  },
  {
    id: 'eks.persistence.backdoor-aws-auth-configmap',
    title: 'Backdoor the aws-auth ConfigMap',
    source: 'stratus',
    day: 10,
    hour: 14.7,
    run(w, t) {
      const a = stolenAdmin(ATTACKER_IPS[1]!, STRATUS_UA);
      w.emit(t, a, { verb: 'get', resource: 'configmaps', ns: 'kube-system', name: 'aws-auth' });
      w.emit(t + 1500, a, {
        verb: 'update',
        resource: 'configmaps',
        ns: 'kube-system',
        name: 'aws-auth',
        body: { kind: 'ConfigMap', metadata: { name: 'aws-auth', namespace: 'kube-system' }, data: { mapRoles: `- rolearn: arn:aws:iam::${ACCOUNT}:role/shop-prod-node-role\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: arn:aws:iam::${ACCOUNT}:role/stratus-red-team-eks-backdoor-aws-auth-role\n  username: backdoor\n  groups: [system:masters]\n` } },
      });
    },
  },
  {
    id: 'eks.lateral-movement.create-access-entry',
    title: 'Admin EKS access entry for a new IAM role, then its use',
    source: 'stratus',
    day: 11,
    hour: 2.3,
    // eks:CreateAccessEntry and AssociateAccessPolicy happen in CloudTrail; the audit log only shows the new role at work.
    run(w, t) {
      const role = 'stratus-red-team-access-entry-role';
      const a: Actor = {
        user: roleUser(role, 'stratus-red-team', 'ASIASTRATUSACCESS01'),
        ip: ATTACKER_IPS[2]!,
        ua: 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc',
        reason: `EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::${ACCOUNT}:role/${role}+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" to User "AROASTRATUSACCESSROLE"`,
      };
      w.emit(t, a, { verb: 'list', resource: 'namespaces' });
      w.emit(t + 4000, a, { verb: 'list', resource: 'pods', query: 'limit=500' });
      w.emit(t + 9000, a, { verb: 'list', resource: 'secrets', ns: 'payments' });
      w.emit(t + 12_000, a, { verb: 'get', resource: 'secrets', ns: 'payments', name: 'psp-credentials' });
    },
  },
];

export const EXTRA_TECHNIQUES: Technique[] = [
  {
    id: 'stolen-iam-session.secrets-dump',
    title: 'CI role session replayed from a new network to dump secrets',
    source: 'extra',
    day: 8,
    hour: 3.4,
    run(w, t) {
      const a = stolenCi(w, ATTACKER_IPS[3]!);
      w.emit(t, a, { verb: 'get', resource: 'namespaces' });
      w.emit(t + 3000, a, { verb: 'list', resource: 'secrets', query: 'limit=500' });
      let at = t + 8000;
      for (const [ns, name] of [['payments', 'psp-credentials'], ['data', 'postgres.orders-db.credentials'], ['shop', 'stripe-api']]) w.emit((at += 2500), a, { verb: 'get', resource: 'secrets', ns: ns!, name: name! });
    },
  },
  {
    id: 'tor-exit.caller',
    title: 'Stolen CI credentials used through Tor',
    source: 'extra',
    day: 12,
    hour: 22.5,
    run(w, t) {
      const a = stolenCi(w, TOR_EXITS[0]!);
      w.emit(t, a, { verb: 'list', resource: 'pods', ns: 'shop' });
      w.emit(t + 5000, a, { verb: 'list', resource: 'deployments', ns: 'shop' });
      w.emit(t + 9000, a, { verb: 'get', resource: 'configmaps', ns: 'shop', name: 'checkout-settings' });
    },
  },
  {
    id: 'permission-discovery.forbidden-burst',
    title: 'Token of a compromised pod enumerates its permissions and probes',
    source: 'extra',
    day: 8,
    hour: 15.2,
    run(w, t) {
      const pod = podOf(w, t, 'shop', 'cart');
      const a = { ...w.podActor(pod, t), ua: 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc' };
      w.emit(t, a, { verb: 'create', resource: 'selfsubjectrulesreviews', body: { kind: 'SelfSubjectRulesReview', spec: { namespace: 'shop' } } });
      const probes: Array<[string, string | undefined]> = [
        ['secrets', 'shop'], ['secrets', undefined], ['pods', undefined], ['nodes', undefined], ['deployments', 'shop'], ['configmaps', 'kube-system'],
        ['secrets', 'kube-system'], ['serviceaccounts', 'shop'], ['roles', 'shop'], ['clusterroles', undefined], ['pods', 'kube-system'], ['daemonsets', 'kube-system'],
        ['secrets', 'payments'], ['pods', 'payments'], ['namespaces', undefined], ['clusterrolebindings', undefined], ['rolebindings', 'shop'], ['services', 'kube-system'],
        ['persistentvolumes', undefined], ['secrets', 'data'], ['leases', 'kube-system'], ['cronjobs', 'shop'], ['jobs', 'shop'], ['ingresses', 'shop'], ['events', 'shop'],
      ];
      probes.forEach(([resource, ns], i) => w.emit(t + 2000 + i * 700, a, { verb: 'list', resource, ...(ns ? { ns } : {}), code: 403 }));
    },
  },
  {
    id: 'mass-delete.ci-credentials',
    title: 'Stolen CI credentials delete workloads and configuration',
    source: 'extra',
    day: 12,
    hour: 4.1,
    run(w, t) {
      const a = stolenCi(w, ATTACKER_IPS[3]!, 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9');
      let at = t;
      for (const ns of ['shop', 'orders', 'payments']) {
        w.emit((at += 800), a, { verb: 'list', resource: 'deployments', ns });
        for (const r of ['deployments', 'services', 'configmaps', 'secrets', 'horizontalpodautoscalers']) {
          for (let i = 0; i < 5; i++) w.emit((at += 300), a, { verb: 'delete', resource: r, ns, name: `${r.slice(0, 6)}-${i}` });
        }
      }
    },
  },
  {
    id: 'sa-token.other-pod-ip',
    title: "Checkout's token used from another pod (lateral movement)",
    source: 'extra',
    day: 11,
    hour: 10.7,
    run(w, t) {
      const victim = podOf(w, t, 'shop', 'checkout');
      const from = podOf(w, t, 'shop', 'catalog');
      const a = podToken(victim, from.ip, 'curl/8.5.0');
      w.emit(t, a, { verb: 'get', resource: 'configmaps', ns: 'shop', name: 'checkout-settings' });
      w.emit(t + 4000, a, { verb: 'list', resource: 'secrets', ns: 'shop', code: 403 });
      w.emit(t + 6000, a, { verb: 'get', resource: 'services', ns: 'shop', name: 'payments-gateway' });
    },
  },
  {
    id: 'exec.kube-system-pod',
    title: 'Stolen developer session runs a shell in aws-node',
    source: 'extra',
    day: 9,
    hour: 20.4,
    run(w, t) {
      const a = stolenDeveloper(ATTACKER_IPS[2]!, 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc');
      const pod = w.livePods(t).find((p) => p.def.name === 'aws-node')!;
      w.emit(t, a, { verb: 'list', resource: 'pods', ns: 'kube-system' });
      w.emit(t + 7000, a, { verb: 'create', resource: 'pods', ns: 'kube-system', name: pod.name, sub: 'exec', query: 'command=sh&stdin=true&stdout=true&tty=true&container=aws-node' });
    },
  },
  {
    id: 'webhook.mutating-created',
    title: 'Mutating webhook that sees every pod',
    source: 'extra',
    day: 11,
    hour: 19.2,
    run(w, t) {
      const a = stolenCi(w, ATTACKER_IPS[3]!);
      w.emit(t, a, {
        verb: 'create',
        resource: 'mutatingwebhookconfigurations',
        body: { kind: 'MutatingWebhookConfiguration', metadata: { name: 'pod-defaults' }, webhooks: [{ name: 'pods.defaults.io', clientConfig: { url: 'https://203.0.113.250/mutate' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }] },
      });
    },
  },
  {
    id: 'crd.created',
    title: 'CustomResourceDefinition created from a stolen developer session',
    source: 'extra',
    day: 12,
    hour: 16.3,
    run(w, t) {
      const a = stolenDeveloper(ATTACKER_IPS[2]!, 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc');
      w.emit(t, a, { verb: 'create', resource: 'customresourcedefinitions', body: { kind: 'CustomResourceDefinition', metadata: { name: 'backdoors.ops.example.io' } } });
      w.emit(t + 4000, a, { verb: 'get', resource: 'customresourcedefinitions', name: 'backdoors.ops.example.io' });
    },
  },
  {
    id: 'pod.host-namespaces',
    title: 'Privileged pod sharing the host PID and network namespaces',
    source: 'extra',
    day: 11,
    hour: 14.8,
    run(w, t) {
      const a = stolenDeveloper(ATTACKER_IPS[2]!, 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc');
      w.emit(t, a, { verb: 'create', resource: 'pods', ns: 'shop', body: podBody('shop', 'nsenter-', { hostPID: true, hostNetwork: true, containers: [{ name: 'shell', image: 'docker.io/library/alpine:3.20', privileged: true }] }) });
    },
  },
  {
    id: 'rbac.cluster-admin-binding',
    title: 'cluster-admin bound to a new service account',
    source: 'extra',
    day: 12,
    hour: 11.5,
    run(w, t) {
      const a = stolenCi(w, ATTACKER_IPS[3]!);
      w.emit(t, a, { verb: 'create', resource: 'serviceaccounts', ns: 'orders', body: { kind: 'ServiceAccount', metadata: { name: 'metrics-reader' } } });
      w.emit(t + 1500, a, { verb: 'create', resource: 'clusterrolebindings', body: { kind: 'ClusterRoleBinding', metadata: { name: 'metrics-reader' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'metrics-reader', namespace: 'orders' }] } });
    },
  },
  {
    id: 'rbac.admin-to-default-sa',
    title: 'admin bound to the default service account of a namespace',
    source: 'extra',
    day: 13,
    hour: 1.2,
    run(w, t) {
      const a = stolenCi(w, ATTACKER_IPS[3]!);
      w.emit(t, a, { verb: 'create', resource: 'rolebindings', ns: 'payments', body: { kind: 'RoleBinding', metadata: { name: 'default-admin' }, roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'payments' }] } });
    },
  },
  {
    id: 'anonymous.access-granted-and-used',
    title: 'Anonymous access granted, then used from the internet',
    source: 'extra',
    day: 13,
    hour: 9.6,
    run(w, t) {
      const a = stolenAdmin(ATTACKER_IPS[0]!, 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc');
      w.emit(t, a, { verb: 'create', resource: 'clusterrolebindings', body: { kind: 'ClusterRoleBinding', metadata: { name: 'public-read' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'system:unauthenticated', apiGroup: 'rbac.authorization.k8s.io' }] } });
      const anon: Actor = { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, ip: ATTACKER_IPS[1]!, ua: 'python-requests/2.31.0', reason: 'RBAC: allowed by ClusterRoleBinding "public-read" of ClusterRole "view" to Group "system:unauthenticated"' };
      w.emit(t + 600_000, anon, { verb: 'list', resource: 'pods' });
      w.emit(t + 603_000, anon, { verb: 'list', resource: 'configmaps', ns: 'shop' });
    },
  },
  {
    id: 'workload.kube-system-deployment',
    title: 'Cryptominer deployed in kube-system',
    source: 'extra',
    day: 13,
    hour: 3.3,
    run(w, t) {
      const a = stolenCi(w, ATTACKER_IPS[3]!);
      w.emit(t, a, { verb: 'create', resource: 'deployments', ns: 'kube-system', body: workloadBody('Deployment', 'kube-system', 'kube-metrics-agent', { containers: [{ name: 'agent', image: 'docker.io/xmrig/xmrig:6.21.0' }] }, 3) });
    },
  },
  {
    id: 'sa-token.from-internet',
    title: "Payments token exfiltrated and used from the internet",
    source: 'extra',
    day: 9,
    hour: 6.2,
    run(w, t) {
      const pod = podOf(w, t, 'payments', 'payments-api');
      const a = podToken(pod, ATTACKER_IPS[2]!, 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc');
      w.emit(t, a, { verb: 'get', resource: 'secrets', ns: 'payments', name: 'payments-api-key' });
      w.emit(t + 3000, a, { verb: 'list', resource: 'pods', ns: 'payments' });
    },
  },
  {
    id: 'configmap.credentials',
    title: 'AWS keys written into a ConfigMap',
    source: 'extra',
    day: 10,
    hour: 21.1,
    run(w, t) {
      const a = stolenDeveloper(ATTACKER_IPS[2]!, 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc');
      w.emit(t, a, { verb: 'create', resource: 'configmaps', ns: 'orders', body: { kind: 'ConfigMap', metadata: { name: 'uploader-env' }, data: { 'config.ini': '[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = (redacted in scenario)\n' } } });
    },
  },
  {
    id: 'service.exposed-dashboard',
    title: 'Kubernetes dashboard exposed through a LoadBalancer',
    source: 'extra',
    day: 11,
    hour: 16.9,
    run(w, t) {
      const a = stolenCi(w, ATTACKER_IPS[3]!);
      w.emit(t, a, { verb: 'create', resource: 'services', ns: 'kubernetes-dashboard', body: { kind: 'Service', metadata: { name: 'kubernetes-dashboard-lb', labels: { 'k8s-app': 'kubernetes-dashboard' } }, spec: { type: 'LoadBalancer', selector: { 'k8s-app': 'kubernetes-dashboard' }, ports: [{ port: 443, targetPort: 8443 }] } } });
    },
  },
  {
    id: 'secrets.bulk-read',
    title: 'Operator token reads every secret of its namespace by name',
    source: 'extra',
    day: 12,
    hour: 8.8,
    run(w, t) {
      const pod = podOf(w, t, 'data', 'postgres-operator');
      const a = w.podActor(pod, t);
      for (let i = 0; i < 48; i++) w.emit(t + i * 2500, a, { verb: 'get', resource: 'secrets', ns: 'data', name: `secret-${i}` });
    },
  },
  {
    id: 'node-credentials.from-internet',
    title: "A node's IAM credentials used from outside AWS",
    source: 'extra',
    day: 13,
    hour: 13.3,
    run(w, t) {
      const node = w.liveNodes(t)[1]!;
      const a: Actor = { ...node.actor, ip: ATTACKER_IPS[0]!, ua: 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc' };
      w.emit(t, a, { verb: 'list', resource: 'pods', query: `fieldSelector=spec.nodeName%3D${node.name}` });
      w.emit(t + 4000, a, { verb: 'get', resource: 'secrets', ns: 'shop', name: 'checkout-db' });
    },
  },
  {
    id: 'debug.ephemeral-container',
    title: 'Ephemeral debug container injected into a payments pod',
    source: 'extra',
    day: 13,
    hour: 20.1,
    run(w, t) {
      const a = stolenDeveloper(ATTACKER_IPS[2]!, 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc');
      const pod = podOf(w, t, 'payments', 'payments-api');
      w.emit(t, a, { verb: 'patch', resource: 'pods', ns: 'payments', name: pod.name, sub: 'ephemeralcontainers', body: { spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox:1.36', targetContainerName: 'payments-api' }] } } });
      w.emit(t + 9000, a, { verb: 'create', resource: 'pods', ns: 'payments', name: pod.name, sub: 'attach', query: 'container=debugger&stdin=true&stdout=true&tty=true' });
    },
  },
];

const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const ADMIN = role(ADMIN_ROLE);
const DEVELOPER = role(DEVELOPER_ROLE);
const CI = role('github-actions-deployer');

/** What each technique must raise at least, and on whom (`*` ends a name prefix). */
const EXPECTED: Record<string, [Severity, string]> = {
  'k8s.credential-access.dump-secrets': ['HIGH', ADMIN],
  'k8s.credential-access.steal-serviceaccount-token': ['HIGH', ADMIN],
  'k8s.persistence.create-admin-clusterrole': ['HIGH', ADMIN],
  'k8s.persistence.create-client-certificate': ['HIGH', ADMIN],
  'k8s.persistence.create-token': ['HIGH', ADMIN],
  'k8s.privilege-escalation.hostpath-volume': ['HIGH', ADMIN],
  'k8s.privilege-escalation.nodes-proxy': ['HIGH', ADMIN],
  'k8s.privilege-escalation.privileged-pod': ['HIGH', ADMIN],
  'eks.persistence.backdoor-aws-auth-configmap': ['HIGH', ADMIN],
  'eks.lateral-movement.create-access-entry': ['HIGH', role('stratus-red-team-access-entry-role')],
  'stolen-iam-session.secrets-dump': ['HIGH', CI],
  'tor-exit.caller': ['MEDIUM', CI],
  'permission-discovery.forbidden-burst': ['MEDIUM', 'system:serviceaccount:shop:cart'],
  'mass-delete.ci-credentials': ['HIGH', CI],
  'sa-token.other-pod-ip': ['HIGH', 'system:serviceaccount:shop:checkout'],
  'exec.kube-system-pod': ['HIGH', DEVELOPER],
  'webhook.mutating-created': ['HIGH', CI],
  'crd.created': ['MEDIUM', DEVELOPER],
  'pod.host-namespaces': ['HIGH', DEVELOPER],
  'rbac.cluster-admin-binding': ['HIGH', CI],
  'rbac.admin-to-default-sa': ['HIGH', CI],
  'anonymous.access-granted-and-used': ['HIGH', ADMIN],
  'workload.kube-system-deployment': ['HIGH', CI],
  'sa-token.from-internet': ['HIGH', 'system:serviceaccount:payments:payments'],
  'configmap.credentials': ['MEDIUM', DEVELOPER],
  'service.exposed-dashboard': ['MEDIUM', CI],
  'secrets.bulk-read': ['HIGH', 'system:serviceaccount:data:postgres-operator'],
  'node-credentials.from-internet': ['HIGH', 'system:node:*'],
  'debug.ephemeral-container': ['MEDIUM', DEVELOPER],
};

export const ALL_TECHNIQUES: Technique[] = [...STRATUS_TECHNIQUES, ...EXTRA_TECHNIQUES].map((t) => {
  const e = EXPECTED[t.id];
  return e ? { ...t, expect: { severity: e[0], principal: e[1] } } : t;
});

export function techniqueTime(start: number, tech: Technique): number {
  return start + tech.day * 24 * HOUR + Math.floor(tech.hour * HOUR);
}

export { pick };
