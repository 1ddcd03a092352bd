import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minimatch } from 'minimatch';

/**
 * .dockerignore (issue 13 item 10): secrets and local state never reach an image. There is no
 * Docker engine here, so the patterns are evaluated as Docker does: each relative to the context
 * root, the last matching pattern wins (`!` re-includes), and a file is left out when it or any
 * of its parent directories is.
 */
const ROOT = join(__dirname, '..', '..');
const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

function excludedPath(path: string): boolean {
  let excluded = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (minimatch(path, pattern, { dot: true })) excluded = !negated;
  }
  return excluded;
}

function sentToDocker(file: string): boolean {
  const parts = file.split('/');
  for (let i = 1; i < parts.length; i++) if (excludedPath(parts.slice(0, i).join('/'))) return false;
  return !excludedPath(file);
}

describe('.dockerignore', () => {
  it.each([
    '.env',
    'apps/component-web/.env',
    'apps/component-web/.env.local',
    'apps/auth-service/.env',
    'apps/host-relay/.env.production',
    'streamlit-app/.env',
    'infra/nats/nats.env',
    'apps/component-web/.data/sessions/abc.json',
    '.data/nats/jetstream/x',
    'apps/auth-service/.data/x',
    '.venv/bin/python',
    'streamlit-app/.venv/lib/site.py',
    'artifacts/screenshot.png',
    'faults/artifacts/run.log',
    'apps/dev-idp/.keys/jwks.json',
    'node_modules/nats/index.js',
    'apps/host-relay/node_modules/x/index.js',
    'libs/contracts/dist/index.js',
    '.git/config',
  ])('keeps %s out of every image', (file) => {
    expect(sentToDocker(file)).toBe(false);
  });

  it.each([
    'package.json',
    'package-lock.json',
    'apps/component-web/package.json',
    'apps/auth-service/src/main.ts',
    'apps/auth-service/.env.sample',
    'infra/nats/nats.env.sample',
    'infra/nats/nats.conf',
    'streamlit-app/.env.sample',
    'streamlit-app/app/Home.py',
    'libs/contracts/src/index.ts',
  ])('sends %s (the builds need it)', (file) => {
    expect(sentToDocker(file)).toBe(true);
  });
});
