/**
 * Address classification for flow resolution: is an IP in the VPC, and which network does an
 * external IP aggregate into. ipaddr.js does the parsing; IPv4 containment runs on 32-bit
 * numbers because it is evaluated for every flow record.
 */
import ipaddr from 'ipaddr.js';

/** The address in canonical text, or undefined when it is not an IPv4/IPv6 address. */
export function canonicalAddress(text: string): string | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  const addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toRFC5952String();
  }
  // ipaddr.isValid accepts "10.1" and octal forms; flow logs and inventories only use dotted quads.
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? addr.toString() : undefined;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** IPv4 dotted quad as an unsigned number; undefined for anything else. */
export function v4Number(ip: string): number | undefined {
  const m = V4.exec(ip);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  return n;
}

function v4Text(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

interface ParsedCidr {
  text: string;
  prefix: number;
  v4?: { net: number; mask: number };
  v6?: [ipaddr.IPv6, number];
}

export function parseCidrText(cidr: string): ParsedCidr | undefined {
  if (!ipaddr.isValidCIDR(cidr)) return undefined;
  const [addr, prefix] = ipaddr.parseCIDR(cidr);
  if (addr.kind() === 'ipv4') {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const net = ((v4Number(addr.toString()) ?? 0) & mask) >>> 0;
    return { text: `${v4Text(net)}/${prefix}`, prefix, v4: { net, mask } };
  }
  const network = ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return { text: `${network.toRFC5952String()}/${prefix}`, prefix, v6: [network, prefix] };
}

/** A set of CIDRs; `match` answers the most specific CIDR containing an address. */
export class CidrSet {
  private readonly cidrs: ParsedCidr[];

  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs
      .map((c) => {
        const parsed = parseCidrText(c);
        if (!parsed) throw new Error(`not a CIDR: ${c}`);
        return parsed;
      })
      .sort((a, b) => b.prefix - a.prefix);
  }

  match(ip: string): string | undefined {
    const n = v4Number(ip);
    if (n !== undefined) {
      for (const c of this.cidrs) if (c.v4 && ((n & c.v4.mask) >>> 0) === c.v4.net) return c.text;
      return undefined;
    }
    if (!ip.includes(':') || !ipaddr.IPv6.isValid(ip)) return undefined;
    const addr = ipaddr.IPv6.parse(ip);
    for (const c of this.cidrs) if (c.v6 && addr.match(c.v6)) return c.text;
    return undefined;
  }
}

/** The network `ip` falls in at the given prefix length, as CIDR text (e.g. 203.0.113.0/24). */
export function networkOf(ip: string, prefixV4: number, prefixV6: number): string {
  const n = v4Number(ip);
  if (n !== undefined) {
    const mask = prefixV4 === 0 ? 0 : (0xffffffff << (32 - prefixV4)) >>> 0;
    return `${v4Text((n & mask) >>> 0)}/${prefixV4}`;
  }
  if (ipaddr.IPv6.isValid(ip)) {
    return `${ipaddr.IPv6.networkAddressFromCIDR(`${ip}/${prefixV6}`).toRFC5952String()}/${prefixV6}`;
  }
  return `${ip}/32`;
}

/** Address space that is never "the internet": RFC 1918, CGNAT (EKS custom networking), link-local, ULA. */
export const DEFAULT_PRIVATE_CIDRS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
] as const;
