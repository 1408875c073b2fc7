/**
 * Runs the test API server on its own, for trying boundwatch by hand:
 *
 *   kube-apiserver [--port N] [--token T] [--seed cluster.json] [--kubeconfig out.yaml]
 *
 * Prints the URL, writes a kubeconfig (mode 0600) when asked, and serves until Ctrl-C.
 * `--seed` takes an inventory in the `--cluster` format (README.md#boundwatch-netpol-simulate).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { KubeApiServer } from './server';

export async function runStandalone(argv: string[]): Promise<KubeApiServer> {
  const program = new Command('kube-apiserver')
    .description('boundwatch test Kubernetes API server (plain http on loopback)')
    .option('--port <n>', 'port to listen on (default: a free one)', (v) => Number.parseInt(v, 10))
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', 'bearer token to accept (default: random)')
    .option('--seed <file>', 'inventory JSON to load (the --cluster format)')
    .option('--kubeconfig <file>', 'write a kubeconfig for this server here')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const o = program.opts<{ port?: number; host: string; token?: string; seed?: string; kubeconfig?: string }>();
  const server = await KubeApiServer.start({ host: o.host, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.token ? { token: o.token } : {}) });
  if (o.seed) {
    const raw = JSON.parse(readFileSync(o.seed, 'utf8')) as unknown;
    server.seed(raw as Parameters<KubeApiServer['seed']>[0]);
  }
  process.stdout.write(`${server.url}\n`);
  if (o.kubeconfig) {
    const path = resolve(o.kubeconfig);
    server.writeKubeconfig(dirname(path), { fileName: basename(path) });
    process.stderr.write(`kubeconfig written to ${path}\n`);
  }
  return server;
}

if (require.main === module) {
  runStandalone(process.argv.slice(2)).then(
    (server) => {
      const stop = () => void server.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`kube-apiserver: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
