/**
 * A stand-in for the EKS control-plane API, just DescribeCluster (`GET /clusters/{name}`,
 * REST-JSON), so that @aws-sdk/client-eks runs over real HTTP in tests, and an authenticator
 * for the test API server that accepts EKS bearer tokens the way aws-iam-authenticator
 * pre-checks them (it cannot ask STS, so it checks shape, cluster-id signing and age).
 */
import { createServer, type Server } from 'node:http';
import { parseEksToken, CLUSTER_ID_HEADER, EKS_TOKEN_LIFETIME_MS, stsHostname } from '#shared/k8s/eks-token';
import type { UserInfo } from './server';

export interface FakeEksCluster {
  endpoint: string;
  certificateAuthorityData?: string;
  status?: string;
}

export interface FakeEks {
  url: string;
  /** Names asked for, in order. */
  describeCalls: string[];
  clusters: Map<string, FakeEksCluster>;
  stop(): Promise<void>;
}

export async function startFakeEks(clusters: Record<string, FakeEksCluster>): Promise<FakeEks> {
  const state = new Map(Object.entries(clusters));
  const describeCalls: string[] = [];
  const server: Server = createServer((req, res) => {
    const m = (req.url ?? '').match(/^\/clusters\/([^/?]+)/);
    if (req.method !== 'GET' || !m) {
      res.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-errortype': 'NotFoundException' }).end('{"message":"not found"}');
      return;
    }
    const name = decodeURIComponent(m[1]!);
    describeCalls.push(name);
    const c = state.get(name);
    if (!c) {
      res.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' }).end(JSON.stringify({ message: `No cluster found for name: ${name}.` }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        cluster: {
          name,
          arn: `arn:aws:eks:us-east-1:111122223333:cluster/${name}`,
          endpoint: c.endpoint,
          status: c.status ?? 'ACTIVE',
          certificateAuthority: { data: c.certificateAuthorityData ?? Buffer.from('-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n').toString('base64') },
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    describeCalls,
    clusters: state,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * An `authenticate` option for KubeApiServer: accepts well-formed EKS tokens for `region`,
 * signed (by header list) for the cluster id, not older than 15 minutes, and maps them to
 * `user`. Tokens are remembered so that tests can count distinct ones.
 */
export function eksTokenAuthenticator(region: string, user: UserInfo, opts: { now?: () => number; seen?: Set<string> } = {}) {
  return (token: string): UserInfo | null => {
    try {
      const t = parseEksToken(token);
      const now = (opts.now ?? Date.now)();
      if (t.host !== stsHostname(region) || t.action !== 'GetCallerIdentity') return null;
      if (!t.signedHeaders.includes('host') || !t.signedHeaders.includes(CLUSTER_ID_HEADER)) return null;
      if (now - t.signedAt.getTime() > EKS_TOKEN_LIFETIME_MS) return null;
      opts.seen?.add(token);
      return user;
    } catch {
      return null;
    }
  };
}
