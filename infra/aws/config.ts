/**
 * Deployment configuration (README.md#2-configure): the `boundwatch` context key of cdk.json, or the JSON
 * file given with `-c configFile=PATH`. Validated at synth time with shared/config.ts plus the
 * checks only a deployment needs; every error names the file or key and the field.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig, type BoundwatchConfig } from '#shared/config';
import { ConfigError, errorMessage } from '#shared/errors';

export const CONFIG_CONTEXT_KEY = 'boundwatch';
export const CONFIG_FILE_CONTEXT_KEY = 'configFile';

export interface ContextReader {
  tryGetContext(key: string): unknown;
}

/** Reads and validates the configuration; throws a ConfigError naming the origin and field. */
export function loadConfig(context: ContextReader, cwd: string = process.cwd()): BoundwatchConfig {
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
    return validate(parseJson(text, file), file);
  }
  const raw = context.tryGetContext(CONFIG_CONTEXT_KEY);
  const origin = `cdk.json context "${CONFIG_CONTEXT_KEY}"`;
  if (raw === undefined) {
    throw new ConfigError(
      `no configuration: set the "${CONFIG_CONTEXT_KEY}" context in cdk.json or pass -c ${CONFIG_FILE_CONTEXT_KEY}=PATH`,
    );
  }
  // `-c boundwatch='{...}'` arrives as a string.
  return validate(typeof raw === 'string' ? parseJson(raw, origin) : raw, origin);
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${origin}: not valid JSON (${errorMessage(err)})`);
  }
}

function validate(raw: unknown, origin: string): BoundwatchConfig {
  const config = parseConfig(raw, origin);
  const problems: string[] = [];
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
  });
  if (problems.length > 0) throw new ConfigError(`${origin}: ${problems.join('; ')}`);
  return config;
}
