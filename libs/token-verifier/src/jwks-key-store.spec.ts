import { BusError } from '@auth-bus/contracts';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { JwksKeyStore } from './jwks-key-store';
import { generateRsaKey, LocalIssuer, resign } from './testing';
import { TokenVerifierModule } from './token-verifier.module';
import type { TokenVerifierOptions } from './token-verifier.options';
import { TokenVerifierService } from './token-verifier.service';

async function verifierFor(issuer: LocalIssuer, options: Partial<TokenVerifierOptions> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenVerifierModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience, cacheMaxEntries: 0, ...options })],
  }).compile();
  return { verifier: moduleRef.get(TokenVerifierService), keys: moduleRef.get(JwksKeyStore), moduleRef };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BusError);
    return (err as BusError).reason as string;
  }
  throw new Error('expected a rejection');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('JwksKeyStore', () => {
  const attacker = generateRsaKey('attacker');
  afterEach(() => jest.restoreAllMocks());

  describe('refetch starvation (issue 13.5)', () => {
    it('keeps known keys working and picks up a rotated key while unknown kids flood in', async () => {
      const idp = await LocalIssuer.start({ kids: ['k1'] });
      try {
        // Unknown kids may cause one fetch every 100 ms; keys are trusted for 300 ms.
        const { verifier } = await verifierFor(idp, { jwksRequestsPerMinute: 600, jwksCacheMaxAgeMs: 300 });
        await verifier.verify(idp.accessToken('first'));
        const started = Date.now();
        let floods = 0;
        const flood = async (until: () => boolean) => {
          while (!until()) {
            expect(await reasonOf(verifier.verify(resign(idp.accessToken('x'), attacker, { kid: `made-up-${floods++}` })))).toBe('unknown_key');
          }
        };
        await flood(() => Date.now() - started > 400);
        expect(floods).toBeGreaterThan(50);
        // Unknown kids cost at most one fetch per interval (plus the first fetch).
        expect(idp.jwksRequests).toBeLessThanOrEqual(1 + Math.ceil((Date.now() - started) / 100) + 1);

        // The real key's cache entry has expired: its tokens are still accepted at once.
        await expect(verifier.verify(idp.accessToken('after-expiry'))).resolves.toMatchObject({ sub: 'after-expiry' });

        // Rotation during the flood: the new key is accepted within one interval.
        idp.addKey('k2');
        let accepted = false;
        const rotated = idp.accessToken('rotated');
        expect(idp.currentKid).toBe('k2');
        const flooding = flood(() => accepted);
        const rotationAt = Date.now();
        await waitUntil(async () => (accepted = await verifier.verify(rotated).then(() => true, () => false)), 2_000);
        await flooding;
        expect(Date.now() - rotationAt).toBeLessThan(1_000);
        await expect(verifier.verify(idp.sign(idp.claims('old'), { kid: 'k1' }))).resolves.toMatchObject({ sub: 'old' });
        const elapsed = Date.now() - started;
        expect(idp.jwksRequests).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 100) + Math.ceil(elapsed / 300));
      } finally {
        await idp.close();
      }
    });

    it('shares one fetch among concurrent unknown kids', async () => {
      const idp = await LocalIssuer.start();
      try {
        const { verifier } = await verifierFor(idp, { jwksRequestsPerMinute: 600 });
        await verifier.verify(idp.accessToken('warm'));
        await sleep(150); // past the 100 ms interval: the next unknown kid may fetch
        const before = idp.jwksRequests;
        const reasons = await Promise.all(
          Array.from({ length: 30 }, (_, i) => reasonOf(verifier.verify(resign(idp.accessToken('x'), attacker, { kid: `concurrent-${i}` })))),
        );
        expect(new Set(reasons)).toEqual(new Set(['unknown_key']));
        expect(idp.jwksRequests - before).toBe(1);
      } finally {
        await idp.close();
      }
    });
  });

  describe('discovery (issue 14.1)', () => {
    it('takes the issuer and the JWKS from a Keycloak-shaped provider, whatever the configured slash', async () => {
      const idp = await LocalIssuer.start({ path: '/realms/test', trailingSlash: false, jwksPath: '/realms/test/protocol/openid-connect/certs' });
      try {
        expect(idp.issuer).toMatch(/\/realms\/test$/);
        for (const configured of [idp.issuer, `${idp.issuer}/`]) {
          const { verifier, keys } = await verifierFor(idp, { issuer: configured });
          await expect(verifier.verify(idp.accessToken('kc-user'))).resolves.toMatchObject({ sub: 'kc-user', iss: idp.issuer });
          expect(keys.metadata).toEqual({ issuer: idp.issuer, jwksUri: idp.jwksUri });
          // The token's iss must be the discovered issuer exactly.
          expect(await reasonOf(verifier.verify(idp.accessToken('slash', { iss: `${idp.issuer}/` })))).toBe('wrong_issuer');
        }
      } finally {
        await idp.close();
      }
    });

    it('accepts an Auth0-shaped issuer configured without its trailing slash', async () => {
      const idp = await LocalIssuer.start();
      try {
        const { verifier } = await verifierFor(idp, { issuer: idp.issuer.replace(/\/$/, '') });
        await expect(verifier.verify(idp.accessToken('auth0-user'))).resolves.toMatchObject({ sub: 'auth0-user', iss: idp.issuer });
        expect(await reasonOf(verifier.verify(idp.accessToken('x', { iss: idp.issuer.replace(/\/$/, '') })))).toBe('wrong_issuer');
      } finally {
        await idp.close();
      }
    });

    it('reads discovery and keys again after the cache age, not per token', async () => {
      const idp = await LocalIssuer.start();
      try {
        const { verifier } = await verifierFor(idp, { jwksCacheMaxAgeMs: 200 });
        for (let i = 0; i < 10; i++) await verifier.verify(idp.accessToken(`u${i}`));
        expect([idp.discoveryRequests, idp.jwksRequests]).toEqual([1, 1]);
        await sleep(250);
        await verifier.verify(idp.accessToken('later'));
        await waitUntil(() => idp.jwksRequests === 2);
        expect(idp.discoveryRequests).toBe(2);
      } finally {
        await idp.close();
      }
    });

    it('uses AUTH_JWKS_URI as given, without discovery', async () => {
      const idp = await LocalIssuer.start({ jwksPath: '/keys' });
      idp.failDiscovery = true;
      try {
        const { verifier } = await verifierFor(idp, { jwksUri: idp.jwksUri, issuer: idp.issuer.replace(/\/$/, '') });
        await expect(verifier.verify(idp.accessToken('direct'))).resolves.toMatchObject({ sub: 'direct' });
        expect(idp.discoveryRequests).toBe(0);
      } finally {
        await idp.close();
      }
    });

    it('at start, logs ONE error naming the setting when discovery fails, keeps retrying, and recovers', async () => {
      const idp = await LocalIssuer.start();
      idp.failDiscovery = true;
      const errors: string[] = [];
      const infos: string[] = [];
      jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
      jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void infos.push(String(message)));
      const { verifier, moduleRef } = await verifierFor(idp);
      const app = moduleRef.createNestApplication();
      try {
        await app.init(); // onApplicationBootstrap: the store loads the provider in the background
        await waitUntil(() => idp.discoveryRequests >= 1);
        expect(await reasonOf(verifier.verify(idp.accessToken('early')))).toBe('jwks_unavailable');
        await waitUntil(() => idp.discoveryRequests >= 2, 4_000);
        const storeErrors = errors.filter((e) => e.includes('openid-configuration'));
        expect(storeErrors).toHaveLength(1);
        expect(storeErrors[0]).toMatch(/HTTP 404/);
        expect(storeErrors[0]).toMatch(/OIDC_ISSUER/);
        expect(storeErrors[0]).toMatch(/AUTH_JWKS_URI/);

        idp.failDiscovery = false;
        await waitUntil(async () => verifier.verify(idp.accessToken('late')).then(() => true, () => false), 8_000);
        expect(infos.some((m) => /works again/.test(m))).toBe(true);
        expect(errors.filter((e) => e.includes('openid-configuration'))).toHaveLength(1);
      } finally {
        await app.close();
        await idp.close();
      }
    });

    it('names the issuer the provider announces when the configured one does not match', async () => {
      const idp = await LocalIssuer.start();
      idp.announcedIssuer = 'https://elsewhere.example.test/';
      const errors: string[] = [];
      jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
      try {
        const { verifier } = await verifierFor(idp, { settingNames: { issuer: 'AUTH0_DOMAIN' } });
        expect(await reasonOf(verifier.verify(idp.accessToken('x')))).toBe('jwks_unavailable');
        expect(errors).toEqual([expect.stringContaining('set OIDC_ISSUER=https://elsewhere.example.test/ (it takes precedence over AUTH0_DOMAIN)')]);
      } finally {
        await idp.close();
      }
    });
  });

  describe('configuration hints (issue 14)', () => {
    it('says which audience a refused token carries and which setting to change, never the token', async () => {
      const idp = await LocalIssuer.start({ audience: 'https://api.example.test' });
      const warnings: string[] = [];
      jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
      try {
        const { verifier } = await verifierFor(idp);
        const token = idp.accessToken('x', { aud: 'account' });
        expect(await reasonOf(verifier.verify(token))).toBe('wrong_audience');
        expect(await reasonOf(verifier.verify(idp.accessToken('y', { aud: 'account' })))).toBe('wrong_audience');
        const hints = warnings.filter((w) => w.includes('wrong_audience'));
        expect(hints).toHaveLength(1); // at most one a minute
        expect(hints[0]).toContain('AUTH_AUDIENCE');
        expect(hints[0]).toContain('"account"');
        expect(hints[0]).toContain('https://api.example.test');
        expect(hints[0]).not.toContain(token.split('.')[1]);
      } finally {
        await idp.close();
      }
    });
  });
});
