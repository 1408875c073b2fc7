/**
 * Pods (and pod templates of workloads) with risky settings: privileged containers, sensitive
 * hostPath mounts, host namespaces, dangerous capabilities, root. Falco's Create Privileged /
 * Sensitive Mount / HostNetwork / HostPid / HostIPC Pod, Panther's Pod.* rules, GuardDuty's
 * WorkloadDeployed!PrivilegedContainer / ContainerWithSensitiveMount. Trusted images (the
 * platform's own) are exempt, and so are platform controllers creating pods in system
 * namespaces; a pattern the principal (e.g. the DaemonSet controller for node-exporter)
 * established is muted.
 */
import { carriesPodSpec, imageRepo, podSpecOf, type ContainerView } from '../../audit/request-object';
import { NONE, type AuditDetector, type FindingDraft } from '../types';
import { isTrustedImage } from './images';
import { copyScore, ruleDraft, wrote } from './rule';

/** Falco's sensitive_vol_mount list. */
const SENSITIVE_PATHS = new Set([
  '/', '/proc', '/var/run/docker.sock', '/etc', '/root', '/var/run/crio/crio.sock', '/run/containerd/containerd.sock',
  '/home/admin', '/var/lib/kubelet', '/var/lib/kubelet/pki', '/etc/kubernetes', '/etc/kubernetes/manifests',
]);
const RUNTIME_SOCKETS = /\.sock$/;
const DANGEROUS_CAPS = new Set(['SYS_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_BOOT', 'NET_ADMIN', 'NET_RAW', 'DAC_READ_SEARCH', 'DAC_OVERRIDE', 'BPF', 'PERFMON', 'ALL', 'CAP_SYS_ADMIN']);
const WORKLOAD_WRITE = new Set(['create', 'update', 'patch']);
const POD_CREATE = new Set(['create']);

function normPath(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

export const riskyPodSpec: AuditDetector = {
  id: 'risky-pod-spec',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref?.resource || ref.subresource || !carriesPodSpec(ref.resource)) return NONE;
    if (!wrote(f, ref.resource === 'pods' ? POD_CREATE : WORKLOAD_WRITE) || f.systemActor) return NONE;
    const spec = podSpecOf(f.event);
    if (!spec) return NONE;
    const cfg = state.config;
    const untrusted = spec.containers.filter((c) => !isTrustedImage(c.image, cfg));
    if (untrusted.length === 0) return NONE;
    const ns = ref.namespace ?? '-';
    const where = `${ref.resource === 'pods' ? 'pod' : ref.resource.replace(/s$/, '')} ${ns}/${ref.name ?? '(generated name)'}`;
    const repos = (cs: ContainerView[]) => [...new Set(cs.map((c) => (c.image ? imageRepo(c.image) : '?')))].sort().join(',');
    const out: FindingDraft[] = [];
    const add = (type: string, what: string, score: number, mitre: string[], cs: ContainerView[]) =>
      out.push(
        ruleDraft(state, f, {
          type,
          title: `${what} (${where})`,
          description: `${f.principal.key} made ${f.event.verb} on ${where} ${what.toLowerCase()}; image${cs.length === 1 ? '' : 's'} ${repos(cs)}.`,
          mitre,
          score: copyScore(f, score),
          pattern: `${ns}|${repos(cs)}`,
        }),
      );
    const privileged = untrusted.filter((c) => c.privileged);
    if (privileged.length) add('PrivilegedContainer', 'Privileged container', 65, ['T1611', 'T1610'], privileged);
    const sensitive = [...spec.hostPaths].filter(([, p]) => SENSITIVE_PATHS.has(normPath(p)) || RUNTIME_SOCKETS.test(p));
    if (sensitive.length) {
      const writable = untrusted.some((c) => sensitive.some(([name]) => c.writableMounts.has(name)));
      const critical = sensitive.some(([, p]) => normPath(p) === '/' || RUNTIME_SOCKETS.test(p));
      add('SensitiveHostPathMount', `Sensitive host path mounted${writable ? ' writable' : ' read-only'}`, critical ? 75 : writable ? 65 : 40, ['T1611'], untrusted);
    }
    if (spec.hostPID) add('HostPIDPod', 'Host PID namespace shared', 60, ['T1611'], untrusted);
    if (spec.hostIPC) add('HostIPCPod', 'Host IPC namespace shared', 50, ['T1611'], untrusted);
    if (spec.hostNetwork) add('HostNetworkPod', 'Host network namespace shared', 45, ['T1611'], untrusted);
    const caps = untrusted.filter((c) => c.addedCapabilities.some((x) => DANGEROUS_CAPS.has(x)));
    if (caps.length) add('DangerousCapabilities', 'Dangerous Linux capabilities added', 55, ['T1611'], caps);
    const root = untrusted.filter((c) => c.runAsRoot && !c.privileged);
    if (root.length) add('RootContainer', 'Container set to run as root', 25, ['T1610'], root);
    return out.length ? out : NONE;
  },
};
