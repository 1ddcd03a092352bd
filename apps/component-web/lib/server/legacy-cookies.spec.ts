import { legacyRootCookieDeletions } from './legacy-cookies';

describe('legacy path-/ cookies', () => {
  it('expires the path-/ variants of the session cookies (and their chunks), nothing else', () => {
    const lines = legacyRootCookieDeletions(['__session__0', '__session__1', '__cwf', 'other', '__txn_abc', '__session__0']);
    expect(lines.filter((l) => l.startsWith('__session__0='))).toHaveLength(2);
    expect(lines.every((l) => l.includes('Path=/;') && l.includes('Max-Age=0'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('__cwf=')).some((l) => l.includes('Partitioned'))).toBe(true);
    expect(lines.some((l) => l.startsWith('other=') || l.startsWith('__txn_'))).toBe(false);
    expect(legacyRootCookieDeletions([])).toEqual([]);
  });
});
