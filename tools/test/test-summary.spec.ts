// @ts-expect-error -- an ES module without types, imported for its one function
import { summarize } from '../dev/test-summary.mjs';

describe('npm test summary', () => {
  it('adds up Jest and pytest summary lines, prefixed by Nx or not', () => {
    const total = summarize([
      'contracts: Tests:       5 failed, 136 passed, 141 total',
      'Tests:       7 passed, 7 total',
      'streamlit-app: 12 passed, 1 failed in 3.21s',
      '======= 3 passed, 2 skipped in 1.00s =======',
      'unrelated line with 99 passed',
    ]);
    expect(total).toEqual({ passed: 158, failed: 6, skipped: 2, suites: 4 });
  });

  it('does not count a nested run quoted, indented, inside a failure message', () => {
    const total = summarize(['workspace-tools:       Tests:       2 failed, 2 passed, 4 total', 'workspace-tools: Tests:       2 failed, 174 passed, 176 total']);
    expect(total).toEqual({ passed: 174, failed: 2, skipped: 0, suites: 1 });
  });
});
