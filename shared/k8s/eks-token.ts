/**
 * The bearer token EKS accepts from IAM principals, as aws-iam-authenticator and
 * `aws eks get-token` build it: `k8s-aws-v1.` + base64url (no padding) of a presigned STS
 * `GetCallerIdentity` URL whose signature covers the `x-k8s-aws-id: <cluster>` header. The
 * cluster's authenticator replays the URL to STS to learn who is calling, so the token is a
 * credential: it is never logged and never put in an error message.
 */
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { ClusterAuthError } from '../errors';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** X-Amz-Expires of the presigned URL, as the AWS CLI sets it. */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** How long EKS accepts a token after its X-Amz-Date, whatever X-Amz-Expires says. */
export const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentials | AwsCredentialsProvider;
  /** Defaults to now; tests pin it. */
  signingDate?: Date;
}

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const EKS_CLUSTER_NAME_RE = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

/** The regional STS endpoint; aws-iam-authenticator accepts regional and partition hosts. */
export function stsHostname(region: string): string {
  if (region.startsWith('cn-')) return `sts.${region}.amazonaws.com.cn`;
  return `sts.${region}.amazonaws.com`;
}

/** RFC 3986 escaping, as SigV4 canonicalizes query strings. */
function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export async function eksBearerToken(req: EksTokenRequest): Promise<string> {
  if (!EKS_CLUSTER_NAME_RE.test(req.clusterName)) throw new ClusterAuthError(`EKS token: ${JSON.stringify(req.clusterName)} is not an EKS cluster name`);
  if (!REGION_RE.test(req.region)) throw new ClusterAuthError(`EKS token: ${JSON.stringify(req.region)} is not an AWS region`);
  const hostname = stsHostname(req.region);
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, [CLUSTER_ID_HEADER]: req.clusterName },
  });
  const signer = new SignatureV4({ credentials: req.credentials, region: req.region, service: 'sts', sha256: Sha256 });
  let signed: HttpRequest;
  try {
    signed = (await signer.presign(request, { expiresIn: PRESIGN_EXPIRES_SECONDS, ...(req.signingDate ? { signingDate: req.signingDate } : {}) })) as HttpRequest;
  } catch (err) {
    // The provider's message may name a profile or a role, never a key; keep only that.
    throw new ClusterAuthError(`EKS token for cluster ${req.clusterName}: cannot sign with the AWS credentials: ${err instanceof Error ? err.message : String(err)}`);
  }
  const query = Object.entries(signed.query)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${uriEscape(k)}=${uriEscape(v)}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

export interface ParsedEksToken {
  url: URL;
  host: string;
  action: string | null;
  signedHeaders: string[];
  expiresSeconds: number;
  signedAt: Date;
  credentialScope: string;
}

/**
 * Decodes a token the way aws-iam-authenticator's verifier does before it calls STS: prefix,
 * base64url, an https STS URL for GetCallerIdentity whose signed headers include the cluster
 * id. It does not check the signature (only STS can). Throws ClusterAuthError when malformed.
 */
export function parseEksToken(token: string): ParsedEksToken {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) throw new ClusterAuthError('EKS token: missing the k8s-aws-v1. prefix');
  const b64 = token.slice(EKS_TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(b64)) throw new ClusterAuthError('EKS token: not base64url without padding');
  let url: URL;
  try {
    url = new URL(Buffer.from(b64, 'base64url').toString('utf8'));
  } catch {
    throw new ClusterAuthError('EKS token: does not decode to a URL');
  }
  if (url.protocol !== 'https:' || !/^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.test(url.hostname)) {
    throw new ClusterAuthError('EKS token: not an STS URL');
  }
  const q = url.searchParams;
  const amzDate = q.get('X-Amz-Date') ?? '';
  const m = amzDate.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  if (!m) throw new ClusterAuthError('EKS token: missing X-Amz-Date');
  return {
    url,
    host: url.hostname,
    action: q.get('Action'),
    signedHeaders: (q.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean),
    expiresSeconds: Number(q.get('X-Amz-Expires') ?? NaN),
    signedAt: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)),
    credentialScope: q.get('X-Amz-Credential')?.split('/').slice(1).join('/') ?? '',
  };
}
