// The fault, load and hostile-input suites that fit in `npm test` (a few minutes in all).
// They start real processes and break them on purpose, so they run one at a time.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'faults',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.fault.spec.ts'],
  maxWorkers: 1,
  testTimeout: 120_000,
};
