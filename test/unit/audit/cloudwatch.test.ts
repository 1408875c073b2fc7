import { gzipSync } from 'node:zlib';
import { decodeSubscriptionEvent, isAuditStream, MAX_DECODED_BYTES, parseLogsData, RejectReason } from '#shared/audit/cloudwatch';
import { auditEvent, logsData, subscriptionEvent } from '#test/support/audit-factory';

describe('decodeSubscriptionEvent', () => {
  it('decodes base64 gzip JSON into the subscription payload', () => {
    const event = auditEvent();
    const decoded = decodeSubscriptionEvent(subscriptionEvent([event]));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.data.messageType).toBe('DATA_MESSAGE');
    expect(JSON.parse(decoded.data.logEvents[0]!.message).auditID).toBe(event.auditID);
  });

  it.each([
    ['invalid base64', { awslogs: { data: 'not base64 at all!!' } }, RejectReason.invalidBase64],
    ['empty data', { awslogs: { data: '' } }, RejectReason.invalidBase64],
    ['base64 that is not gzip', { awslogs: { data: Buffer.from('{"hello":1}').toString('base64') } }, RejectReason.badGzip],
    ['truncated gzip', { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(logsData([auditEvent()])))).subarray(0, 30).toString('base64').replace(/=+$/, '').padEnd(40, 'A') } }, RejectReason.badGzip],
    ['gzip of non-JSON', { awslogs: { data: gzipSync(Buffer.from('hello, world')).toString('base64') } }, RejectReason.notJson],
    ['gzip of JSON that is no payload', { awslogs: { data: gzipSync(Buffer.from('{"a":1}')).toString('base64') } }, RejectReason.notSubscriptionPayload],
    ['no awslogs at all', { Records: [] }, RejectReason.notSubscriptionPayload],
    ['null event', null, RejectReason.notSubscriptionPayload],
  ])('rejects %s with a reason instead of throwing', (_name, event, reason) => {
    const decoded = decodeSubscriptionEvent(event);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.reason).toBe(reason);
    expect(decoded.detail.length).toBeGreaterThan(0);
  });

  it('accepts CONTROL_MESSAGE payloads', () => {
    const decoded = parseLogsData(JSON.stringify({ ...logsData([]), messageType: 'CONTROL_MESSAGE', logEvents: [{ id: '1', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Lambda.' }] }));
    expect(decoded.ok && decoded.data.messageType).toBe('CONTROL_MESSAGE');
  });
});

describe('isAuditStream', () => {
  it.each([
    ['kube-apiserver-audit-1234567890abcdef01234567890abcde', true],
    ['kube-apiserver-1234567890abcdef01234567890abcde', false],
    ['authenticator-1234567890abcdef01234567890abcde', false],
    ['kube-controller-manager-1234567890abcdef', false],
  ])('%s → %s', (stream, expected) => {
    expect(isAuditStream(stream)).toBe(expected);
  });
});

describe('bounded decompression', () => {
  it('rejects a gzip bomb as too large instead of inflating it (64 MB of zeros in 64 KB)', () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(256 * 1024);
    const decoded = decodeSubscriptionEvent({ awslogs: { data: bomb.toString('base64') } });
    expect(decoded).toMatchObject({ ok: false, reason: RejectReason.tooLarge });
    // Just under the bound still decodes (as far as JSON.parse, which this is not).
    const big = gzipSync(Buffer.alloc(MAX_DECODED_BYTES - 1, 0x20));
    expect(decodeSubscriptionEvent({ awslogs: { data: big.toString('base64') } })).toMatchObject({ ok: false, reason: RejectReason.notJson });
  });
});
