import { VerificationCache } from './verification-cache';

describe('VerificationCache', () => {
  it('returns a stored value until it expires, then forgets it', () => {
    const cache = new VerificationCache<string>(10);
    cache.set('a', 'A', 1_000, 0);
    expect(cache.get('a', 999)).toBe('A');
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never stores an entry that is already expired', () => {
    const cache = new VerificationCache<string>(10);
    cache.set('a', 'A', 500, 500);
    expect(cache.get('a', 0)).toBeUndefined();
  });

  it('evicts the least recently used entry beyond its bound', () => {
    const cache = new VerificationCache<string>(2);
    cache.set('a', 'A', 10_000, 0);
    cache.set('b', 'B', 10_000, 0);
    expect(cache.get('a', 1)).toBe('A'); // a is now the most recent
    cache.set('c', 'C', 10_000, 2);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('a', 3)).toBe('A');
    expect(cache.get('c', 3)).toBe('C');
  });

  it('stores nothing when its bound is 0', () => {
    const cache = new VerificationCache<string>(0);
    cache.set('a', 'A', 10_000, 0);
    expect(cache.get('a', 1)).toBeUndefined();
  });
});
