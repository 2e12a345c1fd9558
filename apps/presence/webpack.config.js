const { nestAppWebpackConfig } = require('../../tools/build/nest-app.webpack.cjs');

module.exports = nestAppWebpackConfig(__dirname, 'presence');
