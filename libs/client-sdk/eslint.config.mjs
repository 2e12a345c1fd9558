import baseConfig from '../../eslint.config.mjs';

/**
 * The SDK is a util lib (contracts and utils only), but its stack tests start the real apps
 * with @parley/shared/testing: allow that for test files alone, with the workspace's rule otherwise unchanged.
 */
const boundaries = baseConfig.find((c) => c.rules?.['@nx/enforce-module-boundaries'])?.rules[
  '@nx/enforce-module-boundaries'
];
const [level, options] = boundaries;
const testOptions = {
  ...options,
  depConstraints: options.depConstraints.map((c) =>
    c.sourceTag === 'type:util'
      ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] }
      : c,
  ),
};

export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      // The SDK runs in browsers: the contracts' main entry brings class-validator and Node-only code.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@parley/contracts', message: 'Import @parley/contracts/client.' }] },
      ],
    },
  },
  { files: ['**/*.spec.ts', '**/*.int-spec.ts'], rules: { '@nx/enforce-module-boundaries': [level, testOptions] } },
];
