import { RevocationIndex, tokenRevocationKey, userRevocationKey } from './revocation-index';

describe('RevocationIndex', () => {
  it('a user revocation covers that user\'s tokens issued at or before it, and no later one', () => {
    const index = new RevocationIndex();
    index.apply({ kind: 'user', sub: 'auth0|bob', revoked_at: 1_000, by: 'auth0|bob' });
    expect(index.isRevoked('aaaaaaaaaaaaaaaa', 'auth0|bob', 999)).toBe(true);
    expect(index.isRevoked('aaaaaaaaaaaaaaaa', 'auth0|bob', 1_000)).toBe(true);
    expect(index.isRevoked('aaaaaaaaaaaaaaaa', 'auth0|bob', 1_001)).toBe(false);
    expect(index.isRevoked('aaaaaaaaaaaaaaaa', 'auth0|alice', 999)).toBe(false);
    // A token without iat cannot show it was issued afterwards.
    expect(index.isRevoked('aaaaaaaaaaaaaaaa', 'auth0|bob', undefined)).toBe(true);
  });

  it('keeps the latest user revocation, whatever order the records come in', () => {
    const index = new RevocationIndex();
    index.apply({ kind: 'user', sub: 'auth0|bob', revoked_at: 2_000, by: 'x' });
    index.apply({ kind: 'user', sub: 'auth0|bob', revoked_at: 1_000, by: 'x' });
    expect(index.isRevoked('aaaaaaaaaaaaaaaa', 'auth0|bob', 1_500)).toBe(true);
  });

  it('a token revocation covers that token only', () => {
    const index = new RevocationIndex();
    index.apply({ kind: 'token', token_hash: '0123456789abcdef', revoked_at: 1_000, by: 'revoke-cli' });
    expect(index.isRevoked('0123456789abcdef', 'auth0|alice', 5_000)).toBe(true);
    expect(index.isRevoked('fedcba9876543210', 'auth0|alice', 5_000)).toBe(false);
    expect(index.size).toBe(1);
  });

  it('is not ready before its first load; whenReady gives up after the bound', async () => {
    const index = new RevocationIndex();
    expect(index.ready).toBe(false);
    await expect(index.whenReady(20)).resolves.toBe(false);
  });

  it('makes KV-safe keys (subjects hold `|`)', () => {
    expect(userRevocationKey('auth0|alice')).toMatch(/^user\.[A-Za-z0-9_-]+$/);
    expect(userRevocationKey('auth0|alice')).not.toBe(userRevocationKey('auth0|alicf'));
    expect(tokenRevocationKey('0123456789abcdef')).toBe('token.0123456789abcdef');
  });
});
