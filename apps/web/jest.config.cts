module.exports = {
  displayName: 'web',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'tsx', 'js'],
  // Until tsconfig.base.json has the alias (the SDK's pure parts are used by the store's tests).
  moduleNameMapper: { '^@parley/client-sdk$': '<rootDir>/../../libs/client-sdk/src/index.ts' },
  coverageDirectory: '../../coverage/apps/web',
};
