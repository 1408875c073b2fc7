/**
 * Deployment configuration (README.md#2-configure): the `boundwatch` context key of cdk.json, or the JSON
 * file given with `-c configFile=PATH`. Validated at synth time with shared/config.ts plus the
 * checks only a deployment needs (guards against templates CloudFormation would reject or roll
 * back); every error names the file or key and the field.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig, type BoundwatchConfig } from '#shared/config';
import { ConfigError, errorMessage } from '#shared/errors';
import { CONFIG_KEY, logGroupsOf } from '#shared/preflight/checks';
import { SUPPORTED_REGIONS } from '#shared/preflight/regions';

export const CONFIG_CONTEXT_KEY = 'boundwatch';
export const CONFIG_FILE_CONTEXT_KEY = 'configFile';
/** `-c region=...` names the target region when the environment does not. */
export const REGION_CONTEXT_KEY = 'region';

export interface ContextReader {
  tryGetContext(key: string): unknown;
}

/**
 * The region `cdk deploy` will deploy to, when synth can know it: `-c region=...`, else the
 * CDK CLI's CDK_DEFAULT_REGION (from AWS_REGION or the profile). The template itself stays
 * region-agnostic; the region only decides validation and warnings.
 */
export function targetRegion(context: ContextReader, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromContext = context.tryGetContext(REGION_CONTEXT_KEY);
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
  return env.CDK_DEFAULT_REGION || undefined;
}

/** Reads and validates the configuration; throws a ConfigError naming the origin and field. */
export function loadConfig(context: ContextReader, cwd: string = process.cwd(), region: string | undefined = targetRegion(context)): BoundwatchConfig {
  const file = context.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') throw new ConfigError(`-c ${CONFIG_FILE_CONTEXT_KEY}: expected a file path`);
    const resolved = path.resolve(cwd, file);
    let text: string;
    try {
      text = readFileSync(resolved, 'utf8');
    } catch (err) {
      throw new ConfigError(`${file}: cannot read the configuration file (${errorMessage(err)})`);
    }
    return validate(parseJson(text, file), file, region);
  }
  const raw = context.tryGetContext(CONFIG_CONTEXT_KEY);
  const origin = `cdk.json context "${CONFIG_CONTEXT_KEY}"`;
  if (raw === undefined) {
    throw new ConfigError(
      `no configuration: set the "${CONFIG_CONTEXT_KEY}" context in cdk.json or pass -c ${CONFIG_FILE_CONTEXT_KEY}=PATH`,
    );
  }
  // `-c boundwatch='{...}'` arrives as a string.
  return validate(typeof raw === 'string' ? parseJson(raw, origin) : raw, origin, region);
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${origin}: not valid JSON (${errorMessage(err)})`);
  }
}

function validate(raw: unknown, origin: string, region: string | undefined): BoundwatchConfig {
  const config = parseConfig(raw, origin);
  const problems: string[] = [...regionProblems(region), ...sharedLogGroupProblems(config), ...nameCollisionProblems(config)];
  config.clusters.forEach((c, i) => {
    const at = `clusters.${i}`;
    const wantsVpc = c.vpcId !== undefined || c.subnetIds !== undefined || c.securityGroupIds !== undefined;
    if (wantsVpc && !c.subnetIds?.length) {
      problems.push(`${at}.subnetIds: required (at least one) when vpcId or securityGroupIds is set`);
    }
    if (c.subnetIds?.length && !c.securityGroupIds?.length && c.vpcId === undefined) {
      problems.push(`${at}.vpcId: required to create a security group when securityGroupIds is not set`);
    }
    if (c.securityGroupIds !== undefined && c.securityGroupIds.length === 0) {
      problems.push(`${at}.securityGroupIds: must not be empty; leave it out to let boundwatch create one`);
    }
    if (c.clusterSecurityGroupId !== undefined && !c.subnetIds?.length) {
      problems.push(`${at}.clusterSecurityGroupId: needs subnetIds (and vpcId or securityGroupIds): the rule it adds lets in the functions' security group, which they have only inside the VPC`);
    }
  });
  if (problems.length > 0) throw new ConfigError(`${origin}: ${problems.join('; ')}`);
  return config;
}

/**
 * Regions outside the list in shared/preflight/regions.ts are refused: the stack relies on EKS
 * access entries, EventBridge Scheduler and CloudWatch Logs subscriptions being there, and a
 * region we have not checked would fail mid-deploy instead.
 */
function regionProblems(region: string | undefined): string[] {
  if (region === undefined || SUPPORTED_REGIONS.includes(region)) return [];
  return [`region ${region}: not a region boundwatch supports (${SUPPORTED_REGIONS.join(', ')})`];
}

/**
 * A log group read by two clusters (a flow log group of a shared VPC, typically) would get one
 * identical `boundwatch-*` subscription filter per cluster: CloudWatch Logs allows two per group
 * and rejects the second of the same name, so the deploy rolls back. The stack keeps one filter
 * per group; fanning one group out to several clusters is not something it does.
 */
function sharedLogGroupProblems(config: BoundwatchConfig): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  config.clusters.forEach((c, i) => {
    for (const [role, group] of logGroupsOf(c)) {
      const at = `clusters.${i}.${CONFIG_KEY[role]}`;
      const first = seen.get(group);
      if (first === undefined) {
        seen.set(group, at);
        continue;
      }
      out.push(
        `${at}: log group ${group} is also ${first}; boundwatch subscribes one filter per log group, so configure it on one cluster only ` +
          '(that cluster\'s function reads every record of the group) or give each cluster its own group',
      );
    }
  });
  return out;
}

/**
 * Construct ids become logical ids and output names with only letters and digits kept, and IAM
 * names ignore case, so `prod-eks`, `prod_eks` and `Prod-EKS` would claim the same ids (the synth
 * crashed on that before this check).
 */
export function sanitizedClusterKey(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}

function nameCollisionProblems(config: BoundwatchConfig): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  config.clusters.forEach((c, i) => {
    const key = sanitizedClusterKey(c.name);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else if (config.clusters[first]!.name !== c.name) {
      out.push(`clusters.${i}.name: "${c.name}" and clusters.${first}.name "${config.clusters[first]!.name}" are the same once punctuation and case are dropped (as resource ids and output names are); rename one`);
    }
  });
  return out;
}
