/** What `replay`, `demo` and `report` share about the page: reading the inventory, and telling where it is. */
import { resolve } from 'node:path';
import type { ClusterInventory } from '#shared/inventory/cluster';
import { readInventoryFile } from '../input/netpol';

export async function readReportInventory(file: string | undefined): Promise<ClusterInventory | undefined> {
  return file ? readInventoryFile(file) : undefined;
}

/** The report's path is the last line on stdout: what a person opens next. */
export function announceReport(written: { path: string; notes: string[] }): void {
  for (const n of written.notes) process.stderr.write(`boundwatch: ${n}\n`);
  process.stdout.write(`\nReport: ${resolve(written.path)}\n`);
}
