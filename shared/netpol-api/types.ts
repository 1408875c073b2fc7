/**
 * NetworkPolicy v1 (networking.k8s.io/v1) types: the decode schema for raw manifests (what a
 * user writes, before defaulting) and the parsed, defaulted object every other module uses.
 * The decode schema mirrors what kube-apiserver's JSON decoder accepts: `null` means absent,
 * wrong types are decode errors, and unknown fields are reported (kubectl's strict mode) rather
 * than silently dropped: a misspelt `form:` would otherwise turn a rule into "allow all".
 */
import { z } from 'zod';

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const POLICY_TYPES = ['Ingress', 'Egress'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export const NETWORK_POLICY_API_VERSION = 'networking.k8s.io/v1';

// ---- Parsed, defaulted v1 object -------------------------------------------------------

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  /** Defaulted to TCP (SetDefaults_NetworkPolicyPort). */
  protocol: Protocol;
  /** A number, or a container port name resolved on the destination pod. Absent: all ports. */
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  /** Absent or empty: all ports and protocols. */
  ports?: NetworkPolicyPort[];
  /** Absent or empty: every source, including IPs outside the cluster. */
  from?: NetworkPolicyPeer[];
}

export interface NetworkPolicyEgressRule {
  ports?: NetworkPolicyPort[];
  to?: NetworkPolicyPeer[];
}

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  /** Always set after defaulting (SetDefaults_NetworkPolicy). */
  policyTypes: PolicyType[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

export interface NetworkPolicy {
  apiVersion: typeof NETWORK_POLICY_API_VERSION;
  kind: 'NetworkPolicy';
  metadata: ObjectMetadata & { namespace: string };
  spec: NetworkPolicySpec;
}

/**
 * What boundwatch reads and writes of an object's metadata. `uid`, `resourceVersion` and
 * `generation` are set by the API server on objects read from it; apply never sends them.
 */
export interface ObjectMetadata {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
}

/** `ns/name`, the way verdicts and reports name a policy. */
export function policyId(p: { metadata: { namespace?: string; name?: string } }): string {
  return `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
}

// ---- Decode schema (raw manifest, before defaulting) -----------------------------------

/** JSON null decodes to "absent" for every optional field, as Go's decoder does. */
function opt<S extends z.ZodType>(schema: S) {
  return schema
    .nullish()
    .transform((v) => v ?? undefined)
    .optional();
}

const INT32 = { min: -2147483648, max: 2147483647 };
const int32 = () =>
  z
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(INT32.min, { error: 'must fit in a 32-bit integer' })
    .max(INT32.max, { error: 'must fit in a 32-bit integer' });
const str = () => z.string({ error: 'must be a string' });
const list = <S extends z.ZodType>(item: S) => z.array(item, { error: 'must be a list' });
const stringMap = () => z.record(z.string(), str(), { error: 'must be a map of strings' });

/**
 * Builds the decode schema. `strict` rejects unknown fields (used first, to find them);
 * the stripping variant then yields the data. metadata and status stay loose: they carry many
 * server-set fields this tool has no business checking.
 */
function buildDecoder(strict: boolean) {
  const obj = strict ? z.strictObject : z.object;
  const objErr = { error: 'must be an object' };
  const selector = obj(
    {
      matchLabels: opt(stringMap()),
      matchExpressions: opt(
        list(
          obj(
            {
              key: opt(str()),
              operator: opt(str()),
              values: opt(list(str())),
            },
            objErr,
          ),
        ),
      ),
    },
    objErr,
  );
  const peer = obj(
    {
      podSelector: opt(selector),
      namespaceSelector: opt(selector),
      ipBlock: opt(obj({ cidr: opt(str()), except: opt(list(str())) }, objErr)),
    },
    objErr,
  );
  const port = obj(
    {
      protocol: opt(str()),
      port: opt(z.union([int32(), str()], { error: 'must be an integer or a string' })),
      endPort: opt(int32()),
    },
    objErr,
  );
  const ingressRule = obj({ ports: opt(list(port)), from: opt(list(peer)) }, objErr);
  const egressRule = obj({ ports: opt(list(port)), to: opt(list(peer)) }, objErr);
  const spec = obj(
    {
      podSelector: opt(selector),
      policyTypes: opt(list(str())),
      ingress: opt(list(ingressRule)),
      egress: opt(list(egressRule)),
    },
    objErr,
  );
  const metadata = z.looseObject(
    {
      name: opt(str()),
      generateName: opt(str()),
      namespace: opt(str()),
      labels: opt(stringMap()),
      annotations: opt(stringMap()),
    },
    objErr,
  );
  return obj(
    {
      apiVersion: opt(str()),
      kind: opt(str()),
      metadata: opt(metadata),
      spec: opt(spec),
      status: opt(z.unknown()),
    },
    objErr,
  );
}

export const RawNetworkPolicyStrict = buildDecoder(true);
export const RawNetworkPolicy = buildDecoder(false);
export type RawNetworkPolicy = z.infer<typeof RawNetworkPolicy>;
export type RawSpec = NonNullable<RawNetworkPolicy['spec']>;
export type RawSelector = NonNullable<RawSpec['podSelector']>;
export type RawPeer = NonNullable<NonNullable<NonNullable<RawSpec['ingress']>[number]['from']>[number]>;
export type RawPort = NonNullable<NonNullable<NonNullable<RawSpec['ingress']>[number]['ports']>[number]>;
