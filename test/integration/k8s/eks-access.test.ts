/**
 * The Lambda path end to end over real HTTP: @aws-sdk/client-eks DescribeCluster against a
 * stand-in EKS endpoint, an EKS bearer token, and @kubernetes/client-node against the test API
 * server, which accepts only well-formed EKS tokens. Checks the caching: one DescribeCluster
 * per container, a new token before the old one expires, renewal after a 401.
 */
import { EKSClient } from '@aws-sdk/client-eks';
import { ClusterAuthError, ConfigError } from '#shared/errors';
import { createClusterClient } from '#shared/k8s/client';
import { EksKubeConfigSource } from '#shared/k8s/eks';
import { ENFORCER_GROUP, ENFORCER_RULES } from '#shared/k8s/rbac';
import { KubeApiServer, sentPolicy } from '#test/support/kube-apiserver';
import { eksTokenAuthenticator, startFakeEks, type FakeEks } from '#test/support/kube-apiserver/eks-endpoint';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };

describe('EKS cluster access', () => {
  let api: KubeApiServer;
  let eksEndpoint: FakeEks;
  let eks: EKSClient;
  let clock: number;
  let seen: Set<string>;

  beforeEach(async () => {
    clock = Date.parse('2026-03-01T12:00:00Z');
    seen = new Set();
    api = await KubeApiServer.start({
      authenticate: eksTokenAuthenticator('us-east-1', { name: 'arn:aws:sts::111122223333:assumed-role/enforce/fn', groups: [ENFORCER_GROUP], rules: [...ENFORCER_RULES] }, { now: () => clock, seen }),
    });
    api.seed({ namespaces: [{ name: 'shop' }], pods: [{ namespace: 'shop', name: 'checkout-0', ip: '10.1.0.1' }] });
    eksEndpoint = await startFakeEks({ 'prod-eks': { endpoint: api.url } });
    eks = new EKSClient({ region: 'us-east-1', endpoint: eksEndpoint.url, credentials, maxAttempts: 1 });
  });
  afterEach(async () => {
    eks.destroy();
    await eksEndpoint.stop();
    await api.stop();
  });

  const source = (credentialCalls?: { n: number }, expiration?: Date) =>
    new EksKubeConfigSource({
      clusterName: 'prod-eks',
      region: 'us-east-1',
      eks,
      credentials: async () => {
        if (credentialCalls) credentialCalls.n++;
        return { ...credentials, ...(expiration ? { expiration } : {}) };
      },
      now: () => clock,
      allowHttpEndpointForTests: true,
    });

  it('reads through DescribeCluster and an EKS token, calling DescribeCluster once', async () => {
    const client = createClusterClient(source(), { retry: { baseDelayMs: 1 } });
    expect((await client.getPod('shop', 'checkout-0'))?.status?.podIP).toBe('10.1.0.1');
    await client.listPods({ namespace: 'shop' });
    await client.applyNetworkPolicy(sentPolicy({ name: 'q', namespace: 'shop' }, { podSelector: {}, policyTypes: ['Ingress'] }));
    expect(eksEndpoint.describeCalls).toEqual(['prod-eks']);
    expect(seen.size).toBe(1);
    expect(api.requests.every((r) => r.user === 'arn:aws:sts::111122223333:assumed-role/enforce/fn')).toBe(true);
  });

  it('signs a new token ten minutes in, before EKS would refuse the old one', async () => {
    const calls = { n: 0 };
    const client = createClusterClient(source(calls));
    await client.getPod('shop', 'checkout-0');
    clock += 9 * 60_000;
    await client.getPod('shop', 'checkout-0');
    expect(seen.size).toBe(1);
    clock += 2 * 60_000;
    await client.getPod('shop', 'checkout-0');
    expect(seen.size).toBe(2);
    expect(calls.n).toBe(2);
    expect(eksEndpoint.describeCalls).toHaveLength(1);
  });

  it('renews early when the role credentials expire first', async () => {
    const calls = { n: 0 };
    const client = createClusterClient(source(calls, new Date(clock + 3 * 60_000)));
    await client.getPod('shop', 'checkout-0');
    clock += 2 * 60_000 + 1;
    await client.getPod('shop', 'checkout-0');
    expect(calls.n).toBe(2);
  });

  it('after a 401 re-describes the cluster and signs again', async () => {
    const client = createClusterClient(source(), { retry: { baseDelayMs: 1 } });
    await client.getPod('shop', 'checkout-0');
    // The cluster moved (replaced): the old endpoint now refuses the token.
    const moved = await KubeApiServer.start({ authenticate: eksTokenAuthenticator('us-east-1', { name: 'fn' }, { now: () => clock }) });
    moved.seed({ namespaces: [{ name: 'shop' }], pods: [{ namespace: 'shop', name: 'checkout-0', ip: '10.9.9.9' }] });
    eksEndpoint.clusters.set('prod-eks', { endpoint: moved.url });
    const stale = api.url;
    await api.stop();
    api = await KubeApiServer.start({ port: Number(new URL(stale).port), authenticate: () => null });
    try {
      expect((await client.getPod('shop', 'checkout-0'))?.status?.podIP).toBe('10.9.9.9');
      expect(eksEndpoint.describeCalls).toEqual(['prod-eks', 'prod-eks']);
    } finally {
      await moved.stop();
    }
  });

  it('maps DescribeCluster failures to named errors', async () => {
    const missing = new EksKubeConfigSource({ clusterName: 'nope', region: 'us-east-1', eks, credentials: async () => credentials, allowHttpEndpointForTests: true });
    await expect(createClusterClient(missing).listNamespaces()).rejects.toBeInstanceOf(ConfigError);
    const insecure = new EksKubeConfigSource({ clusterName: 'prod-eks', region: 'us-east-1', eks, credentials: async () => credentials });
    await expect(createClusterClient(insecure).listNamespaces()).rejects.toThrow(new ClusterAuthError(`DescribeCluster prod-eks: endpoint ${api.url} is not https`));
  });
});
