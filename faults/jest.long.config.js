// The long runs (`npm run test:faults`, `nx run faults:test:long`): the 60 s load with 200
// WebSocket clients, repeated restarts, and the fuzzers with many more runs.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'faults-long',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.long.spec.ts'],
  maxWorkers: 1,
  testTimeout: 600_000,
};
