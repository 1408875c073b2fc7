/**
 * Quarantine plan for one pod. NetworkPolicies only add allowances (reference
 * networkpolicy-semantics.md §7), so a deny-all policy alone would leave the pod reachable
 * through any policy that already allows it. The plan therefore relabels the pod with a
 * quarantine label (and strips the labels that Services, ReplicaSets and allow policies select
 * on, so the controller replaces it and nothing selects it any more) and applies a deny-all
 * policy that selects only the quarantine label. The pod keeps running for forensics.
 */
import { stableId } from '../events/ids';

export const QUARANTINE_LABEL = 'boundwatch.io/quarantine';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'boundwatch' } as const;

export interface NetworkPolicyManifest {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: Array<'Ingress' | 'Egress'>;
    ingress?: unknown[];
    egress?: unknown[];
  };
}

/** A DNS-1123 name of at most 63 characters: a readable prefix plus a hash for uniqueness. */
export function boundedName(prefix: string, subject: string, max = 63): string {
  const hash = stableId(prefix, subject).slice(0, 8);
  const clean = subject.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const room = max - prefix.length - hash.length - 2;
  const middle = clean.slice(0, Math.max(0, room)).replace(/-+$/g, '');
  return [prefix, middle, hash].filter(Boolean).join('-');
}

export function quarantineToken(actionId: string): string {
  return actionId.replaceAll('-', '').slice(0, 16);
}

export function quarantinePolicy(namespace: string, pod: string, actionId: string, anomalyId: string, expiresAt: string): NetworkPolicyManifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: boundedName('boundwatch-quarantine', pod),
      namespace,
      labels: { ...MANAGED_BY, 'boundwatch.io/action': quarantineToken(actionId) },
      annotations: { 'boundwatch.io/anomaly-id': anomalyId, 'boundwatch.io/action-id': actionId, 'boundwatch.io/expires-at': expiresAt },
    },
    spec: {
      podSelector: { matchLabels: { [QUARANTINE_LABEL]: quarantineToken(actionId) } },
      policyTypes: ['Ingress', 'Egress'],
    },
  };
}
