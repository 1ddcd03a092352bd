module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['**/*.e2e.spec.ts'],
  // Each step drives a real browser through the real system; the whole journey takes a minute or two.
  testTimeout: 120_000,
};
