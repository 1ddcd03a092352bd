// Unit tests (lib/**/*.spec.ts) run in Node; test/*.int.spec.ts start the production build of
// component-web, dev-idp, NATS and the services, and drive the frame in headless Chromium.
module.exports = {
  preset: '../../jest.preset.js',
  displayName: 'component-web',
  rootDir: __dirname,
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.next/'],
};
