/**
 * Synthesizes the boundwatch app the way `cdk synth` does (infra/aws/app.ts), with bundling
 * disabled so infra tests stay fast and need no esbuild run per function.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildApp } from '#infra/aws/app';
import type { BoundwatchStack } from '#infra/aws/boundwatch-stack';

// A synth runs the AwsSolutions checks over the whole stack: seconds, more on a busy machine.
jest.setTimeout(120_000);

export const ROOT = path.resolve(__dirname, '../..');
export const EXAMPLES = path.join(ROOT, 'infra/aws/examples');

export interface Synth {
  app: App;
  stack: BoundwatchStack;
  template: Template;
}

export function synth(context: Record<string, unknown>): Synth {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const { stack } = buildApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}

export function synthConfig(config: unknown): Synth {
  return synth({ boundwatch: config });
}

/** The default configuration, exactly as cdk.json ships it. */
export function defaultConfig(): unknown {
  return (JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: { boundwatch: unknown } }).context.boundwatch;
}

export function example(name: string): unknown {
  return JSON.parse(readFileSync(path.join(EXAMPLES, name), 'utf8'));
}

export const minimal = (overrides: Record<string, unknown> = {}, cluster: Record<string, unknown> = {}) => ({
  clusters: [{ name: 'prod-eks', auditLogGroup: '/aws/eks/prod-eks/cluster', ...cluster }],
  ...overrides,
});

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;

/** Resources of a type whose logical id contains `part` (construct paths are in the ids). */
export function resourcesOf(template: Template, type: string, part = ''): Resources {
  const all = template.findResources(type) as Resources;
  return Object.fromEntries(Object.entries(all).filter(([id]) => id.includes(part)));
}

export function onlyResource(template: Template, type: string, part = ''): { id: string; Properties: Record<string, unknown> } {
  const found = Object.entries(resourcesOf(template, type, part));
  if (found.length !== 1) throw new Error(`expected one ${type} matching "${part}", found ${found.map(([id]) => id).join(', ') || 'none'}`);
  const [id, r] = found[0]!;
  return { id, Properties: r.Properties ?? {} };
}

/** All statements of the IAM policies attached to the role whose logical id contains `rolePart`. */
export function statementsOfRole(template: Template, rolePart: string): Array<Record<string, unknown>> {
  const roles = Object.keys(resourcesOf(template, 'AWS::IAM::Role', rolePart));
  if (roles.length !== 1) throw new Error(`expected one role matching "${rolePart}", found ${roles.join(', ') || 'none'}`);
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
    JSON.stringify((p.Properties as { Roles: unknown }).Roles).includes(`"${roles[0]}"`),
  );
  return policies.flatMap((p) => ((p.Properties as { PolicyDocument: { Statement: Array<Record<string, unknown>> } }).PolicyDocument.Statement));
}

export function actionsOf(statement: Record<string, unknown>): string[] {
  const a = statement.Action;
  return Array.isArray(a) ? (a as string[]) : [a as string];
}

/** Every action a role is allowed, as a sorted list. */
export function allowedActions(template: Template, rolePart: string): string[] {
  return [...new Set(statementsOfRole(template, rolePart).filter((s) => s.Effect === 'Allow').flatMap(actionsOf))].sort();
}
