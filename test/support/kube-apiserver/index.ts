/**
 * The test Kubernetes API server. Typical use in a test:
 *
 *   const api = await KubeApiServer.start();
 *   api.seed(inventory);
 *   const kc = loadKubeConfig(api.writeKubeconfig(tmpDir));
 *   ...
 *   await api.stop();
 *
 * or `startKubeFixture({ seed })`, which also makes the kubeconfig and a ClusterClient.
 */
export { KubeApiServer } from './server';
export type { Fault, FaultMatch, KubeApiServerOptions, PolicyRule, RequestRecord, UserInfo } from './server';
export { kubeconfigYaml, writeKubeconfigFile, type KubeconfigOptions } from './kubeconfig';
export { seedInventory, podObject } from './seed';
export { startKubeFixture, type KubeFixture, type KubeFixtureOptions } from './fixture';
export type { NetworkPolicyValidator } from './resources';
export type { Status, StatusCause } from './status';

import type { NetworkPolicy } from '#shared/netpol-api/types';
import type { KubeApiServer } from './server';
import type { KubeconfigOptions } from './kubeconfig';

/** Writes a kubeconfig for `server` into `dir` and returns its path. */
export function writeKubeconfig(server: KubeApiServer, dir: string, opts: Omit<KubeconfigOptions, 'server'> & { fileName?: string } = {}): string {
  return server.writeKubeconfig(dir, opts);
}

/**
 * A NetworkPolicy as a caller of the client sends it in these tests: only the spec fields it
 * means to own (server-side apply gives it just those), the server defaulting the rest, or a
 * spec the server is meant to refuse. The type is asserted: the object may be partial.
 */
export function sentPolicy(metadata: { name: string; namespace: string; labels?: Record<string, string> }, spec: object): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec } as NetworkPolicy;
}
