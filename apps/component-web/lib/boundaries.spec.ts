import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The folder names are a promise (lib/README.md): code under `lib/frame` and `lib/shared` ends
 * up in the browser bundle, so it never imports server code or Node.js; `lib/shared` is pure, so
 * it imports neither side; server code never imports browser code.
 */
const APP = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(APP, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(join(APP, file), 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
}

/** `file`'s imports, local ones as paths from the app's folder (`lib/server/auth0`). */
function resolvedImports(file: string): string[] {
  return imports(file).map((spec) => (spec.startsWith('.') ? relative(APP, join(APP, file, '..', spec)) : spec));
}

const NODE_OR_SERVER = /^(node:|next\/server$|next\/headers$|@auth0\/nextjs-auth0\/server$|lib\/server\/)/;

describe('lib folder boundaries', () => {
  const browser = [...sources('lib/frame'), ...sources('lib/shared'), 'app/streamlit/frame.tsx'];

  it('finds the files it checks', () => {
    expect(browser).toEqual(expect.arrayContaining(['lib/frame/controller.ts', 'lib/shared/popup-message.ts', 'app/streamlit/frame.tsx']));
    expect(sources('lib/server')).toEqual(expect.arrayContaining(['lib/server/auth0.ts', 'lib/server/config.ts']));
  });

  it.each(browser)('%s (browser code) imports no server code and no Node.js', (file) => {
    expect(resolvedImports(file).filter((spec) => NODE_OR_SERVER.test(spec))).toEqual([]);
  });

  it.each(sources('lib/shared'))('%s (shared) imports neither the server nor the frame', (file) => {
    expect(resolvedImports(file).filter((spec) => /^lib\/(server|frame)\//.test(spec))).toEqual([]);
  });

  it.each(sources('lib/server'))('%s (server) imports no browser code', (file) => {
    expect(resolvedImports(file).filter((spec) => /^lib\/frame\//.test(spec))).toEqual([]);
  });

  it('catches a forbidden import (the check itself works)', () => {
    expect(NODE_OR_SERVER.test(relative(APP, join(APP, 'lib/frame/x.ts', '..', '../server/auth0')))).toBe(true);
    expect(NODE_OR_SERVER.test('node:crypto')).toBe(true);
    expect(NODE_OR_SERVER.test('lib/shared/routes')).toBe(false);
  });
});
