// Jest's global setup for every TypeScript project (jest.preset.js): before any suite runs, the
// parts of the stack definition are built through Nx — the launcher's build, cached, about two
// seconds when nothing changed — so the integration suites start what is current and no test
// harness ever builds. `npm test` builds everything first and says so (AUTH_BUS_STACK_BUILT=<this
// checkout's path>; a scratch copy of the workspace — the generator's test — still builds its own).
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { tmpdir } = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
/** One lock per checkout: Jest runs started side by side wait for each other's build. */
const LOCK = path.join(tmpdir(), `auth-bus-nx-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

module.exports = async function buildTheStack() {
  if (process.env.AUTH_BUS_STACK_BUILT === ROOT) return;
  const stack = require('./stack.cjs');
  // What the suites start from a build (dist/, .next/): the Python parts run from their sources.
  const built = stack.PARTS.filter((part) => part.project && part.entry && !part.entry.startsWith('.venv/'));
  const projects = [...new Set(built.map((part) => part.project))];
  // flock serialises the build; the build itself is the launcher's (system.cjs buildQuietly)
  const r = spawnSync('flock', [LOCK, process.execPath, '-e', `require(${JSON.stringify(path.join(ROOT, 'tools/dev/system.cjs'))}).buildQuietly(${JSON.stringify(projects)})`], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`building the stack (${projects.join(', ')}) through Nx failed — see above`);
  process.env.AUTH_BUS_STACK_BUILT = ROOT; // a nested Jest of this checkout need not build again
};
