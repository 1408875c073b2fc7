/**
 * Settings of flow ingestion and the network detectors, with their defaults. They are read
 * from the `detection.network` section of BOUNDWATCH_CONFIG (see the README's flows section);
 * the cluster's `flowLogFormat` names the fields of headerless CloudWatch Logs records.
 */
import { z } from 'zod';
import { ConfigError, describeIssues } from '../errors';
import { DEFAULT_PRIVATE_CIDRS, parseCidrText } from '../inventory/net';

const Cidr = z.string().refine((c) => parseCidrText(c) !== undefined, 'must be a CIDR such as 10.0.0.0/16');

export const NetworkConfig = z
  .object({
    /** VPC Flow Logs field list for records without a header line, e.g. "${version} ${pkt-srcaddr} ...". */
    format: z.string().optional(),
    /** Addresses here that are not pods or nodes are "vpc"; everything else is the internet. */
    vpcCidrs: z.array(Cidr).min(1).default([...DEFAULT_PRIVATE_CIDRS]),
    /** External addresses aggregate into networks of this size in the graph and in advice. */
    externalPrefixV4: z.number().int().min(8).max(32).default(24),
    externalPrefixV6: z.number().int().min(16).max(128).default(48),
    /**
     * With `flow-direction` in the format, an `ingress` record whose source is inside the VPC
     * is the second capture of a packet flow already logged as `egress` by the sender's
     * interface: dropping it keeps bytes from counting twice. Turn off when flow logs cover
     * only some interfaces.
     */
    dedupeMirroredCaptures: z.boolean().default(true),
    /** Flow-time hours after a workload's first flow during which its behavior is learned, not judged. */
    learningHours: z.number().min(0).max(24 * 90).default(24),
    /** Hours of traffic to a destination before its own volume is judged. */
    minHoursForSpike: z.number().int().min(1).max(24 * 30).default(6),
    /** A spike is bytes in one hour above max(minSpikeBytes, spikeFactor × mean, mean + spikeSigmas × sd). */
    spikeFactor: z.number().min(1).default(10),
    spikeSigmas: z.number().min(1).default(6),
    minSpikeBytes: z.number().int().min(0).default(5_000_000),
    /** The same detector for the same workload and destination does not fire again within this time. */
    cooldownHours: z.number().min(0).max(24 * 7).default(6),
    /** Destinations kept per workload baseline (least recently seen are evicted). */
    maxDestinations: z.number().int().min(16).max(5000).default(1000),
    /** Flow-graph edges and baselines expire this long after their last update. */
    edgeTtlDays: z.number().int().min(1).max(3650).default(30),
    baselineTtlDays: z.number().int().min(1).max(3650).default(90),
    /**
     * How long a payload may come back (CloudWatch Logs → Lambda asynchronous retries last up
     * to 6 hours): applied-batch ids are kept on each edge for this long.
     */
    redeliveryHours: z.number().int().min(1).max(48).default(6),
    /** Flow evidence entries per finding. */
    maxEvidenceFlows: z.number().int().min(1).max(20).default(5),
  })
  .strict();
export type NetworkConfig = z.infer<typeof NetworkConfig>;

export const DEFAULT_NETWORK_CONFIG: NetworkConfig = NetworkConfig.parse({});

/** Parses the `detection.network` section, naming every invalid field. */
export function parseNetworkConfig(raw: unknown, origin = 'detection.network'): NetworkConfig {
  const r = NetworkConfig.safeParse(raw ?? {});
  if (r.success) return r.data;
  throw new ConfigError(`${origin}: ${describeIssues(r.error.issues)}`);
}
