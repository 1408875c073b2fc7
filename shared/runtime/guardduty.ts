/**
 * GuardDuty findings as EventBridge delivers them on the default bus: `source: aws.guardduty`,
 * `detail-type: GuardDuty Finding`, `detail` the finding (lowerCamel keys, as in the GuardDuty
 * API's Finding): `id`, `type`, `severity` (1–10), `createdAt`/`updatedAt`, `resource`
 * (`resourceType`, `eksClusterDetails`, `kubernetesDetails.kubernetesWorkloadDetails` and
 * `kubernetesUserDetails`) and `service` (`eventFirstSeen`, `archived`, `featureName`,
 * `runtimeDetails.process`, `action.kubernetesApiCallAction`, `detection.sequence`).
 *
 * Three kinds are used: EKS audit-log findings (`…:Kubernetes/…`), Runtime Monitoring findings
 * (`…:Runtime/…`) and Extended Threat Detection's `AttackSequence:EKS/CompromisedCluster`, whose
 * own signals are unfolded into ours so that its story joins boundwatch's. A finding keeps its
 * id when GuardDuty updates it (count, last seen), so a re-sent finding is the same signal.
 */
import { z } from 'zod';
import { RuleTarget, type RuleDefinition } from '../events/rules';
import type { SequenceSignal, SignalLayer, Severity, WorkloadRef } from '../events/schema';
import { ident, MAX_LIST, RuntimeIgnoreReason, RuntimeRejectReason, safeText, serviceAccountPrincipal, toIsoTime, uniqList, type ParsedRecord } from './signal';
import { orderedTactics, tacticOfGuardDutyType } from './tactics';
import { describeIssues } from '../errors';

export const GUARDDUTY_SOURCE = 'aws.guardduty';
export const GUARDDUTY_DETAIL_TYPE = 'GuardDuty Finding';
export const ATTACK_SEQUENCE_EKS = 'AttackSequence:EKS/CompromisedCluster';

/**
 * The finding types the EventBridge rule forwards: the EKS audit-log and Runtime Monitoring
 * families (by prefix of the part after the colon) and the EKS attack sequence.
 */
export const GUARDDUTY_TYPE_PREFIXES = ['Kubernetes/', 'Runtime/'] as const;
export function isUsedFindingType(type: string): boolean {
  if (type === ATTACK_SEQUENCE_EKS) return true;
  const family = type.split(':')[1] ?? '';
  return GUARDDUTY_TYPE_PREFIXES.some((p) => family.startsWith(p));
}

const Str = z.string().max(2048);
const Time = z.union([z.string(), z.number()]);

const RemoteIp = z.object({ ipAddressV4: Str.optional(), ipAddressV6: Str.optional() }).partial();

const Finding = z.object({
  schemaVersion: Str.optional(),
  accountId: Str.optional(),
  region: Str.optional(),
  id: z.string().min(1).max(300),
  arn: Str.optional(),
  type: z.string().min(1).max(100),
  title: Str.optional(),
  severity: z.number().min(0).max(10),
  createdAt: Time.optional(),
  updatedAt: Time.optional(),
  resource: z
    .object({
      resourceType: Str.optional(),
      eksClusterDetails: z.object({ name: Str.optional(), arn: Str.optional() }).partial().optional(),
      kubernetesDetails: z
        .object({
          kubernetesWorkloadDetails: z
            .object({
              name: Str.optional(),
              type: Str.optional(),
              uid: Str.optional(),
              namespace: Str.optional(),
              serviceAccountName: Str.optional(),
              hostNetwork: z.boolean().optional(),
              containers: z.array(z.object({ name: Str.optional(), image: Str.optional() }).partial()).max(100).optional(),
            })
            .partial()
            .optional(),
          kubernetesUserDetails: z.object({ username: Str.optional(), uid: Str.optional(), groups: z.array(Str).max(100).optional() }).partial().optional(),
        })
        .partial()
        .optional(),
    })
    .partial()
    .default({}),
  service: z
    .object({
      archived: z.boolean().optional(),
      featureName: Str.optional(),
      eventFirstSeen: Time.optional(),
      eventLastSeen: Time.optional(),
      count: z.number().optional(),
      action: z
        .object({
          kubernetesApiCallAction: z
            .object({
              requestUri: Str.optional(),
              verb: Str.optional(),
              userAgent: Str.optional(),
              remoteIpDetails: RemoteIp.optional(),
              namespace: Str.optional(),
              resource: Str.optional(),
              subresource: Str.optional(),
              resourceName: Str.optional(),
            })
            .partial()
            .optional(),
          networkConnectionAction: z.object({ remoteIpDetails: RemoteIp.optional() }).partial().optional(),
        })
        .partial()
        .optional(),
      runtimeDetails: z
        .object({
          process: z
            .object({
              name: Str.optional(),
              executablePath: Str.optional(),
              lineage: z.array(z.object({ name: Str.optional() }).partial()).max(50).optional(),
            })
            .partial()
            .optional(),
          context: z.object({ commandLineExample: Str.optional(), addressFamily: Str.optional() }).partial().optional(),
        })
        .partial()
        .optional(),
      detection: z
        .object({
          sequence: z
            .object({
              uid: Str.optional(),
              description: Str.optional(),
              endpoints: z.array(z.object({ id: Str.optional(), ip: Str.optional(), domain: Str.optional() }).partial()).max(100).optional(),
              signals: z
                .array(
                  z.object({
                    uid: z.string().min(1).max(300),
                    type: Str,
                    name: Str,
                    description: Str.optional(),
                    firstSeenAt: Time.optional(),
                    createdAt: Time.optional(),
                    severity: z.number().optional(),
                    count: z.number().optional(),
                    endpointIds: z.array(Str).max(100).optional(),
                  }),
                )
                .max(100)
                .optional(),
            })
            .partial()
            .optional(),
        })
        .partial()
        .optional(),
    })
    .partial()
    .default({}),
});
export type GuardDutyFinding = z.infer<typeof Finding>;

const Envelope = z.object({ source: z.literal(GUARDDUTY_SOURCE), 'detail-type': z.literal(GUARDDUTY_DETAIL_TYPE), detail: z.unknown() });

/** GuardDuty's severity bands: 1–3.9 low, 4–6.9 medium, 7–8.9 high, 9–10 critical. */
export function guardDutySeverity(score: number): Severity {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  return 'LOW';
}

export function isGuardDutyEvent(event: unknown): boolean {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return e?.source === GUARDDUTY_SOURCE && e['detail-type'] === GUARDDUTY_DETAIL_TYPE;
}

/** Parses an EventBridge `GuardDuty Finding` event (or a bare finding, as the API returns it). */
export function parseGuardDutyEvent(event: unknown): ParsedRecord {
  const envelope = Envelope.safeParse(event);
  const parsed = Finding.safeParse(envelope.success ? envelope.data.detail : event);
  if (!parsed.success) {
    return { ok: false, reason: RuntimeRejectReason.notGuardDutyFinding, detail: `not a GuardDuty finding (${describeIssues(parsed.error.issues, 1)})` };
  }
  return guardDutySignals(parsed.data);
}

function workloadRef(f: GuardDutyFinding): WorkloadRef | undefined {
  const w = f.resource.kubernetesDetails?.kubernetesWorkloadDetails;
  const namespace = ident(w?.namespace);
  if (!w || !namespace) return undefined;
  const name = ident(w.name);
  const kind = ident(w.type, 63);
  // The uid names the workload; it is a pod's UID only when the workload is a pod.
  const isPod = kind !== undefined && /^pods?$/i.test(kind);
  const sa = ident(w.serviceAccountName);
  return {
    namespace,
    ...(isPod && name ? { pod: name } : {}),
    ...(isPod && ident(w.uid) ? { podUid: ident(w.uid) } : {}),
    ...(!isPod && kind && name ? { owner: { kind: normalizeKind(kind), name } } : {}),
    ...(sa ? { serviceAccount: sa } : {}),
  };
}

/** GuardDuty writes workload types as `Deployment`, `deployments`, `DAEMONSETS`...: one spelling. */
function normalizeKind(kind: string): string {
  const k = kind.toLowerCase().replace(/s$/, '');
  const known: Record<string, string> = {
    deployment: 'Deployment', daemonset: 'DaemonSet', statefulset: 'StatefulSet', replicaset: 'ReplicaSet',
    job: 'Job', cronjob: 'CronJob', replicationcontroller: 'ReplicationController', pod: 'Pod',
  };
  return known[k] ?? kind;
}

function layerOfFinding(f: GuardDutyFinding): SignalLayer {
  const family = f.type.split(':')[1] ?? '';
  if (family.startsWith('Runtime/') || f.service.featureName === 'RuntimeMonitoring') return 'runtime';
  if (family.endsWith('!DNS')) return 'dns';
  return 'api';
}

/** The layer of one of an attack sequence's signals, from its type and (for findings) its name. */
function layerOfSequenceSignal(type: string, name: string): SignalLayer {
  const t = type.toUpperCase();
  if (t.includes('RUNTIME')) return 'runtime';
  if (t.includes('FLOW')) return 'network';
  if (t.includes('DNS') || name.endsWith('!DNS')) return 'dns';
  if (t === 'FINDING' && (name.split(':')[1] ?? '').startsWith('Runtime/')) return 'runtime';
  return 'api';
}

export function guardDutySignals(f: GuardDutyFinding): ParsedRecord {
  if (f.service.archived) return { ok: 'ignored', reason: RuntimeIgnoreReason.archived };
  const isSequence = f.type === ATTACK_SEQUENCE_EKS;
  const k8s = f.resource.kubernetesDetails;
  if (!isSequence && !k8s && f.resource.resourceType !== 'EKSCluster') return { ok: 'ignored', reason: RuntimeIgnoreReason.notKubernetes };
  const time = toIsoTime(f.service.eventFirstSeen) ?? toIsoTime(f.createdAt) ?? toIsoTime(f.updatedAt);
  if (!time) return { ok: false, reason: RuntimeRejectReason.badTime, detail: 'GuardDuty finding has no valid time' };

  const workload = workloadRef(f);
  const sa = workload?.serviceAccount;
  const username = ident(k8s?.kubernetesUserDetails?.username);
  const principal = sa && workload ? serviceAccountPrincipal(workload.namespace, sa) : username;
  const api = f.service.action?.kubernetesApiCallAction;
  const proc = f.service.runtimeDetails?.process;
  const process = {
    ...(ident(proc?.name) ? { name: ident(proc?.name) } : {}),
    ...(ident(proc?.executablePath, 1024) ? { executable: ident(proc?.executablePath, 1024) } : {}),
    ...(safeText(f.service.runtimeDetails?.context?.commandLineExample) ? { commandLine: safeText(f.service.runtimeDetails?.context?.commandLineExample) } : {}),
    ...(ident(proc?.lineage?.[0]?.name) ? { parent: ident(proc?.lineage?.[0]?.name) } : {}),
  };
  const endpoints = uniqList([
    ident(api?.remoteIpDetails?.ipAddressV4),
    ident(api?.remoteIpDetails?.ipAddressV6),
    ident(f.service.action?.networkConnectionAction?.remoteIpDetails?.ipAddressV4),
    ident(f.service.action?.networkConnectionAction?.remoteIpDetails?.ipAddressV6),
  ]);
  const resource = api?.resource && api.resourceName ? `${api.namespace ?? ''}/${api.resource}/${api.resourceName}` : undefined;
  const base = {
    source: 'guardduty',
    ...(workload ? { workload } : {}),
    ...(principal ? { principal } : {}),
    join: workload ? 'guardduty' : 'unjoined',
  };
  const title = safeText(f.title, 200) ?? f.type;

  if (isSequence) {
    const seq = f.service.detection?.sequence;
    const byId = new Map((seq?.endpoints ?? []).map((e) => [e.id ?? '', ident(e.ip) ?? ident(e.domain)]));
    const signals: SequenceSignal[] = (seq?.signals ?? []).map((s) => {
      const tactic = tacticOfGuardDutyType(s.name);
      return {
        ...base,
        id: `guardduty:${f.id}/${s.uid}`,
        layer: layerOfSequenceSignal(s.type, s.name),
        type: safeText(s.name, 100) ?? s.type,
        title: safeText(s.description, 200) ?? safeText(s.name, 100) ?? s.type,
        time: toIsoTime(s.firstSeenAt) ?? toIsoTime(s.createdAt) ?? time,
        severity: guardDutySeverity(s.severity ?? f.severity),
        tactics: tactic ? [tactic] : [],
        techniques: [],
        baseline: `Part of GuardDuty's ${ATTACK_SEQUENCE_EKS} finding ${f.id}${seq?.description ? `: ${safeText(seq.description, 200)}` : ''}`,
        endpoints: uniqList((s.endpointIds ?? []).map((id) => byId.get(id))),
        resources: [],
      };
    });
    return { ok: true, signals: signals.slice(0, 100) };
  }

  const tactic = tacticOfGuardDutyType(f.type);
  const signal: SequenceSignal = {
    ...base,
    id: `guardduty:${f.id}`,
    layer: layerOfFinding(f),
    type: f.type,
    title,
    time,
    severity: guardDutySeverity(f.severity),
    tactics: orderedTactics(tactic ? [tactic] : []),
    techniques: [],
    baseline: `GuardDuty ${f.type} (severity ${f.severity}${f.service.count ? `, seen ${f.service.count} times` : ''})${
      f.resource.eksClusterDetails?.name ? ` on cluster ${ident(f.resource.eksClusterDetails.name)}` : ''
    }`,
    ...(Object.keys(process).length ? { process } : {}),
    endpoints: endpoints.slice(0, MAX_LIST),
    resources: resource && resource.length < 600 ? [resource] : [],
  };
  return { ok: true, signals: [signal] };
}

/** The cluster a finding is about, when it names one (to ignore other clusters' findings). */
export function guardDutyCluster(event: unknown): string | undefined {
  const d = (event as { detail?: { resource?: { eksClusterDetails?: { name?: unknown } } } } | null)?.detail;
  return ident(d?.resource?.eksClusterDetails?.name);
}

/**
 * GuardDuty findings on the account's default bus (GuardDuty publishes nowhere else): only the
 * finding types ingest-runtime uses (EKS audit-log `…:Kubernetes/…`, Runtime Monitoring
 * `…:Runtime/…`, and the EKS attack sequence), so other findings never invoke it. Findings are
 * not narrowed to a cluster here: an attack sequence finding need not name one, and
 * ingest-runtime ignores (and counts) findings of other clusters.
 */
export function guardDutyRule(): RuleDefinition {
  return {
    id: 'GuardDutyToSequences',
    description: 'GuardDuty EKS audit-log, Runtime Monitoring and EKS attack-sequence findings go to ingest-runtime',
    pattern: {
      source: [GUARDDUTY_SOURCE],
      'detail-type': [GUARDDUTY_DETAIL_TYPE],
      detail: { type: [...GUARDDUTY_TYPE_PREFIXES.map((p) => ({ wildcard: `*:${p}*` })), ATTACK_SEQUENCE_EKS] },
    },
    target: RuleTarget.runtime,
  };
}
