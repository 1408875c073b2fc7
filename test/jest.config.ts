/**
 * @jest-config-loader esbuild-register
 */
// Jest's configuration: one base shared by the four test tiers, each tier only adding which
// files it runs (and e2e its bundle step). Run from the project root: `npm test`,
// `npm run test:unit`, or `npx jest -c test/jest.config.ts <paths>`.
import { resolve } from 'node:path';
import type { Config } from 'jest';

// Every path below is relative to the project root, one level up from this file.
const root = resolve(__dirname, '..');

type Project = NonNullable<Config['projects']>[number] & object;

const base = {
  rootDir: root,
  // swc strips types only; `npm run typecheck` is the type check.
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // @kubernetes/client-node 1.x and its OIDC dependencies ship ESM only.
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)'],
  // The same import aliases as tsconfig.json's `paths`.
  moduleNameMapper: {
    '^#shared/(.*)$': '<rootDir>/shared/$1',
    '^#infra/(.*)$': '<rootDir>/infra/$1',
    '^#functions/(.*)$': '<rootDir>/functions/$1',
    '^#test/(.*)$': '<rootDir>/test/$1',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  // Tests talk to real servers (dynalite, DynamoDB Local, the test API server, a browser) on two
  // shared cores: 5 s is a timing assumption, not a correctness one.
  testTimeout: 30_000,
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
} satisfies Project;

function tier(name: 'unit' | 'integration' | 'infra' | 'e2e', extra: Project = {}): Project {
  return { ...base, displayName: name, testMatch: [`<rootDir>/test/${name}/**/*.test.ts`], ...extra };
}

const config: Config = {
  rootDir: root,
  projects: [
    tier('unit'),
    tier('integration'),
    tier('infra'),
    // The CLI tests run the bundled dist/ files; the global setup builds them once.
    tier('e2e', { globalSetup: '<rootDir>/test/support/e2e-setup.js' }),
  ],
};

export default config;
