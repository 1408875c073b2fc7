/**
 * Synthesizes the boundwatch app the way `cdk synth` does (infra/aws/app.ts), with bundling
 * disabled so infra tests stay fast and need no esbuild run per function.
 */
import { App, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readdirSync, readFileSync } from 'node:fs';
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
  /** The core stack and every cluster's nested stack as one template (see mergedTemplate). */
  template: Template;
  /** The core stack's template alone, as CloudFormation receives it. */
  root: Template;
  /** Each cluster's nested stack template, by cluster name. */
  nested: Record<string, Template>;
}

type TemplateJson = Record<string, Record<string, unknown> | undefined>;

/**
 * The core stack with every cluster's nested stack inlined, as one template, so assertions see a
 * resource wherever it lives and references as they would be without nesting: a nested stack's
 * parameters are replaced by what the core passes in, the core's `Outputs.X` of a nested stack
 * by that output's value. A cluster's pipeline keeps its construct id inside its nested stack, so
 * logical ids do not collide (checked).
 */
export function mergedTemplate(root: Template, nested: Array<{ resourceId: string; template: Template }>): Template {
  const rootJson: TemplateJson = root.toJSON();
  const rootResources = rootJson.Resources as Record<string, { Properties?: { Parameters?: Record<string, unknown> } }>;
  const outputsOf = new Map<string, Record<string, { Value: unknown }>>();
  const resources: Record<string, unknown> = {};
  for (const { resourceId, template } of nested) {
    const params = rootResources[resourceId]?.Properties?.Parameters ?? {};
    const json = replace(template.toJSON(), (v) => (isRef(v) && v.Ref in params ? params[v.Ref] : undefined)) as TemplateJson;
    outputsOf.set(resourceId, (json.Outputs ?? {}) as Record<string, { Value: unknown }>);
    for (const [id, r] of Object.entries(json.Resources ?? {})) {
      if (id in resources || id in rootResources) throw new Error(`logical id ${id} is in two stacks`);
      resources[id] = r;
    }
  }
  const inlined = replace(rootJson, (v) => {
    const att = (v as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (!Array.isArray(att) || !outputsOf.has(att[0]) || !att[1].startsWith('Outputs.')) return undefined;
    return outputsOf.get(att[0])![att[1].slice('Outputs.'.length)]!.Value;
  }) as TemplateJson;
  for (const { resourceId } of nested) delete (inlined.Resources as Record<string, unknown>)[resourceId];
  return Template.fromJSON({ ...inlined, Resources: { ...inlined.Resources, ...resources } });
}

function isRef(v: unknown): v is { Ref: string } {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { Ref?: unknown }).Ref === 'string';
}

/** Deep copy, with `swap` deciding replacements (undefined: keep and descend). */
function replace(value: unknown, swap: (v: unknown) => unknown): unknown {
  const swapped = swap(value);
  if (swapped !== undefined) return swapped;
  if (Array.isArray(value)) return value.map((v) => replace(v, swap));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, swap)]));
  return value;
}

/**
 * cdk.json's context without the configuration: the CDK feature flags. Every synth in the tests
 * sets them, so the templates tested are the ones `cdk synth` and `cdk deploy` produce.
 */
export function featureFlags(): Record<string, unknown> {
  const { boundwatch: _config, ...flags } = (JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  return flags;
}

/** The context of a test synth: feature flags, bundling off, then `context`. */
export function testContext(context: Record<string, unknown>): Record<string, unknown> {
  return { ...featureFlags(), 'aws:cdk:bundling-stacks': [], ...context };
}

export function synth(context: Record<string, unknown>): Synth {
  const app = new App({ context: testContext(context) });
  const { stack } = buildApp(app);
  const root = Template.fromStack(stack);
  const nested = Object.fromEntries(stack.clusterStacks.map((n) => [n.pipeline.clusterName, Template.fromStack(n)]));
  const parts = stack.clusterStacks.map((n) => ({
    resourceId: stack.resolve((n.nestedStackResource as CfnResource).logicalId) as string,
    template: nested[n.pipeline.clusterName]!,
  }));
  return { app, stack, root, nested, template: mergedTemplate(root, parts) };
}

/**
 * Every resource of a synthesized cloud assembly (`cdk synth`'s output folder): the core stack's
 * template and each cluster's nested stack template (`*.nested.template.json`), by logical id.
 */
type AssemblyResources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
export function assemblyResources(outdir: string): AssemblyResources {
  const out: AssemblyResources = {};
  for (const f of readdirSync(outdir).filter((name) => name.endsWith('.template.json'))) {
    Object.assign(out, (JSON.parse(readFileSync(path.join(outdir, f), 'utf8')) as { Resources: AssemblyResources }).Resources);
  }
  return out;
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
