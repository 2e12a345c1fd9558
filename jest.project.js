const { join, relative } = require('node:path');

/**
 * A project's Jest config, for its jest.config.cts: `module.exports = jestProject(__dirname,
 * { displayName, ...what differs })`. What every project shares: the workspace preset, Node,
 * ts-jest with the project's tsconfig.spec.json, its src/**\/*.spec.ts and *.int-spec.ts, and
 * coverage under coverage/<the project's path>.
 */
function jestProject(projectDir, config) {
  const toRoot = relative(projectDir, __dirname);
  return {
    preset: join(toRoot, 'jest.preset.js'),
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
    transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
    moduleFileExtensions: ['ts', 'js'],
    coverageDirectory: join(toRoot, 'coverage', relative(__dirname, projectDir)),
    ...config,
  };
}

module.exports = { jestProject };
