module.exports = require('../../jest.project.js').jestProject(__dirname, {
  displayName: 'web-e2e',
  // *.spec.ts: the static server + proxy alone; *.e2e-spec.ts: Chromium against the whole stack.
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  // tools/dev/*.cjs is plain CommonJS: run it as it is.
  transformIgnorePatterns: ['/node_modules/', '/tools/dev/'],
  moduleFileExtensions: ['ts', 'js', 'cjs'],
  // A stack of five apps plus a browser: one file at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 120000,
});
