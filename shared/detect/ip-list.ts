/**
 * Caller IP lists (threat intel, Tor exits, the operator's own list) and trusted ranges. A list
 * is text, one IP or CIDR per line, `#` starting a comment; it is compiled once (at cold start)
 * into a matcher: single addresses in a set, ranges checked with ipaddr.js CIDR math.
 */
import ipaddr from 'ipaddr.js';
import { ConfigError } from '../errors';
import type { DetectionConfig, IpListConfig } from './config';

export interface IpMatcher {
  name: string;
  kind: IpListConfig['kind'];
  size: number;
  has(ip: string): boolean;
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function normalize(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

/** Parses list text; throws ConfigError naming the line of a bad entry. */
export function parseIpList(text: string, origin: string): { singles: Set<string>; ranges: Range[] } {
  const singles = new Set<string>();
  const ranges: Range[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    try {
      if (line.includes('/')) {
        const [addr, bits] = ipaddr.parseCIDR(line);
        const a = normalize(addr);
        const b = a.kind() === 'ipv4' && addr.kind() === 'ipv6' ? bits - 96 : bits;
        if ((a.kind() === 'ipv4' && b === 32) || (a.kind() === 'ipv6' && b === 128)) singles.add(a.toNormalizedString());
        else ranges.push([a, b]);
      } else {
        singles.add(normalize(ipaddr.parse(line)).toNormalizedString());
      }
    } catch {
      throw new ConfigError(`${origin}: line ${i + 1}: "${line}" is not an IP address or CIDR`);
    }
  });
  return { singles, ranges };
}

export function ipMatcher(name: string, kind: IpListConfig['kind'], text: string, origin = name): IpMatcher {
  const { singles, ranges } = parseIpList(text, origin);
  const memo = new Map<string, boolean>();
  return {
    name,
    kind,
    size: singles.size + ranges.length,
    has(ip: string): boolean {
      let hit = memo.get(ip);
      if (hit !== undefined) return hit;
      hit = false;
      if (ipaddr.isValid(ip)) {
        const a = normalize(ipaddr.parse(ip));
        hit = singles.has(a.toNormalizedString()) || ranges.some(([r, bits]) => r.kind() === a.kind() && a.match(r, bits));
      }
      if (memo.size > 8192) memo.clear();
      memo.set(ip, hit);
      return hit;
    },
  };
}

/** What the detectors need from configuration besides thresholds: the compiled lists. */
export interface DetectionIntel {
  ipLists: IpMatcher[];
  trusted?: IpMatcher;
}

export type FileReader = (path: string) => string;

/**
 * Lists given by file are read by whoever starts the function (the ingest handler, at cold
 * start): the domain reads no files. Without a reader such a list is a configuration error.
 */
const noReader: FileReader = (path) => {
  throw new ConfigError(`cannot read IP list ${path}: no file reader was given`);
};

/** Compiles the configured lists, reading list files with `read` (once, at cold start). */
export function compileIntel(cfg: DetectionConfig, read: FileReader = noReader): DetectionIntel {
  const ipLists = cfg.ipLists.map((l) => {
    const text = [l.entries?.join('\n') ?? '', l.file ? read(l.file) : ''].join('\n');
    return ipMatcher(l.name, l.kind, text, l.file ?? `ipLists.${l.name}`);
  });
  let trusted: IpMatcher | undefined;
  if (cfg.trustedCidrs || cfg.trustedCidrsFile) {
    const text = [cfg.trustedCidrs?.join('\n') ?? '', cfg.trustedCidrsFile ? read(cfg.trustedCidrsFile) : ''].join('\n');
    trusted = ipMatcher('trusted', 'custom', text, cfg.trustedCidrsFile ?? 'trustedCidrs');
  }
  return { ipLists, ...(trusted ? { trusted } : {}) };
}

const cache = new WeakMap<DetectionConfig, DetectionIntel>();

/** compileIntel, once per configuration object (a handler's configuration lives for its container). */
export function intelFor(cfg: DetectionConfig, read?: FileReader): DetectionIntel {
  let intel = cache.get(cfg);
  if (!intel) cache.set(cfg, (intel = compileIntel(cfg, read)));
  return intel;
}
