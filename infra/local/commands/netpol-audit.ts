/**
 * `boundwatch netpol audit --flows PATH... --cluster FILE --policies PATH`: a policy set
 * against observed flows, per namespace: observed flows it would deny (what would break),
 * allowed paths and rules never used (blast radius). Tables on stdout (or `--json`), progress
 * on stderr. Exit 0 when the audit ran, 1 with `--fail-on-denied` when some observed flow
 * would be denied, 2 on unreadable input.
 */
import type { Command } from 'commander';
import { CheckFailedError } from '#shared/errors';
import { auditFlows } from '#shared/netpol/audit-flows';
import { auditReport } from '#shared/netpol/advise/report';
import { loadPolicies } from '../input/netpol';
import { addFlowInputOptions, progress, readDnsNames, readFlowInput, type FlowInputOptions } from './netpol-advise';

interface AuditCommandOptions extends FlowInputOptions {
  policies: string;
  namespace?: string;
  json?: boolean;
  failOnDenied?: boolean;
  dns?: string[];
}

export function registerAudit(netpol: Command): void {
  addFlowInputOptions(
    netpol.command('audit').description('observed flows the NetworkPolicies would deny, and allowed paths never used, per namespace'),
  )
    .requiredOption('--policies <path>', 'NetworkPolicy, ClusterNetworkPolicy and ApplicationNetworkPolicy manifests: a file or a folder of *.yaml, *.yml, *.json')
    .option('-n, --namespace <ns>', 'namespace for manifests that do not set one (as kubectl -n)')
    .option('--json', 'print the audit as JSON instead of tables')
    .option('--fail-on-denied', 'exit 1 when some observed flow would be denied')
    .option('--dns <path...>', 'Route 53 Resolver query logs (JSON lines), so domainNames rules match the addresses their names resolved to')
    .action(async (opts: AuditCommandOptions) => {
      const set = await loadPolicies(opts.policies, { defaultNamespace: opts.namespace });
      for (const p of set.problems) progress(`warning: ${p.label} ${p.object} is not used: ${p.errors[0]}`);
      const { inventory, observed } = await readFlowInput(opts, progress);
      const policies = set.policies.map((p) => p.policy);
      const namesOf = await readDnsNames(opts.dns);
      const audit = auditFlows(inventory, policies, observed.edges, namesOf);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ policies: policies.length, invalidDocuments: set.problems.length, input: { ...observed.report, anomalies: undefined }, ...audit }, null, 2)}\n`,
        );
      } else {
        process.stdout.write(auditReport(audit, observed, { color: process.stdout.isTTY, policies: policies.length }));
      }
      progress(
        `${policies.length} policies; ${audit.totals.deniedEdges} observed flow(s) denied; ${audit.totals.unusedPaths} allowed path(s) and ${audit.totals.unusedRules} rule(s) never used`,
      );
      if (opts.failOnDenied && audit.totals.deniedPairs > 0) {
        throw new CheckFailedError(`${audit.totals.deniedEdges} observed flow(s) would be denied by ${opts.policies}`);
      }
    });
}
