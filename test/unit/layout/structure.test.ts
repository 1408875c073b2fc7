/**
 * The repository's map stays true: the README's "Where things are" table names paths that
 * exist and every folder a reader could look for; the shared packages import each other
 * without cycles; and every document a comment or a README cites is in the repository, down
 * to the section.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const isDir = (path: string) => existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isDirectory();
const subfolders = (path: string) =>
  readdirSync(join(ROOT, path), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== '__snapshots__')
    .map((e) => `${path}/${e.name}/`);

/** The files of the source tree (not dependencies, builds or recorded data). */
function sourceFiles(exts: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.name.startsWith('.') || ['node_modules', 'dist', 'cdk.out', 'coverage', 'fixtures', '__snapshots__', 'screenshots'].includes(e.name)) continue;
      if (e.isDirectory()) walk(path);
      else if (exts.test(e.name)) out.push(path);
    }
  };
  for (const top of ['functions', 'infra', 'shared', 'test']) walk(top);
  return out;
}

/** Section anchors as GitHub renders them: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    out.add(m[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return out;
}

describe('the README\'s "Where things are"', () => {
  const readme = read('README.md');
  // The first table after the heading; its first column holds the paths.
  const after = readme.split(/^### Where things are$/m)[1] ?? '';
  const table = /(?:^\|.*\n)+/m.exec(after)?.[0] ?? '';
  const listed = [...table.matchAll(/^\| (.+?) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((p) => p[1]!));

  it('lists paths that exist', () => {
    expect(listed.length).toBeGreaterThan(10);
    expect(listed.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('lists every folder of shared/, infra/, infra/local/ and test/', () => {
    // A folder reported here needs a row in README.md's "Where things are" table.
    const folders = [...subfolders('shared'), ...subfolders('infra'), ...subfolders('infra/local'), ...subfolders('test')].filter(isDir);
    const missing = folders.filter((f) => !listed.includes(f));
    expect(missing).toEqual([]);
  });
});

describe('shared packages', () => {
  // A package is a folder of shared/ or one of its top-level files.
  const packageOf = (file: string) => {
    const parts = file.split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file.replace(/\.ts$/, '');
  };
  const resolveImport = (from: string, spec: string): string | undefined => {
    if (spec.startsWith('#shared/')) return `shared/${spec.slice('#shared/'.length)}`;
    if (spec.startsWith('.')) return normalize(join(dirname(from), spec));
    return undefined;
  };

  it('import each other without cycles', () => {
    const edges = new Map<string, Map<string, string>>();
    for (const file of sourceFiles(/\.ts$/).filter((f) => f.startsWith('shared/'))) {
      for (const m of read(file).matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        const target = resolveImport(file, m[1]!);
        if (!target?.startsWith('shared/')) continue;
        const [a, b] = [packageOf(file), packageOf(`${target}.ts`)];
        if (a === b) continue;
        if (!edges.has(a)) edges.set(a, new Map());
        if (!edges.get(a)!.has(b)) edges.get(a)!.set(b, `${file} imports ${m[1]}`);
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (pkg: string, path: string[]) => {
      state.set(pkg, 'open');
      for (const [next, why] of edges.get(pkg) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path, `${pkg} -> ${next} (${why})`].join(', '));
        else if (!state.has(next)) visit(next, [...path, `${pkg} -> ${next} (${why})`]);
      }
      state.set(pkg, 'done');
    };
    for (const pkg of edges.keys()) if (!state.has(pkg)) visit(pkg, []);
    expect(edges.size).toBeGreaterThan(5);
    expect(cycles).toEqual([]);
  });
});

describe('cited documents', () => {
  const files = [...sourceFiles(/\.(ts|mjs|js|md)$/), 'README.md'].filter((f) => f !== relative(ROOT, __filename));

  it('exist in the repository, with the cited section', () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = read(file);
      for (const m of text.matchAll(/(?<![\w:/.-])((?:\.{1,2}\/|[\w-]+\/)*[\w.-]+\.md)(?:#([\w-]+))?/g)) {
        const [doc, anchor] = [m[1]!, m[2]];
        // Markdown links are relative to their file; comments name paths from the project root.
        const candidates = file.endsWith('.md') ? [join(dirname(file), doc), doc] : [doc, join(dirname(file), doc)];
        const found = candidates.map((c) => normalize(c)).find((c) => existsSync(join(ROOT, c)) && !isDir(c));
        if (!found) broken.push(`${file}: ${m[0]} (no such file)`);
        else if (anchor && !anchors(read(found)).has(anchor)) broken.push(`${file}: ${m[0]} (no such section in ${found})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('are never cited by section sign, which points into documents outside the repository', () => {
    const sign = String.fromCharCode(0xa7);
    expect(files.filter((f) => read(f).includes(sign))).toEqual([]);
  });
});
