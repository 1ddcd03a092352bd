import { REVOCATIONS_BUCKET, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { DevIdpHarness, NatsHarness, ServicesHarness, waitFor } from '@auth-bus/testing';
import { LocalIssuer } from '@auth-bus/token-verifier/testing';
import type { NatsConnection } from 'nats';

/**
 * Which provider is trusted and where permissions come from, through the built api-service on a
 * real nats-server: the real dev-idp, and a small real issuer (LocalIssuer: RSA keys, a discovery
 * document and a JWKS over HTTP, in Auth0's or Keycloak's shape) that can sign tokens of any shape.
 */
describe('api-service provider settings (real NATS, built service)', () => {
  let nats: NatsHarness;
  let issuer: LocalIssuer;
  let relay: NatsConnection;
  let bus: BusClient;

  beforeAll(async () => {
    nats = await NatsHarness.start();
    // No auth-service here: create the REVOCATIONS bucket it would create (as its audit-writer
    // user), or api-service fails closed with UNAVAILABLE (issue 21).
    const writer = await nats.connectAs('audit-writer');
    await writer.jetstream().views.kv(REVOCATIONS_BUCKET, { history: 1 });
    await writer.close();
    issuer = await LocalIssuer.start();
    relay = await nats.connectAs('host-relay');
    bus = new BusClient(relay);
  }, 60_000);

  afterAll(async () => {
    await relay?.close();
    await issuer?.close();
    await nats?.dispose();
  });

  describe('default settings (issue 13.11)', () => {
    let services: ServicesHarness;
    beforeAll(async () => {
      services = await ServicesHarness.start({ nats, idp: { issuer: issuer.issuer, audience: issuer.audience }, auth: false, apiReplicas: 1 });
    }, 120_000);
    afterAll(() => services?.stop(), 30_000);

    it('does not let a granted scope stand in for a permission', async () => {
      const scopeOnly = issuer.accessToken('local|scoped', { scope: 'openid read:messages', permissions: undefined });
      await expect(bus.request(SUBJECTS.api.pong, {}, { token: scopeOnly, timeout: 5_000 })).resolves.toMatchObject({ sub: 'local|scoped' });
      await expect(bus.request(SUBJECTS.api.pongScoped, {}, { token: scopeOnly, timeout: 5_000 })).rejects.toMatchObject({ code: 'FORBIDDEN', permission: 'read:messages' });

      const permitted = issuer.accessToken('local|permitted', { scope: 'openid', permissions: ['read:messages'] });
      await expect(bus.request(SUBJECTS.api.pongScoped, {}, { token: permitted, timeout: 5_000 })).resolves.toMatchObject({ sub: 'local|permitted' });
    });
  });

  describe('discovery from the real dev-idp (issue 14.1)', () => {
    let idp: DevIdpHarness;
    let services: ServicesHarness;
    beforeAll(async () => {
      idp = await DevIdpHarness.start();
      // The issuer as a user might write it (no trailing slash), and no JWKS URL: discovery finds both.
      services = await ServicesHarness.start({ nats, idp: { issuer: idp.issuer, audience: idp.audience }, auth: false, apiReplicas: 1, apiEnv: { OIDC_ISSUER: idp.url } });
    }, 120_000);
    afterAll(async () => {
      await services?.stop();
      await idp?.stop();
    }, 30_000);

    it('accepts dev-idp tokens with OIDC_ISSUER given without its trailing slash', async () => {
      const { access_token } = await idp.tokenFor('alice');
      await expect(bus.request(SUBJECTS.api.pongScoped, {}, { token: access_token, timeout: 5_000 })).resolves.toMatchObject({ sub: 'auth0|alice' });
      expect(services.logs(100)).toContain(`Trusting tokens from ${idp.issuer}`);
    });
  });

  describe('a Keycloak-shaped provider with roles as permissions (issues 14.1, 14.2)', () => {
    let keycloak: LocalIssuer;
    let services: ServicesHarness;
    beforeAll(async () => {
      keycloak = await LocalIssuer.start({ path: '/realms/auth-bus', trailingSlash: false, jwksPath: '/realms/auth-bus/protocol/openid-connect/certs' });
      services = await ServicesHarness.start({
        nats,
        idp: { issuer: keycloak.issuer, audience: keycloak.audience },
        auth: false,
        apiReplicas: 1,
        apiEnv: { OIDC_ISSUER: `${keycloak.issuer}/`, AUTH_PERMISSIONS_CLAIM: 'realm_access.roles' },
      });
    }, 120_000);
    afterAll(async () => {
      await services?.stop();
      await keycloak?.close();
    }, 30_000);

    it('takes permissions from realm_access.roles, and only from there', async () => {
      const withRole = keycloak.accessToken('kc|alice', { permissions: undefined, realm_access: { roles: ['read:messages', 'offline_access'] } });
      await expect(bus.request(SUBJECTS.api.pongScoped, {}, { token: withRole, timeout: 5_000 })).resolves.toMatchObject({ sub: 'kc|alice' });
      const withoutRole = keycloak.accessToken('kc|bob', { permissions: ['read:messages'], realm_access: { roles: ['offline_access'] } });
      await expect(bus.request(SUBJECTS.api.pongScoped, {}, { token: withoutRole, timeout: 5_000 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      // `iss` must be the discovered issuer exactly: the configured trailing slash is not a second issuer.
      const slashed = keycloak.accessToken('kc|alice', { iss: `${keycloak.issuer}/` });
      await expect(bus.request(SUBJECTS.api.pong, {}, { token: slashed, timeout: 5_000 })).rejects.toMatchObject({ reason: 'wrong_issuer' });
    });

    it('logs which audience a refused token carries and the setting to change', async () => {
      const token = keycloak.accessToken('kc|alice', { aud: 'account' });
      await expect(bus.request(SUBJECTS.api.pong, {}, { token, timeout: 5_000 })).rejects.toMatchObject({ reason: 'wrong_audience' });
      const logs = await waitFor(() => (services.logs(200).includes('wrong_audience') ? services.logs(200) : undefined), { timeout: 5_000, what: 'the audience hint' });
      expect(logs).toMatch(/its aud is \\?"account\\?", but AUTH_AUDIENCE is/);
      expect(logs).not.toContain(token.split('.')[1]);
    });
  });

  describe('a provider that cannot be read at start (issue 14, configuration traps)', () => {
    let broken: LocalIssuer;
    let services: ServicesHarness;
    beforeAll(async () => {
      broken = await LocalIssuer.start();
      broken.failDiscovery = true;
      services = await ServicesHarness.start({ nats, idp: { issuer: broken.issuer, audience: broken.audience }, auth: false, apiReplicas: 1 });
    }, 120_000);
    afterAll(async () => {
      await services?.stop();
      await broken?.close();
    }, 30_000);

    it('stays up, logs one error naming the settings, refuses tokens as jwks_unavailable, and recovers', async () => {
      await waitFor(() => broken.discoveryRequests >= 2, { timeout: 10_000, what: 'a retry of the discovery' });
      const token = broken.accessToken('late|alice');
      await expect(bus.request(SUBJECTS.api.pong, {}, { token, timeout: 5_000 })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'jwks_unavailable' });
      const errors = services.logs(500).split('\n').filter((line) => line.includes('Tokens cannot be verified'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('openid-configuration');
      expect(errors[0]).toContain('HTTP 404');
      expect(errors[0]).toContain('OIDC_ISSUER');
      expect(errors[0]).toContain('AUTH_JWKS_URI');
      expect(services.api[0].running).toBe(true);

      broken.failDiscovery = false;
      const reply = await waitFor(() => bus.request(SUBJECTS.api.pong, {}, { token, timeout: 5_000 }).catch(() => undefined), { timeout: 20_000, interval: 500, what: 'verification to work again' });
      expect(reply).toMatchObject({ sub: 'late|alice' });
      expect(services.logs(500)).toContain('token verification works again');
    }, 60_000);
  });
});
