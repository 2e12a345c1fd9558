module.exports = require('../../../jest.project.js').jestProject(__dirname, {
  displayName: 'shared-util-locations',
});
