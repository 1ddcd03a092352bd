// Unit tests sit beside the code (src/**/*.spec.ts); integration tests that start real
// processes (nats-server, dev-idp, the built services) are in test/*.int.spec.ts.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'http-bridge',
  rootDir: __dirname,
  // Integration suites start several processes each; two cores are shared, so run files one by one.
  maxWorkers: 1,
};
