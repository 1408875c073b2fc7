/**
 * `boundwatch netpol advise --flows PATH... --cluster FILE [--out DIR]`: least-privilege
 * NetworkPolicies from observed flows (issue #5). Writes `<out>/<namespace>/<name>.yaml`
 * (default out: ./boundwatch-out/advised-policies, apart from the enforcement policies of
 * replay and demo), prints the report on stdout and progress on stderr. The advice is verified
 * with the simulator first: when an observed flow would be denied nothing is written (exit 1).
 * Files of an earlier advice that are no longer advised are removed (only files carrying the
 * advisor's own labels). Also holds the `--flows`/`--cluster` input shared with `netpol audit`.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { CheckFailedError, ConfigError, InputError } from '#shared/errors';
import { parseNetworkConfig, type NetworkConfig } from '#shared/flows/config';
import { vpcFlowFormat } from '#shared/flows/parse';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { observeFlows, type Observed } from '#shared/netpol/advise/observe';
import { readInventoryFile } from '../input/netpol';
import { expandPaths, readLines } from '../input/files';
import { advise } from '#shared/netpol/advise';
import { adviceJson, adviceReport } from '#shared/netpol/advise/report';
import { dnsNamesOf } from '../input/dns-input';

const out = (text: string) => process.stdout.write(text);
export const progress = (text: string) => process.stderr.write(`boundwatch: ${text}\n`);

export interface FlowInputOptions {
  flows: string[];
  cluster: string;
  vpcCidr?: string[];
  externalPrefix?: string;
  format?: string;
}

export function addFlowInputOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--flows <path...>', 'observed flows: JSON lines or VPC Flow Logs records (files or folders; gzip is recognised)')
    .requiredOption('--cluster <file>', 'cluster inventory (JSON: namespaces, pods, services, nodes)')
    .option('--vpc-cidr <cidr...>', 'address ranges of the VPC (default: private address space); other addresses are the internet')
    .option('--external-prefix <bits>', 'aggregate external IPv4 addresses into networks of this prefix length', '24')
    .option('--format <fields>', 'field list of headerless VPC Flow Logs records in a custom format, e.g. "${version} ${srcaddr} ..."');
}

function networkOptions(opts: FlowInputOptions): Partial<NetworkConfig> {
  const prefix = Number(opts.externalPrefix ?? '24');
  try {
    if (opts.format) vpcFlowFormat(opts.format);
    return parseNetworkConfig(
      {
        ...(opts.vpcCidr?.length ? { vpcCidrs: opts.vpcCidr } : {}),
        externalPrefixV4: prefix,
        ...(opts.format ? { format: opts.format } : {}),
      },
      'options',
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new InputError(err.message.replace(/^options: /, '').replace('vpcCidrs', '--vpc-cidr').replace('externalPrefixV4', '--external-prefix'));
    throw err;
  }
}

async function* linesOf(file: string): AsyncGenerator<string> {
  for await (const { line } of readLines(file)) yield line;
}

/** Reads the inventory and every flow file into one observed graph. */
export async function readFlowInput(opts: FlowInputOptions, log: (text: string) => void): Promise<{ inventory: ClusterInventory; observed: Observed }> {
  const network = networkOptions(opts);
  const inventory = await readInventoryFile(opts.cluster);
  const files = expandPaths(opts.flows, 'flow');
  const tty = process.stderr.isTTY;
  const observed = await observeFlows(
    files.map((f) => ({ name: f, lines: linesOf(f) })),
    inventory,
    { network, onProgress: (n) => tty && process.stderr.write(`\rboundwatch: ${n.toLocaleString('en-US')} flow lines read`) },
  );
  if (tty) process.stderr.write('\r');
  const r = observed.report;
  if (r.records === 0) {
    const why = Object.entries(r.rejected).map(([k, n]) => `${k} ${n}`).join(', ');
    const first = observed.examples[0];
    throw new InputError(
      `${opts.flows.join(', ')}: no usable flow records in ${r.lines} lines${why ? ` (rejected: ${why})` : ''}${first ? `; first problem: line ${first.line}: ${first.detail}` : ''}`,
    );
  }
  log(`${files.length} flow file(s), ${r.records} records, ${observed.edges.length} edges`);
  return { inventory, observed };
}

export const DEFAULT_ADVICE_DIR = './boundwatch-out/advised-policies';

interface AdviseCommandOptions extends FlowInputOptions {
  out: string;
  protectedNamespaces: string;
  maxExternal: string;
  json?: boolean;
  baseline?: boolean;
  dns?: string[];
}

/** `--dns` query logs (read, and their bad lines counted on stderr, as replay and report do) as names per address. */
export async function readDnsNames(paths: readonly string[] | undefined): Promise<((ip: string) => readonly string[]) | undefined> {
  const names = await dnsNamesOf(paths);
  return names && ((ip) => names.namesOf(ip));
}

const GENERATED_MARK = 'boundwatch.io/generated-by: boundwatch netpol advise';

/** Earlier advice files (ours only) that the new advice no longer contains. */
async function staleAdviceFiles(outDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(outDir, { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.yaml'));
  } catch {
    return [];
  }
  const stale: string[] = [];
  for (const rel of entries.sort()) {
    if (keep.has(rel.split('\\').join('/'))) continue;
    const text = await readFile(join(outDir, rel), 'utf8').catch(() => '');
    if (text.includes(GENERATED_MARK)) stale.push(rel);
  }
  return stale;
}

export function registerAdvise(netpol: Command): void {
  addFlowInputOptions(
    netpol
      .command('advise')
      .description('least-privilege NetworkPolicies from observed flows: default deny per namespace, allow rules per workload, verified with the simulator'),
  )
    .option('--out <dir>', 'folder for <namespace>/<name>.yaml', DEFAULT_ADVICE_DIR)
    .option('--protected-namespaces <list>', 'comma-separated namespaces to leave alone', 'kube-system')
    .option('--max-external <n>', 'external networks per workload and direction before they are allowed as the internet', '16')
    .option('--json', 'print the report as JSON instead of tables')
    .option('--baseline', 'one Baseline-tier ClusterNetworkPolicy default deny (DNS to kube-dns allowed) instead of a default-deny per namespace')
    .option('--dns <path...>', 'Route 53 Resolver query logs (JSON lines): external egress to named addresses becomes ApplicationNetworkPolicy domainNames')
    .action(async (opts: AdviseCommandOptions) => {
      const maxExternal = Number(opts.maxExternal);
      if (!Number.isInteger(maxExternal) || maxExternal < 1) throw new InputError(`--max-external: "${opts.maxExternal}" is not a positive integer`);
      const protectedNamespaces = opts.protectedNamespaces.split(',').map((s) => s.trim()).filter(Boolean);
      const { inventory, observed } = await readFlowInput(opts, progress);
      const namesOf = await readDnsNames(opts.dns);
      const advice = advise(inventory, observed.edges, {
        protectedNamespaces,
        maxExternalBlocks: maxExternal,
        ...(observed.window ? { window: observed.window } : {}),
        ...(opts.baseline ? { baseline: true } : {}),
        ...(namesOf ? { namesOf } : {}),
      });
      if (opts.json) out(`${JSON.stringify(adviceJson(advice, observed, opts.out), null, 2)}\n`);
      else out(adviceReport(advice, observed, { outDir: opts.out, color: process.stdout.isTTY }));
      if (!advice.verified) {
        throw new CheckFailedError(`the advice would deny ${advice.check.deniedPairs} observed connection pair(s); nothing written (please report this)`);
      }
      const keep = new Set(advice.files.map((f) => f.path));
      for (const rel of await staleAdviceFiles(opts.out, keep)) await rm(join(opts.out, rel));
      for (const f of advice.files) {
        const path = join(opts.out, f.path);
        // The advisor spells names as safe segments; this is the last check before writing.
        if (relative(resolve(opts.out), resolve(path)).split(sep)[0] === '..') throw new Error(`refusing to write ${f.path} outside ${opts.out}`);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, f.content);
      }
      progress(`${advice.files.length} policies written to ${opts.out}`);
    });
}
