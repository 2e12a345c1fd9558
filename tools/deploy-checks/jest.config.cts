module.exports = {
  displayName: 'deploy-checks',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  // docker/runtime-deps.cjs and tools/dev/*.cjs are plain CommonJS: loaded as they are.
  transformIgnorePatterns: ['/node_modules/', '\\.cjs$'],
};
