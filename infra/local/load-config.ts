/** Configuration for the command line: `--config FILE` (the deployment configuration's shape, README.md#2-configure) or a local default. */
import { parseConfig, type BoundwatchConfig } from '#shared/config';
import { InputError } from '#shared/errors';
import { readSmallFile } from './input/files';

export const LOCAL_CLUSTER = 'local';

export function defaultLocalConfig(cluster = LOCAL_CLUSTER): BoundwatchConfig {
  return parseConfig({ clusters: [{ name: cluster, auditLogGroup: `/aws/eks/${cluster}/cluster` }] });
}

export function loadConfig(file: string | undefined): BoundwatchConfig {
  if (!file) return defaultLocalConfig();
  const text = readSmallFile(file, 'configuration');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InputError(`${file}: configuration is not valid JSON`);
  }
  // Accept both the bare configuration and a cdk.json-style `{"context":{"boundwatch":{...}}}`.
  const ctx = (raw as { context?: { boundwatch?: unknown } } | null)?.context?.boundwatch;
  return parseConfig(ctx ?? raw, file);
}
