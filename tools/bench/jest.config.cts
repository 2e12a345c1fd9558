module.exports = {
  displayName: 'bench',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  // tools/dev/supervisor.cjs is plain CommonJS: run it as is.
  transformIgnorePatterns: ['/node_modules/', '\\.cjs$'],
  // Each file starts whole stacks of processes: one file at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 180000,
};
