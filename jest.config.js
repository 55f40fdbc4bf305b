// ts-jest in ESM mode, transpile-only (types are checked by `tsc`, which `npm test` runs first).
// Three projects: `unit` (no services, no processes), `integration` (PostgreSQL, Redis, child processes, the
// end-to-end runs over the sandbox) and `browser` (a headless Chromium; skipped with a printed reason when there is
// none). `npm test` runs all three; `npm run test:unit` etc. one.
const base = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

const INTEGRATION = [
  '<rootDir>/test/e2e/',
  '<rootDir>/test/durability/',
  '<rootDir>/test/store/',
  '<rootDir>/test/queue/',
  '<rootDir>/test/app/',
  '<rootDir>/test/action/',
  '<rootDir>/test/api/',
  '<rootDir>/test/cli/',
  '<rootDir>/test/sandbox/',
  '<rootDir>/test/llm/router-sqlite',
  '<rootDir>/test/tasks/risk-sandbox',
];

export default {
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.browser\\.test\\.ts$', ...INTEGRATION],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: INTEGRATION.map((p) => `${p.replace(/\/$/, '')}${p.endsWith('/') ? '/**/' : ''}*.test.ts`),
      // A browser test under an integration folder (test/sandbox/view.browser.test.ts) is the browser project's.
      testPathIgnorePatterns: ['/node_modules/', '\\.browser\\.test\\.ts$'],
    },
    { ...base, displayName: 'browser', testMatch: ['**/*.browser.test.ts'] },
  ],
};
