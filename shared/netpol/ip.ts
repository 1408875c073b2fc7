/**
 * IP and CIDR parsing with the rules kube-apiserver applies to ipBlock (k8s.io/utils/net
 * ParseCIDRSloppy for the legacy field: IPv4 octets and prefix lengths may carry leading zeros
 * and host bits may be set; strict validation rejects those) and containment for matching.
 * ipaddr.js does the IPv6 parsing; IPv4 is parsed here because ipaddr.js also accepts the
 * octal/hex/short forms that Go rejects.
 */
import ipaddr from 'ipaddr.js';

export interface ParsedIp {
  family: 4 | 6;
  /** Network-order bytes: 4 for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  /** IPv4 as an unsigned 32-bit number (fast path); 0 for IPv6. */
  v4: number;
  /** Canonical text (RFC 5952 for IPv6), used as the identity of an address. */
  text: string;
  /** The text had leading zeros in an IPv4 octet (accepted only by the legacy parser). */
  leadingZeros: boolean;
  /** An IPv4-mapped IPv6 address such as ::ffff:10.0.0.1. */
  v4InV6: boolean;
}

export interface ParsedCidr {
  family: 4 | 6;
  /** The network address (host bits cleared), as Go's ParseCIDR returns it. */
  network: ParsedIp;
  prefix: number;
  /** Host bits were set, e.g. 10.1.2.3/8 ("ambiguous" for kube, accepted by the legacy parser). */
  hostBitsSet: boolean;
  leadingZeros: boolean;
  /** Canonical `network/prefix`. */
  text: string;
}

const IPV4_RE = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;

function fromV4Bytes(bytes: Uint8Array, leadingZeros: boolean): ParsedIp {
  const v4 = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  return { family: 4, bytes, v4, text: Array.from(bytes).join('.'), leadingZeros, v4InV6: false };
}

/** Parses an address as Go's ParseIPSloppy does; undefined when it is not an address. */
export function parseIp(text: string): ParsedIp | undefined {
  const m = IPV4_RE.exec(text);
  if (m) {
    const parts = m.slice(1, 5);
    const bytes = new Uint8Array(4);
    let leadingZeros = false;
    for (let i = 0; i < 4; i++) {
      const part = parts[i]!;
      const n = Number.parseInt(part, 10);
      if (part.length > 1 && part.startsWith('0')) leadingZeros = true;
      if (!(n >= 0 && n <= 255)) return undefined;
      bytes[i] = n;
    }
    return fromV4Bytes(bytes, leadingZeros);
  }
  // Zones (fe80::1%eth0) are not IPs to Go's parser; ipaddr.js would accept them.
  if (!text.includes(':') || text.includes('%')) return undefined;
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  const addr = ipaddr.IPv6.parse(text);
  return {
    family: 6,
    bytes: Uint8Array.from(addr.toByteArray()),
    v4: 0,
    text: addr.toRFC5952String(),
    leadingZeros: false,
    v4InV6: addr.isIPv4MappedAddress(),
  };
}

function maskBytes(bytes: Uint8Array, prefix: number): { masked: Uint8Array; hostBitsSet: boolean } {
  const masked = new Uint8Array(bytes.length);
  let hostBitsSet = false;
  for (let i = 0; i < bytes.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = bitsHere === 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
    masked[i] = bytes[i]! & mask;
    if (masked[i] !== bytes[i]) hostBitsSet = true;
  }
  return { masked, hostBitsSet };
}

/**
 * The CIDR of exactly one address: /32 for IPv4, /128 for IPv6 (an IPv6 /32 is a network of
 * 2^96 addresses). A zone id (`fe80::1%eth0`) is dropped: a policy cannot name an interface.
 * Undefined when the text is not an address.
 */
export function hostCidr(text: string): string | undefined {
  const ip = parseIp(text.split('%')[0] ?? '');
  return ip ? `${ip.text}/${ip.family === 4 ? 32 : 128}` : undefined;
}

/** Parses a CIDR as ParseCIDRSloppy does; undefined when it is not a CIDR. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const ipText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d+$/.test(prefixText)) return undefined;
  const ip = parseIp(ipText);
  if (!ip) return undefined;
  const prefix = Number.parseInt(prefixText, 10);
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const { masked, hostBitsSet } = maskBytes(ip.bytes, prefix);
  const network =
    ip.family === 4
      ? fromV4Bytes(masked, false)
      : (() => {
          const addr = ipaddr.fromByteArray(Array.from(masked)) as InstanceType<typeof ipaddr.IPv6>;
          return { ...ip, bytes: masked, text: addr.toRFC5952String() };
        })();
  return {
    family: ip.family,
    network,
    prefix,
    hostBitsSet,
    leadingZeros: ip.leadingZeros || (prefixText.length > 1 && prefixText.startsWith('0')),
    text: `${network.text}/${prefix}`,
  };
}

/** Whether `ip` lies in `cidr`. Different families never match (EKS and upstream agree). */
export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  if (cidr.family === 4) {
    if (cidr.prefix === 0) return true;
    const mask = (0xffffffff << (32 - cidr.prefix)) >>> 0;
    return ((ip.v4 & mask) >>> 0) === cidr.network.v4;
  }
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (ip.bytes[i] !== cidr.network.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip.bytes[full]! & mask) === cidr.network.bytes[full];
}

/** Canonical text of an address, or the input unchanged when it does not parse. */
export function canonicalIp(text: string): string {
  return parseIp(text)?.text ?? text;
}
