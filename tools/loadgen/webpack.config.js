const { join } = require('path');
const { nodeWebpackConfig } = require('../build/nest-app.webpack.cjs');

module.exports = nodeWebpackConfig(join(__dirname, '../../dist/tools/loadgen'));
