/**
 * Detector settings (the `detection` section of the configuration). Every threshold a detector
 * uses lives here with its default, so operators can tune without code changes; the README's
 * "Detectors" table documents each key. Long default lists (trusted images, privileged roles)
 * are applied in code when the key is absent, so the configuration passed to each Lambda
 * function in its environment stays small.
 */
import { z } from 'zod';
import { DEFAULT_DNS_CONFIG, DnsConfig } from '../dns/config';
import { DEFAULT_NETWORK_CONFIG, NetworkConfig } from '../flows/config';

/** Every detector, by id. All are on by default except the allow-list policies (opt-in by giving their list). */
export const DETECTOR_IDS = [
  // Baseline (UBA) detectors: they judge a principal against its own or its peer group's baseline.
  'first-sensitive-use',
  'cross-namespace',
  'cluster-wide-listing',
  'bulk-secret-reads',
  'mass-deletes',
  'authorization-failures',
  'credential-elsewhere',
  'new-network',
  'new-user-agent',
  'unusual-hour',
  'new-privileged-principal',
  'concurrent-session',
  // Signatures: they fire from the first event, and are muted for a principal once the same
  // risky pattern is an established part of its (or its peer group's) baseline.
  'anonymous-access',
  'malicious-ip-caller',
  'forwarded-for-mismatch',
  'system-principal-public-ip',
  'anonymous-access-granted',
  'admin-to-default-service-account',
  'privileged-role-binding',
  'permissive-role',
  'system-role-modified',
  'risky-pod-spec',
  'system-namespace-image',
  'system-namespace-service-account',
  'exec-in-kube-system',
  'token-theft-exec',
  'token-requested',
  'client-certificate',
  'aws-auth-modified',
  'admission-webhook-created',
  'cluster-wide-secret-list',
  'persistence-workload',
  'exposed-service',
  'configmap-credentials',
  'allow-list-policy',
  'webhook-external-url',
  'anti-forensics',
  'kubelet-command',
  'impersonation',
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

const DetectorSwitches = z
  .object(Object.fromEntries(DETECTOR_IDS.map((id) => [id, z.boolean().optional()])) as Record<DetectorId, z.ZodOptional<z.ZodBoolean>>)
  .strict();

const IPV4_OR_6_CIDR = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

export const IpListConfig = z
  .object({
    /** Shown in findings: which list matched (e.g. `tor-exits`). */
    name: z.string().min(1).max(64),
    /** `tor` → TorIPCaller, `threat` → MaliciousIPCaller, `custom` → MaliciousIPCaller.Custom (GuardDuty's naming). */
    kind: z.enum(['tor', 'threat', 'custom']).default('custom'),
    /** A file of IPs/CIDRs, one per line, `#` comments; read once at cold start. */
    file: z.string().min(1).optional(),
    /** The list inline (for the Lambda functions, whose configuration travels in the environment). */
    entries: z.array(z.string().regex(IPV4_OR_6_CIDR, 'must be an IP address or CIDR')).optional(),
  })
  .strict()
  .refine((l) => l.file !== undefined || l.entries !== undefined, 'needs "file" or "entries"');
export type IpListConfig = z.infer<typeof IpListConfig>;

export const DetectionConfig = z
  .object({
    /** Days after a principal's first event during which its behavior is learned, not judged. */
    learningDays: z.number().min(0).max(90).default(7),
    /** Days after the first event of a cluster during which nothing baseline-based alerts. */
    clusterLearningDays: z.number().min(0).max(90).default(7),
    /** Behaviors not seen for this many days are forgotten. */
    decayDays: z.number().min(1).max(365).default(30),
    /** The same finding for the same principal and subject is not raised again within this time. */
    cooldownMinutes: z.number().min(0).max(7 * 24 * 60).default(60),
    /** Findings of one principal within a window combine into one anomaly. */
    windowMinutes: z.number().min(1).max(24 * 60).default(60),
    /** Upper bound on distinct behaviors kept per principal (least recently seen are evicted). */
    maxBehaviors: z.number().int().min(16).max(5000).default(500),
    /**
     * Anti-poisoning: something seen is "normal" only once seen on this many distinct days, or
     * `establishHours` after it was first seen. A burst during learning is not normal at once.
     */
    establishDays: z.number().int().min(1).max(30).default(2),
    establishHours: z.number().min(0).max(30 * 24).default(72),
    /** A principal doing the same verb on a resource in this many namespaces is not new in another. */
    multiNamespaceMin: z.number().int().min(2).max(100).default(3),
    /** Length of the windows in which request rates are counted. */
    rateWindowMinutes: z.number().int().min(1).max(24 * 60).default(10),
    /** A count above this multiple of the principal's usual peak window is a burst (and above the minimum). */
    rateMultiplier: z.number().min(1).max(100).default(3),
    /** Days of daily peak rates remembered per metric. */
    rateHistoryDays: z.number().int().min(2).max(60).default(14),
    /** Minimum secret reads (get/list/watch) in one rate window for a bulk-read finding (Panther uses 15). */
    bulkSecretReadsMin: z.number().int().min(1).default(15),
    /** Minimum successful deletes in one rate window for a mass-delete finding. */
    massDeletesMin: z.number().int().min(1).default(20),
    /** Minimum denied requests in one rate window for an authorization-failure burst. */
    deniedBurstMin: z.number().int().min(1).default(20),
    /** Minimum denied requests from public addresses in one rate window (Panther uses 10). */
    deniedPublicBurstMin: z.number().int().min(1).default(10),
    /** Minimum failed secret gets in one rate window (Panther uses 20). */
    secretDeniedBurstMin: z.number().int().min(1).default(20),
    /** A namespace the control plane first saw less than this long ago is new to everyone. */
    newNamespaceGraceHours: z.number().min(0).max(30 * 24).default(48),
    /** A person is judged on hour of week only once active in this many distinct hour-of-week slots. */
    unusualHourMinSlots: z.number().int().min(1).max(168).default(12),
    /** How long a pod's source address is remembered after its last request. */
    podAddressRetentionHours: z.number().min(1).max(30 * 24).default(48),
    /** Per-detector on/off switches (see DETECTOR_IDS); absent means on. */
    detectors: DetectorSwitches.default({}),
    /** Caller IP lists (the MaliciousIPCaller / TorIPCaller family). */
    ipLists: z.array(IpListConfig).default([]),
    /**
     * Addresses that are the cluster's own infrastructure though public (NAT gateways, AWS
     * service ranges): never "public" for location detectors.
     */
    trustedCidrs: z.array(z.string().regex(IPV4_OR_6_CIDR, 'must be an IP address or CIDR')).optional(),
    trustedCidrsFile: z.string().min(1).optional(),
    /** Image patterns (`*` wildcards) exempt from pod-security signatures; replaces the built-in list. */
    trustedImages: z.array(z.string().min(1)).optional(),
    /** Cluster roles whose binding is privileged; replaces the built-in list. */
    privilegedClusterRoles: z.array(z.string().min(1)).optional(),
    /** Opt-in allow-lists (Falco's Disallowed User / Pod / Namespace): given, anything outside raises a finding. */
    allowedUsers: z.array(z.string().min(1)).optional(),
    allowedImages: z.array(z.string().min(1)).optional(),
    allowedNamespaces: z.array(z.string().min(1)).optional(),
    /** Network (flow) baselines and detectors: see shared/flows/config.ts. */
    network: NetworkConfig.default(DEFAULT_NETWORK_CONFIG),
    /** Per-workload DNS detectors over Route 53 Resolver query logs (shared/dns/config.ts). */
    dns: DnsConfig.default(DEFAULT_DNS_CONFIG),
  })
  .strict();
export type DetectionConfig = z.infer<typeof DetectionConfig>;

export const DEFAULT_DETECTION: DetectionConfig = DetectionConfig.parse({});

export const DAY_MS = 24 * 60 * 60 * 1000;
export const HOUR_MS = 60 * 60 * 1000;
export const MINUTE_MS = 60 * 1000;

/**
 * EKS-owned registries and the upstream Kubernetes registry: images the platform itself runs
 * privileged or in kube-system (aws-node, kube-proxy, CoreDNS, the EBS CSI driver, ...).
 */
export const DEFAULT_TRUSTED_IMAGES = [
  '602401143452.dkr.ecr.*.amazonaws.com/*',
  '*.dkr.ecr.*.amazonaws.com/eks/*',
  '*.dkr.ecr.*.amazonaws.com/amazon-k8s-cni*',
  '*.dkr.ecr.*.amazonaws.com/amazon/aws-network-policy-agent*',
  'public.ecr.aws/eks/*',
  'public.ecr.aws/eks-distro/*',
  // AWS's own public repositories for the EKS add-ons it publishes there.
  'public.ecr.aws/aws-observability/*',
  'public.ecr.aws/karpenter/*',
  'public.ecr.aws/aws-ec2/*',
  'public.ecr.aws/ebs-csi-driver/*',
  'public.ecr.aws/efs-csi-driver/*',
  'public.ecr.aws/aws-secrets-manager/*',
  'registry.k8s.io/*',
  'k8s.gcr.io/*',
];

/** Roles whose binding hands out control of the cluster. */
export const DEFAULT_PRIVILEGED_CLUSTER_ROLES = [
  'cluster-admin',
  'admin',
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:controller:clusterrole-aggregation-controller',
  'system:node',
  'eks:addon-manager',
];

export function detectorEnabled(cfg: DetectionConfig, id: DetectorId): boolean {
  const v = cfg.detectors[id];
  if (v !== undefined) return v;
  if (id === 'allow-list-policy') return cfg.allowedUsers !== undefined || cfg.allowedImages !== undefined || cfg.allowedNamespaces !== undefined;
  return true;
}
