module.exports = require('../../jest.project.js').jestProject(__dirname, {
  displayName: 'e2e',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  // tools/dev/supervisor.cjs is plain CommonJS: run it as is.
  transformIgnorePatterns: ['/node_modules/', '\\.cjs$'],
  // Each file starts a whole stack of processes: one file at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 60000,
});
