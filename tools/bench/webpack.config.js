const { join } = require('path');
const { nodeWebpackConfig } = require('../../tools/build/nest-app.webpack.cjs');

module.exports = nodeWebpackConfig(join(__dirname, '../../dist/tools/bench'), {
  additionalEntryPoints: [{ entryName: 'relay', entryPath: './src/relay/relay.main.ts' }],
  assets: [{ input: './src/probe', glob: '*.cjs', output: '.' }],
});
