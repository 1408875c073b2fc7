/**
 * The detectors and fixes that came from running on a second, busier kind of cluster: each one
 * with a request that must raise it and a look-alike that must stay quiet.
 */
import type { AuditUser } from '#shared/audit/event';
import { DAY_MS } from '#shared/detect/config';
import { concurrentSession } from '#shared/detect/detectors/concurrent-session';
import { credentialElsewhere } from '#shared/detect/detectors/credential-elsewhere';
import { firstSensitiveUse } from '#shared/detect/detectors/first-use';
import { newPrivilegedPrincipal } from '#shared/detect/detectors/new-privileged-principal';
import { massDeletes } from '#shared/detect/detectors/rates';
import { runPrincipal } from '#shared/detect/engine';
import { isPlatformController, learningCap } from '#shared/detect/platform';
import { admissionWebhookCreated } from '#shared/detect/signatures/admission-webhook-created';
import { antiForensics } from '#shared/detect/signatures/anti-forensics';
import { impersonation } from '#shared/detect/signatures/impersonation';
import { kubeletCommand } from '#shared/detect/signatures/kubelet-command';
import { permissiveRole } from '#shared/detect/signatures/permissive-role';
import { riskyPodSpec } from '#shared/detect/signatures/risky-pod-spec';
import { systemNamespaceImage } from '#shared/detect/signatures/system-namespace-image';
import { clusterWideSecretList } from '#shared/detect/signatures/cluster-wide-secret-list';
import { webhookExternalUrl } from '#shared/detect/signatures/webhook-external-url';
import { onlyCaBundle, urlReach } from '#shared/detect/webhooks';
import { iamRoleUser, serviceAccountUser } from '#test/support/audit-factory';
import { T0, context, facts, judge, mature, types } from './harness';

const person = iamRoleUser('AWSReservedSSO_Admin_0123456789abcdef', 'alice@example.com');
const hook = (url: string | undefined, over: Parameters<typeof facts>[0] = {}) =>
  facts({
    user: person,
    verb: 'patch',
    objectRef: { resource: 'mutatingwebhookconfigurations', name: 'pod-defaults', apiGroup: 'admissionregistration.k8s.io' },
    responseStatus: { code: 201 },
    requestObject: { kind: 'MutatingWebhookConfiguration', webhooks: [{ name: 'p.example.io', clientConfig: url ? { url } : { service: { name: 'hooks', namespace: 'hooks' } } }] },
    ...over,
  });

describe('server-side apply creations and webhook targets', () => {
  it('a patch answered 201 Created is a creation: the webhook signature fires for it; a 200 patch is not', () => {
    expect(types(judge(hook(undefined), [admissionWebhookCreated]))).toEqual(['AdmissionWebhookCreated']);
    expect(judge(hook(undefined, { responseStatus: { code: 200 } }), [admissionWebhookCreated])).toEqual([]);
  });

  it('WebhookToExternalURL: a public URL is HIGH whoever writes it; in-cluster services and service URLs are quiet', () => {
    const [f] = judge(hook('https://203.0.113.9/mutate'), [webhookExternalUrl]);
    expect(f?.type).toBe('WebhookToExternalURL');
    expect(f!.score).toBeGreaterThanOrEqual(65);
    expect(judge(hook('https://hooks.hooks.svc:443/mutate'), [webhookExternalUrl])).toEqual([]);
    expect(judge(hook(undefined), [webhookExternalUrl])).toEqual([]);
    expect(urlReach('https://10.1.2.3/x')).toBe('private');
    expect(urlReach('https://evil.example.com/x')).toBe('public');
    expect(urlReach('not a url')).toBe('public');
  });

  it('a caBundle-only patch of a webhook is a CA rotation, not a modification; other patches are', () => {
    const sa = serviceAccountUser('istio-system', 'istiod', { name: 'istiod-7d9c-x2x', uid: 'u1' });
    const rotate = facts({ user: sa, verb: 'patch', objectRef: { resource: 'mutatingwebhookconfigurations', name: 'istio-sidecar-injector' }, requestObject: { webhooks: [{ name: 'sidecar-injector.istio.io', clientConfig: { caBundle: 'LS0tLS1CRUdJTi...' } }] } });
    expect(onlyCaBundle(rotate.event)).toBe(true);
    const prior = mature(rotate, { behaviors: ['get configmaps istio-system'] });
    expect(judge(rotate, [firstSensitiveUse], prior)).toEqual([]);
    const redirect = facts({ ...rotate.event, auditID: 'r2', requestObject: { webhooks: [{ name: 'sidecar-injector.istio.io', clientConfig: { caBundle: 'x', url: 'https://198.51.100.1/' } }] } });
    expect(onlyCaBundle(redirect.event)).toBe(false);
    expect(types(judge(redirect, [firstSensitiveUse], prior))).toEqual(['AdmissionWebhookModified']);
  });
});

describe('anti-forensics', () => {
  it('events deleted across namespaces: HIGH; one event deleted in a namespace: quiet', () => {
    const all = facts({ user: person, verb: 'deletecollection', objectRef: { resource: 'events', apiGroup: 'events.k8s.io' } });
    const [f] = judge(all, [antiForensics]);
    expect(f?.type).toBe('EventsDeleted');
    expect(f!.score).toBeGreaterThanOrEqual(65);
    expect(judge(facts({ user: person, verb: 'delete', objectRef: { resource: 'events', namespace: 'shop', name: 'x.17a' } }), [antiForensics])).toEqual([]);
  });

  it("the log shipper's configuration or DaemonSet changed or removed; its pods replaced by a controller: quiet", () => {
    const cm = facts({ user: person, verb: 'patch', objectRef: { resource: 'configmaps', namespace: 'amazon-cloudwatch', name: 'fluent-bit-config' } });
    expect(types(judge(cm, [antiForensics]))).toEqual(['LogShipperTampered']);
    const ds = facts({ user: person, verb: 'delete', objectRef: { resource: 'daemonsets', namespace: 'observability', name: 'vector-agent' } });
    expect(judge(ds, [antiForensics])[0]!.score).toBeGreaterThanOrEqual(65);
    const gc = facts({ user: serviceAccountUser('kube-system', 'daemon-set-controller'), verb: 'delete', objectRef: { resource: 'pods', namespace: 'logging', name: 'fluent-bit-abcde' } });
    expect(judge(gc, [antiForensics])).toEqual([]);
    const ca = facts({ user: serviceAccountUser('kube-system', 'root-ca-cert-publisher'), verb: 'update', objectRef: { resource: 'configmaps', namespace: 'logging', name: 'kube-root-ca.crt' } });
    expect(judge(ca, [antiForensics])).toEqual([]);
    expect(judge(facts({ user: person, verb: 'patch', objectRef: { resource: 'configmaps', namespace: 'shop', name: 'checkout-settings' } }), [antiForensics])).toEqual([]);
  });

  it('audit-related objects removed', () => {
    const f = facts({ user: person, verb: 'delete', objectRef: { resource: 'configmaps', namespace: 'falco', name: 'falco-rules' } });
    expect(types(judge(f, [antiForensics]))).toEqual(['AuditObjectDeleted']);
  });
});

describe('commands through the kubelet API', () => {
  const proxy = (path: string, code = 200, verb = 'get') =>
    facts({ user: serviceAccountUser('monitoring', 'prometheus', { name: 'prometheus-0', uid: 'p0' }), verb, requestURI: `/api/v1/nodes/ip-10-0-1-5/proxy/${path}`, objectRef: { resource: 'nodes', name: 'ip-10-0-1-5', subresource: 'proxy', apiVersion: 'v1' }, responseStatus: { code } });

  it('exec/run/attach paths or a 101 stream: HIGH; metric scrapes on the same subresource: quiet', () => {
    for (const p of ['exec/shop/checkout-1/app?command=sh', 'run/shop/checkout-1/app', 'attach/shop/checkout-1/app']) {
      const [f] = judge(proxy(p, 101, 'create'), [kubeletCommand]);
      expect(f?.type).toBe('KubeletCommandExecution');
      expect(f!.score).toBeGreaterThanOrEqual(65);
    }
    expect(judge(proxy('metrics/cadvisor'), [kubeletCommand])).toEqual([]);
    expect(judge(proxy('stats/summary'), [kubeletCommand])).toEqual([]);
  });
});

describe('impersonation', () => {
  const flux = serviceAccountUser('flux-system', 'kustomize-controller', { name: 'kustomize-controller-5f-abcde', uid: 'k1' });
  const as = (target: AuditUser, at = T0) => facts({ user: flux, impersonatedUser: target, verb: 'patch', at, objectRef: { resource: 'deployments', namespace: 'team-a', name: 'api' } });
  const tenant = (ns: string): AuditUser => ({ username: `system:serviceaccount:${ns}:reconciler`, groups: ['system:serviceaccounts'] });

  it('a first impersonation: MEDIUM; a privileged target: HIGH', () => {
    expect(judge(as(tenant('team-a')), [impersonation])[0]!.score).toBeGreaterThanOrEqual(40);
    expect(judge(as({ username: 'admin', groups: ['system:masters'] }), [impersonation])[0]!.score).toBeGreaterThanOrEqual(65);
  });

  it('an established target is muted; one more target of the same shape is LOW', () => {
    const prior = mature(as(tenant('team-a')));
    prior.patterns![`Impersonation|${tenant('team-a').username}+system:serviceaccounts`] = { first: T0 - 20 * DAY_MS, last: T0 - DAY_MS, count: 900, days: 19 };
    expect(judge(as(tenant('team-a')), [impersonation], prior)).toEqual([]);
    const [f] = judge(as(tenant('team-c')), [impersonation], prior);
    expect(f?.type).toBe('Impersonation');
    expect(f!.score).toBeLessThan(40);
    expect(judge(facts({ user: flux, verb: 'get' }), [impersonation])).toEqual([]);
  });

  it('RoleWithEscalationVerbs: a role granting impersonate, escalate or bind', () => {
    const role = (verbs: string[]) => facts({ user: person, verb: 'create', objectRef: { resource: 'clusterroles', name: 'r' }, responseStatus: { code: 201 }, requestObject: { kind: 'ClusterRole', rules: [{ apiGroups: [''], resources: ['users', 'serviceaccounts'], verbs }] } });
    const hit = judge(role(['impersonate']), [permissiveRole]).find((x) => x.type === 'RoleWithEscalationVerbs');
    expect(hit!.score).toBeGreaterThanOrEqual(65);
    expect(types(judge(role(['get', 'list']), [permissiveRole]))).toEqual([]);
  });
});

describe('one session used from two distant networks', () => {
  const ci = (ip: string, at: number, key = 'ASIACI0000000000001') => facts({ user: iamRoleUser('ci-deployer', 'run-1', key), sourceIPs: [ip], at, verb: 'get', objectRef: { resource: 'deployments', namespace: 'shop', name: 'x' } });

  it('the same key from another /16 within minutes: HIGH', () => {
    const fs = [ci('20.14.5.6', T0), ci('45.137.21.9', T0 + 3 * 60_000)];
    const out = judge(fs, [concurrentSession]);
    expect(types(out)).toEqual(['ConcurrentSessionUse']);
    expect(out[0]!.score).toBeGreaterThanOrEqual(65);
  });

  it('quiet: same /16, another key, hours apart, or two networks the principal established', () => {
    expect(judge([ci('20.14.5.6', T0), ci('20.14.200.7', T0 + 60_000)], [concurrentSession])).toEqual([]);
    expect(judge([ci('20.14.5.6', T0), ci('45.137.21.9', T0 + 60_000, 'ASIACI0000000000002')], [concurrentSession])).toEqual([]);
    expect(judge([ci('20.14.5.6', T0), ci('45.137.21.9', T0 + 3 * 3_600_000)], [concurrentSession])).toEqual([]);
    const prior = mature(ci('20.14.5.6', T0), { nets: ['20.14.5.0/24', '45.137.21.0/24'] });
    expect(judge([ci('20.14.5.6', T0), ci('45.137.21.9', T0 + 60_000)], [concurrentSession], prior)).toEqual([]);
  });
});

describe('a brand-new service account with node-level reach', () => {
  it('first seen after the cluster learned, no baseline, calls nodes/proxy: HIGH; a mature one: quiet', () => {
    const f = facts({ user: serviceAccountUser('default', 'node-debugger'), sourceIPs: ['10.0.3.4'], verb: 'get', objectRef: { resource: 'nodes', name: 'n1', subresource: 'proxy' } });
    const [hit] = judge(f, [newPrivilegedPrincipal]);
    expect(hit?.type).toBe('NewPrincipalNodeAccess');
    expect(hit!.score).toBeGreaterThanOrEqual(65);
    expect(judge(f, [newPrivilegedPrincipal], mature(f, { behaviors: ['get nodes/proxy -'] }))).toEqual([]);
  });
});

describe('pods known by UID', () => {
  it('a rescheduled StatefulSet pod (same name, new UID, new address) is a new pod; the old UID from a new address is theft', () => {
    const sa = (uid: string, ip: string) => facts({ user: serviceAccountUser('data', 'kafka', { name: 'kafka-0', uid }), sourceIPs: [ip] });
    const prior = mature(sa('old', '10.0.1.5'), { behaviors: ['get configmaps shop'] });
    prior.pods!['uid:old'] = { ip: '10.0.1.5', first: T0 - DAY_MS, last: T0 - 60_000 };
    expect(judge(sa('new', '10.0.2.9'), [credentialElsewhere], prior)).toEqual([]);
    expect(types(judge(sa('old', '10.0.2.9'), [credentialElsewhere], prior))).toEqual(['CredentialFromOtherIP']);
  });
});

describe('deletes of what a principal owns', () => {
  const cm = serviceAccountUser('cert-manager', 'cert-manager', { name: 'cert-manager-6b-abcde', uid: 'c1' });
  const req = (verb: string, name: string, at: number) => facts({ user: cm, verb, at, objectRef: { resource: 'secrets', namespace: 'shop', name }, responseStatus: { code: verb === 'create' ? 201 : 200 } });

  it('a controller deleting the temporary objects it created is not mass deletion; deleting others is', () => {
    const created = Array.from({ length: 60 }, (_, i) => req('create', `tmp-${i}`, T0 + i * 100));
    const removed = Array.from({ length: 60 }, (_, i) => req('delete', `tmp-${i}`, T0 + 10_000 + i * 100));
    expect(judge([...created, ...removed], [massDeletes])).toEqual([]);
    const others = Array.from({ length: 60 }, (_, i) => req('delete', `other-${i}`, T0 + 10_000 + i * 100));
    expect(types(judge(others, [massDeletes]))).toEqual(['MassDelete']);
  });

  it('built-in controllers delete by ownership: the namespace controller emptying a namespace is quiet', () => {
    const nc = serviceAccountUser('kube-system', 'namespace-controller');
    const dels = Array.from({ length: 80 }, (_, i) => facts({ user: nc, verb: 'delete', at: T0 + i * 100, objectRef: { resource: 'secrets', namespace: 'old-team', name: `s-${i}` } }));
    expect(judge(dels, [massDeletes])).toEqual([]);
    // Listing the namespace's secrets to delete them is not secret access; the same list by a workload is.
    const list = (user: AuditUser) => facts({ user, verb: 'list', objectRef: { resource: 'secrets', namespace: 'old-team' } });
    expect(judge(list(nc), [firstSensitiveUse], mature(list(nc)))).toEqual([]);
    const app = serviceAccountUser('shop', 'checkout', { name: 'checkout-1', uid: 'c-1' });
    expect(types(judge(list(app), [firstSensitiveUse], mature(list(app))))).toEqual(['SecretsAccessed']);
  });
});

describe('pods re-created by their controller', () => {
  it('judged by the template that was written: each copy is context (LOW); a person creating the same pod directly is judged in full', () => {
    const body = { kind: 'Pod', spec: { hostPID: true, containers: [{ name: 'x', image: 'quay.io/prometheus/node-exporter:v1.8.2', securityContext: { privileged: true } }] } };
    const byController = facts({ user: serviceAccountUser('kube-system', 'daemon-set-controller'), verb: 'create', objectRef: { resource: 'pods', namespace: 'monitoring' }, responseStatus: { code: 201 }, requestObject: body });
    const copies = judge(byController, [riskyPodSpec, systemNamespaceImage]);
    expect(copies.length).toBeGreaterThan(0);
    expect(Math.max(...copies.map((x) => x.score))).toBeLessThan(40);
    const byPerson = facts({ user: person, verb: 'create', objectRef: { resource: 'pods', namespace: 'monitoring' }, responseStatus: { code: 201 }, requestObject: body });
    const direct = judge(byPerson, [riskyPodSpec]);
    expect(types(direct)).toContain('PrivilegedContainer');
    expect(Math.max(...direct.map((x) => x.score))).toBeGreaterThanOrEqual(60);
  });

  it("AWS's public registries for EKS add-ons are trusted in system namespaces", () => {
    const pod = (image: string) => facts({ user: person, verb: 'create', objectRef: { resource: 'daemonsets', namespace: 'kube-system', name: 'a' }, responseStatus: { code: 201 }, requestObject: { kind: 'DaemonSet', spec: { template: { spec: { containers: [{ name: 'a', image }] } } } } });
    expect(judge(pod('public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2'), [systemNamespaceImage])).toEqual([]);
    expect(types(judge(pod('public.ecr.aws/someone/miner:1'), [systemNamespaceImage]))).toEqual(['UntrustedImageInSystemNamespace']);
  });
});

describe('platform controllers while learning', () => {
  const argocd = serviceAccountUser('argocd', 'argocd-application-controller', { name: 'argocd-application-controller-0', uid: 'a0' });
  const list = (at: number, reason: string) =>
    facts({ user: argocd, at, verb: 'list', objectRef: { resource: 'secrets' }, annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': reason } });
  const dedicated = 'RBAC: allowed by ClusterRoleBinding "argocd-application-controller" of ClusterRole "argocd-application-controller" to ServiceAccount "argocd-application-controller/argocd"';

  it('a cluster-wide secret list on its first day is context (LOW) when its own ClusterRole grants it', () => {
    const f = list(T0, dedicated);
    expect(isPlatformController(f)).toBe(true);
    const ctx = context({ clusterFirstSeen: T0 - DAY_MS });
    const out = runPrincipal([f], undefined, ctx, [clusterWideSecretList]).findings;
    expect(types(out)).toEqual(['ClusterWideSecretList']);
    expect(out[0]!.score).toBeLessThan(40);
  });

  it('never HIGH during learning, whatever grants it; judged in full once the cluster and the principal are mature', () => {
    const broad = 'RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "cluster-admin" to ServiceAccount "argocd-application-controller/argocd"';
    const ctx = context({ clusterFirstSeen: T0 - DAY_MS });
    expect(runPrincipal([list(T0, broad)], undefined, ctx, [clusterWideSecretList]).findings[0]!.score).toBeLessThan(65);
    const f = list(T0, dedicated);
    expect(learningCap(f, { ctx: context(), config: context().config, self: mature(f), clusterMature: true, baseline: { kind: 'self', profile: mature(f) } })).toBeUndefined();
    // The same request from outside the cluster is not a platform controller at work.
    expect(isPlatformController(facts({ ...f.event, sourceIPs: ['45.137.21.9'] }))).toBe(false);
  });
});
