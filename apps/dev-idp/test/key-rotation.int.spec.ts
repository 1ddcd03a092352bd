// Key rotation on a running provider, and keys that survive a restart, checked the way token
// verifiers do it: jwks-rsa against the published JWKS.
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import { decodeJwt, DEV_IDP_DEFAULTS, type TokenResponse } from '@auth-bus/testing';
import { devIdpForSuite } from './support/dev-idp-for-suite.js';

const API = DEV_IDP_DEFAULTS.audience;

const idp = devIdpForSuite();

async function verifyWith(client: jwksRsa.JwksClient, token: string, audience: string): Promise<jwt.JwtPayload> {
  const { kid } = decodeJwt(token).header;
  const key = await client.getSigningKey(kid);
  return jwt.verify(token, key.getPublicKey(), { algorithms: ['RS256'], issuer: idp().issuer, audience }) as jwt.JwtPayload;
}

const kidOf = (token: string) => decodeJwt(token).header.kid as string;

describe('signing key rotation', () => {
  let before: TokenResponse;
  let m2mBefore: TokenResponse;
  let oldKid: string;
  let newKid: string;
  // a verifier that cached the JWKS before the rotation (as a long-running service would)
  let cachedVerifier: jwksRsa.JwksClient;

  beforeAll(async () => {
    before = await idp().tokenFor('alice');
    m2mBefore = await idp().m2mToken();
    oldKid = kidOf(before.access_token);
    cachedVerifier = jwksRsa({ jwksUri: idp().jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 });
    await verifyWith(cachedVerifier, before.access_token, API);
  });

  it('adds a new signing key and keeps the old one in the JWKS', async () => {
    expect((await idp().jwks()).keys.map((k) => k.kid)).toEqual([oldKid]);
    const report = await idp().rotateKeys();
    newKid = report.added;
    expect(report.retired).toEqual([oldKid]);
    expect(report.pruned).toEqual([]);
    expect((await idp().jwks()).keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    expect(newKid).not.toBe(oldKid);
  });

  it('signs new tokens with the new key; old and new tokens both verify', async () => {
    const after = await idp().tokenFor('alice');
    const m2mAfter = await idp().m2mToken();
    expect(kidOf(after.access_token)).toBe(newKid);
    expect(kidOf(after.id_token!)).toBe(newKid);
    expect(kidOf(m2mAfter.access_token)).toBe(newKid);

    const fresh = jwksRsa({ jwksUri: idp().jwksUri });
    for (const verifier of [fresh, cachedVerifier]) {
      expect((await verifyWith(verifier, before.access_token, API)).sub).toBe('auth0|alice');
      expect((await verifyWith(verifier, before.id_token!, DEV_IDP_DEFAULTS.webClient.clientId)).sub).toBe('auth0|alice');
      expect((await verifyWith(verifier, m2mBefore.access_token, API)).gty).toBe('client-credentials');
      expect((await verifyWith(verifier, after.access_token, API)).sub).toBe('auth0|alice');
      expect((await verifyWith(verifier, m2mAfter.access_token, API)).sub).toBe('dev-m2m@clients');
    }
  });

  it('keeps sessions and refresh tokens across the rotation', async () => {
    const renewed = await idp().refresh(before.refresh_token!);
    expect(kidOf(renewed.access_token)).toBe(newKid);
    expect((await verifyWith(jwksRsa({ jwksUri: idp().jwksUri }), renewed.access_token, API)).sub).toBe('auth0|alice');
  });

  it('keeps the keys, sessions and refresh tokens across a restart', async () => {
    const session = await idp().login('alice');
    await idp().restart();
    expect((await idp().jwks()).keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    const verifier = jwksRsa({ jwksUri: idp().jwksUri });
    expect((await verifyWith(verifier, before.access_token, API)).sub).toBe('auth0|alice');
    const m2m = await idp().m2mToken();
    expect(kidOf(m2m.access_token)).toBe(newKid);
    expect((await verifyWith(verifier, m2m.access_token, API)).azp).toBe('dev-m2m');
    // state.json in the keys folder brought back the refresh token and the SSO session
    const renewed = await idp().refresh(session.tokens.refresh_token!);
    expect((await verifyWith(verifier, renewed.access_token, API)).sub).toBe('auth0|alice');
    const again = await idp().login('alice', { jar: session.jar });
    expect(again.pages).toEqual([]);
  });
});
