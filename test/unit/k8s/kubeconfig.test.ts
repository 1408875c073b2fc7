/**
 * Building KubeConfigs: from a file (the local path), from parts, and from EKS (DescribeCluster
 * + token) with the cache rules, using a stand-in EKS client (no network in unit tests).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterAuthError, ConfigError, DownstreamError, InputError } from '#shared/errors';
import { createEksKubeConfigSource, describeClusterAccess, EksKubeConfigSource, TOKEN_REFRESH_AFTER_MS } from '#shared/k8s/eks';
import { kubeConfigFromParts } from '#shared/k8s/kubeconfig';
import { kubeConfigFileSource, loadKubeConfig } from '#infra/local/kubeconfig';
import { parseEksToken } from '#shared/k8s/eks-token';
import { kubeconfigYaml } from '#test/support/kube-apiserver/kubeconfig';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

describe('loadKubeConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-kc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the current context and can switch context', () => {
    const path = join(dir, 'config');
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: 'https://a.example.com', certificate-authority-data: ${CA}}
- name: b
  cluster: {server: 'https://b.example.com'}
users:
- name: u
  user: {token: tok}
contexts:
- name: ctx-a
  context: {cluster: a, user: u}
- name: ctx-b
  context: {cluster: b, user: u}
current-context: ctx-a
`,
    );
    expect(loadKubeConfig(path).getCurrentCluster()).toMatchObject({ name: 'a', server: 'https://a.example.com', caData: CA });
    expect(loadKubeConfig(path, { context: 'ctx-b' }).getCurrentCluster()?.server).toBe('https://b.example.com');
    expect(() => loadKubeConfig(path, { context: 'nope' })).toThrow(new InputError(`kubeconfig ${path}: no context named "nope"`));
    expect(kubeConfigFileSource(path).description).toBe(`kubeconfig ${path}`);
  });

  it('reads the test API server\'s kubeconfig', () => {
    const path = join(dir, 'test.yaml');
    writeFileSync(path, kubeconfigYaml({ server: 'http://127.0.0.1:1234', token: 't0k3n' }));
    const kc = loadKubeConfig(path);
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'http://127.0.0.1:1234', skipTLSVerify: true });
    expect(kc.getCurrentUser()?.token).toBe('t0k3n');
  });

  it('reports unreadable and invalid files as InputError without echoing their contents', () => {
    expect(() => loadKubeConfig(join(dir, 'missing'))).toThrow(new InputError(`kubeconfig ${join(dir, 'missing')}: cannot read the file (ENOENT)`));
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'users:\n- name: u\n  user: {token: super-secret-token\n');
    const err = (() => {
      try {
        loadKubeConfig(bad);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err?.message).not.toContain('super-secret-token');
    const noServer = join(dir, 'noserver');
    writeFileSync(noServer, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    expect(() => loadKubeConfig(noServer)).toThrow(InputError);
  });
});

describe('kubeConfigFromParts', () => {
  it('builds one cluster, one token user, TLS verified by default', () => {
    const kc = kubeConfigFromParts({ name: 'prod-eks', server: 'https://ABC.gr7.us-east-1.eks.amazonaws.com', caData: CA, token: 'k8s-aws-v1.x' });
    expect(kc.getCurrentCluster()).toMatchObject({ name: 'prod-eks', server: 'https://ABC.gr7.us-east-1.eks.amazonaws.com', caData: CA, skipTLSVerify: false });
    expect(kc.getCurrentUser()).toMatchObject({ name: 'boundwatch', token: 'k8s-aws-v1.x' });
  });
});

/** A stand-in for EKSClient.send: counts DescribeCluster calls, answers or fails on demand. */
function fakeEks(answer: () => unknown) {
  const calls: string[] = [];
  return {
    calls,
    send: async (cmd: { input: { name?: string } }) => {
      calls.push(cmd.input.name ?? '');
      return answer();
    },
  };
}

const awsError = (name: string) => Object.assign(new Error(`${name} message`), { name });

describe('describeClusterAccess', () => {
  it('returns the endpoint and CA', async () => {
    const eks = fakeEks(() => ({ cluster: { endpoint: 'https://x.eks.amazonaws.com', certificateAuthority: { data: CA } } }));
    await expect(describeClusterAccess(eks as never, 'prod-eks')).resolves.toEqual({ endpoint: 'https://x.eks.amazonaws.com', certificateAuthorityData: CA });
  });

  it.each([
    ['ResourceNotFoundException', ConfigError],
    ['AccessDeniedException', ClusterAuthError],
    ['ThrottlingException', DownstreamError],
  ])('maps %s', async (name, type) => {
    const eks = fakeEks(() => Promise.reject(awsError(name)));
    await expect(describeClusterAccess(eks as never, 'prod-eks')).rejects.toBeInstanceOf(type);
  });

  it('refuses a cluster without endpoint or with plain http', async () => {
    await expect(describeClusterAccess(fakeEks(() => ({ cluster: { status: 'CREATING' } })) as never, 'c')).rejects.toThrow(/cluster status CREATING/);
    await expect(describeClusterAccess(fakeEks(() => ({ cluster: { endpoint: 'http://x', certificateAuthority: { data: CA } } })) as never, 'c')).rejects.toBeInstanceOf(ClusterAuthError);
  });
});

describe('EksKubeConfigSource', () => {
  const creds = { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'st' };
  const answer = () => ({ cluster: { endpoint: 'https://x.eks.amazonaws.com', certificateAuthority: { data: CA } } });

  it('caches the cluster access and the token, and re-signs after ten minutes', async () => {
    let now = Date.parse('2026-03-01T00:00:00Z');
    const eks = fakeEks(answer);
    const src = new EksKubeConfigSource({ clusterName: 'prod-eks', region: 'us-east-1', eks: eks as never, credentials: async () => creds, now: () => now });
    const kc1 = await src.get();
    expect(await src.get()).toBe(kc1);
    const token1 = kc1.getCurrentUser()!.token!;
    expect(parseEksToken(token1).signedAt.getTime()).toBe(now);
    expect(kc1.getCurrentCluster()).toMatchObject({ server: 'https://x.eks.amazonaws.com', caData: CA, skipTLSVerify: false });
    now += TOKEN_REFRESH_AFTER_MS - 1;
    expect(await src.get()).toBe(kc1);
    now += 1;
    const kc2 = await src.get();
    expect(kc2).not.toBe(kc1);
    expect(kc2.getCurrentUser()!.token).not.toBe(token1);
    expect(eks.calls).toEqual(['prod-eks']);
  });

  it('shares one refresh between concurrent callers and starts over after invalidate()', async () => {
    const eks = fakeEks(answer);
    let signed = 0;
    const src = new EksKubeConfigSource({ clusterName: 'prod-eks', region: 'us-east-1', eks: eks as never, credentials: async () => (signed++, creds) });
    const [a, b, c] = await Promise.all([src.get(), src.get(), src.get()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(signed).toBe(1);
    src.invalidate();
    await src.get();
    expect(eks.calls).toHaveLength(2);
  });

  it('turns a failing credentials provider into ClusterAuthError', async () => {
    const src = new EksKubeConfigSource({ clusterName: 'prod-eks', region: 'us-east-1', eks: fakeEks(answer) as never, credentials: () => Promise.reject(new Error('no role')) });
    await expect(src.get()).rejects.toThrow(new ClusterAuthError('EKS token for cluster prod-eks: no AWS credentials: no role'));
  });
});

describe('createEksKubeConfigSource', () => {
  it('defaults to the role\'s credentials and an EKS client in the region, and builds lazily', () => {
    const src = createEksKubeConfigSource({ clusterName: 'prod-eks', region: 'us-east-1' });
    expect(src).toBeInstanceOf(EksKubeConfigSource);
    expect(src.description).toBe('EKS cluster prod-eks');
  });
});
