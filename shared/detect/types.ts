/**
 * The detector contract. A detector is a small pure function: it looks at one audit request
 * of one principal, and at that principal's profile as it stood before the request, and
 * returns findings. The engine (engine.ts) feeds requests in time order and updates the
 * profile after each one, so "first use" fires once even within one batch.
 */
import type { AuditEvent } from '../audit/event';
import type { Behavior } from '../audit/behavior';
import type { Principal, RequestFeatures } from '../audit/principal';
import type { SourceNetwork } from '../audit/network';
import type { PrincipalProfile } from '../baseline/profile';
import type { DetectionConfig } from './config';

export interface AuditFacts {
  event: AuditEvent;
  timeMs: number;
  principal: Principal;
  features: RequestFeatures;
  behavior: Behavior;
  sourceNet: SourceNetwork;
  userAgentFamily: string;
  succeeded: boolean;
}

export interface DetectionContext {
  cluster: string;
  config: DetectionConfig;
  /** First event time seen for the cluster; baseline detectors stay quiet before it + clusterLearningDays. */
  clusterFirstSeen: number;
  /**
   * The principal's profile as stored before this payload, for explanations: "what was normal"
   * must not include requests of the very incident being reported. Undefined for a new principal.
   */
  priorProfile?: PrincipalProfile;
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
  /** What was normal for this principal, in words a responder can act on. */
  baseline: string;
}

export type AuditDetector = (facts: AuditFacts, profile: PrincipalProfile, ctx: DetectionContext) => FindingDraft[];
