/**
 * The two policy kinds EKS enforces beside NetworkPolicy v1 (since December 2025), as parsed
 * and defaulted objects. Every other module (model, evaluator, matrix, validation, advice,
 * quarantine) uses these types.
 *
 * Sources (the API is taken from them, not guessed):
 * - EKS's schema: github.com/aws/amazon-network-policy-controller-k8s, api/v1alpha1/
 *   clusternetworkpolicy_types.go, applicationnetworkpolicy_types.go, groupversion_info.go and
 *   the generated CRDs under config/crd/bases/ (networking.k8s.aws_clusternetworkpolicies.yaml,
 *   networking.k8s.aws_applicationnetworkpolicies.yaml). Group `networking.k8s.aws`, version
 *   `v1alpha1`; ClusterNetworkPolicy is cluster-scoped, ApplicationNetworkPolicy namespaced.
 * - The model EKS follows: github.com/kubernetes-sigs/network-policy-api,
 *   apis/v1alpha2/clusternetworkpolicy_types.go (`policy.networking.k8s.io/v1alpha2`), whose
 *   doc comments define the tiers, priorities and the Accept/Deny/Pass actions.
 * - EKS user guide, "Limit pod traffic with Kubernetes network policies" and "Use network
 *   policies with EKS Auto Mode" (docs.aws.amazon.com/eks/latest/userguide/): ClusterNetworkPolicy
 *   on EC2 needs VPC CNI 1.21.1+ and Kubernetes 1.29+; ApplicationNetworkPolicy is Auto Mode only.
 */
import type { LabelSelector, NetworkPolicy, NetworkPolicyIngressRule, ObjectMetadata, NetworkPolicyPeer, NetworkPolicyPort, PolicyType, Protocol } from './types';

/** EKS's API group and version for both kinds (groupversion_info.go: `+groupName=networking.k8s.aws`). */
export const EKS_NETWORK_POLICY_GROUP = 'networking.k8s.aws';
export const CLUSTER_NETWORK_POLICY_API_VERSION = 'networking.k8s.aws/v1alpha1';
export const APPLICATION_NETWORK_POLICY_API_VERSION = 'networking.k8s.aws/v1alpha1';
/** Upstream's group/version of the same ClusterNetworkPolicy model (network-policy-api apis/v1alpha2). */
export const UPSTREAM_CLUSTER_NETWORK_POLICY_API_VERSION = 'policy.networking.k8s.io/v1alpha2';

/**
 * Tiers (clusternetworkpolicy_types.go `+kubebuilder:validation:Enum={"Admin", "Baseline"}`).
 * Admin is evaluated before every NetworkPolicy and cannot be overridden by them; Baseline
 * after them (upstream Tier doc comment).
 */
export const CNP_TIERS = ['Admin', 'Baseline'] as const;
export type ClusterNetworkPolicyTier = (typeof CNP_TIERS)[number];

/**
 * Rule actions (`+kubebuilder:validation:Enum={"Accept", "Deny", "Pass"}`). EKS's schema calls
 * the allow action `Accept`, as upstream does; the user guide's prose says "Allow".
 */
export const CNP_ACTIONS = ['Accept', 'Deny', 'Pass'] as const;
export type ClusterNetworkPolicyAction = (typeof CNP_ACTIONS)[number];

/**
 * Limits of EKS's CRD (config/crd/bases/networking.k8s.aws_clusternetworkpolicies.yaml):
 * priority 0..1000 (lower value = evaluated first), at most 100 ingress and 100 egress rules,
 * 1..100 peers and 1..100 ports per rule, 1..25 networks and 1..25 domainNames per peer, rule
 * names up to 100 characters, CIDRs up to 43 characters. (Upstream v1alpha2 allows 25 rules.)
 */
export const CNP_LIMITS = {
  priorityMin: 0,
  priorityMax: 1000,
  rules: 100,
  peers: 100,
  ports: 100,
  networks: 25,
  domainNames: 25,
  ruleName: 100,
  cidrLength: 43,
} as const;

/** Pods matching podSelector in namespaces matching namespaceSelector (`{}` selects all). */
export interface NamespacedPod {
  namespaceSelector: LabelSelector;
  podSelector: LabelSelector;
}

/** Exactly one field set (CRD `minProperties: 1`, `maxProperties: 1`). Host-network pods are never subjects. */
export interface ClusterNetworkPolicySubject {
  namespaces?: LabelSelector;
  pods?: NamespacedPod;
}

/**
 * One port entry (EKS's ClusterNetworkPolicyPort): a number, an inclusive range (start < end),
 * or a container port name resolved on the destination pod. Protocols default to TCP
 * (`+kubebuilder:default=TCP`).
 */
export interface ClusterNetworkPolicyPort {
  portNumber?: { protocol: Protocol; port: number };
  portRange?: { protocol: Protocol; start: number; end: number };
  namedPort?: string;
}

/** Ingress peers: pods only (namespaces, or namespaces AND pods); host-network pods never match. */
export interface ClusterNetworkPolicyIngressPeer {
  namespaces?: LabelSelector;
  pods?: NamespacedPod;
}

/**
 * Egress peers add CIDRs (`networks`, which also match pod addresses inside the cluster),
 * domain names (Accept rules only in upstream; EKS also allows Pass) and, in upstream
 * v1alpha2 only (experimental), `nodes` selected by node labels (matched by node addresses).
 */
export interface ClusterNetworkPolicyEgressPeer extends ClusterNetworkPolicyIngressPeer {
  networks?: string[];
  domainNames?: string[];
  nodes?: LabelSelector;
}

export interface ClusterNetworkPolicyIngressRule {
  name?: string;
  action: ClusterNetworkPolicyAction;
  /** At least one peer (CRD `minItems: 1`). */
  from: ClusterNetworkPolicyIngressPeer[];
  /** Absent: every port and protocol. */
  ports?: ClusterNetworkPolicyPort[];
}

export interface ClusterNetworkPolicyEgressRule {
  name?: string;
  action: ClusterNetworkPolicyAction;
  to: ClusterNetworkPolicyEgressPeer[];
  ports?: ClusterNetworkPolicyPort[];
}

export interface ClusterNetworkPolicySpec {
  tier: ClusterNetworkPolicyTier;
  priority: number;
  subject: ClusterNetworkPolicySubject;
  /** Rules are evaluated in the order written (upstream: "a rule that appears at the top ... would take the highest precedence"). */
  ingress?: ClusterNetworkPolicyIngressRule[];
  egress?: ClusterNetworkPolicyEgressRule[];
}

export interface ClusterNetworkPolicy {
  apiVersion: typeof CLUSTER_NETWORK_POLICY_API_VERSION | typeof UPSTREAM_CLUSTER_NETWORK_POLICY_API_VERSION;
  kind: 'ClusterNetworkPolicy';
  metadata: ObjectMetadata;
  spec: ClusterNetworkPolicySpec;
}

/** A NetworkPolicy peer that may instead name domains (mutually exclusive with the other fields). */
export interface ApplicationNetworkPolicyPeer extends NetworkPolicyPeer {
  domainNames?: string[];
}

export interface ApplicationNetworkPolicyEgressRule {
  ports?: NetworkPolicyPort[];
  to?: ApplicationNetworkPolicyPeer[];
}

/**
 * ApplicationNetworkPolicy (EKS Auto Mode): a NetworkPolicy whose egress peers may be domain
 * names. It sits in the NetworkPolicy tier and is additive with NetworkPolicies
 * (applicationnetworkpolicy_types.go doc comments for ingress/egress).
 */
export interface ApplicationNetworkPolicySpec {
  podSelector: LabelSelector;
  /** Defaulted like NetworkPolicy's ("it will default based on the existence of ingress or egress rules"). */
  policyTypes: PolicyType[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: ApplicationNetworkPolicyEgressRule[];
}

export interface ApplicationNetworkPolicy {
  apiVersion: typeof APPLICATION_NETWORK_POLICY_API_VERSION;
  kind: 'ApplicationNetworkPolicy';
  metadata: ObjectMetadata & { namespace: string };
  spec: ApplicationNetworkPolicySpec;
}

/**
 * Domain name patterns (applicationnetworkpolicy_types.go, DomainName): an exact name, or
 * `*.` followed by a name, where `*` matches one or more whole labels (`*.kubernetes.io`
 * matches `www.kubernetes.io` and `latest.blog.kubernetes.io`, not `kubernetes.io`).
 * Comparison ignores case and a trailing dot (DNS names are case-insensitive, RFC 4343).
 */
export function domainMatches(pattern: string, name: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');
  const p = norm(pattern);
  const n = norm(name);
  if (p.startsWith('*.')) {
    const suffix = p.slice(1);
    return n.length > suffix.length && n.endsWith(suffix);
  }
  return p === n;
}

/**
 * The CRD's DomainName pattern, exactly as EKS's CRD has it: its `A-z` ranges (upstream
 * writes `A-Z`) also admit `[`, `\`, `]`, `^`, `_` and a backtick, and the API server accepts
 * what the pattern accepts.
 */
export const DOMAIN_NAME_PATTERN = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

/** How reports name a cluster policy: `ClusterNetworkPolicy name` (cluster-scoped, no namespace). */
export function clusterPolicyId(p: { metadata: { name?: string } }): string {
  return `ClusterNetworkPolicy ${p.metadata.name ?? ''}`;
}

/** How reports name an ApplicationNetworkPolicy: `ApplicationNetworkPolicy ns/name`. */
export function applicationPolicyId(p: { metadata: { namespace?: string; name?: string } }): string {
  return `ApplicationNetworkPolicy ${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
}

/** Any policy the evaluator accepts. */
export type AnyNetworkPolicy = NetworkPolicy | ClusterNetworkPolicy | ApplicationNetworkPolicy;
