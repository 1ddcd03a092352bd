// Lints everything that runs: TypeScript, and the Node scripts (.mjs/.cjs/.js) of tools, infra,
// bench and the projects. Module boundaries (@nx/enforce-module-boundaries): apps may import libs,
// never another app; the testing library (scope:testing) serves tests and tools, never runtime code.
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Where test code lives; only there may a project (other than tooling and e2e) use the testing library. */
const TEST_FILES = ['**/*.spec.ts', '**/*.spec.tsx', '**/*.test.ts', '**/test/**'];

const LAYERS = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  // End-to-end and fault suites drive the whole system through libs and the dev launcher.
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:tooling'] },
  // Workspace tools (the README smoke test) use the libs' clients, like the e2e suites.
  { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:lib'] },
  // Infrastructure launchers (infra/nats, infra/keycloak); their tests use the libs' clients.
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib'] },
];

/** Runtime code of apps, shared libs and infra never loads the testing library (harnesses, token forging). */
const NO_TESTING_AT_RUNTIME = [
  { sourceTag: 'type:app', notDependOnLibsWithTags: ['scope:testing'] },
  { sourceTag: 'scope:shared', notDependOnLibsWithTags: ['scope:testing'] },
  { sourceTag: 'type:infra', notDependOnLibsWithTags: ['scope:testing'] },
];

/**
 * Files loaded by path, the exceptions to "import a project by its package": the launchers are
 * scripts that run the system, not libraries (no package, no build) — the stack
 * (tools/dev/system.cjs, tools/stack/*.cjs) and infra's (infra/<name>/index.cjs), which test suites
 * and the testing library load; and the workspace's shared Jest preset (jest.preset.js).
 */
// (the rule matches `allow` entries as regular expressions against the import as written)
const PATH_IMPORTS = ['^(\\.\\./)+tools/dev/system\\.cjs$', '^(\\.\\./)+tools/stack/[a-z-]+\\.cjs$', '^(\\.\\./)+infra/[a-z-]+/index\\.cjs$', '^(\\.\\./)+jest\\.preset\\.js$'];

const boundaries = (depConstraints) => ['error', { allow: PATH_IMPORTS, depConstraints }];

export default [
  { ignores: ['**/dist/**', '**/.next/**', '**/node_modules/**', '**/.venv/**', '**/next-env.d.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.cjs', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries([...LAYERS, ...NO_TESTING_AT_RUNTIME]),
    },
  },
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': boundaries(LAYERS) },
  },
  // Node scripts: Node's globals, and TypeScript's compiler is not there to catch an undefined name.
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-undef': 'error' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
