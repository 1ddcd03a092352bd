// The long runs (`npm run test:faults`, `nx run faults:test:long`): the 60 s load with 200
// WebSocket clients, repeated NATS restarts with outages up to 15 s, rolling cluster node deaths,
// and the fuzzers again with many more runs (FAULTS_LONG=1 scales them).
process.env.FAULTS_LONG ??= '1';

module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'faults-long',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.long.spec.ts', '<rootDir>/test/fuzz-*.fault.spec.ts'],
  maxWorkers: 1,
  testTimeout: 600_000,
};
