/**
 * Reading manifests as users write them: multi-document YAML, JSON, JSON lines, List objects,
 * folders; a bad document is reported on its own and never hides the others.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '#shared/errors';
import { loadManifests, loadPolicies, manifestFiles } from '#infra/local/input/netpol';
import { classifyDocument, objectLabel, parseManifestText, sourceLabel } from '#shared/netpol/manifest';

const FIXTURES = 'test/fixtures/netpol';
const names = (docs: ReturnType<typeof parseManifestText>) => docs.map((d) => (d.error ? `error: ${d.error}` : objectLabel(d.object)));

describe('parseManifestText', () => {
  test('multi-document YAML, skipping empty documents and comments', () => {
    const docs = parseManifestText('# leading comment\n---\nkind: NetworkPolicy\nmetadata: {name: a, namespace: x}\n---\n---\nkind: NetworkPolicy\nmetadata: {name: b, namespace: x}\n---\n', 'f.yaml');
    expect(names(docs)).toEqual(['NetworkPolicy/x/a', 'NetworkPolicy/x/b']);
    // The comment before the first `---` is not a document of its own; the empty one is.
    expect(docs.map((d) => sourceLabel(d.source))).toEqual(['f.yaml#1', 'f.yaml#3']);
  });

  test('a single YAML document is labelled by its file alone', () => {
    const docs = parseManifestText('kind: NetworkPolicy\nmetadata: {name: a, namespace: x}\n', 'one.yaml');
    expect(docs.map((d) => sourceLabel(d.source))).toEqual(['one.yaml']);
  });

  test('a YAML syntax error is reported with its line for that document only', () => {
    const docs = parseManifestText('kind: NetworkPolicy\nmetadata: {name: a, namespace: x}\n---\nkind: [oops\n---\nkind: NetworkPolicy\nmetadata: {name: c, namespace: x}\n', 'f.yaml');
    expect(names(docs)).toEqual(['NetworkPolicy/x/a', expect.stringMatching(/^error: invalid YAML: line \d+, column \d+: /), 'NetworkPolicy/x/c']);
  });

  test('duplicate keys and unresolved aliases are document errors, as kubectl treats them', () => {
    expect(names(parseManifestText('kind: A\nkind: B\n', 'f.yaml'))[0]).toMatch(/^error: invalid YAML: .*Map keys must be unique/);
    expect(names(parseManifestText('kind: *nope\n', 'f.yaml'))[0]).toMatch(/^error: invalid YAML: /);
  });

  test('YAML 1.1 scalars, as kubectl reads them: an unquoted `on` is a boolean', () => {
    const [doc] = parseManifestText('metadata:\n  labels:\n    enabled: on\n', 'f.yaml');
    expect(doc!.object).toEqual({ metadata: { labels: { enabled: true } } });
  });

  test('JSON: one object, an array, a List, a typed list, JSON lines', () => {
    const policy = (n: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: n, namespace: 'x' } });
    expect(names(parseManifestText(JSON.stringify(policy('a')), 'f.json'))).toEqual(['NetworkPolicy/x/a']);
    expect(names(parseManifestText(JSON.stringify([policy('a'), policy('b')]), 'f.json'))).toEqual(['NetworkPolicy/x/a', 'NetworkPolicy/x/b']);
    expect(names(parseManifestText(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [policy('a'), policy('b')] }), 'f.json'))).toEqual([
      'NetworkPolicy/x/a',
      'NetworkPolicy/x/b',
    ]);
    const typed = parseManifestText(
      JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicyList', items: [{ metadata: { name: 'a', namespace: 'x' }, spec: {} }] }),
      'f.json',
    );
    expect(typed[0]!.object).toEqual({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'x' }, spec: {} });
    expect(sourceLabel(typed[0]!.source)).toBe('f.json#1.items[0]');
    const lines = `${JSON.stringify(policy('a'))}\n{"kind": \n${JSON.stringify(policy('c'))}\n`;
    expect(names(parseManifestText(lines, 'f.json'))).toEqual(['NetworkPolicy/x/a', expect.stringMatching(/^error: invalid JSON on line 2: /), 'NetworkPolicy/x/c']);
  });

  test('broken JSON names the position', () => {
    expect(names(parseManifestText('{\n  "kind": "NetworkPolicy",\n  "metadata": {\n}', 'f.json'))[0]).toMatch(/^error: invalid JSON \(line 4, column \d+\): /);
  });

  test('JSON in a .yaml file and flow-style YAML both read', () => {
    expect(names(parseManifestText('{"kind": "NetworkPolicy", "metadata": {"name": "a", "namespace": "x"}}', 'f.yaml'))).toEqual(['NetworkPolicy/x/a']);
    expect(names(parseManifestText('{kind: NetworkPolicy, metadata: {name: a, namespace: x}}', 'f.yaml'))).toEqual(['NetworkPolicy/x/a']);
  });
});

describe('classifyDocument', () => {
  test('NetworkPolicy, other kinds, and things that are not objects', () => {
    expect(classifyDocument({ kind: 'NetworkPolicy' })).toEqual({ type: 'networkpolicy' });
    expect(classifyDocument({ kind: 'Deployment' })).toEqual({ type: 'other', kind: 'Deployment' });
    expect(classifyDocument({ spec: {} })).toEqual({ type: 'invalid', reason: 'kind is not set' });
    expect(classifyDocument('text')).toEqual({ type: 'invalid', reason: 'not a Kubernetes object (a string)' });
  });
});

describe('loading from disk', () => {
  test('a folder is read recursively in sorted order, every format together', async () => {
    const docs = await loadManifests(`${FIXTURES}/policies`);
    expect(docs.map((d) => `${sourceLabel(d.source).replace(`${FIXTURES}/policies/`, '')} ${objectLabel(d.object)}`)).toEqual([
      '00-default-deny.yaml#1 NetworkPolicy/shop/default-deny',
      '00-default-deny.yaml#2 NetworkPolicy/payments/default-deny-ingress',
      '10-shop.yaml#1 NetworkPolicy/shop/web-from-anywhere',
      '10-shop.yaml#2 NetworkPolicy/shop/checkout',
      '10-shop.yaml#3 NetworkPolicy/shop/web-to-checkout',
      '20-dns.json NetworkPolicy/shop/allow-dns',
      '30-payments-list.json#1.items[0] NetworkPolicy/payments/api-from-checkout',
      '30-payments-list.json#1.items[1] NetworkPolicy/payments/api-scrape',
      'nested/40-monitoring.yml#1.items[0] NetworkPolicy/shop/scrape-shop',
      'nested/50-not-policies.yaml#1 Deployment/shop/web',
      'nested/50-not-policies.yaml#2 ConfigMap/shop/web-config',
    ]);
  });

  test('loadPolicies keeps the good documents and reports each bad one', async () => {
    const set = await loadPolicies(`${FIXTURES}/invalid`);
    expect(set.policies.map((p) => p.policy.metadata.name)).toEqual(['line-one', 'good-before', 'good-after', 'typo']);
    expect(set.problems.map((p) => [p.label.replace(`${FIXTURES}/invalid/`, ''), p.errors[0]])).toEqual([
      ['lines.json#2', expect.stringMatching(/^invalid JSON on line 2/)],
      ['lines.json#3', 'spec.ingress[0].ports[0].port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
      ['mixed.yaml#2', 'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'],
      ['mixed.yaml#3', expect.stringMatching(/^invalid YAML: line 30/)],
    ]);
    expect(set.policies.find((p) => p.policy.metadata.name === 'typo')!.warnings).toContain('unknown field "spec.ingress[0].form"');
  });

  test('a namespace can be supplied for manifests without one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-netpol-'));
    await writeFile(join(dir, 'p.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n');
    expect((await loadPolicies(dir)).problems[0]!.errors).toEqual(['metadata.namespace: Required value']);
    expect(((await loadPolicies(dir, { defaultNamespace: 'shop' })).policies[0]!.policy.metadata as { namespace?: string }).namespace).toBe('shop');
  });

  test('unreadable paths are InputErrors naming the path; hidden folders and other files are ignored', async () => {
    const missing = loadManifests('test/fixtures/netpol/missing.yaml');
    await expect(missing).rejects.toBeInstanceOf(InputError);
    await expect(missing).rejects.toThrow('test/fixtures/netpol/missing.yaml: no such file or directory');
    const dir = await mkdtemp(join(tmpdir(), 'bw-netpol-'));
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'x.yaml'), 'kind: NetworkPolicy\n');
    await writeFile(join(dir, 'README.md'), '# not a manifest\n');
    await expect(manifestFiles(dir)).rejects.toThrow(`${dir}: no *.yaml, *.yml or *.json files in this folder`);
    await writeFile(join(dir, 'b.yml'), 'kind: NetworkPolicy\n');
    await writeFile(join(dir, 'a.json'), '{}');
    expect(await manifestFiles(dir)).toEqual([join(dir, 'a.json'), join(dir, 'b.yml')]);
  });
});
