module.exports = require('../../jest.project.js').jestProject(__dirname, {
  displayName: 'faults-e2e',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  // tools/dev/supervisor.cjs is plain CommonJS: run it as is.
  transformIgnorePatterns: ['/node_modules/', '\\.cjs$'],
  // Each file starts a whole stack of processes and breaks it: one file at a time on 2 cores.
  maxWorkers: 1,
  // The long variants (FAULTS_LONG=1) do up to ten times the work of a test.
  testTimeout: process.env['FAULTS_LONG'] === '1' ? 1_200_000 : 300_000,
});
