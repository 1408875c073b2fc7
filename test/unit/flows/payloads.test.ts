import { encodeAwslogsData, type CloudWatchLogsData } from '#shared/audit/cloudwatch';
import { batchIdOf, decodeFlowPayload } from '#shared/flows/ingest';
import { flowPayloadsFromLines, type ReplayItem } from '#shared/flows/replay';

const data = (events: CloudWatchLogsData['logEvents']): CloudWatchLogsData => ({ messageType: 'DATA_MESSAGE', logGroup: '/vpc/flows', logStream: 'eni-1-all', logEvents: events });

describe('subscription payload decoding for flows', () => {
  it('accepts the Lambda event and the decoded payload alike', () => {
    const d = data([{ id: '1', timestamp: 1, message: 'x' }]);
    expect(decodeFlowPayload(encodeAwslogsData(d))).toEqual({ ok: true, data: d, badEvents: 0 });
    expect(decodeFlowPayload(d)).toEqual({ ok: true, data: d, badEvents: 0 });
  });

  it('drops and counts malformed log events, keeping the rest of the payload', () => {
    const raw = { ...data([{ id: '1', timestamp: 1, message: 'x' }]), logEvents: [{ id: '1', timestamp: 1, message: 'x' }, { id: 2, message: null }, 'junk'] };
    const r = decodeFlowPayload(raw);
    expect(r).toMatchObject({ ok: true, badEvents: 2, data: { logEvents: [{ id: '1' }] } });
  });

  it.each([
    [{ awslogs: { data: 'not base64!' } }, 'invalid-base64'],
    [{ awslogs: { data: Buffer.from('plain text').toString('base64') } }, 'bad-gzip'],
    [{ awslogs: { data: 42 } }, 'not-subscription-payload'],
    [{ messageType: 'DATA_MESSAGE', logGroup: 'g' }, 'not-subscription-payload'],
    ['a string', 'not-subscription-payload'],
  ])('rejects %j as %s', (payload, reason) => {
    expect(decodeFlowPayload(payload)).toEqual({ ok: false, reason });
  });

  it('gives a redelivered payload the same batch id, another payload another one', () => {
    expect(batchIdOf('g', 's', '1', '2')).toBe(batchIdOf('g', 's', '1', '2'));
    expect(batchIdOf('g', 's', '1', '2')).not.toBe(batchIdOf('g', 's', '1', '3'));
    expect(batchIdOf('g', 's', '1')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('files into payloads (replay and demo)', () => {
  async function all(lines: string[], maxEvents = 2): Promise<ReplayItem[]> {
    const out: ReplayItem[] = [];
    for await (const item of flowPayloadsFromLines(lines, { source: 'flows.log', maxEvents, timestamp: 1000 })) out.push(item);
    return out;
  }

  it('chunks lines, numbering events by source and line, and repeats a header in every payload after it', async () => {
    const header = 'srcaddr dstaddr srcport dstport protocol packets bytes start end';
    const items = await all(['2 a', header, 'r1', '', 'r2', 'r3']);
    const payloads = items.map((i) => (i.kind === 'payload' ? i.data.logEvents.map((e) => `${e.id}=${e.message}`) : i.reason));
    expect(payloads).toEqual([['flows.log:1=2 a'], [`flows.log:header@3=${header}`, 'flows.log:3=r1'], [`flows.log:header@5=${header}`, 'flows.log:5=r2'], [`flows.log:header@6=${header}`, 'flows.log:6=r3']]);
  });

  it('passes subscription payload lines through, and reports undecodable ones', async () => {
    const d = data([{ id: 'e1', timestamp: 5, message: 'm' }]);
    const items = await all([JSON.stringify(encodeAwslogsData(d)), JSON.stringify(d), '{"awslogs":{"data":"@@"}}', 'plain'], 10);
    expect(items[0]).toEqual({ kind: 'payload', data: d });
    expect(items[1]).toEqual({ kind: 'payload', data: d });
    expect(items[2]).toEqual({ kind: 'rejected', reason: 'invalid-base64', lineNo: 3 });
    expect(items[3]).toMatchObject({ kind: 'payload', data: { logEvents: [{ id: 'flows.log:4', message: 'plain', timestamp: 1000 }] } });
  });

  it('the same file gives the same payloads (and so the same batch ids) every time', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => `line ${i}`);
    expect(JSON.stringify(await all(lines))).toBe(JSON.stringify(await all(lines)));
  });
});
