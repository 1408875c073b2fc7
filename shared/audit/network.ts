/**
 * Source-network and user-agent features. Addresses are reduced to networks (/24 for IPv4,
 * /64 for IPv6) so that a baseline generalises across a NAT pool but not across the internet.
 */
import ipaddr from 'ipaddr.js';

export interface SourceNetwork {
  /** `10.0.1.0/24`, `2001:db8:1:2::/64`, or `unknown`. */
  net: string;
  /** Private, loopback, link-local or unique-local ranges: inside the VPC or the cluster. */
  internal: boolean;
}

const INTERNAL_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

export function sourceNetworkOf(ip: string | undefined): SourceNetwork {
  if (!ip || !ipaddr.isValid(ip)) return { net: 'unknown', internal: false };
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const internal = INTERNAL_RANGES.has(addr.range());
  if (addr.kind() === 'ipv4') {
    const o = (addr as ipaddr.IPv4).octets;
    return { net: `${o[0]}.${o[1]}.${o[2]}.0/24`, internal };
  }
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4);
  const prefix = ipaddr.IPv6.parse(`${parts.map((p) => p.toString(16)).join(':')}::`);
  return { net: `${prefix.toString()}/64`, internal };
}

/** `kubectl/v1.29.0 (linux/amd64) kubernetes/abc` → `kubectl`; `stratus-red-team_<uuid>` → `stratus-red-team`. */
export function userAgentFamily(ua: string | undefined): string {
  if (!ua) return 'unknown';
  const token = ua.trim().split(/[\s/]/)[0] ?? '';
  const family = token.replace(/_[0-9a-f-]{8,}$/i, '').replace(/[-_]?v?\d+(\.\d+)*$/, '');
  return family.toLowerCase() || 'unknown';
}

/** Longest textual IP address (an IPv6 with an embedded IPv4 and a zone id stays well under). */
const MAX_IP_CHARS = 64;
/** Forwarded hops kept as evidence: the client controls them, so only a few, bounded. */
const MAX_FORWARDED = 4;

/**
 * The client address of a request: the LAST `sourceIPs` entry. The API server lists the
 * X-Forwarded-For hops the client sent first and appends the address of the connection it
 * accepted; only that last one is not the client's to choose. Undefined when it is not an IP.
 */
export function clientIp(sourceIPs: readonly string[] | undefined): string | undefined {
  const last = sourceIPs?.[sourceIPs.length - 1];
  return last !== undefined && last.length <= MAX_IP_CHARS && validIpCached(last) ? last : undefined;
}

const validMemo = new Map<string, boolean>();

/** ipaddr.isValid, memoised (the same few addresses recur; bounded like the memos below). */
function validIpCached(ip: string): boolean {
  let v = validMemo.get(ip);
  if (v === undefined) {
    if (validMemo.size >= MEMO_LIMIT) validMemo.clear();
    validMemo.set(ip, (v = ipaddr.isValid(ip)));
  }
  return v;
}

/**
 * The X-Forwarded-For hops the client claimed (every `sourceIPs` entry before the last), kept as
 * evidence only: never used for detection, each cut to an address's length.
 */
export function forwardedFor(sourceIPs: readonly string[] | undefined): string[] | undefined {
  if (!sourceIPs || sourceIPs.length < 2) return undefined;
  return sourceIPs.slice(0, Math.min(sourceIPs.length - 1, MAX_FORWARDED)).map((ip) => ip.slice(0, MAX_IP_CHARS));
}

const MEMO_LIMIT = 4096;
const netMemo = new Map<string, SourceNetwork>();
const uaMemo = new Map<string, string>();

/** sourceNetworkOf, memoised: the same few addresses recur across millions of requests. */
export function sourceNetworkCached(ip: string | undefined): SourceNetwork {
  if (ip === undefined) return sourceNetworkOf(ip);
  let v = netMemo.get(ip);
  if (!v) {
    if (netMemo.size >= MEMO_LIMIT) netMemo.clear();
    netMemo.set(ip, (v = sourceNetworkOf(ip)));
  }
  return v;
}

/** userAgentFamily, memoised. */
export function userAgentFamilyCached(ua: string | undefined): string {
  if (ua === undefined) return 'unknown';
  let v = uaMemo.get(ua);
  if (v === undefined) {
    if (uaMemo.size >= MEMO_LIMIT) uaMemo.clear();
    uaMemo.set(ua, (v = userAgentFamily(ua)));
  }
  return v;
}

const netInternalMemo = new Map<string, boolean>();

/** Whether a network key (as produced by sourceNetworkOf) is an internal range. */
export function netIsInternal(net: string): boolean {
  let v = netInternalMemo.get(net);
  if (v === undefined) {
    const addr = net.split('/')[0] ?? '';
    v = ipaddr.isValid(addr) ? sourceNetworkOf(addr).internal : false;
    if (netInternalMemo.size >= MEMO_LIMIT) netInternalMemo.clear();
    netInternalMemo.set(net, v);
  }
  return v;
}
