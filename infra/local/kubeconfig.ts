/**
 * Kubeconfig files for the command line (`--kubeconfig`) and the local runtime. Unreadable
 * files are the user's input problem: InputError naming the file, without echoing its
 * contents; what the text must hold is shared/k8s/kubeconfig.ts's to check.
 */
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '#shared/errors';
import { type KubeConfigSource, parseKubeConfig, staticKubeConfigSource } from '#shared/k8s/kubeconfig';

/** Loads a kubeconfig file (and optionally selects a context). */
export function loadKubeConfig(path: string, opts: { context?: string } = {}): KubeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`kubeconfig ${path}: cannot read the file${code ? ` (${code})` : ''}`);
  }
  return parseKubeConfig(text, path, opts);
}

export function kubeConfigFileSource(path: string, opts: { context?: string } = {}): KubeConfigSource {
  return staticKubeConfigSource(loadKubeConfig(path, opts), `kubeconfig ${path}`);
}
