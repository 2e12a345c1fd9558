module.exports = {
  displayName: 'faults-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  // tools/dev/supervisor.cjs is plain CommonJS: run it as is.
  transformIgnorePatterns: ['/node_modules/', '\\.cjs$'],
  // Each file starts a whole stack of processes and breaks it: one file at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 300000,
};
