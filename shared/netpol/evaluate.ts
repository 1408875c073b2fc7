/**
 * The explaining evaluator: is a connection from A to B on port/protocol allowed, and which
 * policy and rule decided it (shared/netpol/README.md, Isolation to Ports). Build it once per cluster and
 * policy set with `createEvaluator`, then ask as often as needed; `matrix()` answers all
 * pod pairs for one port at once with the same compiled model.
 *
 * Semantics in short: a connection needs the source's egress AND the destination's ingress.
 * A direction is isolated when some policy selects the pod with that type in policyTypes;
 * then at least one rule of one such policy must match (ports AND peers). A destination pod
 * always accepts traffic from its own node. NetworkPolicy applies to pods only: external
 * addresses, nodes and host-network pods are never isolated. Loopback is undefined.
 *
 * With ClusterNetworkPolicies each direction is decided tier by tier (network-policy-api
 * apis/v1alpha2 clusternetworkpolicy_types.go, Tier and Action doc comments; EKS user guide
 * "Limit pod traffic with Kubernetes network policies"):
 * 1. Admin tier, policies by priority (lower first), rules in written order; the first rule
 *    whose peers and ports match decides: Accept allows and Deny denies that direction for
 *    good (no NetworkPolicy can override it), Pass skips the rest of the Admin tier;
 * 2. NetworkPolicy tier: NetworkPolicies and ApplicationNetworkPolicies together, additive;
 *    a pod they isolate in that direction is decided here (allowed iff a rule matches);
 * 3. Baseline tier, same walk as Admin (Pass falls through to the default);
 * 4. default: allowed.
 * An egress Accept does not bypass the destination's ingress: both directions still apply.
 */
import { ValidationError } from '#shared/errors';
import type { ClusterInventory, InventoryService } from '#shared/inventory/cluster';
import { type ParsedIp, parseIp } from './ip';
import { type ReachabilityMatrix, computeMatrix } from './matrix';
import { type AnyNetworkPolicy, type ClusterNetworkPolicyAction, type ClusterNetworkPolicyTier, domainMatches } from '#shared/netpol-api/cluster-types';
import { CompiledModel, type CompiledClusterPolicy, type CompiledClusterRule, type CompiledRule, ipBlockMatches } from './model';
import { clusterRulePortsMatch, describePort, resolveNamedPort, rulePortsMatch } from './ports';
import { selectorMatches } from './selector';
import type { Protocol } from '#shared/netpol-api/types';

export type { NetworkPolicy, Protocol } from '#shared/netpol-api/types';
export type { AnyNetworkPolicy } from '#shared/netpol-api/cluster-types';
export type { ReachabilityMatrix } from './matrix';

/**
 * How callers name an endpoint: `ns/pod`, an address (which may belong to a pod, a node or a
 * Service ClusterIP), a Service (`{service: "ns/name"}`, destinations only), or an external
 * destination by DNS name (`{domain: "api.stripe.com"}`, optionally with the address it
 * resolved to), which domain-name peers match.
 */
export type EndpointRef = string | { ip: string; domain?: string } | { pod: string } | { service: string } | { domain: string; ip?: string | undefined };

export type ResolvedEndpoint =
  | { kind: 'pod'; pod: number; id: string; ip: ParsedIp | undefined; label: string }
  | { kind: 'node'; ip: ParsedIp | undefined; addresses: string[]; node?: string | undefined; hostPod?: string; label: string }
  | { kind: 'external'; ip: ParsedIp | undefined; domain?: string; label: string }
  | { kind: 'service'; id: string; ip: ParsedIp | undefined; service: InventoryService; label: string };

export interface RuleRef {
  /** `ns/name` of the policy. */
  policy: string;
  direction: 'ingress' | 'egress';
  /** Index of the rule in spec.ingress / spec.egress. */
  rule: number;
}

/** A rule of a ClusterNetworkPolicy that decided (or passed) a direction. */
export interface ClusterRuleRef {
  /** `ClusterNetworkPolicy name`. */
  policy: string;
  tier: ClusterNetworkPolicyTier;
  priority: number;
  direction: 'ingress' | 'egress';
  rule: number;
  ruleName?: string;
  action: ClusterNetworkPolicyAction;
}

/**
 * `passedBy`: the Admin (or Baseline) Pass rules that sent the decision on to the next tier.
 * `tier` on the NetworkPolicy-tier kinds says which tier decided (absent: no cluster policy
 * was involved, or the default).
 */
export type Verdict =
  | ({ kind: 'allowed-by-rule'; allowed: true; text: string; also: RuleRef[]; passedBy?: ClusterRuleRef[] } & RuleRef)
  | { kind: 'not-isolated'; allowed: true; text: string; passedBy?: ClusterRuleRef[] }
  | { kind: 'own-node'; allowed: true; text: string; node: string; passedBy?: ClusterRuleRef[] }
  | { kind: 'not-a-pod'; allowed: true; text: string }
  | { kind: 'isolated'; allowed: false; text: string; isolatedBy: string[]; passedBy?: ClusterRuleRef[] }
  | ({ kind: 'cluster-rule'; allowed: boolean; text: string; passedBy?: ClusterRuleRef[] } & ClusterRuleRef)
  | { kind: 'loopback'; allowed: 'undefined'; text: string };

/**
 * `allowed` is `'undefined'` (a string, so it is never mistaken for true or false) only for
 * loopback: NetworkPolicy does not define it, upstream e2e ignores it (kubernetes#95879).
 */
export interface Evaluation {
  allowed: boolean | 'undefined';
  reason: string;
  egress: Verdict;
  ingress: Verdict;
  from: ResolvedEndpoint;
  to: ResolvedEndpoint;
  port: number;
  protocol: Protocol;
  /**
   * For a Service destination: one evaluation per backend pod, on its targetPort (policy is
   * enforced after DNAT, on the pod). `allowed` is true only when every backend is allowed.
   */
  backends?: Evaluation[];
}

export interface Evaluator {
  readonly model: CompiledModel;
  evaluate(from: EndpointRef, to: EndpointRef, port: number | string, protocol?: Protocol): Evaluation;
  resolve(ref: EndpointRef): ResolvedEndpoint;
  /** All pods × all pods for one port and protocol. */
  matrix(port: number, protocol?: Protocol): ReachabilityMatrix;
  /** Policies (`ns/name`) isolating a pod for ingress and egress. */
  isolation(pod: string): { ingress: string[]; egress: string[] };
}

export function createEvaluator(inventory: ClusterInventory, policies: readonly AnyNetworkPolicy[]): Evaluator {
  const model = new CompiledModel(inventory, policies);

  function podById(id: string): number {
    const i = model.podById.get(id);
    if (i === undefined) throw new ValidationError('unknown-pod', `pod ${id} is not in the cluster inventory`);
    return i;
  }

  function fromPod(index: number): ResolvedEndpoint {
    const pod = model.pods[index]!;
    if (pod.hostNetwork) {
      return {
        kind: 'node',
        ip: pod.ip,
        addresses: [...pod.hostAddresses],
        node: pod.source.nodeName,
        hostPod: pod.id,
        label: `${pod.id} (host network)`,
      };
    }
    return { kind: 'pod', pod: index, id: pod.id, ip: pod.ip, label: pod.id };
  }

  const serviceById = new Map<string, InventoryService>();
  const serviceByIp = new Map<string, InventoryService>();
  for (const svc of inventory.services) {
    serviceById.set(`${svc.namespace}/${svc.name}`, svc);
    const ip = svc.clusterIP ? parseIp(svc.clusterIP) : undefined;
    if (ip) serviceByIp.set(ip.text, svc);
  }
  const fromService = (svc: InventoryService): ResolvedEndpoint => {
    const id = `${svc.namespace}/${svc.name}`;
    return { kind: 'service', id, ip: svc.clusterIP ? parseIp(svc.clusterIP) : undefined, service: svc, label: `service ${id}` };
  };

  function resolve(ref: EndpointRef): ResolvedEndpoint {
    if (typeof ref === 'object' && 'domain' in ref && typeof ref.domain === 'string') {
      const domain = ref.domain;
      if (ref.ip === undefined) return { kind: 'external', ip: undefined, domain, label: `${domain} (external)` };
      const at = resolve({ ip: ref.ip });
      // A name only describes an external destination: a pod or node is matched by what it is.
      return at.kind === 'external' ? { ...at, domain, label: `${domain} (${at.ip!.text}, external)` } : at;
    }
    let ipText: string | undefined;
    if (typeof ref === 'string') {
      if (ref.includes('/')) return fromPod(podById(ref));
      ipText = ref;
    } else if ('pod' in ref) {
      return fromPod(podById(ref.pod));
    } else if ('service' in ref) {
      const svc = serviceById.get(ref.service);
      if (!svc) throw new ValidationError('unknown-service', `service ${ref.service} is not in the cluster inventory`);
      return fromService(svc);
    } else {
      ipText = (ref as { ip: string }).ip;
    }
    const ip = parseIp(ipText);
    if (!ip) throw new ValidationError('invalid-ip', `"${ipText}" is neither ns/pod nor an IP address`);
    const svc = serviceByIp.get(ip.text);
    if (svc) return fromService(svc);
    const owners = model.podsByIp.get(ip.text);
    if (owners?.length) {
      const first = model.pods[owners[0]!]!;
      if (!first.hostNetwork) return fromPod(first.index);
    }
    const node = model.nodeByIp.get(ip.text);
    if (node !== undefined || owners?.length) {
      const hostPod = owners?.length ? model.pods[owners[0]!]!.id : undefined;
      const label = node ? `${ip.text} (node ${node})` : `${ip.text} (host network ${hostPod})`;
      return { kind: 'node', ip, addresses: [ip.text], ...(node ? { node } : {}), ...(hostPod ? { hostPod } : {}), label };
    }
    return { kind: 'external', ip, label: `${ip.text} (external)` };
  }

  function destPorts(to: ResolvedEndpoint) {
    return to.kind === 'pod' ? model.pods[to.pod]!.ports : undefined;
  }

  /** Whether a rule's peers include an endpoint: pods by set membership, addresses by ipBlock. */
  function peerMatches(rule: CompiledRule, ep: ResolvedEndpoint): boolean {
    if (rule.peers === null) return true;
    if (ep.kind === 'pod') return rule.peerPods.has(ep.pod);
    const ip = ep.ip;
    const domain = ep.kind === 'external' ? ep.domain : undefined;
    return rule.peers.some(
      (p) =>
        (ip !== undefined && p.ipBlock !== undefined && ipBlockMatches(p.ipBlock, ip)) ||
        (domain !== undefined && p.domainNames !== undefined && p.domainNames.some((d) => domainMatches(d, domain))),
    );
  }

  /**
   * Whether a cluster rule's peers include an endpoint. Ingress peers are pods only; egress
   * peers also match by address (networks, the addresses of selected nodes) or, for an
   * external destination known by name, by domain.
   */
  function clusterPeerMatches(rule: CompiledClusterRule, ep: ResolvedEndpoint): boolean {
    if (ep.kind === 'pod') return rule.peerPods.has(ep.pod);
    if (rule.direction === 'Ingress' || ep.kind === 'service') return false;
    const ip = ep.ip;
    const domain = ep.kind === 'external' ? ep.domain : undefined;
    return rule.peers.some(
      (p) =>
        (ip !== undefined && (p.networks.some((b) => ipBlockMatches(b, ip)) || p.nodeIps.has(ip.text))) ||
        (domain !== undefined && p.domainNames.some((d) => domainMatches(d, domain))),
    );
  }

  /** The first matching rule of the tier's policies (in evaluation order) for one direction. */
  function firstClusterRule(
    policyIdx: readonly number[],
    direction: 'ingress' | 'egress',
    peer: ResolvedEndpoint,
    to: ResolvedEndpoint,
    port: number,
    protocol: Protocol,
  ): ClusterRuleRef | undefined {
    for (const pi of policyIdx) {
      const policy: CompiledClusterPolicy = model.clusterPolicies[pi]!;
      for (const rule of policy[direction]) {
        if (clusterRulePortsMatch(rule.ports, port, protocol, destPorts(to)) && clusterPeerMatches(rule, peer)) {
          return {
            policy: policy.id,
            tier: policy.tier,
            priority: policy.priority,
            direction,
            rule: rule.index,
            ...(rule.name ? { ruleName: rule.name } : {}),
            action: rule.action,
          };
        }
      }
    }
    return undefined;
  }

  function describeClusterRule(r: ClusterRuleRef): string {
    return `${r.tier} ${r.policy} (priority ${r.priority}) ${r.direction}[${r.rule}]${r.ruleName ? ` "${r.ruleName}"` : ''} ${r.action}`;
  }

  function clusterVerdict(r: ClusterRuleRef, subject: string, passedBy: ClusterRuleRef[]): Verdict {
    const allowed = r.action === 'Accept';
    const text = `${r.direction} ${subject}: ${allowed ? 'accepted' : 'denied'} by ${describeClusterRule(r)}${passedText(passedBy)}`;
    return { kind: 'cluster-rule', allowed, text, ...r, ...(passedBy.length ? { passedBy } : {}) };
  }

  function passedText(passedBy: readonly ClusterRuleRef[]): string {
    return passedBy.length ? ` (after ${passedBy.map((p) => `${p.tier} Pass by ${p.policy} ${p.direction}[${p.rule}]`).join(', ')})` : '';
  }

  /** Adds the Pass rules that led to a NetworkPolicy-tier or default verdict. */
  function withPassed(v: Verdict, passedBy: ClusterRuleRef[]): Verdict {
    if (!passedBy.length || v.kind === 'loopback' || v.kind === 'not-a-pod') return v;
    return { ...v, text: `${v.text}${passedText(passedBy)}`, passedBy };
  }

  /**
   * One direction through the tiers: Admin, then the NetworkPolicy tier (`networkPolicyTier`,
   * undefined when no NetworkPolicy or ApplicationNetworkPolicy isolates the pod), then Baseline.
   */
  function tiered(
    tiers: { Admin: number[]; Baseline: number[] },
    direction: 'ingress' | 'egress',
    subject: string,
    peer: ResolvedEndpoint,
    to: ResolvedEndpoint,
    port: number,
    protocol: Protocol,
    networkPolicyTier: () => Verdict | undefined,
    notIsolated: string,
  ): Verdict {
    const passedBy: ClusterRuleRef[] = [];
    const admin = firstClusterRule(tiers.Admin, direction, peer, to, port, protocol);
    if (admin && admin.action !== 'Pass') return clusterVerdict(admin, subject, passedBy);
    if (admin) passedBy.push(admin);
    const np = networkPolicyTier();
    if (np) return withPassed(np, passedBy);
    const baseline = firstClusterRule(tiers.Baseline, direction, peer, to, port, protocol);
    if (baseline && baseline.action !== 'Pass') return clusterVerdict(baseline, subject, passedBy);
    if (baseline) passedBy.push(baseline);
    const defaulted = tiers.Admin.length || tiers.Baseline.length ? `${notIsolated}; no cluster policy rule decided, default allow` : notIsolated;
    return withPassed({ kind: 'not-isolated', allowed: true, text: defaulted }, passedBy);
  }

  function matchingRules(policyIdx: number[], direction: 'ingress' | 'egress', peer: ResolvedEndpoint, to: ResolvedEndpoint, port: number, protocol: Protocol): RuleRef[] {
    const out: RuleRef[] = [];
    for (const pi of policyIdx) {
      const policy = model.policies[pi]!;
      for (const rule of policy[direction] ?? []) {
        if (rulePortsMatch(rule.ports, port, protocol, destPorts(to)) && peerMatches(rule, peer)) {
          out.push({ policy: policy.id, direction, rule: rule.index });
        }
      }
    }
    return out;
  }

  function allowedBy(refs: RuleRef[]): Verdict {
    const [first, ...also] = refs;
    const text = `${first!.direction} allowed by ${first!.policy} ${first!.direction}[${first!.rule}]`;
    return { kind: 'allowed-by-rule', allowed: true, text, ...first!, also };
  }

  function egressVerdict(from: ResolvedEndpoint, to: ResolvedEndpoint, port: number, protocol: Protocol, portText: string): Verdict {
    if (from.kind !== 'pod') {
      return { kind: 'not-a-pod', allowed: true, text: `egress from ${from.label}: not a pod, no NetworkPolicy applies` };
    }
    const policies = model.egressPolicies[from.pod]!;
    const networkPolicyTier = (): Verdict | undefined => {
      if (policies.length === 0) return undefined;
      const refs = matchingRules(policies, 'egress', to, to, port, protocol);
      if (refs.length) return allowedBy(refs);
      const isolatedBy = policies.map((i) => model.policies[i]!.id);
      return {
        kind: 'isolated',
        allowed: false,
        isolatedBy,
        text: `egress from ${from.label} is isolated by ${isolatedBy.join(', ')} and no egress rule allows ${to.label} on ${portText}`,
      };
    };
    return tiered(model.clusterEgress[from.pod]!, 'egress', `from ${from.label} to ${to.label} on ${portText}`, to, to, port, protocol, networkPolicyTier, `egress from ${from.label}: not isolated`);
  }

  function ingressVerdict(from: ResolvedEndpoint, to: ResolvedEndpoint, port: number, protocol: Protocol, portText: string): Verdict {
    if (to.kind !== 'pod') {
      return { kind: 'not-a-pod', allowed: true, text: `ingress to ${to.label}: not a pod, no NetworkPolicy applies` };
    }
    const policies = model.ingressPolicies[to.pod]!;
    const target = model.pods[to.pod]!;
    const networkPolicyTier = (): Verdict | undefined => {
      if (policies.length === 0) return undefined;
      if (from.kind === 'node') {
        const own = from.addresses.find((a) => target.nodeIps.has(a));
        if (own) {
          return { kind: 'own-node', allowed: true, node: own, text: `ingress to ${to.label} allowed: traffic from its own node ${own}` };
        }
      }
      const refs = matchingRules(policies, 'ingress', from, to, port, protocol);
      if (refs.length) return allowedBy(refs);
      const isolatedBy = policies.map((i) => model.policies[i]!.id);
      return {
        kind: 'isolated',
        allowed: false,
        isolatedBy,
        text: `ingress to ${to.label} is isolated by ${isolatedBy.join(', ')} and no ingress rule allows ${from.label} on ${portText}`,
      };
    };
    return tiered(model.clusterIngress[to.pod]!, 'ingress', `to ${to.label} from ${from.label} on ${portText}`, from, to, port, protocol, networkPolicyTier, `ingress to ${to.label}: not isolated`);
  }

  function isLoopback(from: ResolvedEndpoint, to: ResolvedEndpoint): boolean {
    if (from.kind === 'pod' && to.kind === 'pod' && from.pod === to.pod) return true;
    return !!from.ip && !!to.ip && from.ip.text === to.ip.text;
  }

  /** A Service destination: every backend pod, on the targetPort the service port maps to. */
  function evaluateService(from: ResolvedEndpoint, to: Extract<ResolvedEndpoint, { kind: 'service' }>, portIn: number | string, protocol: Protocol): Evaluation {
    const svc = to.service;
    const entry = svc.ports.find((p) => p.protocol === protocol && (typeof portIn === 'number' ? p.port === portIn : p.name === portIn));
    if (!entry) throw new ValidationError('unknown-service-port', `${to.label} has no ${protocol} port ${portIn}`);
    const selector = svc.selector;
    const backends = selector
      ? model.pods.filter((p) => p.namespace === svc.namespace && Object.keys(selector).length > 0 && selectorMatches({ matchLabels: selector }, p.labels))
      : [];
    const target = entry.targetPort ?? entry.port;
    const evaluations: Evaluation[] = [];
    for (const pod of backends) {
      const targetPort = typeof target === 'number' ? target : resolveNamedPort(target, protocol, pod.ports);
      if (targetPort === undefined) continue;
      evaluations.push(evaluateResolved(from, fromPod(pod.index), targetPort, protocol));
    }
    if (evaluations.length === 0) {
      throw new ValidationError('no-backends', `${to.label} has no backend pod${typeof target === 'string' ? ` with a ${protocol} port named "${target}"` : ''} in the inventory`);
    }
    const denied = evaluations.filter((e) => e.allowed === false);
    const loop = evaluations.filter((e) => e.allowed === 'undefined');
    const shown = denied[0] ?? loop[0] ?? evaluations[0]!;
    const via = `${to.label} ${describePort(typeof portIn === 'number' ? portIn : entry.port, protocol)} → targetPort ${target}`;
    const allowed: boolean | 'undefined' = denied.length ? false : loop.length ? 'undefined' : true;
    const reason = denied.length
      ? `denied via ${via}: ${denied.length} of ${evaluations.length} backends denied (${denied.map((d) => d.to.label).join(', ')}); ${shown.reason}`
      : `${allowed === true ? 'allowed' : 'undefined'} via ${via}: ${evaluations.length === 1 ? 'its one backend' : `all ${evaluations.length} backends`}; ${shown.reason}`;
    return { allowed, reason, egress: shown.egress, ingress: shown.ingress, from, to, port: shown.port, protocol, backends: evaluations };
  }

  function evaluate(fromRef: EndpointRef, toRef: EndpointRef, portIn: number | string, protocol: Protocol = 'TCP'): Evaluation {
    return evaluateResolved(resolve(fromRef), resolve(toRef), portIn, protocol);
  }

  function evaluateResolved(from: ResolvedEndpoint, to: ResolvedEndpoint, portIn: number | string, protocol: Protocol): Evaluation {
    if (from.kind === 'service') throw new ValidationError('service-source', `${from.label} cannot be a source: connections come from its pods`);
    if (to.kind === 'service') return evaluateService(from, to, portIn, protocol);
    let port: number;
    let portName: string | undefined;
    if (typeof portIn === 'string') {
      const hostPod = to.kind === 'node' && to.hostPod ? model.podById.get(to.hostPod) : undefined;
      const podPorts = to.kind === 'pod' ? model.pods[to.pod]!.ports : hostPod !== undefined ? model.pods[hostPod]!.ports : undefined;
      const resolved = resolveNamedPort(portIn, protocol, podPorts);
      if (resolved === undefined) {
        throw new ValidationError('unresolved-port', `port "${portIn}" does not name a ${protocol} container port of ${to.label}`);
      }
      port = resolved;
      portName = portIn;
    } else {
      port = portIn;
    }
    const portText = describePort(port, protocol, portName);
    if (isLoopback(from, to)) {
      const text = `loopback (${from.label} to its own address); NetworkPolicy does not define it and upstream e2e ignores it`;
      const v: Verdict = { kind: 'loopback', allowed: 'undefined', text };
      return { allowed: 'undefined', reason: `undefined: ${text}`, egress: v, ingress: v, from, to, port, protocol };
    }
    const egress = egressVerdict(from, to, port, protocol, portText);
    const ingress = ingressVerdict(from, to, port, protocol, portText);
    const allowed = egress.allowed === true && ingress.allowed === true;
    const reason = allowed
      ? `allowed on ${portText}: ${egress.text}; ${ingress.text}`
      : `denied on ${portText}: ${[egress, ingress].filter((v) => v.allowed !== true).map((v) => v.text).join('; ')}` +
        // Both directions are explained: the one that would have allowed follows the denial.
        [egress, ingress].filter((v) => v.allowed === true).map((v) => ` (${v.text})`).join('');
    return { allowed, reason, egress, ingress, from, to, port, protocol };
  }

  return {
    model,
    evaluate,
    resolve,
    matrix: (port: number, protocol: Protocol = 'TCP') => computeMatrix(model, port, protocol),
    isolation(pod: string) {
      const i = podById(pod);
      return {
        ingress: model.ingressPolicies[i]!.map((p) => model.policies[p]!.id),
        egress: model.egressPolicies[i]!.map((p) => model.policies[p]!.id),
      };
    },
  };
}

/** A verdict reduced to its rule reference, for callers that only need "who allowed it". */
export function ruleOf(v: Verdict): RuleRef | undefined {
  return v.kind === 'allowed-by-rule' ? { policy: v.policy, direction: v.direction, rule: v.rule } : undefined;
}
