/**
 * Where a ClusterClient gets its KubeConfig. Locally that is a kubeconfig file (the user's, or
 * one written for the test API server); in Lambda it is built from DescribeCluster and an EKS
 * token (see eks.ts). A source hands out a KubeConfig with a valid credential and can be told
 * to drop it after a 401.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '../errors';

export interface KubeConfigSource {
  /** A KubeConfig whose credential is valid now. */
  get(): Promise<KubeConfig>;
  /** Forget any cached credential (called after a 401) so that the next get() renews it. */
  invalidate(): void;
  /** For messages: `kubeconfig ./kc.yaml` or `EKS cluster prod-eks`. Never holds a secret. */
  readonly description: string;
}

/**
 * A kubeconfig's text (and optionally a context) as a usable KubeConfig. Unusable text is the
 * user's input problem: InputError naming `path` (where the text came from), without echoing
 * its contents. Reading the file is the command line's part (infra/local/kubeconfig.ts).
 */
export function parseKubeConfig(text: string, path: string, opts: { context?: string | undefined } = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    // js-yaml messages quote the offending line, which may hold a token: report the position only.
    const mark = (err as { mark?: { line?: number } }).mark;
    throw new InputError(`kubeconfig ${path}: not a valid kubeconfig${mark?.line !== undefined ? ` (YAML error at line ${mark.line + 1})` : ''}`);
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) throw new InputError(`kubeconfig ${path}: no context named ${JSON.stringify(opts.context)}`);
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new InputError(`kubeconfig ${path}: the current context names no cluster`);
  if (!/^https?:\/\//.test(cluster.server)) throw new InputError(`kubeconfig ${path}: cluster ${cluster.name} has no http(s) server URL`);
  return kc;
}

/** A fixed KubeConfig (a file, or one built in a test). Exec and OIDC users renew themselves. */
export function staticKubeConfigSource(kc: KubeConfig, description: string): KubeConfigSource {
  return { get: () => Promise.resolve(kc), invalidate: () => undefined, description };
}

export interface KubeConfigParts {
  name: string;
  server: string;
  /** Base64 PEM of the cluster CA, as DescribeCluster returns it. */
  caData?: string;
  token: string;
  /** Test servers only: plain http needs this in client-node. */
  insecureSkipTlsVerify?: boolean;
}

/** A single-cluster, single-user KubeConfig with a bearer token. */
export function kubeConfigFromParts(p: KubeConfigParts): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: p.name, server: p.server, ...(p.caData ? { caData: p.caData } : {}), skipTLSVerify: p.insecureSkipTlsVerify === true }],
    users: [{ name: 'boundwatch', token: p.token }],
    contexts: [{ name: p.name, cluster: p.name, user: 'boundwatch' }],
    currentContext: p.name,
  });
  return kc;
}
