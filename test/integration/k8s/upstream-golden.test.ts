import { startKubeFixture, type KubeFixture } from '#test/support/kube-apiserver/fixture';
import { upstreamValidationCases } from '#test/support/netpol-golden';

// The test API server must answer every upstream case as kube-apiserver does: 201 for the valid
// ones, and for the invalid ones the exact Status body (message, reason, details, causes).
describe('test API server against the upstream NetworkPolicy corpus', () => {
  let k: KubeFixture;
  const cases = upstreamValidationCases();

  beforeAll(async () => {
    k = await startKubeFixture();
    const ns = await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bar' } });
    expect(ns.status).toBe(201);
  });
  afterAll(async () => k.stop());

  function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${k.api.url}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${k.api.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await post('/apis/networking.k8s.io/v1/namespaces/bar/networkpolicies', c.policy);
    const body = (await res.json()) as unknown;
    expect(res.status).toBe(c.status);
    if (c.status === 422) expect(body).toEqual(c.body);
    else {
      expect(body).toMatchObject({ kind: 'NetworkPolicy', metadata: { name: 'foo', namespace: 'bar' } });
      // Each success case is its own create: remove it so the next one can use the same name.
      const del = await fetch(`${k.api.url}/apis/networking.k8s.io/v1/namespaces/bar/networkpolicies/foo`, { method: 'DELETE', headers: { Authorization: `Bearer ${k.api.token}` } });
      expect(del.status).toBe(200);
    }
  });
});
