/**
 * Kubeconfig files for the test API server, in the form @kubernetes/client-node and kubectl
 * read. The server is plain http on loopback, which client-node only accepts with
 * `insecure-skip-tls-verify: true`; that is why the flag is set (there is no TLS to verify).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token?: string;
  /** Cluster, user and context name. */
  name?: string;
  namespace?: string;
}

export function kubeconfigYaml(opts: KubeconfigOptions): string {
  const name = opts.name ?? 'boundwatch-test';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: opts.token ? { token: opts.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: opts.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes `<dir>/<fileName>` (default `kubeconfig.yaml`) readable by the owner only. */
export function writeKubeconfigFile(dir: string, opts: KubeconfigOptions & { fileName?: string }): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, opts.fileName ?? 'kubeconfig.yaml');
  writeFileSync(path, kubeconfigYaml(opts), { mode: 0o600 });
  return path;
}
