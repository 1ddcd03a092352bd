module.exports = { ...require('../jest.preset.js'), displayName: 'workspace-tools', rootDir: __dirname };
