module.exports = { ...require('../../jest.preset.js'), displayName: 'nats', rootDir: __dirname };
