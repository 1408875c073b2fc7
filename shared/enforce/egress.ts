/**
 * Tighten egress: a policy selecting the workload's pods that allows only its baseline
 * destinations (from the flow graph) and DNS. NetworkPolicies are additive, so this restricts
 * only when no other policy already allows the workload more: the plan checks that with the
 * simulator against the anomaly's own destinations and reports what still escapes, and names
 * the other egress policies that select the workload. The workload keeps running and serving
 * (its ingress and its Services are untouched); revert deletes the policy.
 */
import type { BehaviorAnomaly } from '../events/schema';
import type { ClusterInventory } from '../inventory/cluster';
import { IDENTITY_LABELS, parseWorkloadKey, workloadKey, workloadOf, workloadSelector, type WorkloadId } from '../inventory/workload';
import { NAMESPACE_NAME_LABEL } from '../netpol/model';
import { selectorMatches } from '../netpol/selector';
import type { AnyNetworkPolicy } from '../netpol-api/cluster-types';
import type { NetworkPolicy, NetworkPolicyEgressRule, Protocol } from '../netpol-api/types';
import { validateNetworkPolicy } from '../netpol/validate';
import type { BaselineDestination } from './baseline';
import { boundedName, quarantineToken } from './quarantine';
import { ANNOTATIONS, LABELS, MANAGED_BY_VALUE, type ActionIntent, type ActionPlan } from './types';
import { checkDestinations, egressAllowedNow, isNetworkPolicy, uncertainty, withPolicy } from './verify';

/** CoreDNS on EKS keeps the `k8s-app: kube-dns` label (shared/netpol/README.md#dns-egress). */
export const DNS_PEER = {
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};
const DNS_PORTS: Array<{ protocol: Protocol; port: number }> = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];

export interface EgressFacts {
  /** Live cluster state; absent when this run has no cluster access. */
  inventory?: ClusterInventory;
  policies?: AnyNetworkPolicy[];
  /** Baseline destinations; undefined when the flow graph knows nothing of the workload. */
  baseline: BaselineDestination[] | undefined;
}

/** The workload an anomaly names: its owner, else the live pod's workload, else its identity label. */
export function anomalyWorkload(anomaly: BehaviorAnomaly, inventory?: ClusterInventory): WorkloadId | undefined {
  const w = anomaly.workload;
  if (!w) return undefined;
  if (w.owner) return { namespace: w.namespace, kind: w.owner.kind, name: w.owner.name };
  const pod = w.pod ? inventory?.pods.find((p) => p.namespace === w.namespace && p.name === w.pod) : undefined;
  if (pod) return workloadOf(pod);
  for (const key of IDENTITY_LABELS) {
    const v = w.labels?.[key];
    if (v) return { namespace: w.namespace, kind: 'App', name: v };
  }
  return undefined;
}

export function egressPolicyName(w: WorkloadId): string {
  return boundedName('boundwatch-egress', `${w.kind}-${w.name}`);
}

interface Peer {
  namespaceSelector?: { matchLabels: Record<string, string> };
  podSelector?: { matchLabels: Record<string, string> };
  ipBlock?: { cidr: string };
}

function peerFor(key: string, inv: ClusterInventory | undefined, notes: string[]): Peer | undefined {
  if (key.startsWith('ext:')) return { ipBlock: { cidr: key.slice(4) } };
  if (key.startsWith('vpc:')) {
    const ip = key.slice(4);
    return { ipBlock: { cidr: ip.includes(':') ? `${ip}/128` : `${ip}/32` } };
  }
  if (key.startsWith('node:')) {
    const node = inv?.nodes.find((n) => n.name === key.slice(5));
    if (!node) {
      notes.push(`destination ${key} left out: its address is unknown${inv ? '' : ' without cluster access'}`);
      return undefined;
    }
    return { ipBlock: { cidr: node.ip.includes(':') ? `${node.ip}/128` : `${node.ip}/32` } };
  }
  const w = parseWorkloadKey(key);
  if (!w) {
    notes.push(`destination ${key} left out: not a peer boundwatch understands`);
    return undefined;
  }
  const nsSel = { matchLabels: { [NAMESPACE_NAME_LABEL]: w.namespace } };
  if (inv) {
    const sel = workloadSelector(w, inv.pods.filter((p) => p.namespace === w.namespace));
    if (sel.basis !== 'none' && sel.alsoSelects.length === 0) return { namespaceSelector: nsSel, podSelector: { matchLabels: sel.matchLabels } };
  }
  notes.push(`destination ${key} allowed for its whole namespace ${w.namespace}: ${inv ? 'no label selector picks exactly its pods' : 'its pods are unknown without cluster access'}`);
  return { namespaceSelector: nsSel };
}

function selectorFor(w: WorkloadId, anomaly: BehaviorAnomaly, inv: ClusterInventory | undefined): { matchLabels: Record<string, string> } | string {
  if (inv) {
    const sel = workloadSelector(w, inv.pods.filter((p) => p.namespace === w.namespace));
    if (sel.basis === 'none') return `no stable label selects the pods of ${workloadKey(w)}`;
    if (sel.alsoSelects.length) return `no label selector picks only ${workloadKey(w)} (it would also select ${sel.alsoSelects.slice(0, 5).join(', ')})`;
    return { matchLabels: sel.matchLabels };
  }
  for (const key of IDENTITY_LABELS) {
    const v = anomaly.workload?.labels?.[key];
    if (v) return { matchLabels: { [key]: v } };
  }
  return `cannot choose a selector for ${workloadKey(w)} without cluster access or the workload's labels`;
}

export function tightenPolicy(w: WorkloadId, intent: ActionIntent, anomalyId: string, podSelector: { matchLabels: Record<string, string> }, egress: NetworkPolicyEgressRule[]): NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: egressPolicyName(w),
      namespace: w.namespace,
      labels: { [LABELS.managedBy]: MANAGED_BY_VALUE, [LABELS.action]: quarantineToken(intent.id) },
      annotations: {
        [ANNOTATIONS.anomalyId]: anomalyId,
        [ANNOTATIONS.actionId]: intent.id,
        [ANNOTATIONS.kind]: 'tighten-egress',
        [ANNOTATIONS.expiresAt]: intent.expiresAt,
        [ANNOTATIONS.workload]: workloadKey(w),
      },
    },
    spec: { podSelector, policyTypes: ['Egress'], egress },
  };
}

/** The anomaly's own destinations (network evidence), which tightening should block. */
export function evidenceDestinations(anomaly: BehaviorAnomaly): Array<{ dst: string; port: number; protocol: Protocol }> {
  const seen = new Map<string, { dst: string; port: number; protocol: Protocol }>();
  for (const f of anomaly.findings) {
    for (const fl of f.evidence.flows ?? []) {
      const protocol = (['TCP', 'UDP', 'SCTP'].includes(fl.protocol) ? fl.protocol : 'TCP') as Protocol;
      seen.set(`${fl.dst}#${fl.dstPort}#${protocol}`, { dst: fl.dst, port: fl.dstPort, protocol });
    }
  }
  return [...seen.values()];
}

export function planTightenEgress(intent: ActionIntent, anomaly: BehaviorAnomaly, facts: EgressFacts): ActionPlan {
  const none = (skip: string): ActionPlan => ({ skip, operations: [], changes: [], policies: [] });
  const inv = facts.inventory;
  const w = anomalyWorkload(anomaly, inv);
  if (!w) return none('the anomaly names no workload to tighten');
  const key = workloadKey(w);
  const sel = selectorFor(w, anomaly, inv);
  if (typeof sel === 'string') return none(sel);
  if (!facts.baseline?.length) return none(`no baseline destinations for ${key} in the flow graph: a policy would cut all its egress`);
  const existing = facts.policies?.filter(isNetworkPolicy).find((p) => p.metadata.namespace === w.namespace && p.metadata.name === egressPolicyName(w));
  const owner = existing?.metadata.annotations?.[ANNOTATIONS.actionId];
  if (existing && owner !== intent.id) {
    return none(owner ? `${key} is already tightened by boundwatch action ${owner}` : `a NetworkPolicy ${w.namespace}/${egressPolicyName(w)} exists and is not boundwatch's`);
  }

  const notes: string[] = [];
  const byPeer = new Map<string, { peer: Peer; ports: Map<string, { protocol: Protocol; port: number }> }>();
  for (const d of [...facts.baseline].sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : a.port - b.port))) {
    let entry = byPeer.get(d.peer);
    if (!entry) {
      const peer = peerFor(d.peer, inv, notes);
      if (!peer) continue;
      entry = { peer, ports: new Map() };
      byPeer.set(d.peer, entry);
    }
    entry.ports.set(`${d.protocol}/${d.port}`, { protocol: d.protocol, port: d.port });
  }
  // Never widen: a workload already limited in its egress keeps only destinations it may reach now.
  const subject = inv && facts.policies ? subjectPod(anomaly, w, inv) : undefined;
  const now = subject ? egressAllowedNow(inv!, facts.policies!, subject) : undefined;
  let dnsPorts = DNS_PORTS;
  if (now) {
    const dnsPods = inv!.pods.filter((p) => p.namespace === 'kube-system' && p.labels['k8s-app'] === 'kube-dns').map((p) => `${p.namespace}/${p.name}`);
    dnsPorts = DNS_PORTS.filter((d) => now.allowed(dnsPods, d.port, d.protocol));
    if (dnsPorts.length < DNS_PORTS.length) notes.push(`DNS ${DNS_PORTS.filter((d) => !dnsPorts.includes(d)).map((d) => `${d.protocol} ${d.port}`).join(', ')} left out: ${subject} may not reach it now, and tightening never adds an allowance`);
    for (const [key, e] of byPeer) {
      const refs = destinationRefs(key, inv!);
      for (const [pk, port] of e.ports) {
        if (now.allowed(refs, port.port, port.protocol)) continue;
        e.ports.delete(pk);
        notes.push(`baseline destination ${key} ${port.protocol} ${port.port} left out: ${subject} may not reach it now (egress already limited), and tightening never adds an allowance`);
      }
      if (e.ports.size === 0) byPeer.delete(key);
    }
  }
  const egress = [...(dnsPorts.length ? [{ to: [DNS_PEER], ports: dnsPorts }] : []), ...[...byPeer.values()].map((e) => ({ to: [e.peer], ports: [...e.ports.values()] }))];
  const policy = tightenPolicy(w, intent, anomaly.id, sel, egress);
  const destCount = [...byPeer.values()].reduce((n, e) => n + e.ports.size, 0);
  const changes = [
    `apply NetworkPolicy ${w.namespace}/${policy.metadata.name} selecting ${Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`).join(',')} (${key}): egress only to DNS (kube-system/kube-dns, UDP and TCP 53) and its ${destCount} baseline destination${destCount === 1 ? '' : 's'} (${[...byPeer.keys()].slice(0, 10).join(', ')}${byPeer.size > 10 ? ` and ${byPeer.size - 10} more` : ''})`,
    'the workload keeps running; its ingress and Services are unchanged',
    ...notes,
  ];
  const check = validateNetworkPolicy(policy, { eks: true, ...(inv ? { inventory: inv } : {}) });
  changes.push(...check.warnings.map((w2) => `warning: ${w2}`));
  changes.push(`revert at ${intent.expiresAt}: delete the policy`);
  if (!inv) changes.push('not verified: this run has no cluster access');
  return { operations: [{ op: 'apply-policy', policy }], changes, policies: [policy] };
}

/** Before/after for the anomaly's destinations, and the other egress policies that keep allowing. */
export function verifyTightening(
  anomaly: BehaviorAnomaly,
  w: WorkloadId,
  policy: NetworkPolicy,
  facts: { inventory: ClusterInventory; policies: AnyNetworkPolicy[]; unreadable?: readonly string[] },
  opts: { live: boolean },
): string[] {
  // Policies the simulator could not read may allow what it reports blocked: named, whatever the verdicts.
  const unknown = (facts.unreadable ?? []).map(uncertainty);
  return [...verifyDestinations(anomaly, w, policy, facts, opts), ...unknown];
}

function verifyDestinations(anomaly: BehaviorAnomaly, w: WorkloadId, policy: NetworkPolicy, facts: { inventory: ClusterInventory; policies: AnyNetworkPolicy[] }, opts: { live: boolean }): string[] {
  const inv = facts.inventory;
  const podId = subjectPod(anomaly, w, inv);
  if (!podId) return [`not verified: no running pod of ${workloadKey(w)} in the cluster`];
  const own = policy;
  // Live: the policy is in place already; simulated: add it to what the cluster has now.
  const after = opts.live ? facts.policies : withPolicy(facts.policies, own);
  const before = checkDestinations(inv, facts.policies.filter((p) => !(isNetworkPolicy(p) && p.metadata.name === own.metadata.name && p.metadata.namespace === own.metadata.namespace)), podId, evidenceDestinations(anomaly));
  const out: string[] = [];
  const others = after.filter(isNetworkPolicy).filter((p) => {
    if (p.metadata.name === own.metadata.name && p.metadata.namespace === own.metadata.namespace) return false;
    const pod = inv.pods.find((x) => `${x.namespace}/${x.name}` === podId);
    return !!pod && p.metadata.namespace === pod.namespace && p.spec.policyTypes.includes('Egress') && selectorMatches(p.spec.podSelector, pod.labels);
  });
  if (others.length) out.push(`other egress policies also select ${podId} and still allow what they allow (policies are additive): ${others.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}`);
  const dests = evidenceDestinations(anomaly);
  if (dests.length === 0) return [...out, 'verified: the anomaly carries no network destinations to check'];
  const now = checkDestinations(inv, after, podId, dests);
  now.forEach((d, i) => {
    const was = before[i]!;
    const what = `${d.dst} ${d.protocol} ${d.port}`;
    if (!d.allowed) out.push(`verified with the NetworkPolicy simulator${opts.live ? ' against the live cluster' : ''}: ${podId} to ${what} is blocked${was.allowed ? ' (was allowed)' : ''}`);
    else out.push(`residual path: ${podId} to ${what} still allowed via ${d.via}`);
  });
  return out;
}

/** The endpoints a baseline peer key stands for, to ask the simulator about (a CIDR by its first address). */
function destinationRefs(key: string, inv: ClusterInventory): Array<string | { ip: string }> {
  if (key.startsWith('ext:')) return [{ ip: key.slice(4).split('/')[0]! }];
  if (key.startsWith('vpc:')) return [{ ip: key.slice(4) }];
  if (key.startsWith('node:')) {
    const node = inv.nodes.find((n) => n.name === key.slice(5));
    return node ? [{ ip: node.ip }] : [];
  }
  const w = parseWorkloadKey(key);
  if (!w) return [];
  return inv.pods.filter((p) => p.namespace === w.namespace && workloadKey(workloadOf(p)) === workloadKey(w)).map((p) => `${p.namespace}/${p.name}`);
}

function subjectPod(anomaly: BehaviorAnomaly, w: WorkloadId, inv: ClusterInventory): string | undefined {
  const named = anomaly.workload?.pod ? inv.pods.find((p) => p.namespace === w.namespace && p.name === anomaly.workload!.pod) : undefined;
  const pod = named ?? inv.pods.find((p) => p.namespace === w.namespace && workloadKey(workloadOf(p)) === workloadKey(w));
  return pod ? `${pod.namespace}/${pod.name}` : undefined;
}
