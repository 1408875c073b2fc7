/**
 * `boundwatch report --out DIR [--state DIR] [inputs as for replay] [--policies PATH]`: runs the
 * pipeline over the inputs in dry-run, like `replay`, and writes `report.html` beside its other
 * outputs: the cluster's connections with the policies that decide them, the anomalies with
 * the baselines that made them unusual, the responses and the advice diff. `replay` and `demo`
 * write the same page; this command adds the cluster's own policies (`--policies`). With
 * `--state` and no inputs it runs nothing: the page is drawn from the kept state (flow graph,
 * inventory, enforcement records) and the anomalies a run left in `--out`.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '#shared/errors';
import { loadConfig } from '../load-config';
import { loadPolicies } from '../input/netpol';
import { writeOutputs } from '../outputs';
import { runPipeline } from '../pipeline';
import { renderReport } from '../report';
import { announceReport, readReportInventory } from '../report/announce';
import { dnsNamesOf } from '../input/dns-input';
import { readReportState } from '../report/from-state';
import { writeReport } from '../report/write';

interface ReportOptions {
  audit?: string[];
  flows?: string[];
  dns?: string[];
  cluster?: string;
  policies?: string;
  out: string;
  state?: string;
  config?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write report.html: connections and the policies deciding them, anomalies with their baselines, responses, advice')
    .option('--audit <path...>', 'audit input, as for replay')
    .option('--dns <path...>', 'Route 53 Resolver query logs (JSON lines): external destinations shown by name in the report')
    .option('--flows <path...>', 'flow input, as for replay')
    .option('--cluster <file>', 'cluster inventory JSON (needed to draw connections)')
    .option('--policies <path>', 'NetworkPolicies in force on the cluster (files or folder of YAML/JSON)')
    .option('--out <dir>', 'output folder', './boundwatch-out')
    .option('--state <dir>', 'keep the embedded DynamoDB in this folder between runs; alone, draw the report from it')
    .option('--config <file>', 'boundwatch configuration JSON')
    .action(async (opts: ReportOptions) => {
      const hasInputs = Boolean(opts.audit?.length || opts.flows?.length);
      if (!hasInputs && !opts.state) throw new InputError('report needs --audit or --flows, or --state DIR (a state kept by replay --state)');
      const config = loadConfig(opts.config);
      const dnsNames = await dnsNamesOf(opts.dns);
      const clusterPolicies = opts.policies ? await loadPolicies(opts.policies) : undefined;
      if (clusterPolicies?.problems.length) {
        throw new InputError(`${opts.policies}: ${clusterPolicies.problems.map((p) => `${p.label} ${p.object}: ${p.errors.join('; ')}`).join('; ')}`);
      }
      const cluster = config.clusters[0]?.name ?? 'cluster';
      if (!hasInputs) {
        if (!existsSync(opts.state!)) throw new InputError(`--state ${opts.state}: no such folder`);
        const state = await readReportState(opts.state!, cluster, opts.out);
        const written = await writeReport(
          opts.out,
          { anomalies: state.anomalies.map((detail) => ({ detail })), enforcement: state.actions.map((detail) => ({ detail })), policies: state.policies },
          {
            cluster,
            inventory: state.inventory,
            flowFiles: [],
            storedEdges: state.edges,
            network: config.detection.network,
          dnsNames,
            clusterPolicies: clusterPolicies?.policies.map((p) => p.policy) ?? [],
          },
        );
        process.stdout.write(`From state ${opts.state}: ${state.edges.length} flow edges, ${state.anomalies.length} anomalies, ${state.actions.length} enforcement actions.\n`);
        announceReport({ path: written.path, notes: [...state.notes, ...written.notes] });
        return;
      }
      const out = await runPipeline(
        { auditFiles: opts.audit ?? [], flowFiles: opts.flows ?? [], clusterFile: opts.cluster },
        { config, enforce: 'dry-run', statePath: opts.state, progress: true },
      );
      writeOutputs(opts.out, out);
      process.stdout.write(renderReport(out, opts.out));
      const written = await writeReport(opts.out, out, {
        cluster,
        inventory: await readReportInventory(opts.cluster),
        flowFiles: opts.flows ?? [],
        network: config.detection.network,
          dnsNames,
        clusterPolicies: clusterPolicies?.policies.map((p) => p.policy) ?? [],
      });
      announceReport(written);
    });
}
