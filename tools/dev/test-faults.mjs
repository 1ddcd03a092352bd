// `npm run test:faults`: the long fault, load and hostile-input runs (faults/README.md) — the
// 60 s load with 200 WebSocket clients, repeated NATS restarts, rolling cluster node deaths, the
// fuzzers with many more runs — and the Python fault tests with FAULTS_LONG=1 (more hypothesis
// examples). The short versions run in `npm test`. Ends with one summary line over both runners.
//   npm run test:faults [-- --list]
import { spawn } from 'node:child_process';
import { ensureSetup, ROOT } from './system.cjs';
import { summarize } from './test-summary.mjs';

const started = Date.now();
ensureSetup();

const env = { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false', FORCE_COLOR: '0', FAULTS_LONG: '1' };
const lines = [];

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      process.stdout.write(chunk);
      lines.push(...chunk.toString().split('\n'));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

// `--list`: name what would run (Jest's test files, pytest's collected tests) without running it.
const list = process.argv.includes('--list');
// Nx builds what the suites run (the faults project's implicit dependencies) before its target.
const jest = await run('npx', ['nx', 'run', 'faults:test:long', '--outputStyle=stream', ...(list ? ['--listTests'] : [])]);
const python = await run('.venv/bin/python', ['-m', 'pytest', '--color=no', ...(list ? ['--collect-only', '-q'] : []), 'streamlit-app/tests/faults']);
if (list) process.exit(jest === 0 && python === 0 ? 0 : 1);

const total = summarize(lines);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const ok = jest === 0 && python === 0;
console.log(`\n${total.suites} test runs in ${minutes} min${ok ? '' : ' — FAILED'}`);
console.log(`tests: ${total.passed} passed, ${total.failed + (ok || total.failed ? 0 : 1)} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(ok ? 0 : 1);
