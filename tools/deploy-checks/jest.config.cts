module.exports = require('../../jest.project.js').jestProject(__dirname, {
  displayName: 'deploy-checks',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // docker/runtime-deps.cjs and tools/dev/*.cjs are plain CommonJS: loaded as they are.
  transformIgnorePatterns: ['/node_modules/', '\\.cjs$'],
});
