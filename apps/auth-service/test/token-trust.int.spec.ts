import { BusError, SUBJECTS } from '@auth-bus/contracts';
import { readAuditStream, waitFor, type StoredAuditMessage } from '@auth-bus/testing';
import { generateRsaKey, resign } from '@auth-bus/token-verifier/testing';
import { randomBytes } from 'node:crypto';
import { ServicesOnBus } from './support/services-on-bus';

/**
 * Who may log in, and whether an attacker can lock everybody out: the built auth-service and
 * api-service on a real nats-server, trusting the real dev-idp.
 *
 * - issue 13.6: a machine (client-credentials) token is refused by `auth.verify` for a user
 *   login — the default purpose, so the Streamlit host is strict with no change — and audited
 *   as `login.rejected`, while API calls still accept it.
 * - issue 13.5: tokens with made-up `kid`s cannot starve the JWKS refresh: the real key keeps
 *   working across its cache expiry, and after a key rotation a token signed with the new key
 *   is accepted while the flood goes on.
 */
describe('token trust (real NATS, real dev-idp, built services)', () => {
  const JWKS_CACHE_MAX_AGE_MS = 2_000;
  const JWKS_REQUESTS_PER_MINUTE = 6;
  const attacker = generateRsaKey('attacker');
  const stack = ServicesOnBus.forSuite({
    services: {
      apiReplicas: 1,
      authEnv: {
        AUTH_JWKS_CACHE_MAX_AGE_MS: String(JWKS_CACHE_MAX_AGE_MS),
        AUTH_JWKS_REQUESTS_PER_MINUTE: String(JWKS_REQUESTS_PER_MINUTE),
      },
    },
    clients: ['streamlit-host', 'host-relay', 'audit-reader'],
  });

  describe('machine tokens (issue 13.6)', () => {
    it('refuses a client-credentials token as a user login, and audits it', async () => {
      const { access_token: m2m } = await stack.idp.m2mToken();
      // The Streamlit host sends no purpose: a user login is the default.
      await expect(stack.hostBus.request(SUBJECTS.auth.verify, { caller: 'streamlit-host' }, { token: m2m, timeout: 5_000 })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'not_a_user_token' });
      await expect(stack.hostBus.request(SUBJECTS.auth.verify, { purpose: 'user', session_id: 'm2m-login' } as never, { token: m2m, timeout: 5_000 })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'not_a_user_token' });

      const events = (await waitFor(
        async () => {
          const all = await readAuditStream(stack.reader);
          const found = all.filter((m: StoredAuditMessage) => m.event.session_id === 'm2m-login');
          return found.length ? found : undefined;
        },
        { timeout: 15_000, what: 'login.rejected for the machine token' },
      ))!;
      expect(events.map((m) => m.event)).toEqual([expect.objectContaining({ kind: 'login.rejected', reason: 'not_a_user_token' })]);
      expect(events[0].event.sub).toBeUndefined();
    });

    it('still accepts the machine token for API calls, and a user token for logins', async () => {
      const { access_token: m2m } = await stack.idp.m2mToken();
      await expect(stack.relayBus.request(SUBJECTS.api.pong, {}, { token: m2m, timeout: 5_000 })).resolves.toMatchObject({ sub: 'dev-m2m@clients' });
      await expect(stack.hostBus.request(SUBJECTS.auth.verify, { purpose: 'api' } as never, { token: m2m, timeout: 5_000 })).resolves.toMatchObject({
        sub: 'dev-m2m@clients',
      });
      const { access_token: alice } = await stack.idp.tokenFor('alice');
      await expect(stack.hostBus.request(SUBJECTS.auth.verify, { caller: 'streamlit-host' }, { token: alice, timeout: 5_000 })).resolves.toMatchObject({
        sub: 'auth0|alice',
      });
    });
  });

  describe('JWKS refetch starvation (issue 13.5)', () => {
    const verify = (token: string) => stack.hostBus.request(SUBJECTS.auth.verify, { caller: 'streamlit-host' }, { token, timeout: 10_000 });
    const forged = (template: string) => resign(template, attacker, { kid: `made-up-${randomBytes(6).toString('hex')}` });

    it('keeps the real key and picks up a rotated one while random kids flood in', async () => {
      const first = (await stack.idp.tokenFor('alice')).access_token;
      await expect(verify(first)).resolves.toMatchObject({ sub: 'auth0|alice' });

      // The flood: many more unknown kids than the refetch budget allows.
      for (let i = 0; i < 3 * JWKS_REQUESTS_PER_MINUTE; i++) {
        await expect(verify(forged(first))).rejects.toMatchObject({ reason: 'unknown_key' });
      }

      // The real key's cache entry expires; a new login signed by it must still be accepted.
      const beforeRotation = [(await stack.idp.tokenFor('alice')).access_token, (await stack.idp.tokenFor('alice')).access_token];
      await new Promise((r) => setTimeout(r, JWKS_CACHE_MAX_AGE_MS + 500));
      await expect(verify(beforeRotation[0])).resolves.toMatchObject({ sub: 'auth0|alice' });

      // Rotation while the flood goes on: the new key is accepted within one refetch interval.
      let flooding = true;
      const flood = (async () => {
        while (flooding) {
          await expect(verify(forged(first))).rejects.toBeInstanceOf(BusError);
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      try {
        const { added } = await stack.idp.rotateKeys();
        const rotated = (await stack.idp.tokenFor('alice')).access_token;
        expect(JSON.parse(Buffer.from(rotated.split('.')[0], 'base64url').toString()).kid).toBe(added);
        const interval = 60_000 / JWKS_REQUESTS_PER_MINUTE;
        const started = Date.now();
        const accepted = await waitFor(
          async () => {
            try {
              return await verify(rotated);
            } catch (err) {
              expect(err).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'unknown_key' });
              return undefined;
            }
          },
          { timeout: interval + 5_000, interval: 250, what: 'a token signed with the rotated key to be accepted' },
        );
        expect(accepted).toMatchObject({ sub: 'auth0|alice' });
        expect(Date.now() - started).toBeLessThan(interval + 5_000);

        // Tokens signed by the previous key keep working across another cache expiry.
        await new Promise((r) => setTimeout(r, JWKS_CACHE_MAX_AGE_MS + 500));
        await expect(verify(beforeRotation[1])).resolves.toMatchObject({ sub: 'auth0|alice' });
      } finally {
        flooding = false;
        await flood;
      }
      expect(stack.services.auth!.running).toBe(true);
    }, 90_000);
  });
});
