// Lint rules for the whole project (run from the project root: npm run lint).
import { resolve } from 'node:path';
import tseslint from 'typescript-eslint';

// Node modules that touch the machine: files, processes, sockets, the terminal. shared/ is the
// domain plus its AWS and Kubernetes adapters, which reach the network through their SDKs only.
const NODE_IO = ['fs', 'fs/promises', 'path', 'child_process', 'net', 'http', 'https', 'http2', 'dgram', 'readline', 'worker_threads', 'cluster', 'os', 'tty', 'inspector'];
const nodeModules = (names) => names.flatMap((n) => [n, `node:${n}`]);

// Where a layer may not reach, as import specifiers: the `#infra/...` aliases and the
// relative paths that climb out of the layer (`../../infra/...`).
const layers = (names) => [`^#(${names.join('|')})(/|$)`, `^(\\.\\./)+(${names.join('|')})(/|$)`];

const restrictImports = ({ io = [], layersOut, message }) => [
  'error',
  {
    paths: nodeModules(io).map((name) => ({ name, message: 'shared/ is the domain: file and process I/O belongs in infra/local (or a handler).' })),
    patterns: [{ regex: layersOut.map((r) => `(${r})`).join('|'), message }],
  },
];

// Configuration is read in one place (shared/env.ts, through shared/lambda/bootstrap.ts).
const ENV_READ = { object: 'process', property: 'env', message: 'read the environment through shared/env.ts (optionalEnv, requireEnv) or the FunctionEnv of shared/lambda/bootstrap.ts.' };

const SHARED_IMPORTS = { io: NODE_IO, layersOut: layers(['infra', 'functions', 'test']), message: 'shared/ may not import infra/, functions/ or test/.' };

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  // Typed rules over source and tests alike: the type checker's view (tsconfig.json) is what
  // finds floating promises, unsafe `any` flows and awaits of non-promises.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: resolve(import.meta.dirname, '..') } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Assertions are the type check of a test: `expect.any()`/`expect.objectContaining()` are
    // typed `any` by @types/jest, and parsed JSON output is probed field by field where a wrong
    // shape fails the assertion anyway. Stubs implement async interfaces without awaiting.
    files: ['test/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  // Layer boundaries (README, "Where things are").
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(SHARED_IMPORTS),
      'no-restricted-properties': [
        'error',
        ...['stdout', 'stderr', 'stdin', 'argv', 'exit', 'cwd', 'chdir'].map((property) => ({
          object: 'process',
          property,
          message: 'shared/ is the domain: the terminal and the process belong to infra/local and the handlers.',
        })),
        ENV_READ,
      ],
    },
  },
  {
    // The one reader of the environment, and the start-up that hands it to the handlers.
    files: ['shared/env.ts', 'shared/lambda/bootstrap.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports({
        layersOut: [...layers(['test']), '^#infra/local(/|$)', '^(\\.\\./)+infra/local(/|$)'],
        message: 'functions/ run in Lambda: they may not import the local runtime (infra/local) or tests.',
      }),
    },
  },
  {
    files: ['infra/**/*.ts'],
    rules: { 'no-restricted-imports': restrictImports({ layersOut: layers(['test']), message: 'infra/ ships; it may not import test/.' }) },
  },
);
