import { TokenTrialBudget } from './token-trial-budget';

function budget(limits = { burst: 3, perMinute: 6, knownWindowMs: 60_000 }) {
  let t = 1_000_000;
  const b = new TokenTrialBudget(limits, 10_000, 64, () => t);
  return { b, advance: (ms: number) => (t += ms) };
}

/** One call that the service refuses. */
function refused(b: TokenTrialBudget, address: string, hash: string) {
  const v = b.admit(address, hash);
  if (v !== 'limited') b.settle(address, hash, v, 'refused');
  return v;
}

describe('TokenTrialBudget', () => {
  it('charges every unknown token; refused ones stay charged; then RATE_LIMITED until the bucket refills', () => {
    const { b, advance } = budget();
    expect(['t1', 't2', 't3', 't4'].map((h) => refused(b, 'ip', h))).toEqual(['charged', 'charged', 'charged', 'limited']);
    expect(refused(b, 'ip', 't1')).toBe('limited'); // a refused token is not known
    expect(refused(b, 'other-ip', 't1')).toBe('charged');
    advance(10_000);
    expect(refused(b, 'ip', 't5')).toBe('charged');
  });

  it('gives the trial back when the service accepts the token, which then is free', () => {
    const { b } = budget({ burst: 1, perMinute: 1, knownWindowMs: 60_000 });
    expect(b.admit('ip', 'alice')).toBe('charged');
    b.settle('ip', 'alice', 'charged', 'accepted');
    for (let i = 0; i < 100; i++) {
      expect(b.admit('ip', 'alice')).toBe('known');
      b.settle('ip', 'alice', 'known', 'accepted');
    }
    expect(b.admit('ip', 'mallory')).toBe('charged'); // the refund left one trial
  });

  it('gives the trial back when the call failed for another reason (timeout, no service)', () => {
    const { b } = budget({ burst: 1, perMinute: 1, knownWindowMs: 60_000 });
    expect(b.admit('ip', 't')).toBe('charged');
    b.settle('ip', 't', 'charged', 'failed');
    expect(b.admit('ip', 't2')).toBe('charged');
  });

  it('lets concurrent calls with a token whose first check is in flight join it, until it is refused', () => {
    const { b } = budget({ burst: 1, perMinute: 1, knownWindowMs: 60_000 });
    expect(b.admit('ip', 'fresh')).toBe('charged');
    expect(b.admit('ip', 'fresh')).toBe('known');
    expect(b.admit('ip', 'fresh')).toBe('known');
    b.settle('ip', 'fresh', 'charged', 'refused');
    expect(b.admit('ip', 'fresh')).toBe('limited');
    b.settle('ip', 'fresh', 'known', 'refused');
  });

  it('forgets a known token when the service refuses it later (expired)', () => {
    const { b } = budget({ burst: 1, perMinute: 1, knownWindowMs: 60_000 });
    b.settle('ip', 'tok', b.admit('ip', 'tok') as 'charged', 'accepted');
    expect(b.admit('ip', 'tok')).toBe('known');
    b.settle('ip', 'tok', 'known', 'refused');
    expect(b.admit('ip', 'tok')).toBe('charged');
  });

  it('charges every call without a token (never known, never joined)', () => {
    const { b } = budget({ burst: 2, perMinute: 1, knownWindowMs: 60_000 });
    expect(b.admit('ip', '')).toBe('charged');
    expect(b.admit('ip', '')).toBe('charged');
    expect(b.admit('ip', '')).toBe('limited');
  });

  it('bounds refused tokens per address over time: burst + perMinute × minutes', () => {
    const { b, advance } = budget({ burst: 20, perMinute: 10, knownWindowMs: 600_000 });
    let forwarded = 0;
    for (let second = 0; second < 600; second++) {
      for (let i = 0; i < 200; i++) if (refused(b, 'flood', `${second}-${i}`) === 'charged') forwarded++;
      advance(1_000);
    }
    expect(forwarded).toBeLessThanOrEqual(20 + 10 * 10);
    expect(forwarded).toBeGreaterThanOrEqual(20 + 10 * 10 - 1);
  });
});
