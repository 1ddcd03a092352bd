import { tokenDigest, tokenHash, tokenHashOfDigest } from './token-hash';

describe('token hashes', () => {
  it('tokenDigest is the hex SHA-256 of the token (FIPS 180-2 test vector "abc")', () => {
    expect(tokenDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('tokenHash is the first 16 hex digits of the digest, also from a digest at hand', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln';
    expect(tokenHash(token)).toBe(tokenDigest(token).slice(0, 16));
    expect(tokenHashOfDigest(tokenDigest(token))).toBe(tokenHash(token));
    expect(tokenHash(token)).toMatch(/^[0-9a-f]{16}$/);
  });
});
