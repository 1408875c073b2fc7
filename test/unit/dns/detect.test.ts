import { createHash } from 'node:crypto';
import { applyDnsBatch, type DnsBaseline, type Lookup } from '#shared/dns/baseline';
import { DEFAULT_DNS_CONFIG, DnsConfig, parseDnsConfig } from '#shared/dns/config';
import { detectDnsAnomalies, DnsFinding } from '#shared/dns/detect';
import { registrableDomain, shannonEntropy } from '#shared/dns/names';
import { BehaviorAnomaly } from '#shared/events/schema';
import type { PodEndpoint } from '#shared/inventory/resolve';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const cfg = DEFAULT_DNS_CONFIG;
const WORKLOAD = 'shop/Deployment/checkout';
const pod: PodEndpoint = {
  kind: 'pod', ip: '10.0.1.20', namespace: 'shop', pod: 'checkout-7d9f-abcde', workload: { namespace: 'shop', kind: 'Deployment', name: 'checkout' },
  serviceAccount: 'checkout', labels: { app: 'checkout', 'pod-template-hash': '7d9f' }, hostNetwork: false,
};

const lookup = (name: string, time: number): Lookup => ({ name, time, domain: registrableDomain(name), source: pod.ip });

/** RFC 4648 base32, lower case, no padding: what iodine/dnscat-style tools put in labels. */
function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + alphabet[(value << (5 - bits)) & 31] : out;
}
const chunk = (i: number, n = 30): string => base32(createHash('sha256').update(`secret-${i}`).digest().subarray(0, n));

/** A baseline that learned `domains` during a day, judged from T0 + 1 day. */
function learned(domains: string[]): DnsBaseline {
  const ls = domains.map((d, i) => lookup(d, T0 + i * 1000));
  return applyDnsBatch(undefined, WORKLOAD, ls, 'learn', [], cfg);
}
const AFTER = T0 + 25 * HOUR;

const BENIGN = [
  'd3c33hcgiwev3.cloudfront.net', 'e1234.a.akamaiedge.net', 'www.google.com', 'api.stripe.com', 'sts.us-east-1.amazonaws.com',
  'abcdef0123456789abcdef0123456789.gr7.us-east-1.eks.amazonaws.com', 'prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com',
  'kubernetes.default.svc.cluster.local', 'github-production-release-asset-2e65be.s3.amazonaws.com',
  '9f86d081884c7d659a2feaa0c55ad015.cdn.example-cdn.net', 'r3---sn-ab5l6nzr.googlevideo.com', 'ip-10-0-3-17.ec2.internal',
  'dualstack.k8s-default-web-0123456789.us-east-1.elb.amazonaws.com', '17.3.0.10.in-addr.arpa', 'www.bbc.co.uk',
];

describe('DNS names', () => {
  it('finds the registrable domain', () => {
    expect(registrableDomain('a.b.example.com')).toBe('example.com');
    expect(registrableDomain('www.bbc.co.uk')).toBe('bbc.co.uk');
    expect(registrableDomain('s3.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1.amazonaws.com.cn');
    expect(registrableDomain('localhost')).toBe('localhost');
  });
  it('measures entropy in bits per character', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy(chunk(1, 40))).toBeGreaterThan(4.1);
  });
});

describe('DNS tunnelling', () => {
  it('raises on a base32 burst from one pod, with escaped bounded names and MITRE ids', () => {
    const ls = Array.from({ length: 60 }, (_, i) => lookup(`${chunk(i)}.${i}.t.exfil-c2.net`, AFTER + i * 500));
    const { anomaly, alerts } = detectDnsAnomalies('prod', WORKLOAD, pod, ls, learned(['api.stripe.com']), cfg);
    expect(anomaly && BehaviorAnomaly.parse(anomaly)).toBeTruthy();
    const f = anomaly!.findings.find((x) => x.type === DnsFinding.tunneling)!;
    expect(f.mitre).toEqual(['T1071.004', 'T1048']);
    expect(f.description).toMatch(/exfil-c2\.net/);
    expect(f.evidence.queryNames).toHaveLength(cfg.maxEvidenceNames);
    expect(f.evidence.baseline).toMatch(/never exfil-c2\.net/);
    expect(anomaly!.category).toBe('network');
    expect(anomaly!.severity).toBe('HIGH');
    expect(anomaly!.recommendedActions).toEqual(['tighten-egress', 'notify']);
    expect(alerts.map((a) => a.key)).toContain('DnsTunneling#exfil-c2.net');
  });

  it('raises during learning too: a fresh pod that exfiltrates is not learned as normal', () => {
    const ls = [lookup(`${chunk(1, 40)}.exfil-c2.net`, T0)];
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, ls, undefined, cfg).anomaly?.findings.map((f) => f.type)).toEqual([DnsFinding.tunneling]);
  });

  it.each([
    ['a label at the length limit', `${'a'.repeat(50)}.example.org`],
    ['a name at the length limit', `${Array.from({ length: 12 }, () => 'abcdefghi').join('.')}.example.org`],
  ])('raises on %s', (_what, name) => {
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, [lookup(name, T0)], undefined, cfg).anomaly?.findings[0]?.type).toBe(DnsFinding.tunneling);
  });

  it('raises on many distinct subdomains of one domain, each short and plain', () => {
    const ls = Array.from({ length: 45 }, (_, i) => lookup(`host${i}.tunnel.example.org`, T0 + i));
    const f = detectDnsAnomalies('prod', WORKLOAD, pod, ls, undefined, cfg).anomaly?.findings[0];
    expect(f?.description).toMatch(/45 distinct subdomains/);
  });

  it('stays quiet on CDN, AWS and cluster names, hex ids included', () => {
    const ls = BENIGN.flatMap((n, i) => [lookup(n, AFTER + i * 1000), lookup(n, AFTER + i * 1000 + 10)]);
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, ls, undefined, cfg).anomaly).toBeUndefined();
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, ls, learned(BENIGN), cfg).anomaly).toBeUndefined();
  });

  it('escapes control characters of attacker-chosen names in evidence', () => {
    const name = `${'a'.repeat(55)}.example.org`;
    const a = detectDnsAnomalies('prod', WORKLOAD, pod, [{ ...lookup(name, T0), name: `${name}\u001b[2J` }], undefined, cfg).anomaly!;
    expect(a.findings[0]!.evidence.queryNames![0]).toContain('\\x1b');
  });

  it('does not fire again within the cooldown for the same domain', () => {
    const first = [lookup(`${chunk(1, 40)}.exfil-c2.net`, AFTER)];
    const d1 = detectDnsAnomalies('prod', WORKLOAD, pod, first, learned(['api.stripe.com']), cfg);
    const after = applyDnsBatch(learned(['api.stripe.com']), WORKLOAD, first, 'b1', d1.alerts, cfg);
    const again = [lookup(`${chunk(2, 40)}.exfil-c2.net`, AFTER + HOUR)];
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, again, after, cfg).anomaly).toBeUndefined();
    const later = [lookup(`${chunk(3, 40)}.exfil-c2.net`, AFTER + 7 * HOUR)];
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, later, after, cfg).anomaly).toBeDefined();
  });
});

describe('new domains', () => {
  const base = learned(['api.stripe.com', 'example.org']);

  it('raises on the first lookup of a registrable domain after learning, naming what was normal', () => {
    const { anomaly } = detectDnsAnomalies('prod', WORKLOAD, pod, [lookup('api.stripe.com', AFTER), lookup('paste.evil.example', AFTER + 5)], base, cfg);
    const f = anomaly!.findings;
    expect(f.map((x) => x.type)).toEqual([DnsFinding.newDomain]);
    expect(f[0]!.evidence.queryNames).toEqual(['paste.evil.example']);
    expect(f[0]!.evidence.baseline).toMatch(/2 domain\(s\): example\.org, stripe\.com/);
    expect(f[0]!.mitre).toContain('T1568');
    expect(anomaly!.severity).toBe('LOW');
    expect(anomaly!.recommendedActions).toEqual(['notify']);
  });

  it('is quiet for known domains (other subdomains too), during learning, and on first sight', () => {
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, [lookup('files.stripe.com', AFTER)], base, cfg).anomaly).toBeUndefined();
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, [lookup('new.example', T0 + HOUR)], base, cfg).anomaly).toBeUndefined();
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, [lookup('new.example', AFTER)], undefined, cfg).anomaly).toBeUndefined();
  });

  it('is not judged for forwarders (CoreDNS asks for every pod)', () => {
    const coredns = 'kube-system/Deployment/coredns';
    expect(detectDnsAnomalies('prod', coredns, pod, [lookup('paste.evil.example', AFTER)], { ...base, workload: coredns }, cfg).anomaly).toBeUndefined();
  });

  it('notifies only when a forwarder carries tunnelling', () => {
    const coredns = 'kube-system/Deployment/coredns';
    const a = detectDnsAnomalies('prod', coredns, pod, [lookup(`${chunk(1, 40)}.exfil-c2.net`, AFTER)], undefined, cfg).anomaly!;
    expect(a.recommendedActions).toEqual(['notify']);
    expect(a.findings[0]!.description).toMatch(/resolves for other pods/);
  });
});

describe('bursts of new domains', () => {
  const base = learned(['api.stripe.com']);
  const burst = (n: number, spacingMs: number, from = AFTER) => Array.from({ length: n }, (_, i) => lookup(`www.site${i}.com`, from + i * spacingMs));

  it('raises when many never-seen domains come within the window', () => {
    const { anomaly } = detectDnsAnomalies('prod', WORKLOAD, pod, burst(20, 10_000), base, cfg);
    expect(anomaly!.findings.map((f) => f.type)).toEqual([DnsFinding.newDomainBurst, DnsFinding.newDomain]);
    expect(anomaly!.severity).toBe('MEDIUM');
  });

  it('is quiet below the threshold or spread over time', () => {
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, burst(cfg.burstNewDomains - 1, 10_000), base, cfg).anomaly?.findings.map((f) => f.type)).toEqual([DnsFinding.newDomain]);
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, burst(30, 10 * 60_000), base, cfg).anomaly?.findings.map((f) => f.type)).toEqual([DnsFinding.newDomain]);
  });

  it('counts across batches: the window spans payloads', () => {
    const first = burst(10, 5000);
    const d1 = detectDnsAnomalies('prod', WORKLOAD, pod, first, base, cfg);
    expect(d1.anomaly!.findings.map((f) => f.type)).toEqual([DnsFinding.newDomain]);
    const after = applyDnsBatch(base, WORKLOAD, first, 'b1', d1.alerts, cfg);
    const second = burst(10, 5000, AFTER + 60_000).map((l, i) => ({ ...l, name: `n${i}.other${i}.org`, domain: `other${i}.org` }));
    expect(detectDnsAnomalies('prod', WORKLOAD, pod, second, after, cfg).anomaly!.findings.map((f) => f.type)).toContain(DnsFinding.newDomainBurst);
  });
});

describe('redelivery and configuration', () => {
  it('a redelivered batch is not applied twice and re-detects under the same id', () => {
    const ls = [lookup(`${chunk(1, 40)}.exfil-c2.net`, AFTER), lookup('paste.evil.example', AFTER + 1)];
    const base = learned(['api.stripe.com']);
    const d1 = detectDnsAnomalies('prod', WORKLOAD, pod, ls, base, cfg);
    const d2 = detectDnsAnomalies('prod', WORKLOAD, pod, [...ls].reverse(), base, cfg);
    expect(d2.anomaly!.id).toBe(d1.anomaly!.id);
    const once = applyDnsBatch(base, WORKLOAD, ls, 'b1', d1.alerts, cfg);
    expect(applyDnsBatch(once, WORKLOAD, ls, 'b1', d1.alerts, cfg)).toBe(once);
    expect(once.recentNew).toHaveLength(2);
  });

  it('keeps a bounded number of domains per workload', () => {
    const small = DnsConfig.parse({ maxDomains: 16 });
    const b = applyDnsBatch(undefined, WORKLOAD, Array.from({ length: 40 }, (_, i) => lookup(`d${i}.example${i}.com`, T0 + i)), 'x', [], small);
    expect(Object.keys(b.domains)).toHaveLength(16);
    expect(b.domains['example39.com']).toBeDefined();
  });

  it('names every invalid field', () => {
    expect(() => parseDnsConfig({ entropyBits: 9, burstNewDomains: 1 })).toThrow(/entropyBits[\s\S]*burstNewDomains|burstNewDomains[\s\S]*entropyBits/);
    expect(() => parseDnsConfig({ nope: 1 })).toThrow(/nope/);
  });
});
