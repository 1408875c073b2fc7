/**
 * The two events boundwatch emits on its EventBridge bus (shared/events/README.md). These schemas are
 * the public contract that users' rules and targets rely on: version them, never loosen them.
 */
import { z } from 'zod';

export const EVENT_SOURCE = 'boundwatch';
export const DetailType = {
  anomaly: 'Behavior Anomaly',
  enforcement: 'Enforcement Action',
  sequence: 'Attack Sequence',
} as const;
export const SCHEMA_VERSION = '1';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** Numeric rank, for `severity >= threshold` comparisons. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export const PRINCIPAL_TYPES = ['ServiceAccount', 'IAMRole', 'IAMUser', 'User', 'Node', 'Anonymous', 'System'] as const;
export const PrincipalType = z.enum(PRINCIPAL_TYPES);
export type PrincipalType = z.infer<typeof PrincipalType>;

export const ACTIONS = ['quarantine', 'tighten-egress', 'revoke-credentials', 'notify'] as const;
export const ActionKind = z.enum(ACTIONS);
export type ActionKind = z.infer<typeof ActionKind>;

export const PrincipalRef = z.object({
  type: PrincipalType,
  name: z.string().min(1),
  namespace: z.string().optional(),
  arn: z.string().optional(),
  sessionName: z.string().optional(),
  /**
   * IAM principals: `user.extra.principalId` of the session (for a role, `<role id>:<session
   * name>`, the value of `aws:userid`) and its `accessKeyId`, so a response can name this
   * session and not every session of a shared role.
   */
  principalId: z.string().optional(),
  accessKeyId: z.string().optional(),
  groups: z.array(z.string()).optional(),
});
export type PrincipalRef = z.infer<typeof PrincipalRef>;

export const OwnerRef = z.object({ kind: z.string(), name: z.string() });

export const WorkloadRef = z.object({
  namespace: z.string(),
  pod: z.string().optional(),
  /** The pod's UID, when the source names it (bound-token audit events, runtime sensors). */
  podUid: z.string().optional(),
  serviceAccount: z.string().optional(),
  owner: OwnerRef.optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type WorkloadRef = z.infer<typeof WorkloadRef>;

/** One flow of network evidence (category `network`). Addresses and counts only, never payloads. */
export const FlowEvidence = z.object({
  src: z.string(),
  dst: z.string(),
  dstPort: z.number().int(),
  protocol: z.string(),
  bytes: z.number(),
  packets: z.number(),
  start: z.string().optional(),
  end: z.string().optional(),
  peer: z.string().optional(),
});
export type FlowEvidence = z.infer<typeof FlowEvidence>;

export const Evidence = z.object({
  auditIDs: z.array(z.string()).optional(),
  flows: z.array(FlowEvidence).optional(),
  count: z.number().int().nonnegative(),
  sourceIPs: z.array(z.string()),
  /** X-Forwarded-For hops the client claimed, when any: evidence only, never trusted. */
  forwardedFor: z.array(z.string()).optional(),
  userAgents: z.array(z.string()),
  /** What was normal for this principal, in words a responder can act on. */
  baseline: z.string(),
  /** Objects the requests wrote, as `namespace/resource/name` (e.g. the pod a principal created). */
  objects: z.array(z.string()).optional(),
  /** DNS query names that show the finding (category `network`), escaped and bounded. */
  queryNames: z.array(z.string()).optional(),
});
export type Evidence = z.infer<typeof Evidence>;

export const Finding = z.object({
  type: z.string().min(1),
  title: z.string(),
  description: z.string(),
  mitre: z.array(z.string()),
  evidence: Evidence,
});
export type Finding = z.infer<typeof Finding>;

export const BehaviorAnomaly = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string().min(1),
  cluster: z.string().min(1),
  category: z.enum(['api', 'network']),
  severity: Severity,
  score: z.number().min(0).max(100),
  principal: PrincipalRef,
  workload: WorkloadRef.optional(),
  findings: z.array(Finding).min(1),
  window: z.object({ start: z.string(), end: z.string() }),
  recommendedActions: z.array(ActionKind),
});
export type BehaviorAnomaly = z.infer<typeof BehaviorAnomaly>;

export const ENFORCEMENT_MODES = ['off', 'dry-run', 'apply'] as const;
export const EnforcementMode = z.enum(ENFORCEMENT_MODES);
export type EnforcementMode = z.infer<typeof EnforcementMode>;

export const OUTCOMES = ['planned', 'applied', 'skipped', 'failed', 'reverted'] as const;
export const Outcome = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof Outcome>;

export const TARGET_KINDS = ['Pod', 'Deployment', 'ServiceAccount', 'IAMRole', 'IAMUser'] as const;

export const EnforcementAction = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string().min(1),
  anomalyId: z.string().min(1),
  cluster: z.string().min(1),
  action: ActionKind,
  target: z.object({
    kind: z.enum(TARGET_KINDS),
    namespace: z.string().optional(),
    name: z.string(),
    arn: z.string().optional(),
  }),
  /** `dry-run | apply` (shared/events/README.md#enforcement-action); an action under `off` is never emitted. */
  mode: z.enum(['dry-run', 'apply']),
  outcome: Outcome,
  reason: z.string().optional(),
  changes: z.array(z.string()),
  expiresAt: z.string().optional(),
  /** The anomaly's severity: an action not taken pages when it is HIGH or above (rules.ts). */
  severity: Severity.optional(),
  /**
   * With outcome `failed`: part of the action holds and part does not (isolation that leaves
   * paths open, a multi-step action that stopped halfway with changes that stay until they
   * expire); the reason and `changes` say which. Absent otherwise.
   */
  partial: z.literal(true).optional(),
});
export type EnforcementAction = z.infer<typeof EnforcementAction>;

/** An event exactly as an EventBridge target receives it. */
export interface EventBridgeEvent<TDetailType extends string, TDetail> {
  version: '0';
  id: string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  'detail-type': TDetailType;
  detail: TDetail;
}

export const EventBridgeEnvelope = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
});

/** Which layer of the defense saw a signal of an attack sequence. */
export const SIGNAL_LAYERS = ['runtime', 'api', 'network', 'dns'] as const;
export const SignalLayer = z.enum(SIGNAL_LAYERS);
export type SignalLayer = z.infer<typeof SignalLayer>;

/** One signal of an attack sequence: a runtime alert, a GuardDuty finding or a boundwatch anomaly. */
export const SequenceSignal = z.object({
  /** Stable id of the signal (anomaly id, GuardDuty finding id, Falco event uuid or digest). */
  id: z.string().min(1),
  layer: SignalLayer,
  /** `falco`, `guardduty` or `boundwatch`. */
  source: z.string().min(1),
  /** Falco rule, GuardDuty finding type, or the anomaly's finding types. */
  type: z.string().min(1),
  title: z.string(),
  /** Event time (ISO). */
  time: z.string(),
  severity: Severity,
  /** MITRE ATT&CK tactics (e.g. `Execution`, `CredentialAccess`) and technique ids. */
  tactics: z.array(z.string()),
  techniques: z.array(z.string()),
  /** What made it unusual: the baseline it broke, or the sensor's own reason. */
  baseline: z.string(),
  workload: WorkloadRef.optional(),
  /** The principal acting (`system:serviceaccount:ns:sa`, an IAM ARN, a user name). */
  principal: z.string().optional(),
  /** The same principal with its session (IAM `principalId`, session name), when the source names it (boundwatch's own anomalies). */
  actor: PrincipalRef.omit({ groups: true }).optional(),
  process: z.object({ name: z.string().optional(), executable: z.string().optional(), commandLine: z.string().optional(), parent: z.string().optional() }).optional(),
  /** Network endpoints (IP addresses, domains) and objects (`namespace/resource/name`) involved. */
  endpoints: z.array(z.string()),
  resources: z.array(z.string()),
  /** How the signal was tied to its workload: `pod-uid`, `pod-name`, `guardduty`, `anomaly` or `unjoined`. */
  join: z.string(),
});
export type SequenceSignal = z.infer<typeof SequenceSignal>;

/**
 * Signals of several layers tied to one workload or principal within a window, as one story.
 * The id is stable: the same signals re-derived on redelivery give the same id, and a sequence
 * that grows keeps its id (it is anchored on its first signal, and once published on the id it
 * was published under, even when an older signal arrives late).
 */
export const AttackSequence = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string().min(1),
  cluster: z.string().min(1),
  severity: Severity,
  title: z.string(),
  /** Distinct tactics, in the order the story reached them. */
  tactics: z.array(z.string()),
  /** Who acted, with the session of each where a signal named it (so a response can revoke that session only). */
  actors: z.array(PrincipalRef.omit({ groups: true })),
  workloads: z.array(WorkloadRef),
  resources: z.array(z.string()),
  endpoints: z.array(z.string()),
  /** Ordered by event time; at most 100. */
  signals: z.array(SequenceSignal).min(2).max(100),
  window: z.object({ start: z.string(), end: z.string() }),
  recommendedActions: z.array(ActionKind),
});
export type AttackSequence = z.infer<typeof AttackSequence>;

export type AnomalyEvent = EventBridgeEvent<typeof DetailType.anomaly, BehaviorAnomaly>;
export type EnforcementEvent = EventBridgeEvent<typeof DetailType.enforcement, EnforcementAction>;
export type SequenceEvent = EventBridgeEvent<typeof DetailType.sequence, AttackSequence>;
