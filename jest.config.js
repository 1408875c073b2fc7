// Four tiers, each runnable alone (`npm run test:unit` etc.). Unit tests touch no network;
// integration and e2e tests start their own dynalite / test API server in-process.
const esmDeps = [
  '@kubernetes/client-node',
  'openid-client',
  'oauth4webapi',
  'jose',
].join('|');

const common = {
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmDeps})/)`],
  moduleNameMapper: {
    '^#shared/(.*)$': '<rootDir>/shared/$1',
    '^#infra/(.*)$': '<rootDir>/infra/$1',
    '^#functions/(.*)$': '<rootDir>/functions/$1',
    '^#test/(.*)$': '<rootDir>/test/$1',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], globalSetup: '<rootDir>/test/support/e2e-setup.js' },
  ],
};
