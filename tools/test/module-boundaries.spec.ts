import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The module-boundary rule of eslint.config.mjs, run on probe sources placed (virtually) inside
 * the projects: apps may import libs, never another app, and libs never import apps.
 */
const ROOT = join(__dirname, '..', '..');

/** Lints `source` as if it were `file`, with the workspace's ESLint CLI (config and Nx graph). */
async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const run = spawnSync(join(ROOT, 'node_modules/.bin/eslint'), ['--stdin', '--stdin-filename', file, '--format', 'json'], {
    cwd: ROOT,
    input: source,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  jest.setTimeout(60_000);

  it('refuse an app importing another app', async () => {
    const errors = await boundaryErrors('apps/host-relay/src/boundary-probe.ts', "import { x } from '@auth-bus/auth-service';\nexport const y = x;\n");
    expect(errors.join()).toMatch(/Imports of apps are forbidden/);
  });

  it('refuse reaching into another project by a relative path', async () => {
    const errors = await boundaryErrors('apps/host-relay/src/boundary-probe.ts', "import { x } from '../../api-service/src/main';\nexport const y = x;\n");
    expect(errors.join()).toMatch(/relative or absolute path/);
  });

  it('refuse a library importing an app', async () => {
    const errors = await boundaryErrors('libs/contracts/src/boundary-probe.ts', "import { x } from '@auth-bus/api-service';\nexport const y = x;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('allow an app importing a library', async () => {
    const errors = await boundaryErrors('apps/host-relay/src/boundary-probe.ts', "import { SUBJECTS } from '@auth-bus/contracts';\nexport const y = SUBJECTS;\n");
    expect(errors).toEqual([]);
  });
});
