/**
 * Settings of the per-workload DNS detectors (`detection.dns` of BOUNDWATCH_CONFIG), with their
 * defaults. Every threshold is here so that a cluster with unusual but legitimate names (a
 * crawler, a service that resolves per-tenant hostnames) can be tuned instead of silenced.
 */
import { z } from 'zod';
import { ConfigError, describeIssues } from '../errors';

const Suffix = z.string().min(1).max(253).regex(/^[a-z0-9_.-]+$/, 'must be a lower-case DNS suffix such as amazonaws.com');

export const DnsConfig = z
  .object({
    /** Query-time hours after a workload's first lookup during which its domains are learned, not judged. */
    learningHours: z.number().min(0).max(24 * 90).default(24),
    /** A burst: at least `burstNewDomains` never-seen registrable domains within `burstWindowMinutes`. */
    burstNewDomains: z.number().int().min(2).max(10_000).default(15),
    burstWindowMinutes: z.number().min(1).max(24 * 60).default(10),
    /** Tunnelling: a label this long (DNS allows 63), or a whole name this long (DNS allows 253). */
    maxLabelLength: z.number().int().min(8).max(63).default(50),
    maxNameLength: z.number().int().min(16).max(253).default(120),
    /**
     * Tunnelling: Shannon entropy (bits per character) of the labels left of the registrable
     * domain, judged only when they are at least `minEntropyLength` characters long. Hex ids
     * (at most 4.0 bits, ~3.7 in practice) stay under the default; base32/base64 payloads exceed it.
     */
    entropyBits: z.number().min(1).max(6).default(4.1),
    minEntropyLength: z.number().int().min(8).max(253).default(24),
    /** Tunnelling: this many distinct subdomains of one registrable domain within one batch. */
    uniqueSubdomains: z.number().int().min(5).max(100_000).default(40),
    /**
     * Names under these suffixes are never judged: their subdomains are chosen by the provider,
     * not by whoever asks (AWS endpoints, cluster-internal and reverse lookups).
     */
    trustedSuffixes: z
      .array(Suffix)
      .default(['amazonaws.com', 'amazonaws.com.cn', 'aws', 'cluster.local', 'ec2.internal', 'compute.internal', 'in-addr.arpa', 'ip6.arpa']),
    /**
     * Workloads that look names up for others (CoreDNS forwards every pod's query to the VPC
     * resolver, so the query log names it): their lookups are judged for tunnelling only, and a
     * finding on them only notifies, because isolating the cluster's DNS would cut every pod.
     * Keys are `namespace/Kind/name` as elsewhere.
     */
    forwarders: z.array(z.string().min(3)).default(['kube-system/Deployment/coredns']),
    /** The same finding for the same workload and domain does not fire again within this time. */
    cooldownHours: z.number().min(0).max(24 * 7).default(6),
    /** Registrable domains kept per workload baseline (least recently seen are evicted). */
    maxDomains: z.number().int().min(16).max(20_000).default(2000),
    baselineTtlDays: z.number().int().min(1).max(3650).default(90),
    /** Query names listed per finding (each escaped and bounded). */
    maxEvidenceNames: z.number().int().min(1).max(50).default(10),
  })
  .strict();
export type DnsConfig = z.infer<typeof DnsConfig>;

export const DEFAULT_DNS_CONFIG: DnsConfig = DnsConfig.parse({});

/** Parses the `detection.dns` section, naming every invalid field. */
export function parseDnsConfig(raw: unknown, origin = 'detection.dns'): DnsConfig {
  const r = DnsConfig.safeParse(raw ?? {});
  if (r.success) return r.data;
  throw new ConfigError(`${origin}: ${describeIssues(r.error.issues)}`);
}
