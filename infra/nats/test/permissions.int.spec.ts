import { NatsHarness, type NatsUser } from '@auth-bus/testing';
import { type NatsError } from 'nats';

/**
 * The per-service users of infra/nats/nats.conf, checked against a real nats-server:
 * what a user may not do is refused by the server itself.
 */
describe('NATS users and permissions', () => {
  let nats: NatsHarness;

  beforeAll(async () => {
    nats = await NatsHarness.start();
  });
  afterAll(async () => nats?.dispose());

  /** Publishes and resolves with the async permissions error the server sends back, if any. */
  async function publishAs(user: NatsUser, subject: string): Promise<string | undefined> {
    const nc = await nats.connectAs(user);
    const errors: NatsError[] = [];
    (async () => {
      for await (const s of nc.status()) if (s.type === 'error') errors.push(s.data as unknown as NatsError);
    })().catch(() => undefined);
    const closed = nc.closed().then((err) => err && errors.push(err as NatsError));
    nc.publish(subject, new Uint8Array());
    await nc.flush().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 150));
    await nc.close().catch(() => undefined);
    await closed;
    const text = errors.map((e) => String((e as Error).message ?? e)).join(' ');
    return /permissions[ _]violation/i.test(text) ? text : undefined;
  }

  async function subscribeAs(user: NatsUser, subject: string): Promise<string | undefined> {
    const nc = await nats.connectAs(user);
    const sub = nc.subscribe(subject);
    const done = (async () => {
      try {
        for await (const _m of sub) void _m;
      } catch (err) {
        return String((err as Error).message);
      }
      return undefined;
    })();
    await nc.flush();
    await new Promise((r) => setTimeout(r, 150));
    await nc.close().catch(() => undefined);
    const result = await done;
    return result && /permissions[ _]violation/i.test(result) ? result : undefined;
  }

  it('refuses a wrong password', async () => {
    await expect(nats.connectAs('host-relay', { pass: 'wrong' })).rejects.toThrow(/authorization/i);
  });

  it.each([
    ['streamlit-host', 'audit.events.login.verified'],
    ['host-relay', 'audit.events.logout'],
    ['api-service', 'auth.verify'],
    ['audit-reader', 'audit.events.logout'],
    ['host-relay', '$JS.API.STREAM.DELETE.AUDIT'],
    // Responders reply only into the requesters' inboxes; JetStream belongs to audit-writer.
    ['auth-service', '$JS.API.STREAM.PURGE.AUDIT'],
    ['auth-service', 'audit.events.login.verified'],
    ['api-service', '$JS.API.STREAM.PURGE.AUDIT'],
    ['api-service', '_INBOX_api-service.x'],
    ['audit-writer', 'audit.events.api.allowed'],
  ] as [NatsUser, string][])('refuses %s publishing on %s', async (user, subject) => {
    expect(await publishAs(user, subject)).toMatch(/permissions[ _]violation/i);
  });

  it.each([
    ['host-relay', 'api.pong'],
    ['streamlit-host', 'auth.verify'],
    ['api-service', 'auth.verify'],
    ['host-relay', '_INBOX.>'],
    ['host-relay', '_INBOX_streamlit-host.>'],
    ['audit-writer', 'auth.verify'],
  ] as [NatsUser, string][])('refuses %s subscribing to %s (it could read others\u2019 requests)', async (user, subject) => {
    expect(await subscribeAs(user, subject)).toMatch(/permissions[ _]violation/i);
  });

  it.each([
    ['streamlit-host', 'api.pong'],
    ['host-relay', 'auth.session.reported'],
    ['api-service', 'audit.events.api.allowed'],
    ['audit-writer', 'audit.events.logout'],
    ['auth-service', '_INBOX_streamlit-host.x'],
  ] as [NatsUser, string][])('lets %s publish on %s', async (user, subject) => {
    expect(await publishAs(user, subject)).toBeUndefined();
  });
});
