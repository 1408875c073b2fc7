import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '#shared/errors';
import {
  DEFAULT_V2_FORMAT,
  FlowLineParser,
  FlowRejectReason,
  isHeaderLine,
  parseFlowLine,
  parseJsonFlowLine,
  parseVpcRecord,
  vpcFlowFormat,
} from '#shared/flows/parse';
import type { FlowRecord } from '#shared/flows/types';

const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/flows', name), 'utf8').split('\n').filter(Boolean);

function parseAll(lines: string[], format?: string) {
  const parser = new FlowLineParser(format ? vpcFlowFormat(format) : undefined);
  const records = lines.map((l) => parser.parse(l)).filter((r): r is FlowRecord => r !== undefined);
  return { parser, records };
}

describe('VPC Flow Logs default (v2) format', () => {
  it('parses records, skips NODATA, SKIPDATA and ICMP, keeps REJECT marked, canonicalizes IPv6', () => {
    const { parser, records } = parseAll(fixture('vpc-v2-default.log'));
    expect(parser.stats).toEqual({
      lines: 7,
      records: 4,
      skipped: { nodata: 1, skipdata: 1, 'unsupported-protocol': 1 },
      rejected: {},
      networkRejected: 1,
    });
    expect(records[0]).toEqual({
      src: '172.31.16.139', dst: '172.31.16.21', srcPort: 20641, dstPort: 22, protocol: 'TCP', bytes: 4249, packets: 20,
      start: 1418530010_000, end: 1418530070_000, action: 'ACCEPT', oriented: false,
    });
    expect(records[2]?.action).toBe('REJECT');
    expect(records[3]).toMatchObject({ src: '2001:db8:1234:a102:3304:8640:fdd6:8e20', dst: '2001:db8:1234:a100::1', dstPort: 443 });
  });

  it.each([
    ['13 fields', '2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 5 500 1418530010 1418530070 ACCEPT', FlowRejectReason.fieldCount],
    ['an octet above 255', '2 1 eni-1 10.0.0.300 10.0.0.2 40000 443 6 5 500 1418530010 1418530070 ACCEPT OK', FlowRejectReason.badAddress],
    ['a leading zero', '2 1 eni-1 10.0.0.01 10.0.0.2 40000 443 6 5 500 1418530010 1418530070 ACCEPT OK', FlowRejectReason.badAddress],
    ['port 70000', '2 1 eni-1 10.0.0.1 10.0.0.2 40000 70000 6 5 500 1418530010 1418530070 ACCEPT OK', FlowRejectReason.badPort],
    ['port 0 on TCP', '2 1 eni-1 10.0.0.1 10.0.0.2 0 443 6 5 500 1418530010 1418530070 ACCEPT OK', FlowRejectReason.badPort],
    ['a protocol name', '2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 tcp 5 500 1418530010 1418530070 ACCEPT OK', FlowRejectReason.badProtocol],
    ['a non-numeric count', '2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 five 500 1418530010 1418530070 ACCEPT OK', FlowRejectReason.badCounter],
    ['end before start', '2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 5 500 1418530070 1418530010 ACCEPT OK', FlowRejectReason.badTime],
    ['an unknown action', '2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 5 500 1418530010 1418530070 MAYBE OK', FlowRejectReason.badAction],
    ['"-" as address on an OK record', '2 1 eni-1 - 10.0.0.2 40000 443 6 5 500 1418530010 1418530070 ACCEPT OK', FlowRejectReason.missingField],
  ])('rejects a record with %s', (_case, line, reason) => {
    const r = parseVpcRecord(line, DEFAULT_V2_FORMAT);
    expect(r).toMatchObject({ kind: 'reject', reason });
  });

  it('accepts SCTP and UDP, and tolerates repeated spaces', () => {
    expect(parseVpcRecord('2 1 eni-1 10.0.0.1 10.0.0.2 40000 3868 132 5 500 1418530010 1418530070 ACCEPT OK', DEFAULT_V2_FORMAT)).toMatchObject({ kind: 'record', record: { protocol: 'SCTP' } });
    expect(parseVpcRecord('2 1 eni-1  10.0.0.1 10.0.0.2 40000 53 17 1 80 1418530010 1418530010 ACCEPT OK', DEFAULT_V2_FORMAT)).toMatchObject({ kind: 'record', record: { protocol: 'UDP', dstPort: 53 } });
  });
});

describe('custom formats', () => {
  it('reads the field list from a header line and prefers pkt-srcaddr/pkt-dstaddr (NAT gateway interface)', () => {
    const { parser, records } = parseAll(fixture('vpc-v5-header.log'));
    expect(parser.stats).toMatchObject({ lines: 5, records: 3, skipped: { nodata: 1 }, rejected: {} });
    // The NAT gateway logs its own address as srcaddr; pkt-srcaddr is the instance behind it.
    expect(records[0]).toMatchObject({ src: '10.40.2.236', dst: '203.0.113.5', srcPort: 38832, dstPort: 443, tcpFlags: 3, flowDirection: 'egress' });
    expect(records[1]).toMatchObject({ src: '203.0.113.5', dst: '10.40.2.236', tcpFlags: 19, flowDirection: 'ingress' });
    expect(records[2]).toMatchObject({ src: '10.40.2.236', dst: '10.40.3.17', dstPort: 50051, tcpFlags: 2 });
  });

  it('takes a configured ${field} list for headerless CloudWatch Logs records', () => {
    const format = '${version} ${interface-id} ${pkt-srcaddr} ${pkt-dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${tcp-flags} ${flow-direction}';
    const { parser, records } = parseAll(['5 eni-9 10.0.0.7 10.0.0.9 44000 8080 6 3 300 1700000000 1700000060 ACCEPT OK 18 ingress'], format);
    expect(parser.stats.records).toBe(1);
    expect(records[0]).toMatchObject({ src: '10.0.0.7', dst: '10.0.0.9', tcpFlags: 18, flowDirection: 'ingress' });
  });

  it('falls back to srcaddr when pkt-srcaddr is "-"', () => {
    const f = vpcFlowFormat('srcaddr dstaddr pkt-srcaddr pkt-dstaddr srcport dstport protocol packets bytes start end');
    expect(parseVpcRecord('10.0.0.1 10.0.0.2 - - 40000 443 6 1 60 1700000000 1700000001', f)).toMatchObject({ kind: 'record', record: { src: '10.0.0.1', dst: '10.0.0.2' } });
  });

  it.each([
    ['an unknown field', '${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${colour}', /unknown field\(s\) colour/],
    ['no destination address', 'srcaddr srcport dstport protocol packets bytes start end', /missing field\(s\) dstaddr or pkt-dstaddr/],
    ['no bytes', 'srcaddr dstaddr srcport dstport protocol packets start end', /missing field\(s\) bytes/],
    ['a duplicate field', 'srcaddr dstaddr srcport dstport protocol packets bytes start end end', /end appears twice/],
  ])('refuses a format with %s', (_case, spec, message) => {
    expect(() => vpcFlowFormat(spec)).toThrow(ConfigError);
    expect(() => vpcFlowFormat(spec)).toThrow(message);
  });

  it('recognizes header lines, and only header lines', () => {
    expect(isHeaderLine('version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status')).toBe(true);
    expect(isHeaderLine('2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK')).toBe(false);
    expect(isHeaderLine('version account-id interface-id')).toBe(false);
  });

  it('a header switches the format for the lines after it', () => {
    const parser = new FlowLineParser();
    expect(parser.parse('2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 5 500 1418530010 1418530070 ACCEPT OK')).toBeDefined();
    expect(parser.parse('srcaddr dstaddr srcport dstport protocol packets bytes start end')).toBeUndefined();
    expect(parser.parse('10.0.0.3 10.0.0.4 40001 80 6 2 100 1418530010 1418530070')).toMatchObject({ src: '10.0.0.3', dstPort: 80, action: 'ACCEPT' });
    expect(parser.stats).toMatchObject({ lines: 3, records: 2, rejected: {} });
  });
});

describe('JSON lines (README.md#flow-ingestion)', () => {
  it('parses the contract format as oriented records; ICMP is skipped', () => {
    const { parser, records } = parseAll(fixture('flows.jsonl'));
    expect(parser.stats).toMatchObject({ lines: 3, records: 2, skipped: { 'unsupported-protocol': 1 }, rejected: {} });
    expect(records[0]).toEqual({
      src: '10.1.0.5', dst: '10.1.0.9', dstPort: 8080, protocol: 'TCP', bytes: 1200, packets: 4,
      start: Date.parse('2024-05-01T10:00:00Z'), end: Date.parse('2024-05-01T10:00:05Z'), action: 'ACCEPT', oriented: true,
    });
  });

  it.each([
    ['{"src":"10.0.0.1"', FlowRejectReason.notJson],
    ['{"src":"10.0.0.1","dst":"10.0.0.2","dstPort":0,"protocol":"TCP","bytes":1,"packets":1,"start":"2024-05-01T10:00:00Z","end":"2024-05-01T10:00:00Z"}', FlowRejectReason.badPort],
    ['{"src":"10.0.0.1","dst":"host","dstPort":1,"protocol":"TCP","bytes":1,"packets":1,"start":"2024-05-01T10:00:00Z","end":"2024-05-01T10:00:00Z"}', FlowRejectReason.badAddress],
    ['{"src":"10.0.0.1","dst":"10.0.0.2","dstPort":1,"protocol":"QUIC","bytes":1,"packets":1,"start":"2024-05-01T10:00:00Z","end":"2024-05-01T10:00:00Z"}', FlowRejectReason.badProtocol],
    ['{"src":"10.0.0.1","dst":"10.0.0.2","dstPort":1,"protocol":"TCP","bytes":-1,"packets":1,"start":"2024-05-01T10:00:00Z","end":"2024-05-01T10:00:00Z"}', FlowRejectReason.badCounter],
    ['{"src":"10.0.0.1","dst":"10.0.0.2","dstPort":1,"protocol":"TCP","bytes":1,"packets":1,"start":"soon","end":"later"}', FlowRejectReason.badTime],
    ['{"src":"10.0.0.1","dst":"10.0.0.2","dstPort":1,"protocol":"TCP","bytes":1,"packets":1,"start":"2024-05-01T10:00:09Z","end":"2024-05-01T10:00:00Z"}', FlowRejectReason.badTime],
    ['{"hello":"world"}', FlowRejectReason.invalidJsonFlow],
    ['[1,2,3]', FlowRejectReason.invalidJsonFlow],
  ])('rejects %s', (line, reason) => {
    expect(parseFlowLine(line)).toMatchObject({ kind: 'reject', reason });
  });

  it('keeps an optional srcPort', () => {
    expect(parseJsonFlowLine('{"src":"10.0.0.1","dst":"10.0.0.2","dstPort":443,"srcPort":40000,"protocol":"tcp","bytes":1,"packets":1,"start":"2024-05-01T10:00:00Z","end":"2024-05-01T10:00:00Z"}')).toMatchObject({
      kind: 'record',
      record: { srcPort: 40000, protocol: 'TCP' },
    });
  });
});

describe('a file of malformed input', () => {
  it('counts every line by reason and never throws', () => {
    const lines = fixture('malformed.log');
    const { parser, records } = parseAll(lines);
    expect(records).toEqual([]);
    expect(parser.stats.lines).toBe(lines.length);
    expect(parser.stats.rejected).toEqual({
      'field-count': 1,
      'bad-address': 2,
      'bad-port': 2,
      'bad-protocol': 2,
      'bad-counter': 2,
      'bad-time': 2,
      'bad-action': 1,
      'missing-field': 1,
      'not-json': 1,
      'invalid-json-flow': 1,
    });
    expect(parser.examples[0]).toMatchObject({ reason: 'field-count', line: 1 });
  });

  it('treats blank lines as nothing at all', () => {
    expect(parseFlowLine('')).toEqual({ kind: 'blank' });
    expect(parseFlowLine('   ')).toEqual({ kind: 'blank' });
  });
});
