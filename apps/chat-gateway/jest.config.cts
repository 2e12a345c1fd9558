module.exports = require('../../jest.project.js').jestProject(__dirname, {
  displayName: 'chat-gateway',
});
