/**
 * The demo's built-in scenario: a small shop running on EKS for nine days of routine activity
 * (kubelets, controllers, CoreDNS, two microservices, a CI deployer, an on-call engineer), then
 * three attacks in one night: a service-account token stolen from the checkout pod and used from
 * the internet to read secrets; the on-call engineer's SSO session replayed from a VPS to dump
 * every secret and open a shell in kube-system; and the CI role's credentials used to plant a
 * privileged DaemonSet with the node's root filesystem mounted. Audit events are shaped like
 * EKS's own (shared/audit/README.md) and generated from a fixed seed. (The larger
 * evaluation scenario is scenario.ts.)
 */
import type { AuditEvent } from '#shared/audit/event';
import { pick, seededRandom, uuidFrom } from './random';

export const DEMO_CLUSTER = 'demo-eks';
const ACCOUNT = '111122223333';
const DAY = 24 * 3600 * 1000;
export const DEMO_START = Date.parse('2026-11-01T00:00:00Z');
export const BENIGN_DAYS = 9;

interface Actor {
  user: AuditEvent['user'];
  sourceIP: string;
  userAgent: string;
  /** [verb, resource, subresource?, namespace?, name?] */
  requests: Array<[string, string, string | undefined, string | undefined, string | undefined]>;
  perDay: number;
  /** Hours of the day (UTC) in which it is active; all day when absent. */
  hours?: [number, number];
}

const NODES = ['ip-10-20-1-5.ec2.internal', 'ip-10-20-2-7.ec2.internal', 'ip-10-20-3-9.ec2.internal'];
export const CHECKOUT_POD = 'checkout-7c9d5b8f6-x2k4q';
const CORE_DNS_POD = 'coredns-5d78c9869d-xk2qp';

function saUser(ns: string, name: string, pod?: string, node?: string) {
  return {
    username: `system:serviceaccount:${ns}:${name}`,
    uid: `uid-${ns}-${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    ...(pod
      ? {
          extra: {
            'authentication.kubernetes.io/pod-name': [pod],
            'authentication.kubernetes.io/pod-uid': [`uid-${pod}`],
            ...(node ? { 'authentication.kubernetes.io/node-name': [node] } : {}),
            'authentication.kubernetes.io/credential-id': [`JTI=${pod}-token`],
          },
        }
      : {}),
  };
}

function roleUser(role: string, session: string) {
  const roleId = `AROA${role.toUpperCase().replace(/[^A-Z]/g, '').padEnd(16, 'X').slice(0, 16)}`;
  return {
    username: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session.replace('@', '-')}`,
    uid: `aws-iam-authenticator:${ACCOUNT}:${roleId}`,
    groups: ['system:authenticated'],
    extra: {
      accessKeyId: ['ASIAEXAMPLE' + role.toUpperCase().replace(/[^A-Z]/g, '').padEnd(9, 'X').slice(0, 9)],
      arn: [`arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`],
      canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/${role}`],
      // As EKS writes it: the session's aws:userid, what a session-scoped revocation names.
      principalId: [`${roleId}:${session}`],
      sessionName: [session],
    },
  };
}

function actors(): Actor[] {
  const kubelets: Actor[] = NODES.map((node, i) => ({
    user: {
      username: `system:node:${node}`,
      groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'],
      extra: { canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/demo-eks-node-role`], sessionName: [`i-0abc${i}def0123456789`] },
    },
    sourceIP: `10.20.${i + 1}.${5 + 2 * i}`,
    userAgent: 'kubelet/v1.30.4 (linux/amd64) kubernetes/abc1234',
    requests: [
      ['patch', 'pods', 'status', 'shop', undefined],
      ['get', 'pods', undefined, 'shop', undefined],
      ['watch', 'configmaps', undefined, 'shop', undefined],
      ['get', 'secrets', undefined, 'shop', 'checkout-db'],
      ['update', 'leases', undefined, 'kube-node-lease', node],
      ['patch', 'nodes', 'status', undefined, node],
      ['get', 'nodes', undefined, undefined, node],
    ],
    perDay: 60,
  }));
  return [
    ...kubelets,
    {
      user: { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
      sourceIP: '10.20.0.10',
      userAgent: 'kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/abc1234/leader-election',
      requests: [
        ['update', 'leases', undefined, 'kube-system', 'kube-controller-manager'],
        ['list', 'pods', undefined, undefined, undefined],
        ['update', 'replicasets', 'status', 'shop', undefined],
        ['create', 'pods', undefined, 'shop', undefined],
        ['get', 'serviceaccounts', undefined, 'shop', 'checkout'],
      ],
      perDay: 80,
    },
    {
      user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
      sourceIP: '10.20.0.11',
      userAgent: 'kube-scheduler/v1.30.4 (linux/amd64) kubernetes/abc1234/scheduler',
      requests: [
        ['create', 'pods', 'binding', 'shop', undefined],
        ['update', 'leases', undefined, 'kube-system', 'kube-scheduler'],
        ['list', 'nodes', undefined, undefined, undefined],
      ],
      perDay: 40,
    },
    {
      user: saUser('kube-system', 'coredns', CORE_DNS_POD, NODES[0]),
      sourceIP: '10.20.1.40',
      userAgent: 'coredns/v1.11.1 (linux/amd64) kubernetes/abc1234',
      requests: [
        ['watch', 'endpointslices', undefined, undefined, undefined],
        ['watch', 'services', undefined, undefined, undefined],
        ['watch', 'namespaces', undefined, undefined, undefined],
      ],
      perDay: 30,
    },
    {
      user: saUser('shop', 'checkout', CHECKOUT_POD, NODES[1]),
      sourceIP: '10.20.2.31',
      userAgent: 'checkout/v2.3.1 (linux/amd64) kubernetes/abc1234',
      requests: [
        ['get', 'configmaps', undefined, 'shop', 'checkout-settings'],
        ['watch', 'configmaps', undefined, 'shop', undefined],
        ['get', 'services', undefined, 'shop', 'payments'],
      ],
      perDay: 40,
    },
    {
      user: saUser('shop', 'cart', 'cart-6b7f8d9c4-p9z8m', NODES[2]),
      sourceIP: '10.20.3.22',
      userAgent: 'cart/v1.9.0 (linux/amd64) kubernetes/abc1234',
      requests: [
        ['get', 'configmaps', undefined, 'shop', 'cart-settings'],
        ['list', 'endpoints', undefined, 'shop', undefined],
      ],
      perDay: 30,
    },
    {
      user: roleUser('github-actions-deployer', 'gha-run'),
      sourceIP: '10.20.100.14',
      userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/abc1234',
      requests: [
        ['get', 'deployments', undefined, 'shop', 'checkout'],
        ['patch', 'deployments', undefined, 'shop', 'checkout'],
        ['get', 'deployments', undefined, 'shop', 'cart'],
        ['patch', 'deployments', undefined, 'shop', 'cart'],
      ],
      perDay: 8,
      hours: [9, 18],
    },
    {
      user: roleUser('sso_oncall', 'alice@example.com'),
      sourceIP: '198.51.100.23',
      userAgent: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/abc1234',
      requests: [
        ['list', 'pods', undefined, 'shop', undefined],
        ['get', 'pods', 'log', 'shop', undefined],
        ['get', 'deployments', undefined, 'shop', 'checkout'],
        ['list', 'events', undefined, 'shop', undefined],
      ],
      perDay: 12,
      hours: [8, 17],
    },
  ];
}

function event(rand: () => number, at: number, actor: Actor, req: Actor['requests'][number], overrides: Partial<AuditEvent> = {}): AuditEvent {
  const [verb, resource, subresource, namespace, name] = req;
  const podName = resource === 'pods' && !name && verb !== 'list' && verb !== 'watch' ? pick(rand, [CHECKOUT_POD, 'cart-6b7f8d9c4-p9z8m']) : name;
  const path = namespace ? `/api/v1/namespaces/${namespace}/${resource}` : `/api/v1/${resource}`;
  // Audit timestamps carry microseconds.
  const ts = new Date(at).toISOString().replace('Z', '000Z');
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: uuidFrom(rand),
    stage: 'ResponseComplete',
    requestURI: `${path}${podName ? `/${podName}` : ''}${subresource ? `/${subresource}` : ''}`,
    verb,
    user: actor.user,
    sourceIPs: [actor.sourceIP],
    userAgent: actor.userAgent,
    objectRef: {
      resource,
      ...(namespace ? { namespace } : {}),
      ...(podName ? { name: podName } : {}),
      ...(subresource ? { subresource } : {}),
      apiVersion: 'v1',
    },
    responseStatus: { code: verb === 'create' ? 201 : 200 },
    requestReceivedTimestamp: ts,
    stageTimestamp: ts,
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding' },
    ...overrides,
  };
}

/** Nine days of routine activity, in time order. */
export function benignEvents(seed = 7): AuditEvent[] {
  const rand = seededRandom(seed);
  const out: Array<{ at: number; e: AuditEvent }> = [];
  for (let day = 0; day < BENIGN_DAYS; day++) {
    for (const actor of actors()) {
      const [from, to] = actor.hours ?? [0, 24];
      for (let i = 0; i < actor.perDay; i++) {
        const at = DEMO_START + day * DAY + Math.floor((from + rand() * (to - from)) * 3600_000);
        out.push({ at, e: event(rand, at, actor, pick(rand, actor.requests)) });
      }
    }
  }
  return out.sort((a, b) => a.at - b.at).map((x) => x.e);
}

/** The attacks, in one night after the benign days. */
export function attackEvents(seed = 11): AuditEvent[] {
  const rand = seededRandom(seed);
  const all = actors();
  const vps = '45.137.21.9';
  const kubectl = 'kubectl/v1.31.0 (linux/amd64) kubernetes/def5678';
  const night = DEMO_START + BENIGN_DAYS * DAY;
  const out: AuditEvent[] = [];
  const run = (t0: number, actor: Actor, steps: Array<[number, Actor['requests'][number], Partial<AuditEvent>]>) => {
    for (const [dt, req, over] of steps) out.push(event(rand, t0 + dt, actor, req, over));
  };
  const forbidden = { responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' } };

  // 1. The checkout pod's token, replayed from the internet with kubectl.
  const thief: Actor = { ...all.find((a) => a.user.username === 'system:serviceaccount:shop:checkout')!, sourceIP: '203.0.113.66', userAgent: kubectl };
  run(night + 2 * 3600_000 + 17 * 60_000, thief, [
    [0, ['get', 'configmaps', undefined, 'shop', 'checkout-settings'], {}],
    [20_000, ['list', 'pods', undefined, undefined, undefined], forbidden],
    [41_000, ['list', 'secrets', undefined, undefined, undefined], { requestURI: '/api/v1/secrets?limit=500' }],
    [55_000, ['get', 'secrets', undefined, 'kube-system', 'aws-load-balancer-tls'], {}],
    [63_000, ['get', 'secrets', undefined, 'shop', 'payments-api-key'], {}],
  ]);

  // 2. The on-call engineer's SSO session, replayed from a VPS: every secret, then a shell in kube-system.
  const session: Actor = { ...all.find((a) => a.user.username.includes('sso_oncall'))!, sourceIP: vps, userAgent: kubectl };
  run(night + 3 * 3600_000 + 40 * 60_000, session, [
    [0, ['list', 'namespaces', undefined, undefined, undefined], {}],
    [9_000, ['list', 'secrets', undefined, undefined, undefined], { requestURI: '/api/v1/secrets?limit=500' }],
    [31_000, ['list', 'pods', undefined, 'kube-system', undefined], {}],
    [52_000, ['create', 'pods', 'exec', 'kube-system', CORE_DNS_POD], { stage: 'ResponseStarted', responseStatus: { code: 101 }, requestURI: `/api/v1/namespaces/kube-system/pods/${CORE_DNS_POD}/exec?command=sh&stdin=true&stdout=true&tty=true` }],
  ]);

  // 3. The CI role's keys: a privileged DaemonSet in kube-system with the node's root filesystem mounted.
  const ci: Actor = { ...all.find((a) => a.user.username.includes('github-actions-deployer'))!, sourceIP: vps, userAgent: kubectl };
  run(night + 4 * 3600_000 + 5 * 60_000, ci, [
    [0, ['get', 'daemonsets', undefined, 'kube-system', undefined], {}],
    [
      14_000,
      ['create', 'daemonsets', undefined, 'kube-system', 'node-debugger'],
      {
        level: 'Request',
        requestURI: '/apis/apps/v1/namespaces/kube-system/daemonsets',
        requestObject: {
          kind: 'DaemonSet',
          metadata: { name: 'node-debugger', namespace: 'kube-system' },
          spec: {
            template: {
              spec: {
                hostPID: true,
                containers: [{ name: 'debugger', image: 'docker.io/library/alpine:3.20', securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
                volumes: [{ name: 'host', hostPath: { path: '/' } }],
              },
            },
          },
        },
      },
    ],
  ]);
  return out.sort((a, b) => (a.requestReceivedTimestamp! < b.requestReceivedTimestamp! ? -1 : 1));
}

/** The whole demo input as audit JSON lines. */
export function demoAuditLines(): string[] {
  return [...benignEvents(), ...attackEvents()].map((e) => JSON.stringify(e));
}
