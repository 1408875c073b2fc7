import { MAX_ANSWERS, NamesByAddress, normalizeName, parseQueryLogLine } from '#shared/dns/resolver-log';

// The record AWS documents for Route 53 Resolver query logs, with an A answer instead of PTR.
const record = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    srcaddr: '10.0.3.17', vpc_id: 'vpc-7example', query_name: 'API.Example.com.', query_class: 'IN', rcode: 'NOERROR', query_type: 'A',
    answers: [{ Rdata: 'edge.example.net.', Type: 'CNAME', Class: 'IN' }, { Rdata: '203.0.113.9', Type: 'A', Class: 'IN' }, { Rdata: '2001:DB8::1', Type: 'AAAA', Class: 'IN' }],
    srcids: { instance: 'i-0d15cd0d3example' }, transport: 'UDP', version: '1.100000', account_id: '111122223333', srcport: '56067',
    query_timestamp: '2021-02-04T17:51:55Z', region: 'us-east-1', ...over,
  });

describe('Route 53 Resolver query log records', () => {
  it('reads the name, the addresses and aliases it answered with, and who asked', () => {
    expect(parseQueryLogLine(record())).toEqual({
      ok: true,
      answer: { time: Date.parse('2021-02-04T17:51:55Z'), name: 'api.example.com', addresses: ['203.0.113.9', '2001:db8::1'], aliases: ['edge.example.net'], source: '10.0.3.17' },
    });
  });

  it.each([
    ['text that is not JSON', '{not json', 'not-json'],
    ['another JSON object', JSON.stringify({ hello: 'world' }), 'not-query-log'],
    ['a time that is not one', record({ query_timestamp: 'yesterday' }), 'bad-time'],
    ['a name with control characters', record({ query_name: 'evil name\u0007.' }), 'bad-name'],
    ['a label over 63 characters', record({ query_name: `${'a'.repeat(64)}.example.com` }), 'bad-name'],
    ['a name over 253 characters', record({ query_name: 'x'.repeat(300) }), 'not-query-log'],
  ])('rejects %s', (_what, line, reason) => {
    expect(parseQueryLogLine(line)).toMatchObject({ ok: false, reason });
  });

  it('reads at most a bounded number of answers and ignores what is not an address', () => {
    const answers = Array.from({ length: 500 }, (_, i) => ({ Rdata: `198.51.${Math.floor(i / 250)}.${i % 250}`, Type: 'A' }));
    const parsed = parseQueryLogLine(record({ answers: [{ Rdata: 'not-an-ip', Type: 'A' }, ...answers] }));
    expect(parsed.ok && parsed.answer.addresses.length).toBe(MAX_ANSWERS - 1);
  });

  it('normalizes names as DNS compares them', () => {
    expect(normalizeName('S3.Amazonaws.COM.')).toBe('s3.amazonaws.com');
    expect(normalizeName('')).toBeUndefined();
    expect(normalizeName('a..b')).toBeUndefined();
  });
});

describe('names by address', () => {
  it('groups names the way the flow graph groups addresses, most asked-for first', () => {
    const names = new NamesByAddress();
    const add = (name: string, ip: string, times = 1) => {
      for (let i = 0; i < times; i++) names.add({ time: 0, name, addresses: [ip], aliases: [] });
    };
    add('api.pay.example.net', '203.0.113.10', 3);
    add('cdn.pay.example.net', '203.0.113.11', 5);
    add('smtp.example.org', '198.51.100.25');
    add('internal.example', '10.0.0.9');
    const byNet = names.namesBy((ip) => (ip.startsWith('10.') ? undefined : `ext:${ip.split('.').slice(0, 3).join('.')}.0/24`));
    expect(byNet).toEqual(new Map([['ext:203.0.113.0/24', ['cdn.pay.example.net', 'api.pay.example.net']], ['ext:198.51.100.0/24', ['smtp.example.org']]]));
  });

  it('keeps a bounded number of names per address (a CDN address answers for thousands)', () => {
    const names = new NamesByAddress(3);
    for (let i = 0; i < 50; i++) names.add({ time: 0, name: `site${i}.example.com`, addresses: ['192.0.2.1'], aliases: [] });
    expect(names.namesOf('192.0.2.1')).toHaveLength(3);
  });
});
