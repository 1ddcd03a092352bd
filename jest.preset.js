// Shared Jest settings: SWC transpiles TypeScript (with NestJS decorator metadata) and
// workspace libraries resolve to their sources, so tests never need a prior build.
const path = require('node:path');

const libs = path.join(__dirname, 'libs');

module.exports = {
  testEnvironment: 'node',
  // The stack's parts are built through Nx once per Jest run, before any suite (the harnesses never build).
  globalSetup: path.join(__dirname, 'tools/stack/jest-global-setup.cjs'),
  transform: {
    '^.+\\.(t|m?j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true, tsx: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: {
    '^@auth-bus/([a-z-]+)$': `${libs}/$1/src/index.ts`,
    '^@auth-bus/([a-z-]+)/([a-z-]+)$': `${libs}/$1/src/$2/index.ts`,
  },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['**/?(*.)+(spec|test).ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
