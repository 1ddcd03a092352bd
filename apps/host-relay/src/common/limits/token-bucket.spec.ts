import { KeyedTokenBuckets, TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('allows a burst, then refuses until tokens come back', () => {
    const bucket = new TokenBucket(10, 3, clock);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true]);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.msUntilNext()).toBe(100);
    now += 100;
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('refills at the sustained rate and never above the burst', () => {
    const bucket = new TokenBucket(5, 2, clock);
    bucket.tryTake();
    bucket.tryTake();
    now += 10_000;
    expect(bucket.available).toBe(2);
    let accepted = 0;
    // 10 s of steady demand at 50/s: about 5/s pass, plus the initial burst.
    for (let i = 0; i < 500; i++) {
      if (bucket.tryTake()) accepted++;
      now += 20;
    }
    expect(accepted).toBeGreaterThanOrEqual(50);
    expect(accepted).toBeLessThanOrEqual(53);
  });

  it('tolerates a clock that goes backwards', () => {
    const bucket = new TokenBucket(1, 1, clock);
    expect(bucket.tryTake()).toBe(true);
    now -= 5000;
    expect(bucket.tryTake()).toBe(false);
    now += 1000;
    expect(bucket.tryTake()).toBe(true);
  });
});

describe('KeyedTokenBuckets', () => {
  it('limits each key on its own', () => {
    let now = 0;
    const buckets = new KeyedTokenBuckets(1, 2, 100, () => now);
    expect([buckets.tryTake('a'), buckets.tryTake('a'), buckets.tryTake('a')]).toEqual([true, true, false]);
    expect(buckets.tryTake('b')).toBe(true);
    expect(buckets.msUntilNext('a')).toBe(1000);
    now += 1000;
    expect(buckets.tryTake('a')).toBe(true);
  });

  it('keeps the number of keys bounded', () => {
    let now = 0;
    const buckets = new KeyedTokenBuckets(1, 1, 10, () => now);
    for (let i = 0; i < 100; i++) {
      buckets.tryTake(`ip-${i}`);
      now += 1;
    }
    expect(buckets.size).toBeLessThanOrEqual(10);
  });
});
