/**
 * `boundwatch release ID [--kubeconfig FILE] [--state DIR]`: ends an enforcement action early
 * and reverts what it changed.
 * - With `--state` (the folder `replay --state` kept), the action's record says exactly what
 *   was changed: it is reverted like an expiry would, the record marked released and its
 *   pending local revert removed.
 * - Otherwise (or when the record is not there), the cluster alone: boundwatch's policies
 *   carry the action id and the labels to restore in their annotations.
 * Exit codes: 0 released (or released already), 2 unknown id or unusable input, 1 failure.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { createDynamoClient, ensureTable } from '#shared/clients/dynamo';
import { releaseFromCluster, revertAction, RevertFailedError } from '#shared/enforce/revert';
import { dynamoRevertLedger } from '#shared/enforce/revert-ledger';
import { dynamoActionStore, type ActionRecord } from '#shared/enforce/store';
import { CheckFailedError, ConfigError, InputError, errorMessage } from '#shared/errors';
import { createClusterClient, type ClusterClient } from '#shared/k8s/client';
import { kubeConfigFileSource } from '../kubeconfig';
import { startDynalite } from '../dynamo-server';
import { LOCAL_REGION, LOCAL_TABLE } from '../runtime';
import { localRevertScheduler } from '../scheduler';

interface ReleaseOptions {
  kubeconfig?: string;
  state?: string;
}

const ACTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function describe(rec: ActionRecord): string {
  const t = rec.action.target;
  return `${rec.kind} of ${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
}

function needsCluster(rec: ActionRecord): boolean {
  return rec.undo.some((s) => s.undo === 'delete-policy' || s.undo === 'restore-pod-labels');
}

/** Reverts from the record in the state folder; undefined when the folder has no record of the id. */
async function releaseFromState(id: string, state: string, kube: ClusterClient | undefined): Promise<string[] | undefined> {
  const dynamo = await startDynalite({ path: state });
  const client = createDynamoClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION });
  try {
    await ensureTable(client, LOCAL_TABLE);
    const store = dynamoActionStore(client, LOCAL_TABLE);
    const rec = await store.get(id, 'apply');
    if (!rec) {
      const planned = await store.get(id, 'dry-run');
      if (planned) return [`action ${id} (${describe(planned)}) was only planned in dry-run: nothing to release`];
      return undefined;
    }
    if (rec.status !== 'reverted' && needsCluster(rec) && !kube) {
      throw new InputError(`action ${id} (${describe(rec)}) changed the cluster: pass --kubeconfig to release it`);
    }
    const scheduler = localRevertScheduler(client, LOCAL_TABLE, rec.cluster);
    const r = await revertAction({ store, scheduler, ledger: dynamoRevertLedger(client, LOCAL_TABLE), cluster: rec.cluster, now: () => new Date(), ...(kube ? { kube } : {}) }, id, 'release');
    switch (r.status) {
      case 'already-reverted':
        return [`action ${id} (${describe(rec)}) was reverted already (${rec.revertTrigger === 'release' ? 'released' : 'expired'} at ${rec.revertedAt})`];
      case 'nothing-to-revert':
        return r.notes;
      default:
        return [`released action ${id} (${describe(rec)}):`, ...r.notes.map((n) => `  - ${n}`)];
    }
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

export function registerRelease(program: Command): void {
  program
    .command('release')
    .description('end an enforcement action early and revert what it changed')
    .argument('<id>', 'the action id (the "id" of its Enforcement Action event)')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster the action changed')
    .option('--state <dir>', 'the embedded DynamoDB folder of the run that applied it (replay --state)')
    .action(async (id: string, opts: ReleaseOptions) => {
      if (!ACTION_ID.test(id)) throw new InputError(`${JSON.stringify(id)} is not a boundwatch action id (8-4-4-4-12 hex digits)`);
      if (!opts.kubeconfig && !opts.state) throw new InputError('release needs --kubeconfig (the cluster) or --state (the action records), or both');
      if (opts.state && !existsSync(opts.state)) throw new InputError(`--state ${opts.state}: no such folder`);
      const kube = opts.kubeconfig ? createClusterClient(kubeConfigFileSource(opts.kubeconfig)) : undefined;
      try {
        let lines = opts.state ? await releaseFromState(id, opts.state, kube) : undefined;
        if (!lines) {
          if (!kube) throw new InputError(`unknown action id ${id}: no record of it in ${opts.state}`);
          process.stderr.write(`boundwatch: releasing ${id} from the cluster alone (its NetworkPolicies' annotations)\n`);
          const r = await releaseFromCluster(kube, id);
          if (!r.found) throw new InputError(`unknown action id ${id}: no boundwatch object in the cluster carries it (or it was released already)`);
          lines = [`released action ${id}:`, ...r.notes.map((n) => `  - ${n}`)];
        }
        process.stdout.write(lines.join('\n') + '\n');
      } catch (err) {
        // Unusable input stays exit 2; anything that went wrong while reverting is exit 1.
        if (err instanceof InputError || err instanceof ConfigError) throw err;
        throw new CheckFailedError(`release of ${id} failed: ${errorMessage(err)}${err instanceof RevertFailedError ? '' : '; run it again once the cause is fixed (it is safe to repeat)'}`);
      }
    });
}
