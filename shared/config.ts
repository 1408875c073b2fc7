/**
 * boundwatch configuration (every key: README.md#2-configure), validated once: at synth time by the CDK app, at
 * start by the command line. Errors name the offending field, e.g.
 * `clusters.0.enforcement: Invalid option: expected one of "off"|"dry-run"|"apply"`.
 */
import { z } from 'zod';
import { ConfigError, describeIssues } from './errors';
import { EnforcementMode, Severity } from './events/schema';
import { DetectionConfig } from './detect/config';
import { EnforcementConfig } from './enforce/config';
import { RuntimeConfig } from './runtime/config';

export const ClusterConfig = z
  .object({
    name: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be an EKS cluster name (letters, digits, - and _; up to 100)'),
    auditLogGroup: z.string().min(1).max(512),
    flowLogGroup: z.string().min(1).max(512).optional(),
    /** Route 53 Resolver query log group of the cluster's VPC: the stack subscribes ingest-dns to it. */
    resolverLogGroup: z.string().min(1).max(512).optional(),
    /** Field list of a custom VPC Flow Logs format, e.g. "${version} ${pkt-srcaddr} ..." or space-separated names. */
    flowLogFormat: z.string().optional(),
    enforcement: EnforcementMode.default('dry-run'),
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/).optional(),
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).optional(),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/)).optional(),
    /** The cluster security group (EKS's, on the control plane ENIs): the stack lets the functions' groups in on 443. */
    clusterSecurityGroupId: z.string().regex(/^sg-[0-9a-f]+$/).optional(),
    /** Runtime signals (Falco, GuardDuty) and attack sequences; see shared/runtime/config.ts. */
    runtime: RuntimeConfig.optional(),
  })
  .strict();
export type ClusterConfig = z.infer<typeof ClusterConfig>;

export const AlertsConfig = z
  .object({
    emails: z.array(z.email()).default([]),
    httpsEndpoints: z.array(z.url({ protocol: /^https$/ })).default([]),
    minSeverity: Severity.default('MEDIUM'),
  })
  .strict();

// Defined beside the enforcement code, which owns its semantics; re-exported for callers of the config.
export { EnforcementConfig } from './enforce/config';

export const BoundwatchConfig = z
  .object({
    clusters: z.array(ClusterConfig).min(1),
    alerts: AlertsConfig.default(AlertsConfig.parse({})),
    enforcement: EnforcementConfig.default(EnforcementConfig.parse({})),
    highVolume: z.boolean().default(false),
    /** Detector settings; see shared/detect/config.ts and the README's "Detectors" table. */
    detection: DetectionConfig.default(DetectionConfig.parse({})),
  })
  .strict();
export type BoundwatchConfig = z.infer<typeof BoundwatchConfig>;

/** Parses configuration, throwing a ConfigError whose message names every invalid field. */
export function parseConfig(raw: unknown, origin = 'configuration'): BoundwatchConfig {
  const result = BoundwatchConfig.safeParse(raw);
  if (result.success) {
    const names = result.data.clusters.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new ConfigError(`${origin}: clusters: duplicate cluster name "${dup}"`);
    return result.data;
  }
  throw new ConfigError(`${origin}: ${describeIssues(result.error.issues)}`);
}

/**
 * What one cluster's functions need, passed to them as the BOUNDWATCH_CONFIG environment
 * variable (JSON): their cluster entry plus the account-wide detection and enforcement settings.
 */
export const FunctionConfig = z.object({
  cluster: ClusterConfig,
  detection: DetectionConfig.default(DetectionConfig.parse({})),
  enforcement: EnforcementConfig.default(EnforcementConfig.parse({})),
});
export type FunctionConfig = z.infer<typeof FunctionConfig>;

export function functionConfigFor(config: BoundwatchConfig, clusterName: string): FunctionConfig {
  const cluster = config.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new ConfigError(`no cluster named "${clusterName}" in the configuration`);
  return compactFunctionConfig({ cluster, detection: config.detection, enforcement: config.enforcement });
}

/**
 * The same settings without the top-level detection and enforcement keys that equal their
 * defaults: FunctionConfig's parse restores them, and Lambda allows 4 KB of environment in all.
 */
export function compactFunctionConfig(fc: FunctionConfig): FunctionConfig {
  return {
    cluster: fc.cluster,
    detection: withoutDefaults(fc.detection, DetectionConfig.parse({})),
    enforcement: withoutDefaults(fc.enforcement, EnforcementConfig.parse({})),
  };
}

function withoutDefaults<T extends object>(value: T, defaults: T): T {
  const same = (k: string) => JSON.stringify((value as Record<string, unknown>)[k]) === JSON.stringify((defaults as Record<string, unknown>)[k]);
  // Typed as the full settings: the dropped keys come back from their defaults when parsed.
  return Object.fromEntries(Object.entries(value).filter(([k]) => !same(k))) as T;
}
