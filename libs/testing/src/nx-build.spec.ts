import { buildWithNx } from './nx-build';

describe('buildWithNx', () => {
  it('runs the workspace Nx (found through its package, not a guessed path) and builds without falling back', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(() => buildWithNx(['contracts'])).not.toThrow();
      // a failed build with existing entries only warns: this must not be what happened
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  }, 120_000);
});
