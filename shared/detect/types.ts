/**
 * The detector contract. A detector is a small pure function: it looks at one audit request
 * of one principal, and at what is known about that principal before the request (its own
 * profile, its peer group's, the cluster), and returns findings. The engine (engine.ts) feeds
 * requests in time order and learns from each one after judging it, so "first use" fires once
 * even within one batch.
 */
import type { AuditEvent } from '../audit/event';
import type { Behavior } from '../audit/behavior';
import type { Principal, RequestFeatures } from '../audit/principal';
import type { SourceNetwork } from '../audit/network';
import type { PrincipalProfile } from './baseline';
import type { DetectionConfig, DetectorId } from './config';
import type { DetectionIntel } from './ip-list';

export interface AuditFacts {
  event: AuditEvent;
  timeMs: number;
  principal: Principal;
  features: RequestFeatures;
  behavior: Behavior;
  sourceNet: SourceNetwork;
  userAgentFamily: string;
  succeeded: boolean;
  /** A platform identity acting on a system namespace or cluster-wide (see audit/actor.ts). */
  systemActor: boolean;
  /** The caller looks like a person (hour-of-week profile, softer scoring of exploration). */
  human: boolean;
  /** Peer group of this request's principal: `kubelets`, `control-plane`, `workload:<ns>/<owner>`. */
  group?: string;
  /** exec, attach or port-forward: logged at ResponseStarted and again at ResponseComplete. */
  connect: boolean;
}

/** Cluster-wide knowledge, taken from the peer-group profiles of the platform itself. */
export interface ClusterKnowledge {
  /** Networks the kubelets established: the cluster's own egress, even when public (NAT). */
  nodeNets: ReadonlySet<string>;
  /** Namespace → when the control plane first touched it. */
  namespaces: Readonly<Record<string, { first: number }>>;
}

export interface DetectionContext {
  cluster: string;
  config: DetectionConfig;
  /** First event time seen for the cluster; baseline detectors stay quiet before it + clusterLearningDays. */
  clusterFirstSeen: number;
  /**
   * Peer-group profiles, for judging. Ingestion hands over the same objects `learnGroup` learns
   * into, so a member is judged by what members earlier in its payload taught the group.
   */
  groups?: ReadonlyMap<string, PrincipalProfile>;
  /** The peer-group profiles this payload learns into (absent: no group learning). */
  learnGroup?: (groupKey: string, type: PrincipalProfile['type'], at: number) => PrincipalProfile | undefined;
  knowledge?: ClusterKnowledge;
  intel?: DetectionIntel;
}

/** What a request is judged against. */
export interface Baseline {
  /** `self`: the principal's own profile; `group`: a new principal judged against its peers. */
  kind: 'self' | 'group';
  /** The principal's working profile (before this request) when `self`, else the group's. */
  profile: PrincipalProfile;
  /** The peer group's profile, when the principal has a mature one (consulted as well). */
  group?: PrincipalProfile;
  groupKey?: string;
}

export interface JudgeState {
  ctx: DetectionContext;
  config: DetectionConfig;
  /** The principal's working profile, before this request is learned. */
  self: PrincipalProfile;
  /**
   * The principal's profile as handed to detection, for explanations (undefined for a new
   * principal): as stored before this payload, or the working profile itself when detection
   * learns in place (then "what was normal" is as of just before the request).
   */
  prior?: PrincipalProfile | undefined;
  /** Undefined while the cluster, the principal and its peer group are all still learning. */
  baseline?: Baseline | undefined;
  /** The stored peer-group profile of this request, mature or not. */
  group?: PrincipalProfile | undefined;
  /** The cluster is past its learning period. */
  clusterMature: boolean;
}

export interface FindingDraft {
  type: string;
  title: string;
  description: string;
  mitre: string[];
  /** 0–100: how alarming this finding is on its own. */
  score: number;
  /** What the cooldown is keyed on besides the type (e.g. the behavior key). */
  subject: string;
  /** What was normal for this principal, in words a responder can act on (computed only when raised). */
  baseline: string | (() => string);
  /** Set by signature detectors: the risky pattern, muted once established for the principal or its group. */
  pattern?: string;
}

export interface AuditDetector {
  id: DetectorId;
  /** `baseline` detectors need a baseline; `signature` detectors fire from the first event. */
  kind: 'baseline' | 'signature';
  detect(facts: AuditFacts, state: JudgeState): readonly FindingDraft[];
}

export const NONE: readonly FindingDraft[] = Object.freeze([]);
