/**
 * The EKS bearer token: its shape as aws-iam-authenticator expects it, and a SigV4 signature
 * checked by an independent implementation (node:crypto, written from the AWS spec), which
 * proves the cluster name is covered by the signature.
 */
import { createHash, createHmac } from 'node:crypto';
import { ClusterAuthError } from '#shared/errors';
import { EKS_TOKEN_PREFIX, eksBearerToken, parseEksToken, stsHostname } from '#shared/k8s/eks-token';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzEBYaDH/example+token==' };
const signingDate = new Date('2026-03-01T12:34:56Z');

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 query-string verification, as STS does it, with the header values the verifier re-adds. */
function verify(url: URL, headers: Record<string, string>, secret: string): boolean {
  const q = url.searchParams;
  const signature = q.get('X-Amz-Signature');
  const params = [...q.entries()].filter(([k]) => k !== 'X-Amz-Signature').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalQuery = params.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const signed = q.get('X-Amz-SignedHeaders')!.split(';');
  const canonicalHeaders = signed.map((h) => `${h}:${headers[h]!.trim()}\n`).join('');
  const canonicalRequest = ['GET', '/', canonicalQuery, canonicalHeaders, signed.join(';'), sha256('')].join('\n');
  const [, date, region, service] = q.get('X-Amz-Credential')!.split('/');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', q.get('X-Amz-Date'), scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex') === signature;
}

describe('eksBearerToken', () => {
  it('is k8s-aws-v1. + unpadded base64url of a presigned STS GetCallerIdentity URL', async () => {
    const token = await eksBearerToken({ clusterName: 'prod-eks', region: 'eu-west-1', credentials, signingDate });
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = decode(token);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20260301/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20260301T123456Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(q.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs the cluster id header: a verifier with another cluster name rejects it', async () => {
    const token = await eksBearerToken({ clusterName: 'prod-eks', region: 'us-east-1', credentials, signingDate });
    const url = decode(token);
    expect(verify(url, { host: 'sts.us-east-1.amazonaws.com', 'x-k8s-aws-id': 'prod-eks' }, credentials.secretAccessKey)).toBe(true);
    expect(verify(url, { host: 'sts.us-east-1.amazonaws.com', 'x-k8s-aws-id': 'other-cluster' }, credentials.secretAccessKey)).toBe(false);
    expect(verify(url, { host: 'sts.us-east-1.amazonaws.com', 'x-k8s-aws-id': 'prod-eks' }, 'another-secret')).toBe(false);
  });

  it('omits the security token for long-term keys and takes a credentials provider', async () => {
    const token = await eksBearerToken({ clusterName: 'c1', region: 'us-west-2', credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' }), signingDate });
    expect(decode(token).searchParams.has('X-Amz-Security-Token')).toBe(false);
  });

  it('is deterministic for a given date and differs across clusters', async () => {
    const a = await eksBearerToken({ clusterName: 'a', region: 'us-east-1', credentials, signingDate });
    expect(await eksBearerToken({ clusterName: 'a', region: 'us-east-1', credentials, signingDate })).toBe(a);
    expect(await eksBearerToken({ clusterName: 'b', region: 'us-east-1', credentials, signingDate })).not.toBe(a);
  });

  it('uses the partition\'s STS host', () => {
    expect(stsHostname('us-east-1')).toBe('sts.us-east-1.amazonaws.com');
    expect(stsHostname('cn-north-1')).toBe('sts.cn-north-1.amazonaws.com.cn');
  });

  it.each([
    [{ clusterName: 'bad name', region: 'us-east-1' }, /not an EKS cluster name/],
    [{ clusterName: 'ok', region: 'https://evil.example' }, /not an AWS region/],
  ])('refuses %j', async (req, message) => {
    await expect(eksBearerToken({ ...req, credentials, signingDate })).rejects.toThrow(message);
  });

  it('reports unusable credentials as ClusterAuthError without the secret', async () => {
    const err = await eksBearerToken({ clusterName: 'c', region: 'us-east-1', credentials: async () => Promise.reject(new Error('no profile')), signingDate }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterAuthError);
    expect((err as Error).message).toMatch(/no profile/);
  });
});

describe('parseEksToken', () => {
  it('reads back what eksBearerToken wrote', async () => {
    const t = parseEksToken(await eksBearerToken({ clusterName: 'prod-eks', region: 'us-east-1', credentials, signingDate }));
    expect(t).toMatchObject({ host: 'sts.us-east-1.amazonaws.com', action: 'GetCallerIdentity', signedHeaders: ['host', 'x-k8s-aws-id'], expiresSeconds: 60, credentialScope: '20260301/us-east-1/sts/aws4_request' });
    expect(t.signedAt.toISOString()).toBe('2026-03-01T12:34:56.000Z');
  });

  it.each([
    ['no prefix', 'abc'],
    ['padding', `${EKS_TOKEN_PREFIX}aGk=`],
    ['not STS', EKS_TOKEN_PREFIX + Buffer.from('https://evil.example.com/?X-Amz-Date=20260301T000000Z').toString('base64url')],
    ['plain http', EKS_TOKEN_PREFIX + Buffer.from('http://sts.amazonaws.com/?X-Amz-Date=20260301T000000Z').toString('base64url')],
    ['no date', EKS_TOKEN_PREFIX + Buffer.from('https://sts.amazonaws.com/?Action=GetCallerIdentity').toString('base64url')],
  ])('rejects a token with %s', (_what, token) => {
    expect(() => parseEksToken(token)).toThrow(ClusterAuthError);
  });
});
