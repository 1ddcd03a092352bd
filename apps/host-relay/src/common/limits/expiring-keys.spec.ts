import { ExpiringKeys } from './expiring-keys';

describe('ExpiringKeys', () => {
  it('knows a key for its window only', () => {
    let t = 0;
    const keys = new ExpiringKeys(1_000, 10, () => t);
    keys.add('a');
    t = 999;
    expect(keys.has('a')).toBe(true);
    t = 1_000;
    expect(keys.has('a')).toBe(false);
    expect(keys.empty).toBe(true);
  });

  it('drops the oldest key beyond its size, and renews a key added again', () => {
    let t = 0;
    const keys = new ExpiringKeys(1_000, 2, () => t);
    keys.add('a');
    keys.add('b');
    t = 500;
    keys.add('a');
    keys.add('c');
    expect(['a', 'b', 'c'].map((k) => keys.has(k))).toEqual([true, false, true]);
    t = 1_200;
    expect(keys.has('a')).toBe(true);
  });

  it('keeps nothing with a window of 0, and forgets a deleted key', () => {
    const none = new ExpiringKeys(0, 10, () => 0);
    none.add('a');
    expect(none.has('a')).toBe(false);
    const keys = new ExpiringKeys(1_000, 10, () => 0);
    keys.add('a');
    keys.delete('a');
    expect(keys.has('a')).toBe(false);
  });
});
