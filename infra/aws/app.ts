/**
 * The CDK app (cdk.json runs it through infra/aws/bundle-and-run.mjs). Reads and validates the
 * configuration, builds one BoundwatchStack, and runs cdk-nag's AwsSolutions pack as a CDK
 * validation plugin: any unacknowledged finding fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '#shared/errors';
import { BoundwatchStack } from './boundwatch-stack';
import { loadConfig, targetRegion } from './config';
import { findProjectRoot } from './paths';

export const DEFAULT_STACK_NAME = 'Boundwatch';

export function buildApp(app: App = new App()): { app: App; stack: BoundwatchStack } {
  const region = targetRegion(app.node);
  const config = loadConfig(app.node, process.cwd(), region);
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  const stack = new BoundwatchStack(app, stackName, {
    config,
    targetRegion: region,
    projectRoot: findProjectRoot(),
    description: stackDescription(config.clusters.map((c) => c.name)),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/** CloudFormation caps stack descriptions at 1,024 bytes; name the clusters while they fit. */
export function stackDescription(clusters: string[]): string {
  const named = `boundwatch: layered defense for Amazon EKS (${clusters.join(', ')})`;
  return named.length <= 1024 ? named : `boundwatch: layered defense for Amazon EKS (${clusters.length} clusters)`;
}

if (require.main === module) {
  try {
    buildApp().app.synth();
  } catch (err) {
    if (err instanceof ConfigError) {
      // One clear line naming the field, not a stack trace.
      console.error(`boundwatch: invalid configuration: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
