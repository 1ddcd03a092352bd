import { backoffMs, formatRemaining, refreshDelayMs } from './format';

describe('format helpers', () => {
  it('formats the remaining validity', () => {
    expect(formatRemaining(299)).toBe('4:59');
    expect(formatRemaining(-5)).toBe('0:00');
    expect(formatRemaining(3600 + 5 * 60)).toBe('1 h 05 min');
  });

  it('refreshes 20 % before expiry, between 5 and 60 s', () => {
    const now = 1_000_000;
    expect(refreshDelayMs(now / 1000 + 300, now)).toBe(240_000);
    expect(refreshDelayMs(now / 1000 + 30, now)).toBe(24_000);
    expect(refreshDelayMs(now / 1000 + 3600, now)).toBe(3_540_000);
    expect(refreshDelayMs(now / 1000 + 3, now)).toBe(0);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(0, () => 1)).toBe(500);
    expect(backoffMs(3, () => 1)).toBe(4000);
    expect(backoffMs(10, () => 1)).toBe(10_000);
    expect(backoffMs(10, () => 0)).toBe(5000);
  });
});
