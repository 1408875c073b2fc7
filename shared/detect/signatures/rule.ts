/**
 * Shared shape of signature findings: raised from the first event, explained with whatever is
 * known about the principal, and (unless `pattern` is false) muted once the same risky pattern
 * is established for the principal or its peer group — a rule engine that learns what is
 * routine here.
 */
import { explain } from '../explain';
import type { AuditEvent } from '../../audit/event';
import type { AuditFacts, FindingDraft, JudgeState } from '../types';

export interface RuleHit {
  type: string;
  title: string;
  description: string;
  mitre: string[];
  score: number;
  /** Cooldown subject; defaults to the pattern, else the behavior key. */
  subject?: string;
  /** The risky pattern that, once established, mutes this rule for the principal; false: never muted. */
  pattern: string | false;
}

export function ruleDraft(state: JudgeState, f: AuditFacts, hit: RuleHit): FindingDraft {
  const pattern = hit.pattern === false ? undefined : `${hit.type}|${hit.pattern}`;
  return {
    type: hit.type,
    title: hit.title,
    description: hit.description,
    mitre: hit.mitre,
    score: hit.score,
    subject: hit.subject ?? (hit.pattern === false ? f.behavior.key : hit.pattern),
    baseline: () => explain(state, f, { rule: true }),
    ...(pattern ? { pattern } : {}),
  };
}

/**
 * Whether a request created an object: a `create`, or a server-side apply (`patch` with a
 * `fieldManager`) answered 201 Created, which is how GitOps tools and `kubectl apply
 * --server-side` create objects.
 */
export function isCreation(e: AuditEvent): boolean {
  return e.verb === 'create' || (e.verb === 'patch' && e.responseStatus?.code === 201);
}

/** Whether a request wrote successfully (create/update/patch) — the moment a rule on a body applies. */
export function wrote(f: AuditFacts, verbs: ReadonlySet<string> = WRITE): boolean {
  return f.succeeded && (verbs.has(f.event.verb) || (verbs.has('create') && isCreation(f.event)));
}

export const WRITE: ReadonlySet<string> = new Set(['create', 'update', 'patch']);
export const CREATE: ReadonlySet<string> = new Set(['create']);

/**
 * Success as the published rules read it: an explicit 2xx (or 101 for streams), or an allow
 * decision when the status is absent. A record with neither says nothing about success.
 */
export function explicitlySucceeded(f: AuditFacts): boolean {
  const code = f.event.responseStatus?.code;
  if (code !== undefined) return (code >= 200 && code < 300) || code === 101;
  return f.event.annotations?.['authorization.k8s.io/decision'] === 'allow';
}

/**
 * A pod a built-in controller creates is a copy of a template someone else wrote (a node
 * replaced, a rollout, a Job run): the template write was judged at full weight; a copy is
 * context (LOW), so node churn does not page for every re-created pod.
 */
export function copyScore(f: AuditFacts, score: number): number {
  return f.event.objectRef?.resource === 'pods' && f.group === 'control-plane' ? Math.min(score, COPY_SCORE) : score;
}

const COPY_SCORE = 30;
