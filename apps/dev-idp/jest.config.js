// ESM (this package is "type": "module"). Tests are TypeScript compiled to CommonJS by SWC
// (shared preset); integration tests run the built provider as a child process.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const preset = require('../../jest.preset.js');

export default {
  ...preset,
  displayName: 'dev-idp',
  rootDir: fileURLToPath(new URL('.', import.meta.url)),
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    // sources import './x.js' (ESM style); resolve them to './x.ts'
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 30_000,
};
