/**
 * The shop app (infra/local/scenario/shop-flows.ts) written out as command-line input: a cluster
 * inventory and its flows in every supported format.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { shopScenario, toJsonLines, toVpcCustom, toVpcV2, type ShopOptions, type ShopScenario } from '#infra/local/scenario/shop-flows';

export interface ShopFiles {
  dir: string;
  cluster: string;
  /** VPC Flow Logs default format, no header. */
  v2: string;
  /** Custom format with a header line (as delivered to S3). */
  custom: string;
  /** JSON lines, gzipped. */
  jsonGz: string;
  scenario: ShopScenario;
}

export function writeShopFiles(dir: string, opts: ShopOptions = {}): ShopFiles {
  mkdirSync(dir, { recursive: true });
  const scenario = shopScenario(opts);
  const files: ShopFiles = {
    dir,
    cluster: join(dir, 'cluster.json'),
    v2: join(dir, 'flows-v2.log'),
    custom: join(dir, 'flows-custom.log'),
    jsonGz: join(dir, 'flows.jsonl.gz'),
    scenario,
  };
  writeFileSync(files.cluster, `${JSON.stringify(scenario.inventory, null, 2)}\n`);
  writeFileSync(files.v2, `${toVpcV2(scenario).join('\n')}\n`);
  writeFileSync(files.custom, `${toVpcCustom(scenario).join('\n')}\n`);
  writeFileSync(files.jsonGz, gzipSync(`${toJsonLines(scenario).join('\n')}\n`));
  return files;
}
