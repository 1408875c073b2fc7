/**
 * The network-category anomaly of one pod, as the flow and DNS detectors both raise it: the
 * pod's ServiceAccount is the principal (the credential enforcement acts on) and its workload
 * is named with its owner and stable labels.
 */
import { SCHEMA_VERSION, type ActionKind, type BehaviorAnomaly, type Finding, type Severity } from '../events/schema';
import type { PodEndpoint } from '../inventory/resolve';
import { stableLabels } from '../inventory/workload';

export interface PodAnomalyFacts {
  id: string;
  cluster: string;
  severity: Severity;
  score: number;
  findings: Finding[];
  /** Epoch ms of the first and last evidence. */
  window: { start: number; end: number };
  recommendedActions: ActionKind[];
}

export function podAnomaly(pod: PodEndpoint, a: PodAnomalyFacts): BehaviorAnomaly {
  const sa = pod.serviceAccount ?? 'default';
  return {
    schemaVersion: SCHEMA_VERSION,
    id: a.id,
    cluster: a.cluster,
    category: 'network',
    severity: a.severity,
    score: a.score,
    principal: { type: 'ServiceAccount', name: `system:serviceaccount:${pod.namespace}:${sa}`, namespace: pod.namespace },
    workload: {
      namespace: pod.namespace,
      pod: pod.pod,
      serviceAccount: sa,
      owner: { kind: pod.workload.kind, name: pod.workload.name },
      labels: stableLabels(pod.labels),
    },
    findings: a.findings,
    window: { start: new Date(a.window.start).toISOString(), end: new Date(a.window.end).toISOString() },
    recommendedActions: a.recommendedActions,
  };
}
