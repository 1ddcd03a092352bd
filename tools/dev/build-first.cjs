// Preloaded by the package.json scripts that run an app's built entry point
// (`node -r ./tools/dev/build-first.cjs apps/<app>/dist/…`, e.g. `npm run audit`, `npm run scale:api`):
// before Node loads that entry point, install the npm packages if they are missing and build the
// app through Nx (cached, so a no-op when nothing changed). Nx's output goes nowhere unless the
// build fails, so the command's own stdout (JSON lines) stays clean. The entry point then runs
// in this very process: signals and exit codes are its own.
'use strict';
const path = require('node:path');
const { ROOT, buildQuietly, ensureNpmPackages } = require('./system.cjs');

const entry = path.relative(ROOT, path.resolve(process.argv[1] ?? ''));
const app = /^apps\/([^/]+)\/dist\//.exec(entry)?.[1];
try {
  if (!app) throw new Error(`build-first.cjs: ${entry} is not an app's dist file (apps/<app>/dist/…)`);
  ensureNpmPackages({ log: (msg) => process.stderr.write(`${msg}\n`) });
  buildQuietly([app]);
} catch (err) {
  process.stderr.write(`✖ ${err.message}\n`);
  process.exit(1);
}
