import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The module-boundary rule of eslint.config.mjs, run on probe sources placed (virtually) inside
 * the projects: apps may import libs, never another app, and libs never import apps; the testing
 * library (scope:testing) is for tests and tools only. Node scripts (.mjs/.cjs) are linted too.
 */
const ROOT = join(__dirname, '..', '..');

/** Lints `source` as if it were `file`, with the workspace's ESLint CLI (config and Nx graph). */
function lint(file: string, source: string): { ruleId: string | null; message: string }[] {
  const run = spawnSync(join(ROOT, 'node_modules/.bin/eslint'), ['--stdin', '--stdin-filename', file, '--format', 'json'], {
    cwd: ROOT,
    input: source,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result.messages;
}

async function boundaryErrors(file: string, source: string): Promise<string[]> {
  return lint(file, source)
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
    .map((m) => m.message);
}

const TESTING_IMPORT = "import { NatsHarness } from '@auth-bus/testing';\nexport const y = NatsHarness;\n";

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

  describe('the launchers (scripts, not packages)', () => {
    it.each([
      ['e2e/test/boundary-probe.e2e.spec.ts', '../../tools/dev/system.cjs'],
      ['e2e/test/boundary-probe.e2e.spec.ts', '../../infra/haproxy/index.cjs'],
      ['libs/testing/src/boundary-probe.ts', '../../../infra/nats/index.cjs'],
      ['tools/test/boundary-probe.spec.ts', '../../infra/keycloak/index.cjs'],
    ])('may be loaded by path: %s → %s', async (file, launcher) => {
      expect(await boundaryErrors(file, `const x = require('${launcher}');\nexport const y = x;\n`)).toEqual([]);
    });

    it('are the only such exception: a path into an app is still refused from a suite', async () => {
      const errors = await boundaryErrors('e2e/test/boundary-probe.e2e.spec.ts', "const x = require('../../apps/host-relay/src/main');\nexport const y = x;\n");
      expect(errors.join()).toMatch(/relative or absolute path/);
    });

    it('leave no eslint-disable of the module-boundary rule in the workspace', () => {
      const found = spawnSync('git', ['grep', '-n', '-E', 'eslint-disable.*enforce-module-boundaries', '--', '*.ts', '*.tsx', '*.js', '*.cjs', '*.mjs', ':!tools/test/module-boundaries.spec.ts'], { cwd: ROOT, encoding: 'utf8' });
      expect(found.stdout).toBe('');
    });
  });

  describe('the testing library (scope:testing)', () => {
    it.each(['apps/host-relay/src/boundary-probe.ts', 'apps/component-web/lib/boundary-probe.ts', 'libs/contracts/src/boundary-probe.ts', 'infra/nats/boundary-probe.ts'])(
      'is refused in runtime code: %s',
      async (file) => {
        const errors = await boundaryErrors(file, TESTING_IMPORT);
        expect(errors.join()).toMatch(/can not depend on libs tagged with "scope:testing"/);
      },
    );

    it.each(['apps/host-relay/test/boundary-probe.int.spec.ts', 'apps/host-relay/src/boundary-probe.spec.ts', 'libs/contracts/test/boundary-probe.ts', 'tools/test/boundary-probe.spec.ts', 'faults/test/boundary-probe.ts'])(
      'is allowed in tests and tools: %s',
      async (file) => {
        expect(await boundaryErrors(file, TESTING_IMPORT)).toEqual([]);
      },
    );
  });

  describe('Node scripts', () => {
    it('are linted with Node globals: an undefined name is an error, process is not', () => {
      const messages = lint('tools/dev/lint-probe.mjs', 'console.log(process.argv.length, undefinedThing);\n');
      expect(messages.map((m) => m.ruleId)).toEqual(['no-undef']);
      expect(messages[0].message).toMatch(/undefinedThing/);
    });

    it('allow require in CommonJS (.cjs) but not reaching into another project by a path', async () => {
      expect(lint('infra/nats/lint-probe.cjs', "const path = require('node:path');\nmodule.exports = path.sep;\n")).toEqual([]);
      const errors = await boundaryErrors('infra/nats/lint-probe.cjs', "const x = require('../../apps/api-service/src/main');\nmodule.exports = x;\n");
      expect(errors.length).toBeGreaterThan(0);
    });
  });
});
