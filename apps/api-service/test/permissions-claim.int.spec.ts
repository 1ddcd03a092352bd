import { BusError, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/contracts/client';
import { NatsHarness, ServicesHarness } from '@auth-bus/testing';
import { LocalIssuer } from '@auth-bus/token-verifier/testing';
import type { NatsConnection } from 'nats';

/**
 * Where permissions come from, through the built api-service on a real nats-server, trusting a
 * small real issuer (LocalIssuer: RSA keys, a discovery document and a JWKS over HTTP), so that
 * tokens of any shape can be signed.
 */
describe('api-service permissions claim (real NATS, built service)', () => {
  let nats: NatsHarness;
  let issuer: LocalIssuer;
  let relay: NatsConnection;
  let bus: BusClient;

  beforeAll(async () => {
    nats = await NatsHarness.start();
    issuer = await LocalIssuer.start();
    relay = await nats.connectAs('host-relay');
    bus = new BusClient(relay);
  }, 60_000);

  afterAll(async () => {
    await relay?.close();
    await issuer?.close();
    await nats?.dispose();
  });

  async function refusal(promise: Promise<unknown>): Promise<BusError> {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(BusError);
      return err as BusError;
    }
    throw new Error('expected a refusal');
  }

  describe('default settings (issue 13.11)', () => {
    let services: ServicesHarness;
    beforeAll(async () => {
      services = await ServicesHarness.start({ nats, idp: { issuer: issuer.issuer, audience: issuer.audience }, auth: false, apiReplicas: 1 });
    }, 120_000);
    afterAll(() => services?.stop(), 30_000);

    it('does not let a granted scope stand in for a permission', async () => {
      const scopeOnly = issuer.accessToken('local|scoped', { scope: 'openid read:messages', permissions: undefined });
      await expect(bus.request(SUBJECTS.api.pong, {}, { token: scopeOnly, timeout: 5_000 })).resolves.toMatchObject({ sub: 'local|scoped' });
      const denied = await refusal(bus.request(SUBJECTS.api.pongScoped, {}, { token: scopeOnly, timeout: 5_000 }));
      expect(denied).toMatchObject({ code: 'FORBIDDEN', permission: 'read:messages' });

      const permitted = issuer.accessToken('local|permitted', { scope: 'openid', permissions: ['read:messages'] });
      await expect(bus.request(SUBJECTS.api.pongScoped, {}, { token: permitted, timeout: 5_000 })).resolves.toMatchObject({ sub: 'local|permitted' });
    });
  });
});
