/**
 * The real entry point, as `npx cdk synth` runs it (cdk.json "app"): bundle infra/aws/app.ts with
 * esbuild and synthesize, offline. Bundling of the function code is switched off through the
 * context the CDK CLI would pass, to keep the test fast.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { assemblyResources, EXAMPLES, ROOT } from './support';

function runApp(context: Record<string, unknown>) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'bw-cdk-out-'));
  const run = spawnSync(process.execPath, [path.join(ROOT, 'infra/aws/bundle-and-run.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    timeout: 120_000,
  });
  return { ...run, outdir };
}

describe('cdk.json app (infra/aws/bundle-and-run.mjs)', () => {
  it('synthesizes several clusters from -c configFile=PATH, offline', () => {
    const run = runApp({ configFile: path.join(EXAMPLES, 'multi-cluster.json') });

    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    const resources = Object.values(assemblyResources(run.outdir));
    // One nested stack per cluster beside the core.
    expect(resources.filter((r) => r.Type === 'AWS::CloudFormation::Stack')).toHaveLength(3);
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(17);
    expect(resources.filter((r) => r.Type === 'AWS::EKS::AccessEntry')).toHaveLength(6);
    expect(existsSync(path.join(run.outdir, 'manifest.json'))).toBe(true);
  });

  it('stops with exit code 1 and one line naming the field of an invalid configuration', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-config-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ clusters: [{ name: 'prod-eks', auditLogGroup: '/aws/eks/prod-eks/cluster' }], alerts: { minSeverity: 'LOUD' } }));

    const run = runApp({ configFile: file });

    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^boundwatch: invalid configuration: .*bad\.json: alerts\.minSeverity: /)]);
    expect(existsSync(path.join(run.outdir, 'Boundwatch.template.json'))).toBe(false);
  });
});
