const { join } = require('path');
const { nodeWebpackConfig } = require('../../tools/build/nest-app.webpack.cjs');

module.exports = nodeWebpackConfig(join(__dirname, '../../dist/tools/loadgen'));
