module.exports = { ...require('../../jest.preset.js'), displayName: 'token-verifier', rootDir: __dirname };
