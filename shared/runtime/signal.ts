/**
 * Runtime signals as the rest of boundwatch sees them: every supported input (Falcosidekick
 * payloads, GuardDuty findings) is parsed at the edge into `SequenceSignal`s (shared/events/
 * schema.ts). Nothing here throws on bad input: every problem is a counted reason.
 */
import type { SequenceSignal, Severity } from '../events/schema';
import { redactSecrets } from '../alerts/redact';

export const RuntimeRejectReason = {
  invalidBase64: 'invalid-base64',
  badGzip: 'bad-gzip',
  notJson: 'not-json',
  notSubscriptionPayload: 'not-subscription-payload',
  tooLarge: 'too-large',
  notFalcoPayload: 'not-falco-payload',
  badTime: 'bad-time',
  notGuardDutyFinding: 'not-guardduty-finding',
  unknownEvent: 'unknown-event',
} as const;
export type RuntimeRejectReason = (typeof RuntimeRejectReason)[keyof typeof RuntimeRejectReason];

/** Records read but deliberately not turned into signals (counted, never an error). */
export const RuntimeIgnoreReason = {
  /** A GuardDuty finding about something other than an EKS cluster. */
  notKubernetes: 'not-kubernetes',
  /** Archived (suppressed) GuardDuty findings; GuardDuty leaves them out of sequences too. */
  archived: 'archived',
  /** Falco's own health events (syscall drops, plugin errors), not about a workload. */
  falcoInternal: 'falco-internal',
} as const;
export type RuntimeIgnoreReason = (typeof RuntimeIgnoreReason)[keyof typeof RuntimeIgnoreReason];

export type ParsedRecord =
  | { ok: true; signals: SequenceSignal[] }
  | { ok: false; reason: RuntimeRejectReason; detail: string }
  | { ok: 'ignored'; reason: RuntimeIgnoreReason };

/** One record (a Falco JSON line, one GuardDuty finding) is at most this many characters. */
export const MAX_RECORD_CHARS = 256 * 1024;
/** Free text kept from a sensor (command lines, outputs) is clipped to this many characters. */
export const MAX_TEXT = 300;
/** Lists (endpoints, resources, tags) keep at most this many entries. */
export const MAX_LIST = 20;

/** Attacker-influenced text (command lines, Falco outputs): redacted, one line, bounded. */
export function safeText(value: unknown, max = MAX_TEXT): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value);
  if (text === '' || text === '<NA>') return undefined;
  const oneLine = redactSecrets(text.slice(0, max * 4)).replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** A short identifier-like value (names, uids, addresses) or undefined when absent or oversized. */
export function ident(value: unknown, max = 253): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (text === '' || text === '<NA>' || text.length > max) return undefined;
  return text;
}

export function uniqList(values: Array<string | undefined>, cap = MAX_LIST): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort().slice(0, cap);
}

export function toIsoTime(value: unknown): string | undefined {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

/** The service-account principal name Kubernetes gives a pod's token. */
export function serviceAccountPrincipal(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

export type { Severity };
