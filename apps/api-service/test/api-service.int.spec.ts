import { BusError, bearer, decodeBody, encodeBody, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { DevIdpHarness, NatsHarness, readAuditStream, ServicesHarness, waitFor, type StoredAuditMessage, type TokenResponse } from '@auth-bus/testing';
import { attackCases, jwkToPem, type AttackCase } from '@auth-bus/token-verifier/testing';
import { headers as natsHeaders, type NatsConnection } from 'nats';

/**
 * api-service as a real process on a real nats-server, trusting the real dev-idp: the API,
 * every attack of the list, and the audit events it writes.
 */
describe('api-service (real NATS, real dev-idp, built service)', () => {
  let nats: NatsHarness;
  let idp: DevIdpHarness;
  let services: ServicesHarness;
  let relay: NatsConnection;
  let reader: NatsConnection;
  let bus: BusClient;
  let alice: TokenResponse;
  let bob: TokenResponse;
  let expiring: TokenResponse;
  let attacks: AttackCase[];
  /** Protected calls made, to check that the audit trail accounts for every one. */
  const calls = { allowed: 0, denied: 0 };
  const pong = async (subject: 'api.pong' | 'api.pong-scoped', token: string) => {
    const reply = await bus.request(subject, {}, { token });
    calls.allowed++;
    return reply;
  };

  beforeAll(async () => {
    nats = await NatsHarness.start();
    // Machine-to-machine tokens live 2 s here, so a real token can be seen expiring.
    idp = await DevIdpHarness.start({ env: { DEV_IDP_CLIENT_CREDENTIALS_TTL: '2' } });
    services = await ServicesHarness.start({ nats, idp, apiReplicas: 1, env: { AUTH_CLOCK_TOLERANCE_SEC: '1' } });
    relay = await nats.connectAs('host-relay');
    reader = await nats.connectAs('audit-reader');
    bus = new BusClient(relay);
    [alice, bob, expiring] = await Promise.all([idp.tokenFor('alice'), idp.tokenFor('bob'), idp.m2mToken()]);
    const jwks = await idp.jwks();
    attacks = attackCases({ accessToken: alice.access_token, idToken: alice.id_token, expiredToken: expiring.access_token, publicKeyPem: jwkToPem(jwks.keys[0]) });
  }, 120_000);

  afterAll(async () => {
    await relay?.close();
    await reader?.close();
    await services?.stop();
    await idp?.stop();
    await nats?.dispose();
  });

  const replica = () => services.api[0].instance;

  async function failure(subject: 'api.pong' | 'api.pong-scoped', token?: string): Promise<BusError> {
    calls.denied++;
    try {
      await bus.request(subject, {}, { token, timeout: 5_000 });
    } catch (err) {
      expect(err).toBeInstanceOf(BusError);
      return err as BusError;
    }
    throw new Error(`${subject} accepted a token it should refuse`);
  }

  it('answers api.ping without a token, naming the replica', async () => {
    const reply = await bus.request(SUBJECTS.api.ping, {});
    expect(reply.instance).toBe(replica());
    expect(reply.data).toBe(`Hello from a PUBLIC endpoint! ${reply.at}`);
  });

  it('answers api.pong for any valid access token with the caller', async () => {
    await expect(pong(SUBJECTS.api.pong, alice.access_token)).resolves.toMatchObject({ sub: 'auth0|alice', instance: replica() });
    await expect(pong(SUBJECTS.api.pong, bob.access_token)).resolves.toMatchObject({ sub: 'auth0|bob' });
  });

  it('reads the bearer scheme case-insensitively', async () => {
    const h = natsHeaders();
    h.set('authorization', `bEaReR ${alice.access_token}`);
    const msg = await relay.request(SUBJECTS.api.pong, encodeBody({}), { headers: h, timeout: 5_000 });
    calls.allowed++;
    expect(decodeBody(msg.data)).toMatchObject({ sub: 'auth0|alice' });
  });

  it('answers api.pong-scoped only with read:messages', async () => {
    await expect(pong(SUBJECTS.api.pongScoped, alice.access_token)).resolves.toMatchObject({
      sub: 'auth0|alice',
      permission: 'read:messages',
    });
    expect(await failure('api.pong-scoped', bob.access_token)).toMatchObject({ code: 'FORBIDDEN', permission: 'read:messages' });
  });

  it('checks the token before the body: a bad body gets INVALID_MESSAGE only once authenticated', async () => {
    const send = async (body: unknown, token?: string) => {
      const h = natsHeaders();
      if (token) h.set('Authorization', bearer(token));
      return decodeBody((await relay.request(SUBJECTS.api.pong, encodeBody(body), { headers: h, timeout: 5_000 })).data);
    };
    expect(await send({ unexpected: true })).toMatchObject({ error: { code: 'UNAUTHENTICATED', reason: 'missing' } });
    calls.denied++;
    // The caller was allowed (and is audited as such); the message itself was not acceptable.
    expect(await send({ unexpected: true }, alice.access_token)).toMatchObject({ error: { code: 'INVALID_MESSAGE' } });
    calls.allowed++;
  });

  it('refuses every attack with the right typed error, and keeps serving', async () => {
    const [{ exp }] = [JSON.parse(Buffer.from(expiring.access_token.split('.')[1], 'base64url').toString())];
    const wait = (exp + 1) * 1000 + 200 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));

    const outcomes: Record<string, string> = {};
    for (const attack of attacks) {
      for (const subject of ['api.pong', 'api.pong-scoped'] as const) {
        const err = await failure(subject, attack.token);
        expect({ attack: attack.name, subject, code: err.code }).toEqual({ attack: attack.name, subject, code: 'UNAUTHENTICATED' });
        expect({ attack: attack.name, reason: err.reason, expected: attack.reasons.includes(err.reason as never) }).toMatchObject({ expected: true });
        outcomes[attack.name] = err.reason!;
      }
    }
    if (process.env.TEST_VERBOSE) console.log(outcomes);
    expect(Object.keys(outcomes)).toHaveLength(attacks.length);
    expect(services.api[0].running).toBe(true);
    await expect(pong(SUBJECTS.api.pong, alice.access_token)).resolves.toMatchObject({ sub: 'auth0|alice' });
    await expect(bus.request(SUBJECTS.api.ping, {})).resolves.toMatchObject({ instance: replica() });
  });

  it('audits every allowed and denied call (identical ones coalesced with a count), never a token', async () => {
    const callsIn = (all: StoredAuditMessage[], kind: string) =>
      all.filter((m) => m.event.kind === kind).reduce((sum, m) => sum + (m.event.count ?? 1), 0);
    // Events are coalesced for up to AUDIT_COALESCE_WINDOW (1 s) before they are stored.
    const stored = (await waitFor(
      async () => {
        const all = await readAuditStream(reader);
        return callsIn(all, 'api.denied') >= calls.denied && callsIn(all, 'api.allowed') >= calls.allowed ? all : undefined;
      },
      { timeout: 15_000, what: 'an audit event for every protected call' },
    ))!;
    expect({ allowed: callsIn(stored, 'api.allowed'), denied: callsIn(stored, 'api.denied') }).toEqual(calls);
    const allowed = stored.filter((m) => m.event.kind === 'api.allowed');
    const denied = stored.filter((m) => m.event.kind === 'api.denied');
    expect(allowed.map((m) => m.event.sub)).toEqual(expect.arrayContaining(['auth0|alice', 'auth0|bob']));
    for (const m of [...allowed, ...denied]) {
      expect(m.subject).toBe(`audit.events.${m.event.kind}`);
      expect(m.msgId).toBe(m.event.id);
      expect(m.event).toMatchObject({ service: 'api-service', instance: replica() });
      expect(['api.pong', 'api.pong-scoped']).toContain(m.event.subject);
    }
    const reasons = new Set(denied.map((m) => m.event.reason));
    for (const attack of attacks) expect(attack.reasons.some((r) => reasons.has(r))).toBe(true);
    expect(denied).toContainEqual(expect.objectContaining({ event: expect.objectContaining({ reason: 'missing_permission', sub: 'auth0|bob', subject: 'api.pong-scoped' }) }));
    expect(denied.filter((m) => m.event.token_hash).every((m) => /^[0-9a-f]{16}$/.test(m.event.token_hash))).toBe(true);

    const secrets = [alice.access_token, alice.id_token!, bob.access_token, expiring.access_token, ...attacks.map((a) => a.token).filter((t): t is string => !!t && t.length > 20)];
    for (const m of stored) {
      expect(m.raw).not.toContain('eyJ');
      for (const secret of secrets) expect(m.raw.includes(secret)).toBe(false);
    }
  });
  it('starts before NATS is up, and answers once NATS comes', async () => {
    await nats.stop();
    const late = services.startApi(`${services.prefix}-late`);
    await new Promise((r) => setTimeout(r, 1_500));
    await nats.restart();
    const replica = await late;
    expect(replica.running).toBe(true);
    await waitFor(
      async () => {
        const reply = await bus.request(SUBJECTS.api.ping, {}, { timeout: 1_000 });
        return reply.instance === replica.instance;
      },
      { timeout: 20_000, interval: 50, what: 'a reply from the replica that started before NATS' },
    );
  }, 60_000);
});
