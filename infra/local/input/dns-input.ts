/**
 * `--dns` input: Route 53 Resolver query logs as JSON lines (one query per line, as the
 * resolver writes them; gzip accepted), read into names per address. Bad lines are counted by
 * reason and the first few kept as examples, never fatal.
 */
import { NamesByAddress, parseQueryLogLine } from '#shared/dns/resolver-log';
import { expandPaths, readLines } from './files';

export interface DnsInput {
  names: NamesByAddress;
  queries: number;
  rejected: Record<string, number>;
  examples: Array<{ file: string; line: number; reason: string }>;
}

export async function readDnsFiles(paths: string[]): Promise<DnsInput> {
  const out: DnsInput = { names: new NamesByAddress(), queries: 0, rejected: {}, examples: [] };
  for (const file of expandPaths(paths, 'dns')) {
    for await (const { line, lineNo } of readLines(file)) {
      if (!line.trim()) continue;
      const parsed = parseQueryLogLine(line);
      if (parsed.ok) {
        out.queries += 1;
        out.names.add(parsed.answer);
      } else {
        out.rejected[parsed.reason] = (out.rejected[parsed.reason] ?? 0) + 1;
        if (out.examples.length < 5) out.examples.push({ file, line: lineNo, reason: parsed.reason });
      }
    }
  }
  return out;
}

/** Names per address from `--dns` query logs, with what was read (and rejected) said on stderr. */
export async function dnsNamesOf(files: readonly string[] | undefined): Promise<NamesByAddress | undefined> {
  if (!files?.length) return undefined;
  const dns = await readDnsFiles([...files]);
  const rejected = Object.entries(dns.rejected).map(([r, n]) => `${n} ${r}`).join(', ');
  process.stderr.write(`boundwatch: DNS: ${dns.queries} queries read, names for ${dns.names.size} addresses${rejected ? `; rejected: ${rejected}` : ''}\n`);
  return dns.names;
}
