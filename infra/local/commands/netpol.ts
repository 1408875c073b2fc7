import { Command, Option } from 'commander';
import { CheckFailedError, InputError } from '#shared/errors';
import { createEvaluator } from '#shared/netpol/evaluate';
import { loadManifests, loadPolicies, readInventoryFile, readJsonFile } from '../input/netpol';
import { type FieldValidation, formatReport, summarize, validateDocuments } from '#shared/netpol/report';
import { answerProbes } from '#shared/netpol/simulate';
import { registerAdvise } from './netpol-advise';
import { registerAudit } from './netpol-audit';

/** A function that adds one subcommand under `boundwatch netpol`. */
export type NetpolRegistrar = (netpol: Command) => void;

const out = (text: string) => process.stdout.write(text);
const progress = (text: string) => process.stderr.write(`boundwatch: ${text}\n`);

export function registerSimulate(netpol: Command): void {
  netpol
    .command('simulate')
    .description('answer probes: is each connection allowed by the NetworkPolicies, and why (one JSON line per probe)')
    .requiredOption('--cluster <file>', 'cluster inventory (JSON: namespaces, pods, services, nodes)')
    .requiredOption('--policies <path>', 'NetworkPolicy, ClusterNetworkPolicy and ApplicationNetworkPolicy manifests: a file or a folder of *.yaml, *.yml, *.json')
    .requiredOption('--probes <file>', 'JSON array of {"from", "to", "port", "protocol"}')
    .option('-n, --namespace <ns>', 'namespace for manifests that do not set one (as kubectl -n)')
    .option('--explain', 'add the egress and ingress verdicts to each line')
    .action(async (opts: { cluster: string; policies: string; probes: string; namespace?: string; explain?: boolean }) => {
      const inventory = await readInventoryFile(opts.cluster);
      const set = await loadPolicies(opts.policies, { defaultNamespace: opts.namespace });
      for (const p of set.problems) {
        const more = p.errors.length > 1 ? ` (and ${p.errors.length - 1} more; see netpol validate)` : '';
        progress(`warning: ${p.label} ${p.object} is not used: ${p.errors[0]}${more}`);
      }
      for (const p of set.policies) {
        const unknown = p.warnings.filter((w) => w.startsWith('unknown field'));
        if (unknown.length) progress(`warning: ${p.label}: ${unknown.join(', ')} (ignored, as the API server would drop them)`);
      }
      const probes = await readJsonFile(opts.probes);
      if (!Array.isArray(probes)) throw new InputError(`${opts.probes}: expected a JSON array of probes`);
      progress(
        `${set.policies.length} policies from ${opts.policies}` +
          `${set.problems.length ? `, ${set.problems.length} invalid documents not used` : ''}` +
          `${set.skipped.length ? `, ${set.skipped.length} other documents skipped` : ''}; ${probes.length} probes`,
      );
      const evaluator = createEvaluator(
        inventory,
        set.policies.map((p) => p.policy),
      );
      const answers = answerProbes(evaluator, probes, { explain: opts.explain });
      out(answers.map((a) => `${JSON.stringify(a.line)}\n`).join(''));
      const failed = answers.filter((a) => a.error);
      if (failed.length) {
        throw new InputError(`${opts.probes}: ${failed.length} of ${answers.length} probes could not be answered (first: ${failed[0]!.error})`);
      }
    });
}

export function registerValidate(netpol: Command): void {
  netpol
    .command('validate')
    .description('check NetworkPolicy manifests as the API server would, with warnings for what EKS does not enforce')
    .argument('<path>', 'a manifest file or a folder of *.yaml, *.yml, *.json')
    .option('--cluster <file>', 'cluster inventory, to also warn about the pods each policy selects')
    .option('-n, --namespace <ns>', 'namespace for manifests that do not set one (as kubectl -n)')
    .addOption(
      new Option('--field-validation <mode>', 'unknown fields are errors (strict, as kubectl apply), warnings, or ignored')
        .choices(['strict', 'warn', 'ignore'])
        .default('strict'),
    )
    .option('--strict-cidr', 'reject CIDRs with leading zeros or host bits (StrictIPCIDRValidation feature gate)')
    .option('--no-eks', 'leave out the EKS VPC CNI warnings')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(
      async (
        path: string,
        opts: { cluster?: string; namespace?: string; fieldValidation: FieldValidation; strictCidr?: boolean; eks: boolean; output: string },
      ) => {
        const inventory = opts.cluster ? await readInventoryFile(opts.cluster) : undefined;
        const docs = await loadManifests(path);
        const reports = validateDocuments(docs, {
          inventory,
          defaultNamespace: opts.namespace,
          fieldValidation: opts.fieldValidation,
          strictCIDR: opts.strictCidr ?? false,
          eks: opts.eks,
        });
        const summary = summarize(reports);
        if (opts.output === 'json') {
          out(`${JSON.stringify({ documents: reports, summary }, null, 2)}\n`);
        } else {
          out(formatReport(reports));
          if (!opts.namespace && reports.some((r) => r.fieldErrors.some((e) => e.field === 'metadata.namespace' && e.type === 'FieldValueRequired'))) {
            out('hint: manifests without metadata.namespace need --namespace NS (what kubectl apply -n would supply)\n');
          }
        }
        if (summary.invalid > 0) {
          throw new CheckFailedError(`${summary.invalid} of ${summary.documents} documents in ${path} are invalid`);
        }
      },
    );
}

/** Subcommands of `boundwatch netpol`, in the order `--help` lists them. */
export const NETPOL_SUBCOMMANDS: NetpolRegistrar[] = [registerSimulate, registerValidate, registerAdvise, registerAudit];

/** `boundwatch netpol simulate|validate|advise|audit` (issues #4 and #5). */
export function registerNetpol(program: Command, extra: readonly NetpolRegistrar[] = []): Command {
  const netpol = program.command('netpol').description('NetworkPolicy simulation, validation, advice and audit');
  for (const register of [...NETPOL_SUBCOMMANDS, ...extra]) register(netpol);
  return netpol;
}
