module.exports = require('../../jest.project.js').jestProject(__dirname, {
  displayName: 'bench',
  // tools/dev/supervisor.cjs is plain CommonJS: run it as is.
  transformIgnorePatterns: ['/node_modules/', '\\.cjs$'],
  // Each file starts whole stacks of processes: one file at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 180000,
});
