/**
 * One zod schema per policy kind, reading the typed object (types.ts, cluster-types.ts) from
 * wherever it comes in: the Kubernetes API, stored action records, state files. Each schema
 * applies the defaults the API server applies on decode (a port's protocol TCP, policyTypes
 * from the rules), so an object read from the API, written by boundwatch or stored by an older
 * version comes out the same. Specs are strict: a field this version does not know (a newer
 * API's) makes the object unreadable rather than silently dropped, since a dropped field can
 * turn a rule into "allow all". Metadata and status are loose: the server sets many fields
 * this tool does not use.
 *
 * A user's manifest is not read here: it goes through the validator (shared/netpol/validate.ts),
 * which reports what the API server would reject, field by field, with the API server's words.
 */
import { z } from 'zod';
import {
  APPLICATION_NETWORK_POLICY_API_VERSION,
  CLUSTER_NETWORK_POLICY_API_VERSION,
  CNP_ACTIONS,
  CNP_TIERS,
  UPSTREAM_CLUSTER_NETWORK_POLICY_API_VERSION,
  type ApplicationNetworkPolicy,
  type ClusterNetworkPolicy,
} from './cluster-types';
import { NETWORK_POLICY_API_VERSION, POLICY_TYPES, PROTOCOLS, SELECTOR_OPERATORS, type NetworkPolicy, type PolicyType } from './types';

/** SetDefaults_NetworkPolicy for the policyTypes list: empty or absent is Ingress, plus Egress when there are egress rules. */
export function defaultPolicyTypes(policyTypes: readonly string[] | undefined, egressRuleCount: number): PolicyType[] {
  if (policyTypes && policyTypes.length > 0) return [...policyTypes] as PolicyType[];
  return egressRuleCount > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

const StringMap = z.record(z.string(), z.string());
const int = () => z.number().int();

export const LabelSelectorSchema = z.strictObject({
  matchLabels: StringMap.exactOptional(),
  matchExpressions: z.array(z.strictObject({ key: z.string(), operator: z.enum(SELECTOR_OPERATORS), values: z.array(z.string()).exactOptional() })).exactOptional(),
});

/** Server-set fields kept on objects read from the API (never written: apply sends name, namespace, labels, annotations). */
const serverSet = { uid: z.string().exactOptional(), resourceVersion: z.string().exactOptional(), generation: int().exactOptional() };
const ClusterMetadata = z.object({ name: z.string().min(1), labels: StringMap.exactOptional(), annotations: StringMap.exactOptional(), ...serverSet });
const NamespacedMetadata = ClusterMetadata.extend({ namespace: z.string().min(1) });

// ---- NetworkPolicy v1 -------------------------------------------------------------------

const Peer = z.strictObject({
  podSelector: LabelSelectorSchema.exactOptional(),
  namespaceSelector: LabelSelectorSchema.exactOptional(),
  ipBlock: z.strictObject({ cidr: z.string(), except: z.array(z.string()).exactOptional() }).exactOptional(),
});
const Port = z.strictObject({
  protocol: z.enum(PROTOCOLS).default('TCP'),
  port: z.union([int(), z.string()]).exactOptional(),
  endPort: int().exactOptional(),
});
const Ports = z.array(Port).exactOptional();
const IngressRule = z.strictObject({ ports: Ports, from: z.array(Peer).exactOptional() });
const EgressRule = z.strictObject({ ports: Ports, to: z.array(Peer).exactOptional() });
const PolicyTypes = z.array(z.enum(POLICY_TYPES)).exactOptional();

/**
 * The namespaced kinds, NetworkPolicy and ApplicationNetworkPolicy (a NetworkPolicy whose egress
 * peers may also name domains), share one spec and one defaulting: only the kind, apiVersion and
 * egress rule differ. Generic in all three, so that each schema's output stays its exact type
 * for the checks at the end of this file.
 */
function namespacedPolicySchema<Kind extends string, ApiVersion extends string, Egress extends z.ZodType>(kind: Kind, apiVersion: ApiVersion, egressRule: Egress) {
  return z.object({
    apiVersion: z.literal(apiVersion),
    kind: z.literal(kind),
    metadata: NamespacedMetadata,
    spec: z
      .strictObject({ podSelector: LabelSelectorSchema, policyTypes: PolicyTypes, ingress: z.array(IngressRule).exactOptional(), egress: z.array(egressRule).exactOptional() })
      .transform(({ policyTypes, ...rest }) => ({ ...rest, policyTypes: defaultPolicyTypes(policyTypes, rest.egress?.length ?? 0) })),
  });
}

export const NetworkPolicySchema = namespacedPolicySchema('NetworkPolicy', NETWORK_POLICY_API_VERSION, EgressRule);

// ---- ClusterNetworkPolicy (EKS, cluster-scoped) -----------------------------------------

const CnpProtocol = z.enum(PROTOCOLS).default('TCP');
const CnpPort = z.strictObject({
  portNumber: z.strictObject({ protocol: CnpProtocol, port: int() }).exactOptional(),
  portRange: z.strictObject({ protocol: CnpProtocol, start: int(), end: int() }).exactOptional(),
  namedPort: z.string().exactOptional(),
});
const NamespacedPod = z.strictObject({ namespaceSelector: LabelSelectorSchema, podSelector: LabelSelectorSchema });
const IngressPeer = z.strictObject({ namespaces: LabelSelectorSchema.exactOptional(), pods: NamespacedPod.exactOptional() });
const EgressPeer = IngressPeer.extend({
  networks: z.array(z.string()).exactOptional(),
  domainNames: z.array(z.string()).exactOptional(),
  nodes: LabelSelectorSchema.exactOptional(),
});
const Rule = { name: z.string().exactOptional(), action: z.enum(CNP_ACTIONS), ports: z.array(CnpPort).exactOptional() };

export const ClusterNetworkPolicySchema = z.object({
  apiVersion: z.union([z.literal(CLUSTER_NETWORK_POLICY_API_VERSION), z.literal(UPSTREAM_CLUSTER_NETWORK_POLICY_API_VERSION)]),
  kind: z.literal('ClusterNetworkPolicy'),
  metadata: ClusterMetadata,
  spec: z.strictObject({
    tier: z.enum(CNP_TIERS),
    priority: int(),
    subject: z.strictObject({ namespaces: LabelSelectorSchema.exactOptional(), pods: NamespacedPod.exactOptional() }),
    ingress: z.array(z.strictObject({ ...Rule, from: z.array(IngressPeer) })).exactOptional(),
    egress: z.array(z.strictObject({ ...Rule, to: z.array(EgressPeer) })).exactOptional(),
  }),
});

// ---- ApplicationNetworkPolicy (EKS Auto Mode, namespaced) --------------------------------

const AppEgressRule = z.strictObject({ ports: Ports, to: z.array(Peer.extend({ domainNames: z.array(z.string()).exactOptional() })).exactOptional() });

export const ApplicationNetworkPolicySchema = namespacedPolicySchema('ApplicationNetworkPolicy', APPLICATION_NETWORK_POLICY_API_VERSION, AppEgressRule);

// The schemas and the documented types are one concept: each reads exactly the type, field
// by field and nested (an optional field on one side only counts too), so a field added to
// one and not the other fails `tsc`.
type Deep<T> = T extends (infer U)[] ? Deep<U>[] : T extends object ? { [K in keyof T]: Deep<T[K]> } : T;
type Same<A, B> = (<T>() => T extends Deep<A> ? 1 : 2) extends (<T>() => T extends Deep<B> ? 1 : 2) ? true : false;
const sameNetworkPolicy: Same<z.output<typeof NetworkPolicySchema>, NetworkPolicy> = true;
const sameClusterPolicy: Same<z.output<typeof ClusterNetworkPolicySchema>, ClusterNetworkPolicy> = true;
const sameApplicationPolicy: Same<z.output<typeof ApplicationNetworkPolicySchema>, ApplicationNetworkPolicy> = true;
void [sameNetworkPolicy, sameClusterPolicy, sameApplicationPolicy];
