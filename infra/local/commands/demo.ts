/**
 * `boundwatch demo` (and `npm start`): the built-in scenario through the real handlers, the
 * embedded DynamoDB and the local bus, in dry-run. The scenario's input is written next to the
 * outputs so that it can be replayed, inspected or edited.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeOutputs } from '../outputs';
import { runPipeline } from '../pipeline';
import { renderReport } from '../report';
import { announceReport } from '../report/announce';
import { writeReport } from '../report/write';
import { defaultLocalConfig } from '../load-config';
import { BENIGN_DAYS, DEMO_CLUSTER, demoAuditLines } from '../scenario/demo-cluster';
import { demoDnsLines, demoFlows } from '../scenario/demo-flows';
import { readDnsFiles } from '../input/dns-input';
import { demoRuntimeLines, withAttackerEgress } from '../scenario/demo-runtime';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a built-in cluster scenario (benign days, then attacks) through the whole pipeline, in dry-run')
    .option('--out <dir>', 'output folder', './boundwatch-out')
    .action(async (opts: { out: string }) => {
      const inputDir = join(opts.out, 'input');
      mkdirSync(inputDir, { recursive: true });
      const auditFile = join(inputDir, 'audit.jsonl');
      const flowFile = join(inputDir, 'flows.log');
      const clusterFile = join(inputDir, 'cluster.json');
      const dnsFile = join(inputDir, 'dns.jsonl');
      const runtimeFile = join(inputDir, 'falco.jsonl');
      const lines = demoAuditLines();
      const { inventory, flowLines: shopFlows } = demoFlows();
      const flowLines = withAttackerEgress(shopFlows, inventory);
      const runtimeLines = demoRuntimeLines(inventory);
      writeFileSync(auditFile, lines.join('\n') + '\n');
      writeFileSync(flowFile, flowLines.join('\n') + '\n');
      writeFileSync(clusterFile, JSON.stringify(inventory, null, 2) + '\n');
      writeFileSync(dnsFile, demoDnsLines(inventory).join('\n') + '\n');
      writeFileSync(runtimeFile, runtimeLines.join('\n') + '\n');
      process.stderr.write(
        `boundwatch demo: cluster ${DEMO_CLUSTER}: ${BENIGN_DAYS} days of routine activity (${lines.length} audit events, ` +
          `${flowLines.length} VPC flow records, ${runtimeLines.length} Falco alerts), then one night of attacks: a shell in the checkout pod ` +
          `whose token is then used from the internet, a replayed SSO session, leaked CI keys, and a service exfiltrating to an internal admin API.\n`,
      );
      const out = await runPipeline(
        { auditFiles: [auditFile], flowFiles: [flowFile], runtimeFiles: [runtimeFile], clusterFile },
        { config: defaultLocalConfig(DEMO_CLUSTER), enforce: 'dry-run', progress: true },
      );
      writeOutputs(opts.out, out);
      process.stdout.write(renderReport(out, opts.out));
      process.stdout.write(
        `\nReplay it yourself: npx boundwatch replay --audit ${auditFile} --flows ${flowFile} --runtime ${runtimeFile} --cluster ${clusterFile} --dns ${dnsFile} --out ${join(opts.out, 'replay')}\n`,
      );
      announceReport(await writeReport(opts.out, out, { cluster: DEMO_CLUSTER, inventory, flowFiles: [flowFile], dnsNames: (await readDnsFiles([dnsFile])).names }));
    });
}
