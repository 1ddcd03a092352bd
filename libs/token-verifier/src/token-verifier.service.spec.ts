import { BusError } from '@auth-bus/contracts';
import { Test } from '@nestjs/testing';
import { JwksKeyStore } from './jwks-key-store';
import { hs256Token, LocalIssuer, resign, generateRsaKey, tamperPayload, unsignedToken } from './testing';
import { TokenVerifierModule } from './token-verifier.module';
import type { TokenVerifierOptions } from './token-verifier.options';
import { TokenVerifierService } from './token-verifier.service';
import { RevocationIndex } from './revocation-index';
import { JwtAccessStrategy } from './jwt-access.strategy';
import { resolveTokenVerifierOptions } from './token-verifier.options';

async function verifierFor(issuer: LocalIssuer, options: Partial<TokenVerifierOptions> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenVerifierModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience, clockToleranceSec: 5, ...options })],
  }).compile();
  return { verifier: moduleRef.get(TokenVerifierService), keys: moduleRef.get(JwksKeyStore) };
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BusError);
    expect((err as BusError).code).toBe('UNAUTHENTICATED');
    return (err as BusError).reason as string;
  }
  throw new Error('expected a rejection');
}

describe('TokenVerifierService', () => {
  let issuer: LocalIssuer;
  const attacker = generateRsaKey('attacker');

  beforeAll(async () => {
    issuer = await LocalIssuer.start({ audience: 'https://api.example.test' });
  });
  afterAll(() => issuer.close());
  afterEach(() => {
    jest.restoreAllMocks();
    issuer.failJwks = false;
  });

  it('accepts a valid access token and returns the identity it proves', async () => {
    const { verifier } = await verifierFor(issuer);
    const token = issuer.accessToken('local|alice', { email: 'alice@example.com', name: 'Alice', permissions: ['read:messages', 'read:audit'] });
    const identity = await verifier.verify(token);
    expect(identity).toMatchObject({
      sub: 'local|alice',
      email: 'alice@example.com',
      name: 'Alice',
      permissions: ['read:messages', 'read:audit'],
      iss: issuer.issuer,
    });
    expect(identity.tokenHash).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(identity)).not.toContain(token);
  });

  it('keeps the trust settings of each verifier apart when several live in one process', async () => {
    const other = await LocalIssuer.start({ audience: 'https://other.example.test' });
    try {
      const first = await verifierFor(issuer, { cacheMaxEntries: 0 });
      const second = await verifierFor(other, { cacheMaxEntries: 0 });
      const mine = issuer.accessToken('local|alice');
      const theirs = other.accessToken('local|bob');
      // The strategy made last must not stand in for the first one (no shared registry by name).
      await expect(first.verifier.verify(mine)).resolves.toMatchObject({ sub: 'local|alice' });
      await expect(second.verifier.verify(theirs)).resolves.toMatchObject({ sub: 'local|bob' });
      expect(await reasonOf(first.verifier.verify(theirs))).toBe('wrong_issuer');
      expect(await reasonOf(second.verifier.verify(mine))).toBe('wrong_issuer');
    } finally {
      await other.close();
    }
  });

  describe('refuses every forgery with its reason', () => {
    let verifier: TokenVerifierService;
    let valid: string;
    beforeAll(async () => {
      ({ verifier } = await verifierFor(issuer));
      valid = issuer.accessToken('local|alice');
    });

    it.each<[string, () => string | undefined, string]>([
      ['no token', () => undefined, 'missing'],
      ['garbage', () => 'not-a-jwt', 'malformed'],
      ['three segments of garbage', () => 'a.b.c', 'malformed'],
      ['alg none', () => unsignedToken(issuer.claims()), 'wrong_algorithm'],
      ['HS256 signed with the public key', () => hs256Token(issuer.claims(), issuer.publicPem(), { kid: issuer.currentKid }), 'wrong_algorithm'],
      ['RS512', () => issuer.sign(issuer.claims(), { header: { alg: 'RS512' } }), 'wrong_algorithm'],
      ['another key with the real kid', () => resign(valid, attacker, { kid: issuer.currentKid }), 'bad_signature'],
      ['another key with an unknown kid', () => resign(valid, attacker, { kid: 'attacker-kid' }), 'unknown_key'],
      ['a tampered payload', () => tamperPayload(valid, (p) => ({ ...p, permissions: ['read:messages', 'admin'] })), 'bad_signature'],
      ['a tampered sub', () => tamperPayload(valid, (p) => ({ ...p, sub: 'local|mallory' })), 'bad_signature'],
      ['an expired token', () => issuer.accessToken('local|alice', { exp: Math.floor(Date.now() / 1000) - 60 }), 'expired'],
      ['a token not valid yet', () => issuer.accessToken('local|alice', { nbf: Math.floor(Date.now() / 1000) + 600 }), 'not_yet_valid'],
      ['a wrong audience', () => issuer.accessToken('local|alice', { aud: 'https://other.example.test' }), 'wrong_audience'],
      ['a wrong issuer', () => issuer.accessToken('local|alice', { iss: 'https://evil.example.test/' }), 'wrong_issuer'],
      ['a wrong issuer signed by another key', () => resign(valid, attacker, { kid: 'x' }, (p) => ({ ...p, iss: 'https://evil.example.test/' })), 'wrong_issuer'],
      ['an ID token (nonce, aud = client id)', () => issuer.accessToken('local|alice', { aud: 'client-id', nonce: 'n-1', at_hash: 'abc' }), 'not_access_token'],
      ['an ID token with the API audience', () => issuer.sign(issuer.claims('local|alice', { nonce: 'n' }), { header: { typ: 'JWT' } }), 'not_access_token'],
      ['a logout token', () => issuer.sign(issuer.claims(), { header: { typ: 'logout+jwt' } }), 'not_access_token'],
      ['a token without exp', () => issuer.sign({ ...issuer.claims(), exp: undefined }), 'malformed'],
      ['a token without sub', () => issuer.sign({ ...issuer.claims(), sub: undefined }), 'malformed'],
    ])('%s', async (_what, make, reason) => {
      expect(await reasonOf(verifier.verify(make()))).toBe(reason);
    });

    it('still verifies the genuine token afterwards', async () => {
      await expect(verifier.verify(valid)).resolves.toMatchObject({ sub: 'local|alice' });
    });
  });

  it('tolerates a bounded clock skew, and no more', async () => {
    const { verifier } = await verifierFor(issuer, { clockToleranceSec: 30 });
    const now = Math.floor(Date.now() / 1000);
    await expect(verifier.verify(issuer.accessToken('s', { exp: now - 10 }))).resolves.toBeDefined();
    await expect(verifier.verify(issuer.accessToken('s', { nbf: now + 10 }))).resolves.toBeDefined();
    expect(await reasonOf(verifier.verify(issuer.accessToken('s', { exp: now - 40 })))).toBe('expired');
    expect(() => TokenVerifierModule.forRoot({ issuer: issuer.issuer, audience: 'a', clockToleranceSec: 3600 })).toThrow(/clock tolerance/);
  });

  it('reads the JWKS once for many tokens, and once more for a new kid (rotation without restart)', async () => {
    const rotating = await LocalIssuer.start({ kids: ['k1'] });
    try {
      // One refetch for unknown kids every 50 ms at most.
      const { verifier, keys } = await verifierFor(rotating, { jwksRequestsPerMinute: 1_200 });
      for (let i = 0; i < 20; i++) await verifier.verify(rotating.accessToken(`user-${i}`));
      expect(rotating.jwksRequests).toBe(1);
      expect(keys.fetchCount).toBe(1);

      rotating.addKey('k2');
      await new Promise((r) => setTimeout(r, 60));
      await expect(verifier.verify(rotating.accessToken('after-rotation'))).resolves.toMatchObject({ sub: 'after-rotation' });
      expect(rotating.jwksRequests).toBe(2);
      // Old tokens signed by k1 still verify from the cached key.
      await expect(verifier.verify(rotating.sign(rotating.claims('old'), { kid: 'k1' }))).resolves.toBeDefined();
      expect(rotating.jwksRequests).toBe(2);
    } finally {
      await rotating.close();
    }
  });

  it('shares one JWKS fetch among concurrent first uses of a kid', async () => {
    const fresh = await LocalIssuer.start();
    try {
      const { verifier } = await verifierFor(fresh);
      await Promise.all(Array.from({ length: 25 }, (_, i) => verifier.verify(fresh.accessToken(`u${i}`))));
      expect(fresh.jwksRequests).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('rate-limits refetches caused by unknown kids', async () => {
    const target = await LocalIssuer.start();
    try {
      const { verifier } = await verifierFor(target, { jwksRequestsPerMinute: 3 });
      const reasons: string[] = [];
      for (let i = 0; i < 12; i++) {
        reasons.push(await reasonOf(verifier.verify(resign(target.accessToken('x'), attacker, { kid: `made-up-${i}` }))));
      }
      expect(new Set(reasons)).toEqual(new Set(['unknown_key']));
      expect(target.jwksRequests).toBeLessThanOrEqual(3);
    } finally {
      await target.close();
    }
  });

  it('says jwks_unavailable when the keys cannot be fetched, and recovers', async () => {
    const flaky = await LocalIssuer.start();
    try {
      const { verifier } = await verifierFor(flaky);
      flaky.failJwks = true;
      expect(await reasonOf(verifier.verify(flaky.accessToken('a')))).toBe('jwks_unavailable');
      flaky.failJwks = false;
      // With no key known at all, a failed fetch is retried at most once a second.
      expect(await reasonOf(verifier.verify(flaky.accessToken('a')))).toBe('jwks_unavailable');
      expect(flaky.jwksRequests).toBe(1);
      await new Promise((r) => setTimeout(r, 1_100));
      await expect(verifier.verify(flaky.accessToken('a'))).resolves.toMatchObject({ sub: 'a' });
    } finally {
      await flaky.close();
    }
  });

  it('keeps using a known key when the JWKS is down at refresh time', async () => {
    const flaky = await LocalIssuer.start();
    try {
      const { verifier } = await verifierFor(flaky, { jwksCacheMaxAgeMs: 1 });
      await verifier.verify(flaky.accessToken('first'));
      await new Promise((r) => setTimeout(r, 5));
      flaky.failJwks = true;
      // The expired key is used at once while the refresh runs in the background …
      await expect(verifier.verify(flaky.accessToken('second'))).resolves.toMatchObject({ sub: 'second' });
      await waitUntil(() => flaky.jwksRequests === 2);
      // … and after that refresh failed, it keeps working.
      await new Promise((r) => setTimeout(r, 5));
      await expect(verifier.verify(flaky.accessToken('third'))).resolves.toMatchObject({ sub: 'third' });
    } finally {
      await flaky.close();
    }
  });

  describe('verification cache', () => {
    it('answers a repeated token from the cache', async () => {
      const { verifier } = await verifierFor(issuer);
      const token = issuer.accessToken('cached');
      const first = await verifier.verify(token);
      const second = await verifier.verify(token);
      expect(second).toBe(first);
      expect(verifier.stats).toMatchObject({ verified: 1, hits: 1 });
    });

    it('shares one verification among concurrent first checks of a token', async () => {
      const { verifier } = await verifierFor(issuer);
      const token = issuer.accessToken('concurrent');
      await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)));
      expect(verifier.stats.verified).toBe(1);
    });

    it('still enforces expiry on a cached token', async () => {
      const { verifier } = await verifierFor(issuer, { clockToleranceSec: 0, cacheTtlMs: 3_600_000 });
      const realNow = Date.now();
      const token = issuer.accessToken('short-lived', { exp: Math.floor(realNow / 1000) + 2 });
      await verifier.verify(token);
      await verifier.verify(token);
      expect(verifier.stats.hits).toBe(1);
      jest.spyOn(Date, 'now').mockReturnValue(realNow + 3_000);
      expect(await reasonOf(verifier.verify(token))).toBe('expired');
    });

    it('re-verifies after the cache TTL', async () => {
      const { verifier } = await verifierFor(issuer, { cacheTtlMs: 1_000 });
      const realNow = Date.now();
      const token = issuer.accessToken('ttl');
      await verifier.verify(token);
      jest.spyOn(Date, 'now').mockReturnValue(realNow + 1_500);
      await verifier.verify(token);
      expect(verifier.stats).toMatchObject({ verified: 2, hits: 0 });
    });

    it('never caches a refusal', async () => {
      const { verifier } = await verifierFor(issuer);
      const forged = resign(issuer.accessToken('x'), attacker, { kid: issuer.currentKid });
      expect(await reasonOf(verifier.verify(forged))).toBe('bad_signature');
      expect(await reasonOf(verifier.verify(forged))).toBe('bad_signature');
      expect(verifier.stats).toMatchObject({ hits: 0, verified: 0, rejected: 2 });
      expect(verifier.cacheSize).toBe(0);
    });

    it('stays within its size bound', async () => {
      const { verifier } = await verifierFor(issuer, { cacheMaxEntries: 5 });
      for (let i = 0; i < 12; i++) await verifier.verify(issuer.accessToken(`bounded-${i}`));
      expect(verifier.cacheSize).toBe(5);
    });

    it('does not let a cached success vouch for a different token', async () => {
      const { verifier } = await verifierFor(issuer);
      const token = issuer.accessToken('alice');
      await verifier.verify(token);
      const tampered = tamperPayload(token, (p) => ({ ...p, permissions: ['admin'] }));
      expect(await reasonOf(verifier.verify(tampered))).toBe('bad_signature');
    });
  });

  describe('with a revocation index', () => {
    function withIndex(index: RevocationIndex, options: Partial<TokenVerifierOptions> = {}) {
      const resolved = resolveTokenVerifierOptions({ issuer: issuer.issuer, audience: issuer.audience, ...options });
      return new TokenVerifierService(resolved, new JwtAccessStrategy(resolved, new JwksKeyStore(resolved)), index);
    }
    const loaded = () => {
      const index = new RevocationIndex();
      (index as unknown as { markLoaded(): void }).markLoaded();
      return index;
    };

    it('refuses a revoked token as `revoked`, also when it was cached before, and purges it from the cache', async () => {
      const index = loaded();
      const verifier = withIndex(index);
      const token = issuer.accessToken('local|bob', { iat: Math.floor(Date.now() / 1000) - 10 });
      const other = issuer.accessToken('local|carol');
      await verifier.verify(token);
      await verifier.verify(other);
      expect(verifier.cacheSize).toBe(2);
      index.apply({ kind: 'user', sub: 'local|bob', revoked_at: Math.floor(Date.now() / 1000), by: 'local|bob' });
      index.onRevocation?.({ kind: 'user', sub: 'local|bob', revoked_at: 1, by: 'x' });
      expect(verifier.cacheSize).toBe(1);
      expect(await reasonOf(verifier.verify(token))).toBe('revoked');
      await expect(verifier.verify(other)).resolves.toMatchObject({ sub: 'local|carol' });
    });

    it('refuses a cached token revoked by its hash (no purge needed: every hit is checked)', async () => {
      const index = loaded();
      const verifier = withIndex(index);
      const token = issuer.accessToken('local|bob');
      const identity = await verifier.verify(token);
      index.apply({ kind: 'token', token_hash: identity.tokenHash, revoked_at: 1, by: 'revoke-cli' });
      expect(await reasonOf(verifier.verify(token))).toBe('revoked');
    });

    it('accepts a token issued after a user revocation', async () => {
      const index = loaded();
      const verifier = withIndex(index);
      const now = Math.floor(Date.now() / 1000);
      index.apply({ kind: 'user', sub: 'local|bob', revoked_at: now - 5, by: 'local|bob' });
      await expect(verifier.verify(issuer.accessToken('local|bob', { iat: now }))).resolves.toMatchObject({ sub: 'local|bob' });
      expect(await reasonOf(verifier.verify(issuer.accessToken('local|bob', { iat: now - 6 })))).toBe('revoked');
    });

    it('fails closed: UNAVAILABLE while the revocation list has not loaded', async () => {
      const verifier = withIndex(new RevocationIndex(), { revocationWaitMs: 50 });
      await expect(verifier.verify(issuer.accessToken('local|bob'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      // A missing token is still refused as missing, not UNAVAILABLE.
      expect(await reasonOf(verifier.verify(undefined))).toBe('missing');
    });
  });
});
