import { toComponentSession } from './sdk-session';

describe('toComponentSession', () => {
  it('hands over user, access token, ID token and expiry — never the refresh token', () => {
    const session = toComponentSession({
      user: { sub: 'auth0|alice', name: 'Alice Example', email: 'alice@example.com', sid: 'x', nonce: 'y' },
      tokenSet: { accessToken: 'a.b.c', idToken: 'i.d.t', expiresAt: 1_900_000_000, refreshToken: 'r' } as never,
    });
    expect(session).toEqual({
      user: { sub: 'auth0|alice', name: 'Alice Example', email: 'alice@example.com' },
      token: { value: 'a.b.c', value_id_token: 'i.d.t', expiry: 1_900_000_000 },
    });
    expect(JSON.stringify(session)).not.toContain('"r"');
  });

  it('is null without an access token', () => {
    expect(toComponentSession(null)).toBeNull();
    expect(toComponentSession({ user: {}, tokenSet: {} })).toBeNull();
  });
});
