/**
 * v1 defaulting, as the API server applies it on decode (pkg/apis/networking/v1/defaults.go).
 * Objects read from files or produced by generators have not been through it, so the evaluator
 * must apply it itself:
 * - policyTypes empty or absent → [Ingress], plus Egress only when `egress` has rules. An
 *   egress-only policy without policyTypes therefore also denies all ingress, and `egress: []`
 *   without policyTypes does not isolate egress at all.
 * - ports[].protocol absent → TCP.
 */
import type {
  LabelSelector,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyType,
  Protocol,
  RawNetworkPolicy,
  RawPeer,
  RawPort,
  RawSelector,
  SelectorOperator,
} from '#shared/netpol-api/types';
import { defaultPolicyTypes } from '#shared/netpol-api/schema';

export { defaultPolicyTypes };

function selector(raw: RawSelector | undefined): LabelSelector {
  const out: LabelSelector = {};
  if (raw?.matchLabels) out.matchLabels = { ...raw.matchLabels };
  if (raw?.matchExpressions) {
    out.matchExpressions = raw.matchExpressions.map((r) => {
      const req: { key: string; operator: SelectorOperator; values?: string[] } = {
        key: r.key ?? '',
        operator: (r.operator ?? '') as SelectorOperator,
      };
      if (r.values) req.values = [...r.values];
      return req;
    });
  }
  return out;
}

function peer(raw: RawPeer): NetworkPolicyPeer {
  const out: NetworkPolicyPeer = {};
  if (raw.podSelector) out.podSelector = selector(raw.podSelector);
  if (raw.namespaceSelector) out.namespaceSelector = selector(raw.namespaceSelector);
  if (raw.ipBlock) {
    out.ipBlock = { cidr: raw.ipBlock.cidr ?? '' };
    if (raw.ipBlock.except) out.ipBlock.except = [...raw.ipBlock.except];
  }
  return out;
}

function port(raw: RawPort): NetworkPolicyPort {
  const out: NetworkPolicyPort = { protocol: (raw.protocol ?? 'TCP') as Protocol };
  if (raw.port !== undefined) out.port = raw.port;
  if (raw.endPort !== undefined) out.endPort = raw.endPort;
  return out;
}

/**
 * Turns a decoded manifest into the defaulted v1 object. Call it on objects that passed
 * validateNetworkPolicy: it does not check, it only fills in what the API server would.
 * `defaultNamespace` plays the role of `kubectl -n` for manifests without a namespace.
 */
export function applyDefaults(raw: RawNetworkPolicy, defaultNamespace?: string): NetworkPolicy {
  const spec = raw.spec ?? {};
  const meta = raw.metadata ?? {};
  const policy: NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: meta.name ?? '', namespace: meta.namespace || defaultNamespace || '' },
    spec: {
      podSelector: selector(spec.podSelector),
      policyTypes: defaultPolicyTypes(spec.policyTypes, spec.egress?.length ?? 0),
    },
  };
  if (meta.labels) policy.metadata.labels = { ...meta.labels };
  if (meta.annotations) policy.metadata.annotations = { ...meta.annotations };
  if (spec.ingress) {
    policy.spec.ingress = spec.ingress.map((r) => {
      const rule: NonNullable<NetworkPolicy['spec']['ingress']>[number] = {};
      if (r.ports) rule.ports = r.ports.map(port);
      if (r.from) rule.from = r.from.map(peer);
      return rule;
    });
  }
  if (spec.egress) {
    policy.spec.egress = spec.egress.map((r) => {
      const rule: NonNullable<NetworkPolicy['spec']['egress']>[number] = {};
      if (r.ports) rule.ports = r.ports.map(port);
      if (r.to) rule.to = r.to.map(peer);
      return rule;
    });
  }
  return policy;
}

/** Whether the policy isolates the selected pods for a direction (after defaulting). */
export function isolates(policy: NetworkPolicy, direction: PolicyType): boolean {
  return policy.spec.policyTypes.includes(direction);
}
