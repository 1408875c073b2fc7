/**
 * Cluster access from Lambda: the endpoint and CA from EKS DescribeCluster, and an EKS bearer
 * token signed with the function's role. The IAM role reaches Kubernetes RBAC through an EKS
 * access entry that maps it to a group (see rbac.ts).
 *
 * Both are cached per container: the endpoint and CA for the life of the container (they only
 * change when the cluster is replaced; a 401 or a connection failure clears them), the token
 * until 10 minutes after signing (EKS accepts it for 15) or one minute before the credentials
 * expire, whichever is first.
 */
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterAuthError, ConfigError, DownstreamError } from '../errors';
import { eksBearerToken, type AwsCredentials, type AwsCredentialsProvider } from './eks-token';
import { kubeConfigFromParts, type KubeConfigSource } from './kubeconfig';

export interface ClusterAccess {
  endpoint: string;
  /** Base64 PEM, as in a kubeconfig's certificate-authority-data. */
  certificateAuthorityData: string;
}

/** Refresh the token this long after signing; EKS accepts it for 15 minutes. */
export const TOKEN_REFRESH_AFTER_MS = 10 * 60_000;
/** And this long before the signing credentials expire (a token outlives nothing it was signed with). */
export const CREDENTIALS_EXPIRY_MARGIN_MS = 60_000;

/** DescribeCluster → endpoint and CA, with errors that say what to fix. */
export async function describeClusterAccess(eks: Pick<EKSClient, 'send'>, clusterName: string, opts: { allowHttpEndpointForTests?: boolean } = {}): Promise<ClusterAccess> {
  let out;
  try {
    out = await eks.send(new DescribeClusterCommand({ name: clusterName }));
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    const message = err instanceof Error ? err.message : String(err);
    if (name === 'ResourceNotFoundException') throw new ConfigError(`EKS cluster ${clusterName} not found in this account and region`);
    if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'ExpiredTokenException') {
      throw new ClusterAuthError(`DescribeCluster ${clusterName}: ${name}: the function's role needs eks:DescribeCluster on this cluster`);
    }
    throw new DownstreamError(`DescribeCluster ${clusterName} failed: ${name || 'error'}: ${message}`, { cause: err });
  }
  const c = out.cluster;
  const endpoint = c?.endpoint;
  const ca = c?.certificateAuthority?.data;
  if (!endpoint || !ca) throw new DownstreamError(`DescribeCluster ${clusterName}: no endpoint or certificate authority (cluster status ${c?.status ?? 'unknown'})`);
  if (!endpoint.startsWith('https://') && !(opts.allowHttpEndpointForTests && endpoint.startsWith('http://'))) {
    throw new ClusterAuthError(`DescribeCluster ${clusterName}: endpoint ${endpoint} is not https`);
  }
  return { endpoint, certificateAuthorityData: ca };
}

export interface EksKubeConfigOptions {
  clusterName: string;
  region: string;
  eks: Pick<EKSClient, 'send'>;
  /** The role's credentials, e.g. fromNodeProviderChain() (itself caching and refreshing). */
  credentials: AwsCredentialsProvider;
  now?: () => number;
  /** Tests only: accept the http endpoint of the test API server. */
  allowHttpEndpointForTests?: boolean;
}

/** A KubeConfigSource for an EKS cluster, built once per container and refreshed in time. */
export class EksKubeConfigSource implements KubeConfigSource {
  readonly description: string;
  private access: ClusterAccess | undefined;
  private cached: { kc: KubeConfig; refreshAt: number } | undefined;
  private pending: Promise<KubeConfig> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: EksKubeConfigOptions) {
    this.description = `EKS cluster ${opts.clusterName}`;
    this.now = opts.now ?? Date.now;
  }

  async get(): Promise<KubeConfig> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.kc;
    // Concurrent callers share one refresh.
    this.pending ??= this.build().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
    this.access = undefined;
  }

  private async build(): Promise<KubeConfig> {
    const allowHttp = this.opts.allowHttpEndpointForTests === true;
    this.access ??= await describeClusterAccess(this.opts.eks, this.opts.clusterName, { allowHttpEndpointForTests: allowHttp });
    let creds: AwsCredentials;
    try {
      creds = await this.opts.credentials();
    } catch (err) {
      throw new ClusterAuthError(`EKS token for cluster ${this.opts.clusterName}: no AWS credentials: ${err instanceof Error ? err.message : String(err)}`);
    }
    const signedAt = this.now();
    const token = await eksBearerToken({ clusterName: this.opts.clusterName, region: this.opts.region, credentials: creds, signingDate: new Date(signedAt) });
    let refreshAt = signedAt + TOKEN_REFRESH_AFTER_MS;
    if (creds.expiration) refreshAt = Math.min(refreshAt, creds.expiration.getTime() - CREDENTIALS_EXPIRY_MARGIN_MS);
    const kc = kubeConfigFromParts({
      name: this.opts.clusterName,
      server: this.access.endpoint,
      caData: this.access.certificateAuthorityData,
      token,
      insecureSkipTlsVerify: allowHttp && this.access.endpoint.startsWith('http://'),
    });
    this.cached = { kc, refreshAt };
    return kc;
  }
}

/**
 * The source a Lambda handler creates once at module scope: the function's own role
 * (the default provider chain, which caches and refreshes) and an EKS client in its region.
 */
export function createEksKubeConfigSource(opts: { clusterName: string; region: string; eks?: Pick<EKSClient, 'send'>; credentials?: AwsCredentialsProvider }): EksKubeConfigSource {
  return new EksKubeConfigSource({
    clusterName: opts.clusterName,
    region: opts.region,
    eks: opts.eks ?? new EKSClient({ region: opts.region }),
    credentials: opts.credentials ?? defaultProvider(),
  });
}
