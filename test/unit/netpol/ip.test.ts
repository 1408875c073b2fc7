import { canonicalIp, cidrContains, hostCidr, parseCidr, parseIp } from '#shared/netpol/ip';

describe('parseIp', () => {
  test.each([
    ['10.0.0.1', '10.0.0.1', 4],
    ['010.000.000.001', '10.0.0.1', 4],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', 6],
    ['::ffff:10.0.0.1', '::ffff:a00:1', 6],
  ])('%s', (text, canonical, family) => {
    expect(parseIp(text)).toMatchObject({ text: canonical, family });
  });

  test.each(['10.0.0', '10.0.0.256', 'fe80::1%eth0', '0x0a.0.0.1', 'host', ''])('rejects %s', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  test('canonicalIp leaves non-addresses alone', () => {
    expect(canonicalIp('2001:0db8::0001')).toBe('2001:db8::1');
    expect(canonicalIp('nope')).toBe('nope');
  });
});

describe('parseCidr', () => {
  test('masks host bits and remembers they were set', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ text: '10.0.0.0/8', hostBitsSet: true, leadingZeros: false });
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ hostBitsSet: false });
    expect(parseCidr('10.0.0.0/08')).toMatchObject({ leadingZeros: true, prefix: 8 });
    expect(parseCidr('2001:db8::1/32')).toMatchObject({ text: '2001:db8::/32', hostBitsSet: true });
  });

  test.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '2001:db8::/129', '/8', '10.0.0.0/8/8'])('rejects %s', (t) => {
    expect(parseCidr(t)).toBeUndefined();
  });

  test('containment, including /0 and odd prefixes', () => {
    const c = (cidr: string, ip: string) => cidrContains(parseCidr(cidr)!, parseIp(ip)!);
    expect(c('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(c('10.0.0.0/9', '10.127.255.255')).toBe(true);
    expect(c('10.0.0.0/9', '10.128.0.0')).toBe(false);
    expect(c('10.1.2.3/32', '10.1.2.3')).toBe(true);
    expect(c('2001:db8::/33', '2001:db8:7fff::1')).toBe(true);
    expect(c('2001:db8::/33', '2001:db8:8000::1')).toBe(false);
    expect(c('::/0', '10.0.0.1')).toBe(false);
  });
});

describe('hostCidr', () => {
  test.each([
    ['10.0.0.1', '10.0.0.1/32'],
    ['2001:db8::5', '2001:db8::5/128'],
    ['2001:DB8:0:0:0:0:0:5', '2001:db8::5/128'],
    // A zone id names an interface, which a policy cannot: the address alone.
    ['fe80::1%eth0', 'fe80::1/128'],
  ])('%s is exactly one address: %s', (ip, cidr) => {
    expect(hostCidr(ip)).toBe(cidr);
  });

  test.each(['not-an-ip', '', '%eth0'])('%s has no CIDR', (ip) => {
    expect(hostCidr(ip)).toBeUndefined();
  });
});
