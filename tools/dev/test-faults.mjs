// `npm run test:faults`: the long fault, load and hostile-input runs (faults/README.md) — the
// 60 s load with 200 WebSocket clients, repeated NATS restarts, rolling cluster node deaths, the
// fuzzers with many more runs — and the Python fault tests with FAULTS_LONG=1 (more hypothesis
// examples). The short versions run in `npm test`. Ends with one summary line over both runners.
//   npm run test:faults [-- --list]
import { ensureSetup, ROOT } from './system.cjs';
import { testSession } from './test-summary.mjs';

const started = Date.now();
ensureSetup();

const env = { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false', FORCE_COLOR: '0', FAULTS_LONG: '1' };
const { run, finish } = testSession({ cwd: ROOT, env, started });

// `--list`: name what would run (Jest's test files, pytest's collected tests) without running it.
const list = process.argv.includes('--list');
// Nx builds what the suites run (the faults project's implicit dependencies) before its target.
const jest = await run('npx', ['nx', 'run', 'faults:test:long', '--outputStyle=stream', ...(list ? ['--listTests'] : [])]);
const python = await run('.venv/bin/python', ['-m', 'pytest', '--color=no', ...(list ? ['--collect-only', '-q'] : []), 'streamlit-app/tests/faults']);
if (list) process.exit(jest === 0 && python === 0 ? 0 : 1);

finish([jest, python]);
