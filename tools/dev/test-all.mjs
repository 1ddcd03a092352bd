// `npm test`: every test of every project — unit, integration against a real nats-server and the
// real dev-idp, the Python suites, then the browser end-to-end test. Ends with one summary line.
import { spawn } from 'node:child_process';
import { buildAll, ensureSetup, ROOT } from './system.cjs';
import { summarize } from './test-summary.mjs';

const started = Date.now();
ensureSetup();
buildAll();

const nxEnv = { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false', FORCE_COLOR: '0' };
const lines = [];

function nx(args) {
  return new Promise((resolve) => {
    const child = spawn('npx', ['nx', ...args, '--outputStyle=stream'], { cwd: ROOT, env: nxEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      process.stdout.write(chunk);
      lines.push(...chunk.toString().split('\n'));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

// The browser test starts the whole system on the standard ports, so it runs alone, last.
const unitAndIntegration = await nx(['run-many', '--target=test', '--parallel=1', '--exclude=e2e']);
const endToEnd = await nx(['run', 'e2e:test']);

const total = summarize(lines);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const ok = unitAndIntegration === 0 && endToEnd === 0;
console.log(`\n${total.suites} test runs in ${minutes} min${ok ? '' : ' — FAILED'}`);
console.log(`tests: ${total.passed} passed, ${total.failed + (ok || total.failed ? 0 : 1)} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(ok ? 0 : 1);
