import { BusError, MAX_TOKEN_CHARS } from '@auth-bus/contracts';
import { checkJwtShape, isJwtShaped } from './jwt-shape';

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const jwt = (header: unknown, payload: unknown = { sub: 'alice' }, signature = 'c2lnbmF0dXJl'): string => `${b64(header)}.${b64(payload)}.${signature}`;

describe('isJwtShaped', () => {
  it('accepts what an OIDC provider issues (and alg:none, which auth-service refuses with its own reason)', () => {
    expect(isJwtShaped(jwt({ alg: 'RS256', typ: 'JWT', kid: 'k1' }))).toBe(true);
    expect(isJwtShaped(jwt({ alg: 'none', kid: 'k1' }, { sub: 'x' }, ''))).toBe(true);
    expect(isJwtShaped(jwt({ alg: 'HS256', kid: 'k1' }))).toBe(true);
  });

  it.each([
    ['a word', 'this-is-not-a-jwt'],
    ['three segments of garbage', 'abc.def.ghi'],
    ['two segments', `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ sub: 'a' })}`],
    ['five segments (JWE)', `${b64({ alg: 'RSA-OAEP', kid: 'k' })}.a.b.c.d`],
    ['padding', `${jwt({ alg: 'RS256', kid: 'k' })}=`],
    ['standard base64 characters', jwt({ alg: 'RS256', kid: 'k' }, { sub: 'a' }, 'ab+/')],
    ['a header without kid', jwt({ alg: 'RS256', typ: 'JWT' })],
    ['a header without alg', jwt({ kid: 'k' })],
    ['a non-string alg', jwt({ alg: 1, kid: 'k' })],
    ['an empty kid', jwt({ alg: 'RS256', kid: '' })],
    ['a header that is not JSON', `${b64('{alg')}.${b64({ sub: 'a' })}.sig`],
    ['a header that is a JSON array', jwt(['RS256'])],
    ['a payload that is not JSON', `${b64({ alg: 'RS256', kid: 'k' })}.${b64('nope')}.sig`],
    ['an empty payload', `${b64({ alg: 'RS256', kid: 'k' })}..sig`],
    ['a huge header', jwt({ alg: 'RS256', kid: 'k', pad: 'x'.repeat(2000) })],
    ['a token over the size limit', jwt({ alg: 'RS256', kid: 'k' }, { pad: 'x'.repeat(MAX_TOKEN_CHARS) })],
  ])('refuses %s', (_what, token) => {
    expect(isJwtShaped(token)).toBe(false);
  });

  it('throws the typed error the relay answers with', () => {
    expect(() => checkJwtShape('junk')).toThrow(BusError);
    try {
      checkJwtShape('junk');
    } catch (err) {
      expect(err).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'malformed' });
    }
  });
});
