/**
 * The demo's runtime layer, and the network trace of the same attack, so that the stolen
 * checkout token is one story across three layers:
 * - runtime: Falco (as Falcosidekick sends it) sees an interactive shell spawned in the
 *   checkout pod shortly before the token is used;
 * - network: the checkout pod, whose egress never left the VPC, connects to 203.0.113.66;
 * - audit: the pod's service-account token is then used from 203.0.113.66 (demo-cluster.ts).
 * Besides the attack, the routine Falco noise of the benign days (an on-call engineer's
 * debugging shell in another pod, Prometheus reading its service-account token) must make no
 * sequence: it is one layer only and ties to no anomaly.
 */
import type { ClusterInventory } from '#shared/inventory/cluster';
import { BENIGN_DAYS, CHECKOUT_POD, DEMO_START } from './demo-cluster';

export const ATTACKER_IP = '203.0.113.66';
const DAY = 86_400_000;
const night = DEMO_START + BENIGN_DAYS * DAY;
/** The shell opens at 02:05, the pod calls out at 02:09; the token is used from outside at 02:17. */
export const DEMO_SHELL_AT = night + 2 * 3600_000 + 5 * 60_000;
const EGRESS_AT = night + 2 * 3600_000 + 9 * 60_000;

interface FalcoAlert {
  rule: string;
  priority: string;
  at: number;
  pod: { namespace: string; name: string };
  container: { id: string; name: string; image: string; tag: string };
  proc: { name: string; cmdline: string; pname: string; exepath: string };
  tags: string[];
  message: string;
  extra?: Record<string, string | number>;
}

/** One alert exactly as Falcosidekick posts it (its CloudWatch Logs and SQS outputs carry the same JSON). */
function falcoJson(a: FalcoAlert, n: number): string {
  // Falco writes nanoseconds.
  const time = `${new Date(a.at).toISOString().slice(0, -1)}000000Z`;
  const fields: Record<string, string | number> = {
    'container.id': a.container.id,
    'container.image.repository': a.container.image,
    'container.image.tag': a.container.tag,
    'container.name': a.container.name,
    'evt.time': a.at * 1_000_000,
    'evt.type': 'execve',
    'k8s.ns.name': a.pod.namespace,
    'k8s.pod.name': a.pod.name,
    'proc.cmdline': a.proc.cmdline,
    'proc.exepath': a.proc.exepath,
    'proc.name': a.proc.name,
    'proc.pname': a.proc.pname,
    'user.name': 'root',
    'user.uid': 0,
    ...a.extra,
  };
  const output = `${time.replace('Z', '+0000')}: ${a.priority} ${a.message} | process=${a.proc.name} command=${a.proc.cmdline} container_id=${a.container.id} container_name=${a.container.name} k8s_ns=${a.pod.namespace} k8s_pod_name=${a.pod.name}`;
  return JSON.stringify({
    uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    output,
    priority: a.priority,
    rule: a.rule,
    time,
    output_fields: fields,
    source: 'syscall',
    tags: a.tags,
    hostname: 'ip-10-20-2-7.ec2.internal',
  });
}

function podNamed(inventory: ClusterInventory, prefix: string): { namespace: string; name: string } {
  const p = inventory.pods.find((x) => `${x.namespace}/${x.name}`.startsWith(prefix));
  if (!p) throw new Error(`demo inventory has no pod ${prefix}*`);
  return { namespace: p.namespace, name: p.name };
}

/** Falcosidekick JSON lines: the benign days' noise, then the shell in the checkout pod. */
export function demoRuntimeLines(inventory: ClusterInventory): string[] {
  const shell = { name: 'bash', cmdline: 'bash -il', pname: 'runc', exepath: '/usr/bin/bash' };
  const worker = podNamed(inventory, 'backoffice/report-worker-');
  const prometheus = podNamed(inventory, 'monitoring/prometheus-');
  const alerts: FalcoAlert[] = [];
  // Routine: on-call debugging the report worker twice, in working hours.
  for (const day of [3, 6]) {
    alerts.push({
      rule: 'Terminal shell in container', priority: 'Notice', at: DEMO_START + day * DAY + 14 * 3600_000 + 12 * 60_000, pod: worker,
      container: { id: `5be1c0d2a9f${day}`, name: 'report-worker', image: 'ghcr.io/acme/report-worker', tag: 'v1.8.0' },
      proc: shell, tags: ['T1059', 'container', 'maturity_stable', 'mitre_execution', 'shell'], message: 'A shell was spawned in a container with an attached terminal',
    });
  }
  // Routine: Prometheus reads its own service-account token every day (a noisy community rule).
  for (let day = 1; day < BENIGN_DAYS; day++) {
    alerts.push({
      rule: 'Read sensitive file untrusted', priority: 'Notice', at: DEMO_START + day * DAY + 9 * 3600_000, pod: prometheus,
      container: { id: '7ac2e91f04b3', name: 'prometheus', image: 'quay.io/prometheus/prometheus', tag: 'v2.54.1' },
      proc: { name: 'prometheus', cmdline: 'prometheus --config.file=/etc/prometheus/prometheus.yml', pname: 'tini', exepath: '/bin/prometheus' },
      tags: ['T1555', 'container', 'filesystem', 'maturity_sandbox', 'mitre_credential_access'], message: 'Sensitive file opened for reading by non-trusted program',
      extra: { 'fd.name': '/var/run/secrets/kubernetes.io/serviceaccount/token', 'evt.type': 'openat' },
    });
  }
  // The attack: an interactive shell in the checkout pod.
  alerts.push({
    rule: 'Terminal shell in container', priority: 'Notice', at: DEMO_SHELL_AT, pod: { namespace: 'shop', name: CHECKOUT_POD },
    container: { id: '3ad7b26ded6d', name: 'checkout', image: 'ghcr.io/acme/checkout', tag: 'v2.3.1' },
    proc: shell, tags: ['T1059', 'container', 'maturity_stable', 'mitre_execution', 'shell'], message: 'A shell was spawned in a container with an attached terminal',
  });
  return alerts.sort((a, b) => a.at - b.at).map((a, i) => falcoJson(a, i + 1));
}

/**
 * The checkout pod's connection to the attacker, as VPC Flow Logs (v2) records of its own
 * interface (both directions), merged into the demo's flow lines in time order.
 */
export function withAttackerEgress(flowLines: string[], inventory: ClusterInventory): string[] {
  const ip = inventory.pods.find((p) => p.namespace === 'shop' && p.name === CHECKOUT_POD)?.ip;
  if (!ip) throw new Error('demo inventory has no checkout pod IP');
  const sample = flowLines.map((l) => l.split(' ')).find((f) => f[3] === ip);
  const [version = '2', account = '123456789012', eni = 'eni-unknown'] = sample ?? [];
  const start = Math.floor(EGRESS_AT / 1000);
  const end = start + 95;
  const extra = [
    `${version} ${account} ${eni} ${ip} ${ATTACKER_IP} 41822 443 6 41 48213 ${start} ${end} ACCEPT OK`,
    `${version} ${account} ${eni} ${ATTACKER_IP} ${ip} 443 41822 6 33 5120 ${start} ${end} ACCEPT OK`,
  ];
  const startOf = (l: string) => Number(l.split(' ')[10]) || 0;
  // A stable merge: every existing line keeps its order.
  const out: string[] = [];
  let i = 0;
  for (const l of flowLines) {
    while (i < extra.length && startOf(extra[i]!) < startOf(l)) out.push(extra[i++]!);
    out.push(l);
  }
  out.push(...extra.slice(i));
  return out;
}
