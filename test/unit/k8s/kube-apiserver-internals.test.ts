/**
 * The pure parts of the test API server: selector grammar and matching, the patch formats and
 * the field-ownership model of server-side apply. The wire behaviour is covered by
 * test/integration/k8s; these pin the semantics the server's answers are built on.
 */
import { ApiError } from '#test/support/kube-apiserver/status';
import { jsonPatch, mergePatch, strategicMergePatch, type JsonObject } from '#test/support/kube-apiserver/patch';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '#test/support/kube-apiserver/selectors';
import { applyConfig, fieldSet, recordUpdate } from '#test/support/kube-apiserver/ssa';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', version: '3' };
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web,api)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['version>2', true],
    ['version<3', false],
    ['app=web,tier=back', false],
    ['  app = web ,  tier in ( front ) ', true],
  ])('%j matches: %s', (sel, expected) => {
    expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(expected);
  });

  it.each(['app in ()', 'bad key=x', 'app=bad value', 'app=x,', '==x'])('rejects %j with a 400', (sel) => {
    expect(() => parseLabelSelector(sel)).toThrow(ApiError);
    try {
      parseLabelSelector(sel);
    } catch (e) {
      expect((e as ApiError).status.code).toBe(400);
    }
  });
});

describe('field selectors', () => {
  const obj = { metadata: { name: 'p', namespace: 'shop' }, spec: { nodeName: 'n1' } };
  it('matches = and != and refuses unknown fields', () => {
    expect(matchesFields(parseFieldSelector('spec.nodeName=n1,metadata.namespace!=web', ['spec.nodeName', 'metadata.namespace']), obj)).toBe(true);
    expect(matchesFields(parseFieldSelector('spec.nodeName==n2', ['spec.nodeName']), obj)).toBe(false);
    expect(() => parseFieldSelector('spec.image=x', ['spec.nodeName'])).toThrow('field label not supported: spec.image');
  });
});

describe('patches', () => {
  const obj: JsonObject = { metadata: { labels: { a: '1', b: '2' } }, spec: { list: [1, 2], keep: true } };

  it('merge patch: maps merge, null deletes, lists replace', () => {
    expect(mergePatch(obj, { metadata: { labels: { a: null, c: '3' } }, spec: { list: [9] } })).toEqual({ metadata: { labels: { b: '2', c: '3' } }, spec: { list: [9], keep: true } });
  });

  it('strategic merge patch: $patch replace and delete on maps, $setElementOrder ignored, $retainKeys refused', () => {
    expect(strategicMergePatch(obj, { metadata: { labels: { $patch: 'replace', z: '26' } } })).toEqual({ metadata: { labels: { z: '26' } }, spec: obj.spec });
    expect(strategicMergePatch(obj, { spec: { $patch: 'delete' } })).toEqual({ metadata: obj.metadata });
    expect(strategicMergePatch(obj, { spec: { '$setElementOrder/list': [2, 1], keep: false } })).toEqual({ metadata: obj.metadata, spec: { list: [1, 2], keep: false } });
    expect(() => strategicMergePatch(obj, { spec: { $retainKeys: ['keep'] } })).toThrow(ApiError);
  });

  it('JSON patch: RFC 6902 operations, with ~1 escapes, and 422 when an op does not apply', () => {
    const out = jsonPatch(obj, [
      { op: 'add', path: '/metadata/labels/boundwatch.io~1quarantine', value: 'true' },
      { op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/moved' },
      { op: 'copy', from: '/spec/keep', path: '/spec/copied' },
      { op: 'add', path: '/spec/list/-', value: 3 },
      { op: 'remove', path: '/spec/list/0' },
      { op: 'test', path: '/spec/list', value: [2, 3] },
    ]);
    expect(out).toEqual({ metadata: { labels: { b: '2', 'boundwatch.io/quarantine': 'true', moved: '1' } }, spec: { list: [2, 3], keep: true, copied: true } });
    try {
      jsonPatch(obj, [{ op: 'remove', path: '/metadata/labels/nope' }]);
      throw new Error('expected a failure');
    } catch (e) {
      expect((e as ApiError).status.code).toBe(422);
    }
    expect(obj).toEqual({ metadata: { labels: { a: '1', b: '2' } }, spec: { list: [1, 2], keep: true } });
  });
});

describe('field ownership', () => {
  const NOW = '2026-01-01T00:00:00Z';
  const np = (spec: JsonObject, labels?: Record<string, string>): JsonObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'p', namespace: 'shop', ...(labels ? { labels } : {}) },
    spec,
  });

  it('tracks map keys individually and lists and selectors whole', () => {
    const fields = [...fieldSet(np({ podSelector: { matchLabels: { a: 'b' } }, ingress: [{}], policyTypes: ['Ingress'] }, { x: 'y' })).keys()].map((k) => JSON.parse(k).join('.'));
    expect(fields.sort()).toEqual(['metadata.labels.x', 'spec.ingress', 'spec.podSelector', 'spec.policyTypes']);
  });

  it('conflicts only on differing values owned by someone else; force moves ownership', () => {
    const live = applyConfig(null, np({ podSelector: {}, policyTypes: ['Ingress'] }), 'kubectl', false, 'networking.k8s.io/v1', NOW);
    expect(() => applyConfig(live, np({ podSelector: {}, policyTypes: ['Ingress'] }), 'boundwatch', false, 'v1', NOW)).not.toThrow();
    let conflict: ApiError | undefined;
    try {
      applyConfig(live, np({ podSelector: {}, policyTypes: ['Egress'] }), 'boundwatch', false, 'v1', NOW);
    } catch (e) {
      conflict = e as ApiError;
    }
    expect(conflict?.status).toMatchObject({ code: 409, message: 'Apply failed with 1 conflict: conflict with "kubectl": .spec.policyTypes' });
    const forced = applyConfig(live, np({ podSelector: {}, policyTypes: ['Egress'] }), 'boundwatch', true, 'v1', NOW);
    const owners = (forced.metadata as { managedFields: { manager: string; fieldsV1: unknown }[] }).managedFields;
    expect(owners.find((o) => o.manager === 'kubectl')?.fieldsV1).toEqual({ 'f:spec': { 'f:podSelector': {} } });
    expect(owners.find((o) => o.manager === 'boundwatch')?.fieldsV1).toEqual({ 'f:spec': { 'f:podSelector': {}, 'f:policyTypes': {} } });
  });

  it('an update takes the fields it changes away from appliers, without conflict', () => {
    const live = applyConfig(null, np({ podSelector: {} }, { team: 'a' }), 'boundwatch', false, 'v1', NOW);
    const next = JSON.parse(JSON.stringify(live)) as JsonObject;
    (next.metadata as { labels: Record<string, string> }).labels.team = 'b';
    recordUpdate(live, next, 'kubectl-edit', 'v1', NOW);
    const owners = (next.metadata as { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] }).managedFields;
    expect(owners).toEqual([
      expect.objectContaining({ manager: 'boundwatch', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:podSelector': {} } } }),
      expect.objectContaining({ manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } }),
    ]);
  });
});
