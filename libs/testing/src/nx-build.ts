import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** One lock per checkout: parallel suites of this worktree wait for each other's build. */
const LOCK = join(tmpdir(), `auth-bus-nx-build-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
const built = new Set<string>();
/** Nx's command line, from its package's `bin` (Nx 23 keeps it in `dist/bin/`, not `bin/`). */
const NX_CLI = (() => {
  const manifest = require.resolve('nx/package.json', { paths: [REPO_ROOT] });
  return join(dirname(manifest), (require(manifest) as { bin: { nx: string } }).bin.nx);
})();

/**
 * Builds `projects` (and what they depend on) through Nx, whose cache knows what is stale: a
 * no-op (about a second) when nothing changed, once per test process. `entries` are the files the
 * harness runs: when the build fails but they exist, they are used with a warning, so that a
 * half-finished edit to one app does not break other projects' suites.
 */
export function buildWithNx(projects: string[], entries: string[] = []): void {
  const wanted = projects.filter((p) => !built.has(p));
  if (!wanted.length) return;
  const result = spawnSync(
    'flock',
    [LOCK, process.execPath, NX_CLI, 'run-many', '--target=build', `--projects=${wanted.join(',')}`, '--outputStyle=static'],
    { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false', NEXT_TELEMETRY_DISABLED: '1' } },
  );
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.slice(-4000);
    const missing = entries.filter((e) => !existsSync(join(REPO_ROOT, e)));
    if (entries.length && !missing.length) console.warn(`[testing] nx build of ${wanted.join(', ')} failed; using the previous build.\n${output}`);
    else throw new Error(`nx run-many --target=build --projects=${wanted.join(',')} failed:\n${output}`);
  }
  wanted.forEach((p) => built.add(p));
}
