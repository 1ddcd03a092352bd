import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** A TypeScript project a harness runs from its `dist/`: rebuilt when a source is newer. */
export interface BuildUnit {
  dir: string;
  tsconfig: string;
  /** A file of the build output whose age stands for the whole build. */
  marker: string;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(unit: BuildUnit): boolean {
  const marker = join(REPO_ROOT, unit.dir, unit.marker);
  if (!existsSync(marker)) return true;
  const inputs = Math.max(newestSource(join(REPO_ROOT, unit.dir, 'src')), statSync(join(REPO_ROOT, unit.dir, unit.tsconfig)).mtimeMs);
  return inputs > statSync(marker).mtimeMs;
}

/**
 * Builds (tsc), in the given order, whichever units have a missing or stale dist, so tests never
 * run stale code. Each build holds a per-project flock, so parallel suites do not build twice.
 */
export function buildIfStale(units: readonly BuildUnit[]): void {
  if (!units.some(isStale)) return;
  const tsc = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
  for (const unit of units) {
    if (!isStale(unit)) continue;
    const lock = `/tmp/auth-bus-${unit.dir.replace(/\//g, '-')}-build.lock`;
    const result = spawnSync('flock', [lock, tsc, '-p', join(unit.dir, unit.tsconfig)], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`Building ${unit.dir} failed (tsc -p ${unit.dir}/${unit.tsconfig}):\n${result.stdout}${result.stderr}`);
  }
}
