module.exports = { ...require('../../jest.preset.js'), displayName: 'keycloak', rootDir: __dirname };
