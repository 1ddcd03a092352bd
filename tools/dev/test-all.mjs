// `npm test`: the workspace lint, then every test of every project — unit, integration against a real nats-server and the
// real dev-idp, the Python suites, then the browser end-to-end test. Ends with one summary line.
import { buildAll, ensureSetup, ROOT } from './system.cjs';
import { testSession } from './test-summary.mjs';

const started = Date.now();
ensureSetup();
buildAll();

// everything is built (buildAll): Jest's global setup need not build the stack again in each project
const env = { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false', FORCE_COLOR: '0', AUTH_BUS_STACK_BUILT: ROOT };
const { run, finish } = testSession({ cwd: ROOT, env, started });
const nx = (args) => run('npx', ['nx', ...args, '--outputStyle=stream']);

// Lint first (everything that runs: TypeScript and the Node scripts; module boundaries included).
const lint = await nx(['run-many', '--target=lint']);
// The browser test starts the whole system on the standard ports, so it runs alone, last.
const unitAndIntegration = await nx(['run-many', '--target=test', '--parallel=1', '--exclude=e2e']);
const endToEnd = await nx(['run', 'e2e:test']);
finish([lint, unitAndIntegration, endToEnd]);
