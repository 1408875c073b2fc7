/**
 * `npm run bench`: runs every benchmark section, prints a table per section and writes
 * bench-results.json (README.md#performance). Each comparison is measured within one run.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import Table from 'cli-table3';
import type { BenchSection } from './types';
import * as ingest from './ingest';
import * as netpol from './netpol';
import * as flows from './flows';
import * as replay from './replay';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** `nodeFlags`: the section runs in a child process started with them (ingest: Lambda's heap flags). */
const SECTIONS: Array<{ name: string; bench: () => Promise<BenchSection>; nodeFlags?: string[] }> = [
  { name: 'ingest', bench: ingest.bench, nodeFlags: ingest.LAMBDA_NODE_FLAGS },
  { name: 'netpol', bench: netpol.bench },
  { name: 'flows', bench: flows.bench },
  { name: 'replay', bench: replay.bench },
];

async function main(): Promise<void> {
  if (process.argv.includes('--rss-child')) return ingest.rssChild();
  const childOf = process.argv.indexOf('--section-child');
  if (childOf >= 0) {
    const section = await SECTIONS.find((s) => s.name === process.argv[childOf + 1])!.bench();
    process.stdout.write(`${JSON.stringify(section)}\n`);
    return;
  }
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const results: Record<string, number> = {};
  for (const s of SECTIONS) {
    if (only.length && !only.includes(s.name)) continue;
    process.stderr.write(`bench: ${s.name}...\n`);
    const section = s.nodeFlags ? inChild(s.name, s.nodeFlags) : await s.bench();
    const table = new Table({ head: [section.title, ''], style: process.stdout.isTTY ? {} : { head: [], border: [] } });
    for (const row of section.rows) table.push(row);
    process.stdout.write(`${table.toString()}\n\n`);
    Object.assign(results, section.results);
  }
  writeFileSync('bench-results.json', JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`bench-results.json: ${Object.keys(results).length} keys\n`);
}

/** Runs one section in a child process started with `flags` (heap settings cannot change once a process runs). */
function inChild(name: string, flags: string[]): BenchSection {
  const out = execFileSync(process.execPath, [...flags, process.argv[1]!, '--section-child', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').pop()!) as BenchSection;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
