/** `boundwatch replay`: the full pipeline over recorded input (README.md#command-line). */
import { Option, type Command } from 'commander';
import { InputError } from '#shared/errors';
import { ENFORCEMENT_MODES, type EnforcementMode } from '#shared/events/schema';
import { loadConfig } from '../load-config';
import { writeOutputs } from '../outputs';
import { runPipeline } from '../pipeline';
import { renderReport } from '../report';
import { announceReport, readReportInventory } from '../report/announce';
import { dnsNamesOf } from '../input/dns-input';
import { writeReport } from '../report/write';

interface ReplayOptions {
  audit?: string[];
  flows?: string[];
  dns?: string[];
  runtime?: string[];
  cluster?: string;
  out: string;
  state?: string;
  enforce: EnforcementMode;
  kubeconfig?: string;
  config?: string;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('run the full pipeline over recorded audit logs, flows and runtime signals (Falco, GuardDuty)')
    .option('--audit <path...>', 'audit input: files or folders (JSON lines, EventList, CloudWatch payloads, gzip)')
    .option('--dns <path...>', 'Route 53 Resolver query logs (JSON lines): external destinations shown by name, and per-workload DNS findings')
    .option('--flows <path...>', 'flow input: JSON lines or VPC Flow Logs records')
    .option('--runtime <path...>', 'runtime input: Falco (Falcosidekick) JSON lines, GuardDuty findings (events, or the API\'s findings)')
    .option('--cluster <file>', 'cluster inventory JSON (namespaces, pods, services, nodes)')
    .option('--out <dir>', 'output folder', './boundwatch-out')
    .option('--state <dir>', 'keep the embedded DynamoDB in this folder between runs')
    .addOption(new Option('--enforce <mode>', 'enforcement mode').choices([...ENFORCEMENT_MODES]).default('dry-run'))
    .option('--kubeconfig <file>', 'kubeconfig of the cluster to enforce on (with --enforce apply)')
    .option('--config <file>', 'boundwatch configuration JSON (the shape of the deployment configuration)')
    .action(async (opts: ReplayOptions) => {
      if (!opts.audit?.length && !opts.flows?.length && !opts.runtime?.length) throw new InputError('replay needs at least one of --audit, --flows or --runtime');
      if (opts.enforce === 'apply' && !opts.kubeconfig) throw new InputError('--enforce apply needs --kubeconfig');
      // Applied actions and their scheduled reverts live in the local table: in memory they would be lost with this run.
      if (opts.enforce === 'apply' && !opts.state) throw new InputError('--enforce apply needs --state <dir>: the actions and their scheduled reverts are kept there, so a later run (or boundwatch release) can revert them');
      const config = loadConfig(opts.config);
      const dnsNames = await dnsNamesOf(opts.dns);
      const out = await runPipeline(
        { auditFiles: opts.audit ?? [], flowFiles: opts.flows ?? [], runtimeFiles: opts.runtime ?? [], dnsFiles: opts.dns ?? [], clusterFile: opts.cluster },
        { config, enforce: opts.enforce, statePath: opts.state, kubeconfig: opts.kubeconfig, progress: true },
      );
      writeOutputs(opts.out, out);
      process.stdout.write(renderReport(out, opts.out));
      announceReport(
        await writeReport(opts.out, out, {
          cluster: config.clusters[0]?.name ?? 'cluster',
          inventory: await readReportInventory(opts.cluster),
          flowFiles: opts.flows ?? [],
          network: config.detection.network,
          dnsNames,
        }),
      );
    });
}
