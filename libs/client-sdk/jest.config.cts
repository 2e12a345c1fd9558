module.exports = require('../../jest.project.js').jestProject(__dirname, {
  displayName: 'client-sdk',
  // The int specs start a whole stack of processes each: one file at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 60000,
});
