import { SessionReportLimiter } from './session-report-limiter';

function limiter(limits = { burst: 3, perMinute: 6, repeatWindowMs: 60_000 }, maxAddresses = 10_000, maxRecent = 64) {
  let t = 1_000_000;
  const l = new SessionReportLimiter(limits, maxAddresses, maxRecent, () => t);
  return { l, advance: (ms: number) => (t += ms) };
}

/** Reports `key` like the relay does: publish → remember. */
function reportAndRemember(l: SessionReportLimiter, address: string, key: string) {
  const verdict = l.report(address, key);
  if (verdict === 'publish') l.remember(address, key);
  return verdict;
}

describe('SessionReportLimiter', () => {
  it('lets an address publish a burst, then refuses until the bucket refills at the per-minute rate', () => {
    const { l, advance } = limiter();
    expect(['a', 'b', 'c', 'd'].map((k) => reportAndRemember(l, '10.0.0.1', k))).toEqual(['publish', 'publish', 'publish', 'limited']);
    expect(l.msUntilNext('10.0.0.1')).toBe(10_000);
    advance(9_999);
    expect(l.report('10.0.0.1', 'e')).toBe('limited');
    advance(1);
    expect(l.report('10.0.0.1', 'e')).toBe('publish');
  });

  it('shares one budget across everything an address sends, and keeps addresses apart', () => {
    const { l } = limiter();
    expect(l.take('10.0.0.1')).toBe(true);
    expect(reportAndRemember(l, '10.0.0.1', 'a')).toBe('publish');
    expect(reportAndRemember(l, '10.0.0.1', 'b')).toBe('publish');
    expect(l.take('10.0.0.1')).toBe(false);
    expect(reportAndRemember(l, '10.0.0.2', 'a')).toBe('publish');
  });

  it('bounds what one address can publish over time: burst + perMinute × minutes', () => {
    const { l, advance } = limiter({ burst: 10, perMinute: 6, repeatWindowMs: 600_000 });
    let published = 0;
    for (let second = 0; second < 600; second++) {
      for (let i = 0; i < 50; i++) if (reportAndRemember(l, 'flood', `${second}-${i}`) === 'publish') published++;
      advance(1_000);
    }
    expect(published).toBe(10 + 6 * 10 - 1); // the last refill lands after the loop
  });

  it('acknowledges a known session+token from the same address as a repeat, for free, within the window', () => {
    const { l, advance } = limiter({ burst: 1, perMinute: 1, repeatWindowMs: 60_000 });
    expect(reportAndRemember(l, 'ip', 'login')).toBe('publish');
    expect(l.report('ip', 'login')).toBe('repeat');
    expect(l.report('ip', 'other')).toBe('limited');
    expect(l.report('elsewhere', 'login')).toBe('publish');
    advance(60_000);
    expect(l.report('ip', 'login')).toBe('publish'); // window over (and a token refilled meanwhile)
  });

  it('charges a report again when it was never remembered (its publish failed)', () => {
    const { l } = limiter({ burst: 2, perMinute: 1, repeatWindowMs: 60_000 });
    expect(l.report('ip', 'k')).toBe('publish');
    expect(l.report('ip', 'k')).toBe('publish');
    expect(l.report('ip', 'k')).toBe('limited');
  });

  it('forgets an ended session so that logging in again is published', () => {
    const { l } = limiter();
    reportAndRemember(l, 'ip', 'k');
    l.forget('ip', 'k');
    expect(l.report('ip', 'k')).toBe('publish');
  });

  it('keeps memory bounded: known keys per address and addresses', () => {
    const { l, advance } = limiter({ burst: 1000, perMinute: 60_000, repeatWindowMs: 60_000 }, 4, 3);
    for (const k of ['a', 'b', 'c', 'd']) reportAndRemember(l, 'ip', k);
    expect(l.report('ip', 'a')).toBe('publish'); // evicted, the oldest of four with room for three
    expect(l.report('ip', 'd')).toBe('repeat');
    for (let i = 0; i < 20; i++) l.take(`addr-${i}`);
    expect(l.size).toBeLessThanOrEqual(4);
    advance(120_000);
    l.take('late');
    expect(l.size).toBeLessThanOrEqual(4);
  });
});
