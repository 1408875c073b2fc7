/** What `replay`, `demo` and `report` share about the page: reading the inventory and DNS names, and telling where it is. */
import { resolve } from 'node:path';
import type { ClusterInventory } from '#shared/inventory/cluster';
import type { NamesByAddress } from '#shared/dns/resolver-log';
import { readDnsFiles } from '../input/dns-input';
import { readInventoryFile } from '../input/netpol';

export async function readReportInventory(file: string | undefined): Promise<ClusterInventory | undefined> {
  return file ? readInventoryFile(file) : undefined;
}

/** The report's path is the last line on stdout: what a person opens next. */
export function announceReport(written: { path: string; notes: string[] }): void {
  for (const n of written.notes) process.stderr.write(`boundwatch: ${n}\n`);
  process.stdout.write(`\nReport: ${resolve(written.path)}\n`);
}

/** Names per address from `--dns` query logs, with what was read said on stderr. */
export async function dnsNamesOf(files: string[] | undefined): Promise<NamesByAddress | undefined> {
  if (!files?.length) return undefined;
  const dns = await readDnsFiles(files);
  const rejected = Object.entries(dns.rejected).map(([r, n]) => `${n} ${r}`).join(', ');
  process.stderr.write(`boundwatch: DNS: ${dns.queries} queries read, names for ${dns.names.size} addresses${rejected ? `; rejected: ${rejected}` : ''}\n`);
  return dns.names;
}
