/**
 * Hostile input through the real ingest path (dynalite, and DynamoDB Local where Java is
 * present): each case is something an attacker can write into the audit log.
 */
import fc from 'fast-check';
import { GetItemCommand, QueryCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeProfile } from '#shared/detect/baseline-codec';
import { loadProfiles, principalPk } from '#shared/detect/baseline-store';
import { PROFILE_BUDGET_BYTES } from '#shared/detect/baseline-codec';
import { DEFAULT_DETECTORS } from '#shared/detect/engine';
import type { AuditDetector } from '#shared/detect/types';
import { DAY_MS, DetectionConfig } from '#shared/detect/config';
import { DEFAULT_WRITE_AFTER_MS, ProfileCache } from '#shared/detect/profile-cache';
import { ingestAuditEvent, type AuditIngestDeps } from '#shared/detect/ingest';
import { dynamoBackends, freshIngestDeps, useBackendAndBus } from '#test/support/dynamo';
import { auditEvent, serviceAccountUser, subscriptionEvent } from '#test/support/audit-factory';

// Days of learning through DynamoDB Local on a shared machine take seconds, not milliseconds.
jest.setTimeout(60_000);

const T0 = Date.parse('2024-03-01T08:00:00Z');
const checkout = serviceAccountUser('shop', 'checkout', { name: 'checkout-6d9f5b8c7-x2k4q' });
const cart = serviceAccountUser('shop', 'cart', { name: 'cart-7d9f5b8c6-x2k4q' });
const TOR_EXIT = '185.220.101.47';

const routine = (user: ReturnType<typeof serviceAccountUser>, day: number, n = 5) =>
  Array.from({ length: n }, (_, i) => auditEvent({ user, at: new Date(T0 + day * DAY_MS + i * 60_000) }));

describe.each(dynamoBackends())('hostile input on $name', (backend) => {
  const servers = useBackendAndBus(backend);

  async function learned(d: AuditIngestDeps, days = 9): Promise<void> {
    for (let day = 0; day < days; day++) await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, day), ...routine(cart, day)]));
  }

  it('judges the connection address, not an X-Forwarded-For header: a Tor exit posing as an internal address is caught, and the header is evidence', async () => {
    const d = await freshIngestDeps(servers, { detection: DetectionConfig.parse({ ipLists: [{ name: 'tor-exits', kind: 'tor', entries: ['185.220.101.0/24'] }] }) });
    await learned(d);
    const stolen = auditEvent({
      user: checkout,
      at: new Date(T0 + 9 * DAY_MS + 3_600_000),
      verb: 'list',
      objectRef: { resource: 'secrets' },
      requestURI: '/api/v1/secrets',
      sourceIPs: ['10.0.1.23', TOR_EXIT],
      userAgent: 'kubectl/v1.29.0 (linux/amd64) kubernetes/abc',
    });
    const report = await ingestAuditEvent(d, subscriptionEvent([stolen]));
    const findings = report.anomalies.flatMap((a) => a.findings);
    expect(report.anomalies.map((a) => a.severity)).toContain('CRITICAL');
    expect(findings.map((f) => f.type)).toEqual(expect.arrayContaining(['CredentialAccess:TorIPCaller', 'CredentialFromPublicNetwork', 'DefenseEvasion:ForwardedForSpoofing']));
    for (const f of findings) expect(f.evidence.sourceIPs).toEqual([TOR_EXIT]);
    expect(findings.find((f) => f.type === 'DefenseEvasion:ForwardedForSpoofing')?.evidence.forwardedFor).toEqual(['10.0.1.23']);
  });

  it('keeps __proto__, constructor and toString namespaces and user agents as plain keys: no prototype pollution, no silenced detector', async () => {
    const d = await freshIngestDeps(servers);
    const hostile = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'].flatMap((k, i) => [
      auditEvent({ user: cart, at: new Date(T0 + i * 60_000), userAgent: k, objectRef: { resource: 'configmaps', namespace: k, name: 'x' } }),
      auditEvent({ user: cart, at: new Date(T0 + i * 60_000 + 1), userAgent: `${k}/1.0`, verb: 'list', objectRef: { resource: 'pods', namespace: k } }),
    ]);
    const first = await ingestAuditEvent(d, subscriptionEvent(hostile));
    expect(first.accepted).toBe(hostile.length);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).count).toBeUndefined();
    expect(({} as Record<string, unknown>).days).toBeUndefined();
    const { profiles } = await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:cart']);
    const p = profiles.get('system:serviceaccount:shop:cart')!.profile;
    expect(Object.hasOwn(p.namespaces, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(p.namespaces)).toBe(Object.prototype);
    expect(Object.keys(p.namespaces).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    for (const s of Object.values(p.namespaces)) expect(s.count).toBe(2);
    expect(p.userAgents.__proto__).toMatchObject({ count: expect.any(Number) });
    // Later payloads of other principals learn numbers, not [null, ...], and detection still works.
    await learned(d);
    const { profiles: after } = await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:checkout']);
    for (const s of Object.values(after.get('system:serviceaccount:shop:checkout')!.profile.behaviors)) expect(typeof s.count).toBe('number');
    const dump = await ingestAuditEvent(d, subscriptionEvent([auditEvent({ user: checkout, at: new Date(T0 + 9 * DAY_MS + 3_600_000), verb: 'list', objectRef: { resource: 'secrets' }, requestURI: '/api/v1/secrets', sourceIPs: ['203.0.113.9'] })]));
    expect(dump.anomalies).toHaveLength(1);
  });

  it('rejects event times CloudWatch contradicts: a record dated 9999 cannot wipe a baseline, records dated 1970 cannot end the learning period', async () => {
    const d = await freshIngestDeps(servers);
    const at = new Date(T0 + 9 * DAY_MS);
    // The CloudWatch timestamp is the delivery's; the audit record claims another time.
    const forged = (year: string) => ({ ...auditEvent({ user: checkout, at }), requestReceivedTimestamp: `${year}-01-01T00:00:00.000000Z`, stageTimestamp: at.toISOString() });
    const early = await ingestAuditEvent(d, subscriptionEvent([forged('1970'), forged('1970'), ...routine(cart, 0)]));
    expect(early.rejected).toEqual({ 'implausible-time': 2 });
    const { meta } = await loadProfiles(d.ddb, d.tableName, d.cluster, []);
    expect(meta?.firstSeen).toBe(T0);
    await learned(d);
    const future = await ingestAuditEvent(d, subscriptionEvent([forged('9999')]));
    expect(future.rejected).toEqual({ 'implausible-time': 1 });
    const { profiles } = await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:checkout']);
    const p = profiles.get('system:serviceaccount:shop:checkout')!.profile;
    expect(p.lastSeen).toBeLessThan(T0 + 10 * DAY_MS);
    expect(Object.keys(p.behaviors).length).toBeGreaterThan(0);
    const dump = await ingestAuditEvent(d, subscriptionEvent([auditEvent({ user: checkout, at: new Date(T0 + 9 * DAY_MS + 3_600_000), verb: 'list', objectRef: { resource: 'secrets' }, requestURI: '/api/v1/secrets', sourceIPs: ['203.0.113.9'] })]));
    expect(dump.anomalies).toHaveLength(1);
  });

  it('survives a request body nested 6,000 levels deep (no recursive stringify) and still ingests the rest of the payload', async () => {
    const d = await freshIngestDeps(servers);
    const depth = 6000;
    const deep = JSON.parse(`${'{"a":'.repeat(depth)}"system:masters"${'}'.repeat(depth)}`) as unknown;
    const awsAuth = auditEvent({ user: cart, at: new Date(T0), verb: 'update', objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' }, requestObject: { data: { mapRoles: deep } } });
    // The factory's JSON.stringify would itself overflow: build the message by hand.
    const message = JSON.stringify({ ...awsAuth, requestObject: '@' }).replace('"@"', `{"data":{"mapRoles":${'{"a":'.repeat(depth)}"system:masters"${'}'.repeat(depth)}}}`);
    const report = await ingestAuditEvent(d, subscriptionEvent([message, ...routine(checkout, 0)]));
    expect(report.accepted).toBe(6);
    expect(report.anomalies.flatMap((a) => a.findings.map((f) => f.type)).some((t) => /aws-?auth/i.test(t) || /ConfigMap/i.test(t))).toBe(true);
    const { profiles } = await loadProfiles(d.ddb, d.tableName, d.cluster, ['system:serviceaccount:shop:checkout']);
    expect(profiles.get('system:serviceaccount:shop:checkout')?.profile.events).toBe(5);
  });

  const person = (username: string) => ({ username, groups: ['system:authenticated'] });
  const CHECKOUT = 'system:serviceaccount:shop:checkout';
  const CART = 'system:serviceaccount:shop:cart';

  async function profileOf(d: AuditIngestDeps, key: string) {
    const { profiles } = await loadProfiles(d.ddb, d.tableName, d.cluster, [key]);
    return profiles.get(key)?.profile;
  }

  async function deadLetters(d: AuditIngestDeps) {
    const out = await d.ddb.send(new QueryCommand({ TableName: d.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `DEADLETTER#${d.cluster}` } } }));
    return (out.Items ?? []).map((i) => ({ principal: i.principal?.S, reason: i.reason?.S, auditIDs: (i.auditIDs?.L ?? []).map((v) => v.S) }));
  }

  /** Fault injection: the client fails requests `match` selects, before they reach the backend. */
  function failing(client: DynamoDBClient, match: (command: string, input: Record<string, unknown>) => Error | undefined): () => void {
    const name = `fault-${Math.random()}`;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const err = match(context.commandName ?? '', args.input as Record<string, unknown>);
        if (err) throw err;
        return next(args);
      },
      { step: 'initialize', name },
    );
    return () => client.middlewareStack.remove(name);
  }
  const putOf = (input: Record<string, unknown>) => ((input.Item as Record<string, { S?: string }> | undefined)?.pk?.S ?? '');
  const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: 'client' });

  it('saves a 2,100-byte username (ASCII, and multibyte that dynalite counts as 700 units) under a bounded key, next to the others', async () => {
    const d = await freshIngestDeps(servers);
    const ascii = 'u'.repeat(2100);
    const multibyte = '\u20ac'.repeat(700); // 2,100 UTF-8 bytes, 700 UTF-16 units
    const at = (i: number) => new Date(T0 + i * 60_000);
    const report = await ingestAuditEvent(d, subscriptionEvent([
      ...routine(checkout, 0),
      auditEvent({ user: person(ascii), at: at(1) }),
      auditEvent({ user: person(multibyte), at: at(2) }),
    ]));
    expect(report.failedPrincipals).toEqual([]);
    expect(Buffer.byteLength(principalPk(d.cluster, ascii))).toBeLessThan(2048 - 16);
    expect(Buffer.byteLength(principalPk(d.cluster, multibyte))).toBeLessThan(2048 - 16);
    expect((await profileOf(d, ascii))?.events).toBe(1);
    expect((await profileOf(d, multibyte))?.events).toBe(1);
    expect((await profileOf(d, CHECKOUT))?.events).toBe(5);
  });

  it('keeps a poison principal (hundreds of denied requests with long namespaces and user agents) under the item budget, and its payloads keep flowing', async () => {
    const d = await freshIngestDeps(servers);
    for (let round = 0; round < 2; round++) {
      const noise = Array.from({ length: 300 }, (_, i) => {
        const n = round * 300 + i;
        // Multibyte: 1,500 UTF-8 bytes, 900 UTF-16 units per namespace.
        const ns = `${'a'.repeat(600)}${'\u540d'.repeat(300)}${n}`;
        return auditEvent({
          user: person('system:anonymous'),
          at: new Date(T0 + round * DAY_MS + i * 1000),
          verb: 'get',
          objectRef: { resource: 'configmaps', namespace: ns, name: `x${n}` },
          userAgent: `${'z'.repeat(1500)}${n}`,
          responseStatus: { code: 403 },
          sourceIPs: ['203.0.113.50'],
        });
      });
      const report = await ingestAuditEvent(d, subscriptionEvent([...noise, ...routine(checkout, round)]));
      expect(report.failedPrincipals).toEqual([]);
    }
    const item = await d.ddb.send(new GetItemCommand({ TableName: d.tableName, Key: { pk: { S: principalPk(d.cluster, 'system:anonymous') }, sk: { S: 'PROFILE' } } }));
    expect(Buffer.byteLength(item.Item!.doc!.S!, 'utf8')).toBeLessThanOrEqual(PROFILE_BUDGET_BYTES);
    const anon = await profileOf(d, 'system:anonymous');
    expect(anon?.events).toBe(600);
    for (const k of Object.keys(anon!.namespaces)) expect(Buffer.byteLength(k)).toBeLessThanOrEqual(256);
    expect((await profileOf(d, CHECKOUT))?.events).toBe(10);
  });

  it('degrades per principal: a principal whose requests make detection throw is dead-lettered with its audit ids, the others proceed, and redelivery counts nothing twice', async () => {
    const d = await freshIngestDeps(servers);
    const poison: AuditDetector = {
      id: 'throws-on-mallory' as AuditDetector['id'],
      kind: 'signature',
      detect(f) {
        if (f.principal.key === 'mallory') throw new TypeError('detector bug triggered by crafted input');
        return [];
      },
    };
    d.detectors = [...DEFAULT_DETECTORS, poison];
    const bad = [0, 1].map((i) => auditEvent({ user: person('mallory'), at: new Date(T0 + i * 1000) }));
    const payload = subscriptionEvent([...routine(checkout, 0), ...bad, ...routine(cart, 0)]);
    const first = await ingestAuditEvent(d, payload);
    expect(first.failedPrincipals).toEqual([{ key: 'mallory', reason: 'detection-error', detail: expect.stringContaining('TypeError'), auditIDs: bad.map((e) => e.auditID) }]);
    expect((await profileOf(d, CHECKOUT))?.events).toBe(5);
    expect((await profileOf(d, CART))?.events).toBe(5);
    expect(await profileOf(d, 'mallory')).toBeUndefined();
    expect(await deadLetters(d)).toEqual([{ principal: 'mallory', reason: 'detection-error', auditIDs: bad.map((e) => e.auditID) }]);
    const again = await ingestAuditEvent(d, payload);
    // Recognised by its recorded id: all three principals of the payload are skipped.
    expect(again.redelivered).toBe(3);
    expect((await profileOf(d, CHECKOUT))?.events).toBe(5);
    expect(await deadLetters(d)).toHaveLength(1);
  });

  it('degrades per principal: an item DynamoDB refuses (ValidationException) or that cannot fit the budget costs only its principal', async () => {
    const d = await freshIngestDeps(servers);
    const restore = failing(d.ddb, (cmd, input) =>
      cmd === 'PutItemCommand' && putOf(input).endsWith('#mallory') ? awsError('ValidationException', 'Item size has exceeded the maximum allowed size') : undefined,
    );
    const huge = 'h'.repeat(PROFILE_BUDGET_BYTES + 10);
    const bad = auditEvent({ user: person('mallory'), at: new Date(T0) });
    const hugeEvent = auditEvent({ user: person(huge), at: new Date(T0 + 1000) });
    try {
      const report = await ingestAuditEvent(d, subscriptionEvent([...routine(checkout, 0), bad, hugeEvent]));
      expect(report.failedPrincipals.map((f) => [f.key.slice(0, 8), f.reason, f.auditIDs])).toEqual(
        expect.arrayContaining([
          ['mallory', 'unwritable-profile', [bad.auditID]],
          ['h'.repeat(8), 'unwritable-profile', [hugeEvent.auditID]],
        ]),
      );
      expect((await profileOf(d, CHECKOUT))?.events).toBe(5);
      const letters = await deadLetters(d);
      expect(letters.map((l) => l.auditIDs[0]).sort()).toEqual([bad.auditID, hugeEvent.auditID].sort());
    } finally {
      restore();
    }
  });

  it('fails the payload on a transient fault (throttling on one principal) and redelivery then saves it without counting the others twice', async () => {
    // The function's instance cache keeps the throttled principal's learning until it is written.
    const d = await freshIngestDeps(servers, { cache: new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS }) });
    const payload = subscriptionEvent([...routine(checkout, 0), ...routine(cart, 0)]);
    const restore = failing(d.ddb, (cmd, input) =>
      cmd === 'PutItemCommand' && putOf(input).endsWith(':cart') ? awsError('ThrottlingException', 'Rate exceeded') : undefined,
    );
    await expect(ingestAuditEvent(d, payload)).rejects.toThrow(/Rate exceeded/);
    restore();
    const again = await ingestAuditEvent(d, payload);
    expect(again.failedPrincipals).toEqual([]);
    expect((await profileOf(d, CHECKOUT))?.events).toBe(5);
    expect((await profileOf(d, CART))?.events).toBe(5);
    expect(await deadLetters(d)).toEqual([]);
  });

  it('a 5xx on any one of the DynamoDB calls of a payload fails it (but the best-effort publication note), and redelivery ends where a fault-free run does: profiles, peer groups and the anomaly counted once', async () => {
    // The payload: routine requests of two workloads and a secrets dump (an anomaly: provenance,
    // publication, profile, peer-group and payload-record writes all happen).
    const payload = subscriptionEvent([...routine(checkout, 9), ...routine(cart, 9), auditEvent({ user: checkout, at: new Date(T0 + 9 * DAY_MS + 3_600_000), verb: 'list', objectRef: { resource: 'secrets' }, requestURI: '/api/v1/secrets', sourceIPs: ['203.0.113.9'] })]);
    const cluster = `c-${Math.random().toString(36).slice(2, 8)}`;
    const prepared = async () => {
      const d = await freshIngestDeps(servers, { cluster, cache: new ProfileCache({ writeAfterMs: DEFAULT_WRITE_AFTER_MS }) });
      await learned(d);
      return d;
    };
    /** Every stored profile (principals and peer groups) with its event count. */
    const state = async (d: AuditIngestDeps) => {
      const out = await d.ddb.send(new ScanCommand({ TableName: d.tableName, FilterExpression: 'sk = :sk', ExpressionAttributeValues: { ':sk': { S: 'PROFILE' } } }));
      return Object.fromEntries((out.Items ?? []).map((i) => [i.pk!.S!, decodeProfile(i.doc!.S!).events])) as Record<string, number>;
    };
    const anomaliesOn = async (since: number) => {
      await servers.eb.bus.drain();
      return servers.eb.bus.events.slice(since).filter((e) => e['detail-type'] === 'Behavior Anomaly' && (e.detail as { cluster: string }).cluster === cluster).length;
    };

    const control = await prepared();
    const before = servers.eb.bus.events.length;
    const controlReport = await ingestAuditEvent(control, payload);
    expect(controlReport.anomalies).toHaveLength(1);
    const expected = await state(control);
    expect(await anomaliesOn(before)).toBe(1);

    // Which calls a delivery makes, in order (after the learning days, on a fresh table).
    const probe = await prepared();
    const calls: string[] = [];
    probe.ddb.middlewareStack.add((next, context) => async (args) => {
      calls.push(context.commandName ?? '');
      return next(args);
    }, { step: 'initialize', name: 'record-calls' });
    await ingestAuditEvent(probe, payload);
    expect(calls.length).toBeGreaterThan(3);

    const serverError = () => Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    for (let n = 0; n < calls.length; n++) {
      const d = await prepared();
      const since = servers.eb.bus.events.length;
      let seen = 0;
      let failed: Record<string, unknown> = {};
      const restore = failing(d.ddb, (_cmd, input) => {
        if (seen++ !== n) return undefined;
        failed = input;
        return serverError();
      });
      const first = await ingestAuditEvent(d, payload).then(() => 'absorbed', (err: Error) => err.message);
      restore();
      // Every call fails the payload for a retry, but the best-effort note that an anomaly reached
      // the bus: failing the payload for it would publish the anomaly again.
      const note = failed.UpdateExpression === 'SET publishedAt = :t';
      expect({ call: `${n}:${calls[n]}`, first }).toEqual({ call: `${n}:${calls[n]}`, first: note ? 'absorbed' : expect.stringMatching(/internal error/) });
      await ingestAuditEvent(d, payload);
      await ingestAuditEvent(d, payload); // a late duplicate changes nothing
      expect({ call: `${n}:${calls[n]}`, state: await state(d) }).toEqual({ call: `${n}:${calls[n]}`, state: expected });
      expect({ call: `${n}:${calls[n]}`, anomalies: await anomaliesOn(since) }).toEqual({ call: `${n}:${calls[n]}`, anomalies: 1 });
    }
  }, 180_000);

  it('loses no good event and counts none twice, whatever one hostile principal writes beside them (generated cases, redelivered)', async () => {
    const hostileString = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', '../../x', 'a\nSeverity: LOW', '\u202eexe', '\ud800'),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.nat({ max: 1500 }).map((n) => '\u540d'.repeat(n)),
    );
    const hostileRequest = fc.record({ username: hostileString, ua: hostileString, ns: hostileString, name: hostileString, fwd: hostileString });
    await fc.assert(
      fc.asyncProperty(fc.array(hostileRequest, { minLength: 1, maxLength: 20 }), async (reqs) => {
        const d = await freshIngestDeps(servers);
        const hostile = reqs.map((r, i) =>
          auditEvent({
            user: person(r.username),
            at: new Date(T0 + i * 1000),
            userAgent: r.ua,
            objectRef: { resource: 'secrets', namespace: r.ns, name: r.name },
            sourceIPs: [r.fwd, '203.0.113.50'],
            responseStatus: { code: 403 },
          }),
        );
        const payload = subscriptionEvent([...routine(checkout, 0, 3), ...hostile, ...routine(cart, 0, 4)]);
        for (let delivery = 0; delivery < 2; delivery++) {
          const report = await ingestAuditEvent(d, payload);
          expect(report.failedPrincipals.map((f) => f.key)).not.toContain(CHECKOUT);
        }
        expect((await profileOf(d, CHECKOUT))?.events).toBe(3);
        expect((await profileOf(d, CART))?.events).toBe(4);
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      { numRuns: 6 },
    );
  });
});
