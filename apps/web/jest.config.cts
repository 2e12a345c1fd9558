module.exports = require('../../jest.project.js').jestProject(__dirname, {
  displayName: 'web',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'tsx', 'js'],
  // Until tsconfig.base.json has the alias (the SDK's pure parts are used by the store's tests).
  moduleNameMapper: { '^@parley/client-sdk$': '<rootDir>/../../libs/client-sdk/src/index.ts' },
});
