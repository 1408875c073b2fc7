/**
 * Quarantine of one pod. NetworkPolicies only add allowances (shared/netpol/README.md#default-deny-and-quarantine), so a deny-all policy alone would leave the pod reachable
 * through any policy that already allows it. The plan therefore
 * 1. applies a deny-all policy (Ingress and Egress, no rules) that selects only a quarantine
 *    label no pod carries yet, so applying it changes nothing;
 * 2. relabels the pod in one conditional merge patch: the quarantine label on, every other
 *    label off, so Services, its ReplicaSet and the existing allow policies stop selecting it
 *    and the deny-all policy starts to. The labels removed are kept in the policy's
 *    annotations and in the action record, and restored on release.
 * The pod keeps running for forensics. Host-network pods are skipped: NetworkPolicy cannot
 * select their traffic (it is the node's), so a "quarantine" would only pretend.
 *
 * Where the cluster serves EKS's ClusterNetworkPolicy (VPC CNI 1.21.1+ on Kubernetes 1.29+, or
 * Auto Mode; `enforcement.quarantineWith`), the quarantine is instead an Admin-tier Deny: the
 * Admin tier is evaluated before every NetworkPolicy and cannot be overridden by them, so
 * namespace-wide allow policies (`podSelector: {}` for DNS or scraping) stop mattering. The pod
 * only gains the quarantine label; its app labels and owner references stay, so its
 * ReplicaSet keeps it (no replacement, no loss of the owner reference the EKS agent relies on).
 * Admin-tier ingress peers are pods and namespaces only, so the deny-all NetworkPolicy on the
 * same label is kept for ingress from outside the cluster; what still reaches the pod that way
 * (a namespace-wide policy allowing an ipBlock) is reported by the simulator as residual.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { stableId } from '../events/ids';
import type { BehaviorAnomaly } from '../events/schema';
import { podOwner } from '../inventory/from-cluster';
import { NAMESPACE_NAME_LABEL } from '../netpol/model';
import { ANNOTATIONS, LABELS, MANAGED_BY_VALUE, type ActionIntent, type ActionPlan } from './types';
import type { ClusterNetworkPolicy } from '../netpol-api/cluster-types';
import type { NetworkPolicy } from '../netpol-api/types';
import { replacedPodReason, tokenPodUid } from './identity';

export const QUARANTINE_LABEL = LABELS.quarantine;
export const MANAGED_BY = { [LABELS.managedBy]: MANAGED_BY_VALUE } as const;

/** A DNS-1123 name of at most 63 characters: a readable prefix plus a hash for uniqueness. */
export function boundedName(prefix: string, subject: string, max = 63): string {
  const hash = stableId(prefix, subject).slice(0, 8);
  const clean = subject.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const room = max - prefix.length - hash.length - 2;
  const middle = clean.slice(0, Math.max(0, room)).replace(/-+$/g, '');
  return [prefix, middle, hash].filter(Boolean).join('-');
}

/** The action's short token: a valid label value that ties objects to one action. */
export function quarantineToken(actionId: string): string {
  return actionId.replaceAll('-', '').slice(0, 16);
}

export function quarantinePolicyName(pod: string): string {
  return boundedName('boundwatch-quarantine', pod);
}

/** The deny-all policy; `restore` (the labels the pod had) is added once they are known. */
export function quarantinePolicy(
  namespace: string,
  pod: string,
  actionId: string,
  anomalyId: string,
  expiresAt: string,
  extra: { podUid?: string; restore?: Record<string, string> } = {},
): NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: quarantinePolicyName(pod),
      namespace,
      labels: { ...MANAGED_BY, [LABELS.action]: quarantineToken(actionId) },
      annotations: {
        [ANNOTATIONS.anomalyId]: anomalyId,
        [ANNOTATIONS.actionId]: actionId,
        [ANNOTATIONS.kind]: 'quarantine',
        [ANNOTATIONS.expiresAt]: expiresAt,
        [ANNOTATIONS.pod]: pod,
        ...(extra.podUid ? { [ANNOTATIONS.podUid]: extra.podUid } : {}),
        ...(extra.restore ? { [ANNOTATIONS.restoreLabels]: JSON.stringify(sortKeys(extra.restore)) } : {}),
      },
    },
    spec: {
      podSelector: { matchLabels: { [QUARANTINE_LABEL]: quarantineToken(actionId) } },
      policyTypes: ['Ingress', 'Egress'],
      // Explicit empty rule lists: with server-side apply boundwatch then owns them, so a rule
      // someone else adds conflicts, and a re-apply (force) takes the policy back to deny-all.
      ingress: [],
      egress: [],
    },
  };
}

/** The mechanism a quarantine uses. */
export type QuarantineMechanism = 'cluster-network-policy' | 'network-policy';

export function quarantineClusterPolicyName(namespace: string, pod: string): string {
  return boundedName('boundwatch-quarantine', `${namespace}-${pod}`);
}

/**
 * The Admin-tier Deny of a quarantine: subject the pods of `namespace` carrying the action's
 * token; every ingress from any pod denied, every egress (any pod, any address) denied. Priority
 * 0 is evaluated first (lower first; ties by name).
 */
export function quarantineClusterPolicy(namespace: string, pod: string, actionId: string, anomalyId: string, expiresAt: string, extra: { podUid?: string } = {}): ClusterNetworkPolicy {
  const token = quarantineToken(actionId);
  return {
    apiVersion: 'networking.k8s.aws/v1alpha1',
    kind: 'ClusterNetworkPolicy',
    metadata: {
      name: quarantineClusterPolicyName(namespace, pod),
      labels: { ...MANAGED_BY, [LABELS.action]: token },
      annotations: {
        [ANNOTATIONS.anomalyId]: anomalyId,
        [ANNOTATIONS.actionId]: actionId,
        [ANNOTATIONS.kind]: 'quarantine',
        [ANNOTATIONS.expiresAt]: expiresAt,
        [ANNOTATIONS.namespace]: namespace,
        [ANNOTATIONS.pod]: pod,
        ...(extra.podUid ? { [ANNOTATIONS.podUid]: extra.podUid } : {}),
      },
    },
    spec: {
      tier: 'Admin',
      priority: 0,
      subject: { pods: { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector: { matchLabels: { [QUARANTINE_LABEL]: token } } } },
      ingress: [{ name: 'boundwatch-quarantine-deny-ingress', action: 'Deny', from: [{ namespaces: {} }] }],
      egress: [{ name: 'boundwatch-quarantine-deny-egress', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0', '::/0'] }] }],
    },
  };
}

export function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]!]));
}

/** The labels a quarantine removes: all of them, except a quarantine label already present. */
export function labelsToRemove(labels: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(labels ?? {}) };
  delete out[QUARANTINE_LABEL];
  return sortKeys(out);
}

/** What happens to the pod's controller when the pod stops matching its selector. */
export function ownerConsequence(pod: V1Pod): string {
  const ref = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller) ?? pod.metadata?.ownerReferences?.[0];
  const owner = podOwner(pod);
  if (!ref) return 'it has no controller: nothing replaces it while it is quarantined';
  switch (ref.kind) {
    case 'ReplicaSet':
      return `its ReplicaSet ${ref.name}${owner?.kind === 'Deployment' ? ` (Deployment ${owner.name})` : ''} releases it and starts a replacement, so the workload keeps serving`;
    case 'StatefulSet':
      return `StatefulSet ${ref.name} cannot recreate a pod of the same name while this one exists: that replica stays out of service until release`;
    case 'DaemonSet':
      return `DaemonSet ${ref.name} releases it and starts a replacement on node ${pod.spec?.nodeName ?? 'its node'}`;
    case 'Job':
      return `Job ${ref.name} releases it and may start a replacement pod`;
    default:
      return `its controller ${ref.kind} ${ref.name} may release it and start a replacement`;
  }
}

/**
 * EKS caveat (shared/netpol/README.md#amazon-eks, aws-network-policy-agent#327): the VPC CNI
 * agent documents policies only for pods with ownerReferences and keys pods by name prefix.
 * Once its controller releases it, a quarantined pod has no ownerReferences.
 */
export function eksCaveat(pod: V1Pod): string {
  if (!(pod.metadata?.ownerReferences ?? []).length) return 'on EKS the VPC CNI network policy agent does not enforce policies on pods without ownerReferences: confirm the isolation, or enforce with Calico or Cilium';
  return `on EKS the VPC CNI network policy agent documents policies only for pods with ownerReferences, which this pod loses when its controller releases it: confirm the isolation on node ${pod.spec?.nodeName ?? '(unknown)'}`;
}

export interface QuarantineFacts {
  /** The live pod; `undefined` when this run has no cluster access, `null` when it is gone. */
  pod: V1Pod | null | undefined;
  /** The mechanism chosen (config or API discovery); default relabel + deny-all. */
  mechanism?: QuarantineMechanism;
  /** Why that mechanism, for the action's `changes`. */
  mechanismWhy?: string;
}

export function planQuarantine(intent: ActionIntent, anomaly: BehaviorAnomaly, facts: QuarantineFacts): ActionPlan {
  const ns = intent.target.namespace!;
  const name = intent.target.name;
  const token = quarantineToken(intent.id);
  const base = quarantinePolicy(ns, name, intent.id, anomaly.id, intent.expiresAt);
  const revertLine = `revert at ${intent.expiresAt}: restore the pod's labels and delete the policy`;
  const policyLine = `apply NetworkPolicy ${ns}/${base.metadata.name} selecting ${QUARANTINE_LABEL}=${token}: all ingress and egress denied`;
  const tokenUid = tokenPodUid(anomaly, ns, name);
  if (facts.pod === undefined) {
    return {
      operations: [{ op: 'quarantine-pod', namespace: ns, pod: name, ...(tokenUid ? { uid: tokenUid } : {}), token, policy: base }],
      changes: [
        'mechanism: NetworkPolicy relabel + deny-all (without cluster access the cluster\'s support for ClusterNetworkPolicy is unknown; where it is served, an Admin-tier deny is used instead)',
        policyLine,
        `label pod ${ns}/${name} ${QUARANTINE_LABEL}=${token} and remove all its other labels, so Services, its ReplicaSet and existing allow policies stop selecting it; the pod keeps running for forensics`,
        revertLine,
        'not verified: this run has no cluster access',
      ],
      policies: [base],
    };
  }
  const pod = facts.pod;
  const replaced = replacedPodReason(anomaly, ns, name, pod);
  if (replaced) return { skip: replaced, operations: [], changes: [], policies: [] };
  if (pod === null) return { skip: `pod ${ns}/${name} not found: it is gone already, nothing to isolate`, operations: [], changes: [], policies: [] };
  if (pod.spec?.hostNetwork) {
    return {
      skip: `pod ${ns}/${name} uses the host network: NetworkPolicies cannot select its traffic (it is the node's), so it cannot be quarantined; revoke its credentials or cordon and drain node ${pod.spec.nodeName ?? ''}`.trim(),
      operations: [],
      changes: [],
      policies: [],
    };
  }
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    return { skip: `pod ${ns}/${name} has finished (${phase}): nothing runs to isolate`, operations: [], changes: [], policies: [] };
  }
  const current = pod.metadata?.labels?.[QUARANTINE_LABEL];
  if (current !== undefined && current !== token) {
    return { skip: `pod ${ns}/${name} is already quarantined by another boundwatch action (${QUARANTINE_LABEL}=${current})`, operations: [], changes: [], policies: [] };
  }
  const uid = pod.metadata?.uid;
  if (facts.mechanism === 'cluster-network-policy') return planIsolation(intent, anomaly, pod, facts.mechanismWhy);
  const remove = labelsToRemove(pod.metadata?.labels);
  const policy = quarantinePolicy(ns, name, intent.id, anomaly.id, intent.expiresAt, { ...(uid ? { podUid: uid } : {}), restore: remove });
  const removed = Object.entries(remove).map(([k, v]) => `${k}=${v}`);
  const changes = [
    `mechanism: NetworkPolicy relabel + deny-all${facts.mechanismWhy ? ` (${facts.mechanismWhy})` : ''}`,
    policyLine,
    `label pod ${ns}/${name} ${QUARANTINE_LABEL}=${token} and remove its ${removed.length} other label${removed.length === 1 ? '' : 's'}${removed.length ? ` (${removed.join(', ')})` : ''}, so Services and existing allow policies stop selecting it; the pod keeps running for forensics`,
    ownerConsequence(pod),
  ];
  changes.push(eksCaveat(pod), revertLine);
  return {
    operations: [{ op: 'quarantine-pod', namespace: ns, pod: name, ...(uid ? { uid } : {}), token, policy, remove }],
    changes,
    policies: [policy],
  };
}

/** Quarantine by an Admin-tier ClusterNetworkPolicy Deny: the pod keeps its labels and its controller. */
function planIsolation(intent: ActionIntent, anomaly: BehaviorAnomaly, pod: V1Pod, why: string | undefined): ActionPlan {
  const ns = intent.target.namespace!;
  const name = intent.target.name;
  const token = quarantineToken(intent.id);
  const uid = pod.metadata?.uid;
  const extra = uid ? { podUid: uid } : {};
  const clusterPolicy = quarantineClusterPolicy(ns, name, intent.id, anomaly.id, intent.expiresAt, extra);
  const policy = quarantinePolicy(ns, name, intent.id, anomaly.id, intent.expiresAt, extra);
  return {
    operations: [{ op: 'isolate-pod', namespace: ns, pod: name, ...(uid ? { uid } : {}), token, clusterPolicy, policy }],
    changes: [
      `mechanism: ClusterNetworkPolicy, Admin tier, Deny${why ? ` (${why})` : ''}`,
      `apply ClusterNetworkPolicy ${clusterPolicy.metadata.name} (tier Admin, priority 0) selecting pods of namespace ${ns} with ${QUARANTINE_LABEL}=${token}: ingress from every pod and egress to every pod and address denied; NetworkPolicies cannot override the Admin tier`,
      `apply NetworkPolicy ${ns}/${policy.metadata.name} selecting ${QUARANTINE_LABEL}=${token}: all ingress and egress denied (covers ingress from outside the cluster, which the Admin tier cannot name)`,
      `label pod ${ns}/${name} ${QUARANTINE_LABEL}=${token}; its other labels and owner references stay, so its controller keeps it and starts no replacement (it stays in its Services' endpoints, where the deny drops the traffic)`,
      `on EKS the ClusterNetworkPolicy needs the VPC CNI 1.21.1+ on Kubernetes 1.29+ (or Auto Mode) with network policy enforcement on: confirm on node ${pod.spec?.nodeName ?? '(unknown)'}`,
      `revert at ${intent.expiresAt}: remove the quarantine label and delete both policies`,
    ],
    policies: [policy],
  };
}
