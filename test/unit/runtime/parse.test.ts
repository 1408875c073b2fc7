import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAwslogsData } from '#shared/audit/cloudwatch';
import type { SequenceSignal } from '#shared/events/schema';
import { decodeRuntimeDelivery, parseRuntimeRecord } from '#shared/runtime/delivery';
import { falcoSeverity, parseFalcoRecord } from '#shared/runtime/falco';
import { guardDutySeverity, isUsedFindingType, parseGuardDutyEvent } from '#shared/runtime/guardduty';
import type { ParsedRecord } from '#shared/runtime/signal';

const text = (name: string) => readFileSync(join(__dirname, '../../fixtures/runtime', name), 'utf8').trim();
const json = (name: string) => JSON.parse(text(name)) as Record<string, unknown>;

function signals(r: ParsedRecord): SequenceSignal[] {
  if (r.ok !== true) throw new Error(`expected signals, got ${JSON.stringify(r)}`);
  return r.signals;
}

describe('Falcosidekick payloads', () => {
  it('reads rule, priority, time, workload, image, process and MITRE tags of a terminal shell', () => {
    const [s] = signals(parseFalcoRecord(text('falco-terminal-shell.json')));
    expect(s).toMatchObject({
      id: 'falco:6f3c1a52-8f1e-4c1b-9d0a-2b7a3f0f4e11',
      layer: 'runtime',
      source: 'falco',
      type: 'Terminal shell in container',
      time: '2026-11-10T02:05:12.418Z',
      severity: 'LOW',
      tactics: ['Execution'],
      techniques: ['T1059'],
      workload: { namespace: 'shop', pod: 'checkout-7c9d5b8f6-x2k4q' },
      process: { name: 'bash', executable: '/usr/bin/bash', commandLine: 'bash -il', parent: 'runc' },
      join: 'unjoined',
    });
    expect(s!.workload!.podUid).toBeUndefined();
    expect(s!.baseline).toContain('ghcr.io/acme/checkout:v2.3.1');
  });

  it('keeps the pod UID, the remote address and null fields of a reverse shell', () => {
    const [s] = signals(parseFalcoRecord(json('falco-reverse-shell.json')));
    expect(s!.workload).toEqual({ namespace: 'shop', pod: 'checkout-7c9d5b8f6-x2k4q', podUid: 'uid-checkout-7c9d5b8f6-x2k4q' });
    expect(s!.endpoints).toEqual(['203.0.113.66']);
  });

  it('maps every Falco priority, case-insensitively, and refuses unknown ones', () => {
    expect(['Emergency', 'ALERT', 'critical', 'Error', 'Warning', 'Notice', 'Informational', 'info', 'Debug'].map(falcoSeverity)).toEqual([
      'CRITICAL', 'CRITICAL', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'LOW', 'LOW', 'LOW',
    ]);
    const bad = { ...json('falco-terminal-shell.json'), priority: 'Loud' };
    expect(parseFalcoRecord(bad)).toMatchObject({ ok: false, reason: 'not-falco-payload' });
  });

  it('rejects what Falcosidekick itself would drop, and bad JSON, time and size', () => {
    const base = json('falco-terminal-shell.json');
    const { rule: _r, ...noRule } = base;
    expect(parseFalcoRecord(noRule)).toMatchObject({ ok: false, reason: 'not-falco-payload' });
    expect(parseFalcoRecord({ ...base, output_fields: {} })).toMatchObject({ ok: false, reason: 'not-falco-payload' });
    expect(parseFalcoRecord({ ...base, time: 'yesterday' })).toMatchObject({ ok: false, reason: 'bad-time' });
    expect(parseFalcoRecord('{"rule":')).toMatchObject({ ok: false, reason: 'not-json' });
    expect(parseFalcoRecord('x'.repeat(300_000))).toMatchObject({ ok: false, reason: 'too-large' });
    expect(parseFalcoRecord({ ...base, rule: 'Falco internal: syscall event drop' })).toEqual({ ok: 'ignored', reason: 'falco-internal' });
  });

  it('redacts tokens in command lines and treats <NA> as absent', () => {
    const base = json('falco-terminal-shell.json');
    const fields = { ...(base.output_fields as object), 'proc.cmdline': 'curl -H "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789" https://kubernetes.default', 'k8s.pod.name': '<NA>' };
    const [s] = signals(parseFalcoRecord({ ...base, output_fields: fields }));
    expect(s!.process!.commandLine).not.toContain('abcdefghijklmnop');
    expect(s!.workload).toEqual({ namespace: 'shop' });
  });

  it('gives a record without uuid a stable id from what identifies it', () => {
    const { uuid: _u, ...rest } = json('falco-terminal-shell.json');
    const a = signals(parseFalcoRecord(rest))[0]!.id;
    expect(signals(parseFalcoRecord(JSON.stringify(rest)))[0]!.id).toBe(a);
    expect(signals(parseFalcoRecord({ ...rest, time: '2026-11-10T02:05:13Z' }))[0]!.id).not.toBe(a);
  });
});

describe('GuardDuty findings from EventBridge', () => {
  it('reads a Runtime Monitoring finding: workload, service account, process and remote address', () => {
    const [s] = signals(parseGuardDutyEvent(json('guardduty-runtime-reverse-shell.json')));
    expect(s).toMatchObject({
      id: 'guardduty:9ec7f2a1b3d84c6e8f0a1b2c3d4e5f60',
      layer: 'runtime',
      type: 'Execution:Runtime/ReverseShell',
      time: '2026-11-10T04:09:31.000Z',
      severity: 'HIGH',
      tactics: ['Execution'],
      workload: { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'node-debugger' }, serviceAccount: 'default' },
      principal: 'system:serviceaccount:kube-system:default',
      process: { name: 'sh', executable: '/bin/busybox', commandLine: 'sh -i', parent: 'nc' },
      endpoints: ['45.137.21.9'],
      join: 'guardduty',
    });
    // A DaemonSet's uid is not a pod UID.
    expect(s!.workload!.podUid).toBeUndefined();
  });

  it('reads an audit-log finding: the pod, its UID, the object and the caller address', () => {
    const [s] = signals(parseGuardDutyEvent(json('guardduty-audit-malicious-ip.json')));
    expect(s).toMatchObject({
      layer: 'api',
      tactics: ['CredentialAccess'],
      workload: { namespace: 'shop', pod: 'checkout-7c9d5b8f6-x2k4q', podUid: 'uid-checkout-7c9d5b8f6-x2k4q', serviceAccount: 'checkout' },
      principal: 'system:serviceaccount:shop:checkout',
      resources: ['kube-system/secrets/aws-load-balancer-tls'],
      endpoints: ['203.0.113.66'],
    });
  });

  it('unfolds an attack sequence finding into its signals, each with its own time and layer', () => {
    const out = signals(parseGuardDutyEvent(json('guardduty-attack-sequence.json')));
    expect(out.map((s) => [s.id, s.layer, s.time, s.severity, s.tactics, s.endpoints])).toEqual([
      ['guardduty:3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3f/sig-1', 'runtime', '2026-11-10T02:05:12.000Z', 'MEDIUM', ['Execution'], []],
      ['guardduty:3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3f/sig-2', 'api', '2026-11-10T02:17:55.000Z', 'HIGH', ['CredentialAccess'], ['203.0.113.66']],
    ]);
    expect(out.every((s) => s.workload?.podUid === 'uid-checkout-7c9d5b8f6-x2k4q')).toBe(true);
  });

  it('ignores findings about other resources and archived findings; rejects what is not a finding', () => {
    expect(parseGuardDutyEvent(json('guardduty-ec2-finding.json'))).toEqual({ ok: 'ignored', reason: 'not-kubernetes' });
    const archived = json('guardduty-runtime-reverse-shell.json');
    (archived.detail as { service: { archived: boolean } }).service.archived = true;
    expect(parseGuardDutyEvent(archived)).toEqual({ ok: 'ignored', reason: 'archived' });
    const noSeverity = json('guardduty-runtime-reverse-shell.json');
    delete (noSeverity.detail as { severity?: number }).severity;
    expect(parseGuardDutyEvent(noSeverity)).toMatchObject({ ok: false, reason: 'not-guardduty-finding' });
    expect(parseGuardDutyEvent({ source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: 'x' })).toMatchObject({ ok: false, reason: 'not-guardduty-finding' });
  });

  it('uses GuardDuty severity bands and only the EKS finding families', () => {
    expect([1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(guardDutySeverity)).toEqual(['LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH', 'CRITICAL', 'CRITICAL']);
    expect(['Execution:Runtime/ReverseShell', 'Discovery:Kubernetes/SuccessfulAnonymousAccess', 'AttackSequence:EKS/CompromisedCluster'].every(isUsedFindingType)).toBe(true);
    expect(['Recon:EC2/PortProbeUnprotectedPort', 'AttackSequence:S3/CompromisedData'].some(isUsedFindingType)).toBe(false);
  });
});

describe('deliveries', () => {
  const falcoLines = [text('falco-terminal-shell.json'), text('falco-reverse-shell.json')];

  it('decodes a CloudWatch Logs subscription payload of Falco records, counting the bad one', () => {
    const payload = encodeAwslogsData({
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/falco/alerts',
      logStream: 'falcosidekick-logstream',
      subscriptionFilters: ['boundwatch-falco'],
      logEvents: [...falcoLines, 'not json'].map((message, i) => ({ id: String(i), timestamp: 1794276312418, message })),
    });
    const out = decodeRuntimeDelivery(payload);
    expect(out).toMatchObject({ kind: 'cloudwatch-logs', received: 3, rejected: { 'not-json': 1 } });
    expect(out.signals.map((s) => s.type)).toEqual(['Terminal shell in container', 'Redirect STDOUT/STDIN to Network Connection in Container']);
    expect(decodeRuntimeDelivery({ awslogs: { data: '!!!' } })).toMatchObject({ rejected: { 'invalid-base64': 1 }, signals: [] });
  });

  it('decodes an SQS batch of Falcosidekick messages', () => {
    const event = { Records: [...falcoLines, '{"priority":"Notice"}'].map((body, i) => ({ messageId: `m${i}`, eventSource: 'aws:sqs', body })) };
    const out = decodeRuntimeDelivery(event);
    expect(out).toMatchObject({ kind: 'sqs', received: 3, rejected: { 'not-falco-payload': 1 } });
    expect(out.signals).toHaveLength(2);
  });

  it('takes GuardDuty findings and boundwatch anomalies from EventBridge; anything else is counted', () => {
    expect(decodeRuntimeDelivery(json('guardduty-runtime-reverse-shell.json'))).toMatchObject({ kind: 'guardduty', received: 1 });
    expect(decodeRuntimeDelivery({ hello: 'world' })).toMatchObject({ kind: 'unknown', rejected: { 'unknown-event': 1 } });
    expect(parseRuntimeRecord(text('guardduty-audit-malicious-ip.json'))).toMatchObject({ ok: true });
  });
});
