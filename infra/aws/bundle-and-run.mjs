// cdk.json "app": bundles infra/aws/app.ts with the locally installed esbuild (honouring the
// tsconfig #shared/* paths) into node_modules/.cache, then runs it. No ts-node, no network:
// `npx cdk synth` works offline on a fresh clone. The CDK libraries stay external so the
// bundle uses the very copies in node_modules (one construct tree, one aws-cdk-lib).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = path.join(root, 'node_modules', '.cache', 'boundwatch-cdk');
const outfile = path.join(outDir, 'app.cjs');
mkdirSync(outDir, { recursive: true });

await build({
  entryPoints: [path.join(root, 'infra/aws/app.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  tsconfig: path.join(root, 'tsconfig.json'),
  external: ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild'],
  logLevel: 'warning',
});

const run = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
