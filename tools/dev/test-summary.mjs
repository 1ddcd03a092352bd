// Adds up the summary lines of the test runners (Jest and pytest) found in a log, so that
// `npm test` can end with one closing line over every suite.
import { spawn } from 'node:child_process';

// A runner's own summary starts its line (after Nx's `project: ` prefix); an indented one is the
// output of a nested run quoted inside a test's failure message, and is not counted again.
const JEST = /^(?:\S+: )?Tests:\s+(.*?)\s*(\d+) total\s*$/;
const PYTEST = /^\s*(?:\S+:\s+)?=*\s*((?:\d+ (?:passed|failed|skipped|errors?|xfailed|xpassed|deselected|warnings?)(?:, )?)+) in [\d.]+s/;

export function summarize(lines) {
  const total = { passed: 0, failed: 0, skipped: 0, suites: 0 };
  for (const line of lines) {
    let m = JEST.exec(line);
    let parts;
    if (m) parts = m[1];
    else if ((m = PYTEST.exec(line))) parts = m[1];
    else continue;
    total.suites += 1;
    for (const [, n, kind] of parts.matchAll(/(\d+) (passed|failed|skipped|errors?)/g)) {
      if (kind === 'passed') total.passed += Number(n);
      else if (kind === 'skipped') total.skipped += Number(n);
      else total.failed += Number(n);
    }
  }
  return total;
}

/**
 * The test commands' shared runner: `run(cmd, args)` shows a runner's output as it comes and keeps
 * its lines; `finish(exitCodes)` prints the closing line over everything run and exits.
 */
export function testSession({ cwd, env, started = Date.now() }) {
  const lines = [];
  const run = (cmd, args) =>
    new Promise((resolve) => {
      const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (chunk) => {
        process.stdout.write(chunk);
        lines.push(...chunk.toString().split('\n'));
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('exit', (code) => resolve(code ?? 1));
    });
  const finish = (exitCodes) => {
    const total = summarize(lines);
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    const ok = exitCodes.every((code) => code === 0);
    console.log(`\n${total.suites} test runs in ${minutes} min${ok ? '' : ' — FAILED'}`);
    // a runner that failed without a failed test (a crash, a build error) still counts as one failure
    console.log(`tests: ${total.passed} passed, ${total.failed + (ok || total.failed ? 0 : 1)} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
    process.exit(ok ? 0 : 1);
  };
  return { run, finish };
}
