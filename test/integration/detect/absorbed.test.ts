/**
 * Absorbed-payload items over the real wire (dynalite, and DynamoDB Local where Java is present):
 * each payload id is claimed by exactly one caller, however claims race and however many
 * payloads share a stream and minute, and the items stay a few KB (DynamoDB bills a write per KB
 * of the larger of the old and new item, in UTF-8 bytes).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { absorbedPk, claimPayloads, hasOwnRecord, loadProfiles, MAX_IDS_PER_BUCKET, payloadTag } from '#shared/detect/baseline-store';
import { dynamoBackends, freshTable, useBackendAndBus } from '#test/support/dynamo';

// Hundreds of conditional writes through DynamoDB Local on a shared machine take seconds.
jest.setTimeout(60_000);

const NOW = Date.parse('2026-11-10T00:00:00Z');
const tags = (from: number, n: number) => Array.from({ length: n }, (_, i) => payloadTag(`payload-${from + i}`));

/** An item's size as DynamoDB bills it: attribute names and values in UTF-8 bytes. */
function itemBytes(item: Record<string, { S?: string; N?: string; SS?: string[]; BOOL?: boolean }>): number {
  let n = 0;
  for (const [name, v] of Object.entries(item)) {
    n += Buffer.byteLength(name, 'utf8');
    if (v.S !== undefined) n += Buffer.byteLength(v.S, 'utf8');
    if (v.N !== undefined) n += v.N.length;
    if (v.SS) for (const s of v.SS) n += Buffer.byteLength(s, 'utf8');
    if (v.BOOL !== undefined) n += 1;
  }
  return n;
}

describe.each(dynamoBackends())('absorbed payloads on $name', (backend) => {
  const servers = useBackendAndBus(backend);

  it('names one item per log stream and minute of the first log event, whatever else the payload holds', () => {
    const a = absorbedPk('c', '/aws/eks/c/cluster', 'kube-apiserver-audit-1', NOW + 5_000);
    expect(absorbedPk('c', '/aws/eks/c/cluster', 'kube-apiserver-audit-1', NOW + 59_999)).toBe(a);
    expect(absorbedPk('c', '/aws/eks/c/cluster', 'kube-apiserver-audit-1', NOW + 60_000)).not.toBe(a);
    expect(absorbedPk('c', '/aws/eks/c/cluster', 'kube-apiserver-audit-2', NOW + 5_000)).not.toBe(a);
    expect(absorbedPk('c', '/aws/eks/d/cluster', 'kube-apiserver-audit-1', NOW + 5_000)).not.toBe(a);
    // Ids are ASCII, so dynalite (which counts UTF-16 units) and AWS (bytes) measure them alike.
    expect(payloadTag('x')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('claims each id exactly once when two instances race with overlapping payloads', async () => {
    const { client, tableName } = await freshTable(servers.dynamo.endpoint);
    const pk = absorbedPk('c', 'g', 's', NOW);
    const all = tags(0, 40);
    const a = [...all.slice(0, 30)];
    const b = [...all.slice(10, 40)];
    const [ra, rb] = await Promise.all([claimPayloads(client, tableName, pk, a, NOW), claimPayloads(client, tableName, pk, b, NOW)]);
    const claimed = [...ra.claimed, ...rb.claimed].sort();
    expect(claimed).toEqual([...all].sort());
    expect(ra.duplicates.every((t) => rb.claimed.includes(t))).toBe(true);
    expect(rb.duplicates.every((t) => ra.claimed.includes(t))).toBe(true);
    expect(ra.duplicates.length + rb.duplicates.length).toBe(20);
    // Claiming again finds them all.
    expect(await claimPayloads(client, tableName, pk, all, NOW)).toEqual({ claimed: [], duplicates: all });
    const { absorbed } = await loadProfiles(client, tableName, 'c', [], [], [pk]);
    expect([...absorbed.get(pk)!.ids].sort()).toEqual([...all].sort());
  });

  it('past MAX_IDS_PER_BUCKET marks the item full and gives each further payload a record of its own, still exactly once, the item a few KB', async () => {
    const { client, tableName, counter } = await freshTable(servers.dynamo.endpoint);
    const pk = absorbedPk('c', 'g', 's', 0);
    const all = tags(1000, MAX_IDS_PER_BUCKET + 20);
    for (let i = 0; i < all.length; i += 45) {
      const out = await claimPayloads(client, tableName, pk, all.slice(i, i + 45), NOW);
      expect(out.duplicates).toEqual([]);
    }
    const item = (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: 'ABSORBED' } } }))).Item!;
    expect(item.full?.BOOL).toBe(true);
    const listed = new Set(item.ids!.SS);
    expect(listed.size).toBeLessThanOrEqual(MAX_IDS_PER_BUCKET);
    expect(itemBytes(item as never)).toBeLessThan(6 * 1024);
    const overflow = all.filter((t) => !listed.has(t));
    expect(overflow.length).toBeGreaterThan(0);
    for (const t of overflow) expect(await hasOwnRecord(client, tableName, pk, t)).toBe(true);
    expect(await hasOwnRecord(client, tableName, pk, payloadTag('never'))).toBe(false);
    // Racing re-claims of everything, listed or not: nothing is claimed twice.
    const again = await Promise.all([claimPayloads(client, tableName, pk, all, NOW), claimPayloads(client, tableName, pk, [...all, payloadTag('new')], NOW)]);
    expect(again[0].claimed.length + again[1].claimed.length).toBe(1);
    expect(again[0].duplicates.length).toBe(all.length);
    // A claim writes a few units, not the item's whole history.
    const units = counter.writeUnits ?? 0;
    const writes = counter.writes;
    await claimPayloads(client, tableName, absorbedPk('c', 'g', 's', 120_000), tags(5000, 30), NOW);
    expect(counter.writes - writes).toBe(1);
    if (counter.writeUnits !== undefined) expect(counter.writeUnits - units).toBeLessThanOrEqual(1);
  });
});
