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
 */
import { ValidationError } from '#shared/errors';
import type { ClusterInventory, InventoryService } from '#shared/inventory/cluster';
import { type ParsedIp, parseIp } from './ip';
import { type ReachabilityMatrix, computeMatrix } from './matrix';
import { CompiledModel, type CompiledRule, ipBlockMatches } from './model';
import { describePort, resolveNamedPort, rulePortsMatch } from './ports';
import { selectorMatches } from './selector';
import type { NetworkPolicy, Protocol } from './types';

export type { NetworkPolicy, Protocol } from './types';
export type { ReachabilityMatrix } from './matrix';

/**
 * How callers name an endpoint: `ns/pod`, an address (which may belong to a pod, a node or a
 * Service ClusterIP), or a Service (`{service: "ns/name"}`, destinations only).
 */
export type EndpointRef = string | { ip: string } | { pod: string } | { service: string };

export type ResolvedEndpoint =
  | { kind: 'pod'; pod: number; id: string; ip: ParsedIp | undefined; label: string }
  | { kind: 'node'; ip: ParsedIp | undefined; addresses: string[]; node?: string | undefined; hostPod?: string; label: string }
  | { kind: 'external'; ip: ParsedIp; label: string }
  | { kind: 'service'; id: string; ip: ParsedIp | undefined; service: InventoryService; label: string };

export interface RuleRef {
  /** `ns/name` of the policy. */
  policy: string;
  direction: 'ingress' | 'egress';
  /** Index of the rule in spec.ingress / spec.egress. */
  rule: number;
}

export type Verdict =
  | ({ kind: 'allowed-by-rule'; allowed: true; text: string; also: RuleRef[] } & RuleRef)
  | { kind: 'not-isolated'; allowed: true; text: string }
  | { kind: 'own-node'; allowed: true; text: string; node: string }
  | { kind: 'not-a-pod'; allowed: true; text: string }
  | { kind: 'isolated'; allowed: false; text: string; isolatedBy: string[] }
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

export function createEvaluator(inventory: ClusterInventory, policies: readonly NetworkPolicy[]): Evaluator {
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
      ipText = ref.ip;
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
    if (!ip) return false;
    return rule.peers.some((p) => p.ipBlock !== undefined && ipBlockMatches(p.ipBlock, ip));
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
    if (policies.length === 0) return { kind: 'not-isolated', allowed: true, text: `egress from ${from.label}: not isolated` };
    const refs = matchingRules(policies, 'egress', to, to, port, protocol);
    if (refs.length) return allowedBy(refs);
    const isolatedBy = policies.map((i) => model.policies[i]!.id);
    return {
      kind: 'isolated',
      allowed: false,
      isolatedBy,
      text: `egress from ${from.label} is isolated by ${isolatedBy.join(', ')} and no egress rule allows ${to.label} on ${portText}`,
    };
  }

  function ingressVerdict(from: ResolvedEndpoint, to: ResolvedEndpoint, port: number, protocol: Protocol, portText: string): Verdict {
    if (to.kind !== 'pod') {
      return { kind: 'not-a-pod', allowed: true, text: `ingress to ${to.label}: not a pod, no NetworkPolicy applies` };
    }
    const policies = model.ingressPolicies[to.pod]!;
    if (policies.length === 0) return { kind: 'not-isolated', allowed: true, text: `ingress to ${to.label}: not isolated` };
    const target = model.pods[to.pod]!;
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
      : `denied on ${portText}: ${[egress, ingress].filter((v) => v.allowed !== true).map((v) => v.text).join('; ')}`;
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
