/**
 * Provenance: enforce acts only on an anomaly that a boundwatch ingest function recorded with
 * the same content. A Behavior Anomaly event put on the bus by anyone else (not recorded), or a
 * recorded anomaly altered on the way (another pod named, severity raised), is refused: nothing
 * is planned, nothing changes in the cluster.
 */
import { anomalyHash, dynamoProvenance } from '#shared/events/provenance';
import { LABELS } from '#shared/enforce/types';
import { CHECKOUT, envelopeOf, startHarness, stolenTokenAnomaly, type Harness } from './harness';

describe('anomaly provenance', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('refuses a forged anomaly that no ingest function recorded, and acts on the recorded one', async () => {
    h = await startHarness();
    const anomaly = stolenTokenAnomaly({ recommendedActions: ['quarantine'] });
    const forged = await h.deliver(envelopeOf(anomaly));
    expect(forged.planned).toEqual([]);
    expect(forged.refused).toMatch(/was not recorded by a boundwatch ingest function/);
    expect(h.kube.api.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list')).toEqual([]);
    expect(h.actions()).toEqual([]);

    const real = await h.enforce(anomaly);
    expect(real.refused).toBeUndefined();
    expect(real.planned.map((p) => p.action.outcome)).toEqual(['applied']);
  });

  it('refuses a recorded anomaly whose content was altered (another pod named)', async () => {
    h = await startHarness();
    const anomaly = stolenTokenAnomaly({ recommendedActions: ['quarantine'] });
    await dynamoProvenance(h.ddb, h.tableName).record([anomaly], h.clock.now());
    const altered = { ...anomaly, workload: { ...anomaly.workload!, pod: 'frontend-7f8d9c6b5a-klmno' } };
    const r = await h.deliver(envelopeOf(altered));
    expect(r.refused).toMatch(/content hash mismatch/);
    expect((await h.client.getPod('shop', 'frontend-7f8d9c6b5a-klmno'))?.metadata?.labels?.[LABELS.quarantine]).toBeUndefined();
    expect((await h.client.getPod('shop', CHECKOUT))?.metadata?.labels?.[LABELS.quarantine]).toBeUndefined();
  });

  it('hashes the content, not the key order or absent fields', () => {
    const a = stolenTokenAnomaly();
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    expect(anomalyHash(reordered)).toBe(anomalyHash(a));
    expect(anomalyHash({ ...a, severity: 'CRITICAL' })).not.toBe(anomalyHash(a));
  });
});
