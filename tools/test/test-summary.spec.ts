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
});
