module.exports = {
  displayName: 'client-sdk',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/libs/client-sdk',
  // The int specs start a whole stack of processes each: one file at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 60000,
};
