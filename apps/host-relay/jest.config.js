// Unit tests sit beside the code (src/**/*.spec.ts); integration tests that start real
// processes (nats-server, the built relay, services, dev-idp) are in test/*.int.spec.ts.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'host-relay',
  rootDir: __dirname,
  // Integration suites start several processes each; two cores are shared, so run files one by one.
  maxWorkers: 1,
};
