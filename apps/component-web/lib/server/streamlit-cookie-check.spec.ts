import { componentWebCookies, pathMatches, streamlitCookieCheck, streamlitCookieWarnings } from './streamlit-cookie-check';

describe('cookies that would reach Streamlit', () => {
  it('follows RFC 6265 path matching', () => {
    expect(pathMatches('/', '/_stcore/stream')).toBe(true);
    expect(pathMatches('/_stcore', '/_stcore/stream')).toBe(true);
    expect(pathMatches('/auth', '/_stcore/stream')).toBe(false);
    expect(pathMatches('/auth', '/auth/callback')).toBe(true);
    expect(pathMatches('/auth', '/authx')).toBe(false);
  });

  it("finds none of component-web's own cookies on Streamlit's WebSocket (scoped to /auth and /api/session)", () => {
    expect(componentWebCookies({}).map((c) => c.path)).toEqual(['/auth', '/auth', '/api/session']);
    expect(streamlitCookieCheck({})).toEqual([]);
    expect(streamlitCookieCheck({ STREAMLIT_PORT: '8501', COMPONENT_WEB_PORT: '3002' })).toEqual([]);
  });

  it('warns for a cookie with path / on the same host (any port), and when known sizes pass 8,192 bytes', () => {
    const cookies = [
      { name: '__session', path: '/', bytes: 5200 },
      { name: '__cwf', path: '/', bytes: 5200 },
    ];
    const warnings = streamlitCookieWarnings({ appBaseUrl: 'http://localhost:3001', streamlitUrls: ['http://localhost:4010', 'http://127.0.0.1:4010'], cookies });
    expect(warnings.map((w) => [w.cookie, w.streamlitUrl])).toEqual([
      ['__session', 'http://localhost:4010'],
      ['__cwf', 'http://localhost:4010'],
      ['__session, __cwf', 'http://localhost:4010'],
    ]);
    expect(warnings[2]!.message).toMatch(/10410 bytes, over its 8192-byte header line limit/);
    // small enough: the per-cookie warnings only
    expect(streamlitCookieWarnings({ appBaseUrl: 'http://localhost:3001', streamlitUrls: ['http://localhost:4010'], cookies: [{ name: 'a', path: '/', bytes: 100 }] })).toHaveLength(1);
  });

  it('warns when AUTH0_COOKIE_DOMAIN shares the SDK cookies with Streamlit’s host', () => {
    const lines = streamlitCookieCheck({ AUTH0_COOKIE_DOMAIN: 'example.com', APP_BASE_URL: 'https://auth.example.com', STREAMLIT_ORIGINS: 'https://apps.example.com' });
    // the path still keeps them off Streamlit's WebSocket
    expect(lines).toEqual([]);
    const shared = streamlitCookieWarnings({
      appBaseUrl: 'https://auth.example.com',
      streamlitUrls: ['https://apps.example.com'],
      cookies: [{ name: '__session', path: '/', domain: 'example.com' }],
    });
    expect(shared.map((w) => w.cookie)).toEqual(['__session']);
  });
});
