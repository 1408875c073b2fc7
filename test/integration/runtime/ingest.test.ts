/**
 * Runtime ingestion over the real wire: signals and emitted sequences in dynalite (and DynamoDB
 * Local where Java is present), sequences published through the local EventBridge endpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { publishEvents } from '#shared/events/publish';
import { AttackSequence, DetailType, SCHEMA_VERSION, type BehaviorAnomaly } from '#shared/events/schema';
import { putInventorySnapshot, StoredInventory } from '#shared/inventory/snapshot-store';
import { ingestRuntimeDelivery, type RuntimeIngestDeps } from '#shared/runtime/ingest';
import { dynamoProvenance } from '#shared/events/provenance';
import { sequenceAsAnomaly } from '#shared/runtime/respond';
import { dynamoBackends, freshTable, useBackendAndBus } from '#test/support/dynamo';

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '../../fixtures/runtime', name), 'utf8')) as Record<string, unknown>;
const POD = 'checkout-7c9d5b8f6-x2k4q';

const inventory = {
  namespaces: [{ name: 'shop' }],
  pods: [{ namespace: 'shop', name: POD, ip: '10.20.2.41', serviceAccount: 'checkout', labels: { app: 'checkout', 'pod-template-hash': '7c9d5b8f6' }, owner: { kind: 'ReplicaSet', name: 'checkout-7c9d5b8f6' } }],
};

/** The stolen-token anomaly as ingest-audit publishes it: the checkout token used from the internet. */
function tokenAnomaly(cluster: string): object {
  const anomaly: BehaviorAnomaly = {
    schemaVersion: SCHEMA_VERSION,
    id: 'a-token',
    cluster,
    category: 'api',
    severity: 'HIGH',
    score: 80,
    principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout', namespace: 'shop' },
    workload: { namespace: 'shop', serviceAccount: 'checkout', pod: POD, podUid: `uid-${POD}` },
    findings: [
      {
        type: 'CrossNamespaceSecrets',
        title: 'read secrets in kube-system',
        description: 'checkout read kube-system/aws-load-balancer-tls',
        mitre: ['T1552.007', 'T1550.001'],
        evidence: { auditIDs: ['x'], count: 2, sourceIPs: ['203.0.113.66'], userAgents: ['kubectl'], baseline: 'checkout only ever read shop/checkout-db, from 10.20.0.0/16' },
      },
    ],
    window: { start: '2026-11-10T02:17:55.000Z', end: '2026-11-10T02:18:03.000Z' },
    recommendedActions: ['quarantine', 'revoke-credentials', 'notify'],
  };
  return { version: '0', id: 'e1', source: 'boundwatch', 'detail-type': DetailType.anomaly, account: '1', time: anomaly.window.end, region: 'us-east-1', resources: [], detail: anomaly };
}

describe.each(dynamoBackends())('runtime ingestion on $name', (backend) => {
  const servers = useBackendAndBus(backend);

  async function deps(): Promise<RuntimeIngestDeps> {
    const { client, tableName } = await freshTable(servers.dynamo.endpoint);
    const cluster = 'demo-eks';
    const eventBridge = eventBridgeClientFor(servers.eb.endpoint);
    servers.eb.bus.events.length = 0;
    await putInventorySnapshot({ client, tableName, cluster }, inventory, Date.parse('2026-11-09T00:00:00Z'));
    return { dynamo: client, tableName, cluster, inventory: new StoredInventory({ client, tableName, cluster }), publish: (events) => publishEvents(eventBridge, servers.eb.bus.name, events, { baseDelayMs: 1 }) };
  }
  const published = () => servers.eb.bus.events.filter((e) => e['detail-type'] === DetailType.sequence).map((e) => AttackSequence.parse(e.detail));

  it('joins a Falco shell by pod name, ties it to the stolen token, publishes once, and again only when the story grows', async () => {
    const d = await deps();
    const shell = { Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: JSON.stringify(fixture('falco-terminal-shell.json')) }] };
    const first = await ingestRuntimeDelivery(d, shell);
    expect(first).toMatchObject({ signals: 1, joined: { 'pod-name': 1 }, unjoined: 0, sequences: [] });

    const second = await ingestRuntimeDelivery(d, tokenAnomaly(d.cluster));
    expect(second.sequences).toHaveLength(1);
    const seq = second.sequences[0]!;
    expect(seq.signals.map((s) => s.source)).toEqual(['falco', 'boundwatch']);
    expect(seq.workloads[0]).toMatchObject({ namespace: 'shop', pod: POD, owner: { kind: 'Deployment', name: 'checkout' } });

    // Redelivery of either input re-derives the same sequence and publishes nothing.
    expect(await ingestRuntimeDelivery(d, tokenAnomaly(d.cluster))).toMatchObject({ sequences: [], redelivered: 1 });
    expect(await ingestRuntimeDelivery(d, shell)).toMatchObject({ sequences: [], redelivered: 1 });
    expect(published().map((s) => s.id)).toEqual([seq.id]);

    // A reverse shell (joined by pod UID) grows the story: same id, published again.
    const grown = await ingestRuntimeDelivery(d, { Records: [{ messageId: 'm2', eventSource: 'aws:sqs', body: JSON.stringify(fixture('falco-reverse-shell.json')) }] });
    expect(grown).toMatchObject({ joined: { 'pod-uid': 1 } });
    expect(grown.sequences.map((s) => [s.id, s.signals.length])).toEqual([[seq.id, 3]]);
    expect(published()).toHaveLength(2);
  }, 60_000);

  it('keeps a published story\'s id when an older signal arrives late, and records each publication for enforce', async () => {
    const d = await deps();
    const sqs = (name: string) => ({ Records: [{ messageId: name, eventSource: 'aws:sqs', body: JSON.stringify(fixture(name)) }] });
    await ingestRuntimeDelivery(d, tokenAnomaly(d.cluster));
    // 02:06 reverse shell + 02:17 token: a story whose first signal is the reverse shell.
    const first = (await ingestRuntimeDelivery(d, sqs('falco-reverse-shell.json'))).sequences;
    expect(first.map((q) => q.signals.length)).toEqual([2]);
    // 02:05 terminal shell, delivered last: now the first signal of the story, which keeps its id.
    const late = (await ingestRuntimeDelivery(d, sqs('falco-terminal-shell.json'))).sequences;
    expect(late.map((q) => [q.id, q.signals.length, q.signals[0]!.type])).toEqual([[first[0]!.id, 3, 'Terminal shell in container']]);
    expect(new Set(published().map((q) => q.id))).toEqual(new Set([first[0]!.id]));

    // Enforce acts only on what ingest recorded: each publication, as published, checks out.
    const provenance = dynamoProvenance(d.dynamo, d.tableName);
    const last = published().at(-1)!;
    expect(await provenance.check(sequenceAsAnomaly(last))).toEqual({ verified: true });
    expect(await provenance.check(sequenceAsAnomaly({ ...last, severity: 'LOW' }))).toMatchObject({ verified: false });
  }, 60_000);

  it('keeps and reports signals it cannot join, and ignores other clusters', async () => {
    const d = await deps();
    const stray = { ...fixture('falco-terminal-shell.json'), uuid: 'stray', output_fields: { 'k8s.ns.name': 'shop', 'k8s.pod.name': 'gone-1', 'proc.name': 'sh' } };
    const report = await ingestRuntimeDelivery(d, { Records: [{ messageId: 'm', eventSource: 'aws:sqs', body: JSON.stringify(stray) }] });
    expect(report).toMatchObject({ signals: 1, unjoined: 1, unjoinedSignals: [{ id: 'falco:stray', workload: 'shop/gone-1' }] });
    const gd = fixture('guardduty-runtime-reverse-shell.json');
    (gd.detail as { resource: { eksClusterDetails: { name: string } } }).resource.eksClusterDetails.name = 'prod-eks';
    expect(await ingestRuntimeDelivery(d, gd)).toMatchObject({ signals: 0, ignored: { 'other-cluster': 1 } });
  }, 60_000);
});
