// Adds up the summary lines of the test runners (Jest and pytest) found in a log, so that
// `npm test` can end with one closing line over every suite.
const JEST = /^\s*(?:\S+:\s+)?Tests:\s+(.*?)\s*(\d+) total\s*$/;
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
