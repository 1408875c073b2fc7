import { parseManifestText } from '#shared/netpol/manifest';
import { formatReport, summarize, validateDocuments } from '#shared/netpol/report';
import { answerProbe } from '#shared/netpol/simulate';
import { cluster, engine, policy } from './factories';

describe('answerProbe', () => {
  const inv = cluster({
    pods: [
      { id: 'x/client', ip: '10.1.0.9' },
      { id: 'y/web-1', ip: '10.1.1.5', labels: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
    ],
    services: [{ namespace: 'y', name: 'web', clusterIP: '172.20.0.10', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }],
  });
  const e = engine(inv, [policy('y/only-8080', { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] })]);

  test('keeps the probe fields as written and adds allowed and reason', () => {
    const probe = { from: 'x/client', to: 'y/web-1', port: 8080, protocol: 'tcp', note: 'kept' };
    expect(answerProbe(e, probe, 0).line).toEqual({ ...probe, allowed: true, reason: expect.stringContaining('ingress allowed by y/only-8080 ingress[0]') });
  });

  test('a Service probe with --explain lists the backends and the resolved port', () => {
    const { line } = answerProbe(e, { from: 'x/client', to: { service: 'y/web' }, port: 'http' }, 0, { explain: true });
    expect(line).toMatchObject({ allowed: true, resolvedPort: 8080, backends: [{ pod: 'y/web-1', allowed: true }] });
    expect(line.ingress).toMatchObject({ kind: 'allowed-by-rule', policy: 'y/only-8080' });
  });

  test('a malformed probe is an error line, not an exception', () => {
    expect(answerProbe(e, 'x/client', 4).line).toEqual({ probe: 'x/client', error: 'probe 4: must be an object with from, to and port' });
    expect(answerProbe(e, { from: 'x/client', port: 80 }, 1).error).toBe('probe 1: to: must be "ns/pod", {"ip": "..."}, {"domain": "...", "ip": "..."} or {"service": "ns/name"}');
  });
});

describe('validation report', () => {
  const docs = parseManifestText(
    [
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ok, namespace: x}\nspec: {podSelector: {}}',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: x}',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: typo, namespace: x}\nspec: {ingres: []}',
    ].join('\n---\n'),
    'p.yaml',
  );

  test('strict field validation (the default) fails unknown fields; warn and ignore do not', () => {
    expect(validateDocuments(docs).map((r) => r.status)).toEqual(['valid', 'invalid', 'skipped', 'invalid']);
    const warn = validateDocuments(docs, { fieldValidation: 'warn' });
    expect(warn[3]).toMatchObject({ status: 'valid', warnings: expect.arrayContaining(['unknown field "spec.ingres"']) });
    expect(validateDocuments(docs, { fieldValidation: 'ignore' })[3]!.warnings).not.toContain('unknown field "spec.ingres"');
  });

  test('formats one header per document, indented details and a summary', () => {
    const reports = validateDocuments(docs);
    expect(summarize(reports)).toEqual({ documents: 4, valid: 1, invalid: 2, skipped: 1, warnings: 1 });
    expect(formatReport(reports)).toBe(
      [
        'p.yaml#1 NetworkPolicy/x/ok: OK',
        'p.yaml#2 NetworkPolicy/x/bad: INVALID, 1 error',
        '  error: spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'p.yaml#3 Service/x/s: skipped (not a NetworkPolicy)',
        'p.yaml#4 NetworkPolicy/x/typo: INVALID, 1 error, 1 warning',
        '  error: unknown field "spec.ingres"',
        '  warning: spec.podSelector: not set; it means {} and selects every pod in namespace x',
        '4 documents: 1 valid, 2 invalid, 1 skipped; 1 warning',
        '',
      ].join('\n'),
    );
  });
});
