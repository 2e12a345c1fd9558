const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * The one webpack config of every Node program here (the Nest apps, loadgen, bench): a bundle
 * of ./src/main.ts in `outputPath`; `options` add to NxAppWebpackPlugin's (entry points, assets).
 */
function nodeWebpackConfig(outputPath, options = {}) {
  return {
    output: {
      path: outputPath,
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        assets: [],
        optimization: false,
        outputHashing: 'none',
        sourceMap: true,
        ...options,
      }),
    ],
  };
}

/**
 * A Nest app: a Node bundle in dist/apps/<app> with a generated package.json of its runtime
 * dependencies (what the Docker image installs).
 */
function nestAppWebpackConfig(appDir, app) {
  return nodeWebpackConfig(join(appDir, '../../dist/apps', app), { generatePackageJson: true });
}

module.exports = { nestAppWebpackConfig, nodeWebpackConfig };
