/**
 * Attack sequences: signals of different layers (runtime, audit, network, DNS) that concern
 * the same workload or principal within a window of event time, told as one story.
 *
 * Signals are tied by correlation keys: the pod UID, the pod, the workload (owner), the
 * principal, and the objects a principal wrote (the pod or workload it created). Grouping is
 * greedy in event-time order: a signal joins every open group it shares a key with whose first
 * signal is at most `windowMs` older (merging them), else opens a group. The outcome depends
 * only on the set of signals, never on the order they arrived in.
 *
 * A group is a sequence when it spans at least two layers and two tactics and one of its
 * signals is at least MEDIUM; runtime noise on its own (one layer) never is. Severity rises
 * with the number of distinct tactics and never falls below the worst signal.
 */
import { stableId } from '../events/ids';
import {
  SCHEMA_VERSION,
  SEVERITIES,
  severityRank,
  type ActionKind,
  type AttackSequence,
  type PrincipalType,
  type SequenceSignal,
  type Severity,
  type WorkloadRef,
} from '../events/schema';
import { orderedTactics } from './tactics';

export const DEFAULT_SEQUENCE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const MAX_SEQUENCE_SIGNALS = 100;

export interface SequenceOptions {
  cluster: string;
  windowMs?: number;
}

/** Object kinds (audit resource names) whose objects are workloads, by the kind workloadOf gives. */
const WORKLOAD_RESOURCES: Record<string, string> = {
  deployments: 'Deployment',
  daemonsets: 'DaemonSet',
  statefulsets: 'StatefulSet',
  replicasets: 'ReplicaSet',
  jobs: 'Job',
  cronjobs: 'CronJob',
};

/**
 * Principals that tie signals: service accounts other than `default` (which many unrelated
 * workloads share), IAM principals and users. Nodes and control-plane identities act for
 * everyone and would tie everything.
 */
function principalKey(name: string | undefined): string | undefined {
  if (!name) return undefined;
  if (name.startsWith('system:serviceaccount:')) return name.endsWith(':default') ? undefined : `principal:${name}`;
  if (name.startsWith('system:') || name.startsWith('eks:')) return undefined;
  return `principal:${name}`;
}

export function correlationKeys(s: SequenceSignal): string[] {
  const keys = new Set<string>();
  const w = s.workload;
  if (w?.podUid) keys.add(`uid:${w.podUid}`);
  if (w?.pod) keys.add(`pod:${w.namespace}/${w.pod}`);
  if (w?.owner && w.owner.kind !== 'Pod') keys.add(`workload:${w.namespace}/${w.owner.kind}/${w.owner.name}`);
  const p = principalKey(s.principal);
  if (p) keys.add(p);
  for (const r of s.resources) {
    const [ns = '', resource = '', name = ''] = r.split('/');
    if (!name) continue;
    if (resource === 'pods') keys.add(`pod:${ns}/${name}`);
    else if (WORKLOAD_RESOURCES[resource]) keys.add(`workload:${ns}/${WORKLOAD_RESOURCES[resource]}/${name}`);
  }
  return [...keys].sort();
}

function principalType(name: string): PrincipalType {
  if (name.startsWith('system:serviceaccount:')) return 'ServiceAccount';
  if (/^arn:aws[\w-]*:iam::\d{12}:role\//.test(name)) return 'IAMRole';
  if (/^arn:aws[\w-]*:iam::\d{12}:user\//.test(name)) return 'IAMUser';
  return 'User';
}

/** Severity from the number of distinct tactics: 2 medium, 3 high, 4 or more critical. */
export function sequenceSeverity(distinctTactics: number, worst: Severity): Severity {
  const byTactics = distinctTactics >= 4 ? 3 : distinctTactics === 3 ? 2 : distinctTactics === 2 ? 1 : 0;
  return SEVERITIES[Math.max(byTactics, severityRank(worst))] as Severity;
}

function recommended(signals: SequenceSignal[], workloads: WorkloadRef[], actors: AttackSequence['actors']): ActionKind[] {
  const out = new Set<ActionKind>();
  if (workloads.some((w) => w.pod) && signals.some((s) => s.layer === 'runtime')) out.add('quarantine');
  if (signals.some((s) => s.layer === 'network' || s.tactics.includes('CommandAndControl') || s.tactics.includes('Exfiltration'))) out.add('tighten-egress');
  if (actors.some((a) => a.type !== 'User')) out.add('revoke-credentials');
  out.add('notify');
  return [...out];
}

interface Group {
  start: number;
  keys: Set<string>;
  signals: SequenceSignal[];
}

/** Groups of linked signals (see the module comment); pure and order-independent. */
export function groupSignals(signals: readonly SequenceSignal[], windowMs = DEFAULT_SEQUENCE_WINDOW_MS): SequenceSignal[][] {
  const unique = new Map<string, SequenceSignal>();
  for (const s of signals) if (!unique.has(s.id) && Number.isFinite(Date.parse(s.time))) unique.set(s.id, s);
  const ordered = [...unique.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id));
  const groups: Group[] = [];
  for (const s of ordered) {
    const t = Date.parse(s.time);
    const keys = correlationKeys(s);
    const hits = groups.filter((g) => t - g.start <= windowMs && keys.some((k) => g.keys.has(k)));
    if (hits.length === 0) {
      if (keys.length) groups.push({ start: t, keys: new Set(keys), signals: [s] });
      continue;
    }
    const [into, ...rest] = hits as [Group, ...Group[]];
    for (const g of rest) {
      into.start = Math.min(into.start, g.start);
      for (const k of g.keys) into.keys.add(k);
      into.signals.push(...g.signals);
      groups.splice(groups.indexOf(g), 1);
    }
    for (const k of keys) into.keys.add(k);
    into.signals.push(s);
  }
  return groups.map((g) => g.signals.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id)));
}

/** Whether a group of signals tells an attack (see the module comment). */
export function isSequence(signals: readonly SequenceSignal[]): boolean {
  const layers = new Set(signals.map((s) => s.layer));
  const tactics = new Set(signals.flatMap((s) => s.tactics));
  return layers.size >= 2 && tactics.size >= 2 && signals.some((s) => severityRank(s.severity) >= severityRank('MEDIUM'));
}

function workloadsOf(signals: readonly SequenceSignal[]): WorkloadRef[] {
  const byKey = new Map<string, WorkloadRef>();
  for (const s of signals) {
    const w = s.workload;
    if (!w) continue;
    const key = w.pod ? `${w.namespace}/${w.pod}` : w.owner ? `${w.namespace}/${w.owner.kind}/${w.owner.name}` : `${w.namespace}/sa/${w.serviceAccount ?? ''}`;
    const prev = byKey.get(key);
    // The richest description of the same pod wins (inventory-joined beats bare names).
    if (!prev || Object.keys(w).length > Object.keys(prev).length) byKey.set(key, w);
  }
  return [...byKey.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([, w]) => w);
}

export function toSequence(cluster: string, group: readonly SequenceSignal[]): AttackSequence {
  const signals = group.slice(0, MAX_SEQUENCE_SIGNALS);
  const first = signals[0] as SequenceSignal;
  const last = signals[signals.length - 1] as SequenceSignal;
  // Tactics in story order: as the signals reached them, each signal's in kill-chain order.
  const tactics = [...new Set(signals.flatMap((s) => orderedTactics(s.tactics)))];
  const worst = signals.reduce<Severity>((m, s) => (severityRank(s.severity) > severityRank(m) ? s.severity : m), 'LOW');
  const principals = [...new Set(signals.map((s) => s.principal).filter((p): p is string => !!p))].sort();
  const actors = principals.slice(0, 10).map((name) => {
    // The richest description a signal gave of this principal (its session), else one from the name.
    const named = signals.map((s) => s.actor).filter((a) => a?.name === name);
    const richest = named.reduce<(typeof named)[number]>((best, a) => (a && (!best || Object.keys(a).length > Object.keys(best).length) ? a : best), undefined);
    if (richest) return richest;
    const type = principalType(name);
    const namespace = type === 'ServiceAccount' ? name.split(':')[2] : undefined;
    return { type, name, ...(namespace ? { namespace } : {}) };
  });
  const workloads = workloadsOf(signals).slice(0, 10);
  const subject = workloads[0] ? `${workloads[0].namespace}/${workloads[0].pod ?? workloads[0].owner?.name ?? workloads[0].serviceAccount ?? ''}` : (principals[0] ?? 'unknown');
  return {
    schemaVersion: SCHEMA_VERSION,
    id: stableId('sequence', cluster, first.id),
    cluster,
    severity: sequenceSeverity(tactics.length, worst),
    title: `Attack sequence on ${subject}: ${tactics.join(' → ')}`.slice(0, 300),
    tactics,
    actors,
    workloads,
    resources: [...new Set(signals.flatMap((s) => s.resources))].sort().slice(0, 20),
    endpoints: [...new Set(signals.flatMap((s) => s.endpoints))].sort().slice(0, 20),
    signals,
    window: { start: first.time, end: last.time },
    recommendedActions: recommended(signals, workloads, actors),
  };
}

/** Every attack sequence among the signals. */
export function buildSequences(signals: readonly SequenceSignal[], opts: SequenceOptions): AttackSequence[] {
  return groupSignals(signals, opts.windowMs ?? DEFAULT_SEQUENCE_WINDOW_MS)
    .filter(isSequence)
    .map((g) => toSequence(opts.cluster, g));
}
