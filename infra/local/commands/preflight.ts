/**
 * `boundwatch preflight [--config FILE] [--region REGION] [--json]`: read-only checks of the
 * account, the region and every configured cluster before a first `cdk deploy`
 * (shared/preflight). Prints a table with a fix per problem; exits 1 when anything would make
 * the deploy fail or the stack not work, 0 otherwise (warnings included).
 */
import Table from 'cli-table3';
import { inertText } from '#shared/text';
import type { Command } from 'commander';
import { CheckFailedError, InputError } from '#shared/errors';
import { gatherPreflightFacts, preflightClients } from '#shared/preflight/aws';
import { hasBlockers, preflightFindings, type Finding } from '#shared/preflight/checks';
import { loadConfig } from '../load-config';

interface PreflightOptions {
  config: string;
  region?: string;
  json?: boolean;
}

const MARK: Record<Finding['status'], string> = { ok: 'ok', warn: 'WARN', blocker: 'BLOCKER' };

export function renderFindings(findings: readonly Finding[]): string {
  const plain = process.stdout.isTTY ? {} : { style: { head: [], border: [] } };
  const t = new Table({ head: ['', 'cluster', 'check', 'detail', 'fix'], wordWrap: true, colWidths: [9, 16, 18, 54, 54], ...plain });
  for (const f of findings) t.push([MARK[f.status], f.cluster ?? '(account)', f.check, f.detail, f.fix ?? ''].map((c) => inertText(c)));
  const blockers = findings.filter((f) => f.status === 'blocker').length;
  const warnings = findings.filter((f) => f.status === 'warn').length;
  return `${t.toString()}\n${blockers ? `${blockers} blocker(s): fix them before cdk deploy.` : 'No blockers: ready for cdk deploy.'}${warnings ? ` ${warnings} warning(s).` : ''}\n`;
}

export function registerPreflight(program: Command): void {
  program
    .command('preflight')
    .description('read-only checks of the account, region and clusters before cdk deploy (needs AWS credentials)')
    .option('--config <file>', 'the deployment configuration (a JSON file, or cdk.json)', 'cdk.json')
    .option('--region <region>', 'AWS region (default: AWS_REGION or AWS_DEFAULT_REGION)')
    .option('--json', 'print the findings as JSON lines')
    .action(async (opts: PreflightOptions) => {
      const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!region) throw new InputError('no region: pass --region or set AWS_REGION');
      const config = loadConfig(opts.config);
      process.stderr.write(`boundwatch: preflight of ${config.clusters.length} cluster(s) in ${region}\n`);
      const clients = preflightClients(region);
      const findings = preflightFindings(config, await gatherPreflightFacts(config, clients));
      process.stdout.write(opts.json ? findings.map((f) => JSON.stringify(f)).join('\n') + '\n' : renderFindings(findings));
      if (hasBlockers(findings)) throw new CheckFailedError('');
    });
}
