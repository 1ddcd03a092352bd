import { NatsHarness } from '@auth-bus/testing';
import { type Msg, type NatsConnection } from 'nats';
import { report, sleep } from './support/measure';
import { covers, readNatsUsers as readConfig } from './support/nats-conf';

/** Every subject of the system, and what else a compromised part would try. */
const PUBLISH_CANDIDATES = [
  'api.ping',
  'api.pong',
  'api.pong-scoped',
  'api.admin',
  'bridge.legacy-pong',
  'audit.events.bridge.allowed',
  'auth.verify',
  'auth.session.reported',
  'auth.session.ended',
  'auth.admin',
  'audit.query',
  'audit.events.login.verified',
  'audit.events.login.rejected',
  'audit.events.logout',
  'audit.events.api.allowed',
  'audit.events.api.denied',
  '$JS.API.INFO',
  '$JS.API.STREAM.LIST',
  '$JS.API.STREAM.NAMES',
  '$JS.API.STREAM.INFO.AUDIT',
  '$JS.API.STREAM.CREATE.AUDIT',
  '$JS.API.STREAM.UPDATE.AUDIT',
  '$JS.API.STREAM.DELETE.AUDIT',
  '$JS.API.STREAM.PURGE.AUDIT',
  '$JS.API.STREAM.MSG.DELETE.AUDIT',
  '$JS.API.STREAM.MSG.GET.AUDIT',
  '$JS.API.STREAM.CREATE.OTHER',
  '$JS.API.CONSUMER.CREATE.AUDIT',
  '$JS.API.CONSUMER.DURABLE.CREATE.AUDIT.x',
  '$JS.API.CONSUMER.DELETE.AUDIT.x',
  '$JS.API.CONSUMER.MSG.NEXT.AUDIT.x',
  '$SYS.REQ.SERVER.PING',
  '_INBOX.someone-else',
  // Replies into each part's inbox: only the responders, only into the requesters' inboxes.
  ...readConfig().map((u) => `_INBOX_${u.user}.reply`),
  'faults.anything',
];
const SUBSCRIBE_CANDIDATES = [
  '>',
  'api.>',
  'api.*',
  'api.ping',
  'api.pong',
  'auth.>',
  'auth.verify',
  'auth.session.>',
  'auth.session.reported',
  'audit.>',
  'audit.query',
  'audit.events.>',
  'audit.events.logout',
  '$JS.API.>',
  '$SYS.>',
  '_INBOX.>',
  // Each part's own reply inbox (issue 13 item 4): only its owner may read it.
  ...readConfig().map((u) => `_INBOX_${u.user}.>`),
  'faults.anything',
];

/** Publishes every subject on one connection; resolves with the subjects the server refused. */
async function refusedPublishes(nc: NatsConnection, subjects: string[]): Promise<Set<string>> {
  const refused = new Set<string>();
  const watching = (async () => {
    for await (const s of nc.status()) {
      // nats.js reports a refusal as an `error` status carrying the server's context.
      const ctx = (s as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (s.type === 'error' && ctx?.operation === 'publish') refused.add(ctx.subject);
    }
  })().catch(() => undefined);
  for (const subject of subjects) nc.publish(subject, new Uint8Array());
  await nc.flush();
  // The server reports each refusal asynchronously; wait until the set stops growing.
  let last = -1;
  while (refused.size !== last) {
    last = refused.size;
    await sleep(300);
  }
  void watching;
  return refused;
}

/** Subscribes to every subject on one connection; resolves with the subscriptions the server refused. */
async function refusedSubscriptions(nc: NatsConnection, subjects: string[]): Promise<Set<string>> {
  const refused = new Set<string>();
  for (const subject of subjects) {
    nc.subscribe(subject, {
      callback: (err) => {
        if (err && /permissions violation/i.test(err.message)) refused.add(subject);
      },
    });
  }
  await nc.flush();
  let last = -1;
  while (refused.size !== last) {
    last = refused.size;
    await sleep(300);
  }
  return refused;
}

/**
 * Least privilege, checked exhaustively against a real nats-server: each part's credentials
 * (infra/nats/nats.conf) tried on every subject of the system and on what a compromised part
 * would try (JetStream admin, $SYS, someone else's inbox, wide wildcards). The server refuses
 * exactly what the user's allow list does not cover — derived from the configuration itself, so
 * a widened permission shows up as a failing expectation here. (infra/nats/test has the
 * hand-picked cases; this is the whole matrix.)
 */
describe('NATS permissions: every credential against every subject', () => {
  let nats: NatsHarness;
  const users = readConfig();

  beforeAll(async () => {
    nats = await NatsHarness.start();
  });
  afterAll(async () => nats?.dispose());

  it('reads every user of the configuration', () => {
    expect(users.map((u) => u.user).sort()).toEqual(['api-service', 'audit-reader', 'audit-writer', 'auth-service', 'host-relay', 'http-bridge', 'revoker', 'streamlit-host']);
    for (const u of users) expect(u.publish.length + u.subscribe.length).toBeGreaterThan(0);
    // No responder may publish to whatever reply subject it is handed (issue 13 item 2).
    expect(users.filter((u) => u.allowResponses).map((u) => u.user)).toEqual([]);
    // Nobody may subscribe to everything, or publish anywhere.
    for (const u of users) expect([...u.publish, ...u.subscribe]).not.toContain('>');
  });

  it.each(readConfig().map((u) => [u.user, u] as const))('%s: publishing outside its allow list is refused, inside is not', async (_name, perms) => {
    const nc = await nats.connectAs(perms.user);
    try {
      const refused = await refusedPublishes(nc, PUBLISH_CANDIDATES);
      const expected = PUBLISH_CANDIDATES.filter((s) => !perms.publish.some((p) => covers(p, s)));
      expect([...refused].sort()).toEqual([...expected].sort());
      // A refused publish does not cost the connection: it still works.
      expect(nc.isClosed()).toBe(false);
      await nc.flush();
      report(`permissions-publish-${perms.user}`, { allowed: PUBLISH_CANDIDATES.length - expected.length, refused: refused.size });
    } finally {
      await nc.close().catch(() => undefined);
    }
  });

  it.each(readConfig().map((u) => [u.user, u] as const))('%s: subscribing outside its allow list is refused, inside is not', async (_name, perms) => {
    const nc = await nats.connectAs(perms.user);
    try {
      const refused = await refusedSubscriptions(nc, SUBSCRIBE_CANDIDATES);
      const expected = SUBSCRIBE_CANDIDATES.filter((s) => !perms.subscribe.some((p) => covers(p, s)));
      expect([...refused].sort()).toEqual([...expected].sort());
    } finally {
      await nc.close().catch(() => undefined);
    }
  });

  it.each(readConfig().map((u) => [u.user] as const))('%s: a wrong password, or another user’s, is refused', async (user) => {
    await expect(nats.connectAs(user, { pass: 'not-the-password' })).rejects.toThrow(/authorization/i);
    const other = users.find((u) => u.user !== user)!.user;
    await expect(nats.connectAs(user, { pass: nats.password(other) })).rejects.toThrow(/authorization/i);
  });

  it('refuses connections without credentials and unknown users', async () => {
    const { connect } = await import('nats');
    await expect(connect({ servers: nats.url })).rejects.toThrow(/authorization/i);
    await expect(connect({ servers: nats.url, user: 'admin', pass: 'admin' })).rejects.toThrow(/authorization/i);
  });

  it('lets a responder answer into the requester’s inbox, not any other inbox', async () => {
    const api = await nats.connectAs('api-service');
    const host = await nats.connectAs('streamlit-host');
    try {
      api.subscribe('api.ping', { callback: (_e, m) => m.respond(new TextEncoder().encode('{"ok":true}')) });
      await api.flush();
      const reply = await host.request('api.ping', new Uint8Array(), { timeout: 2_000 });
      expect(new TextDecoder().decode(reply.data)).toBe('{"ok":true}');
      // The same user publishing to an inbox it was not asked on is refused.
      expect([...(await refusedPublishes(api, ['_INBOX.not-asked']))]).toEqual(['_INBOX.not-asked']);
    } finally {
      await api.close();
      await host.close();
    }
  });

  it('no user reads the replies meant for another (every requester, every other user on every inbox)', async () => {
    const api = await nats.connectAs('api-service');
    const others: NatsConnection[] = [];
    try {
      api.subscribe('api.ping', { callback: (_e, m) => m.respond(new TextEncoder().encode('{"ok":true}')) });
      await api.flush();
      const requesters = users.filter((u) => u.publish.some((p) => covers(p, 'api.ping')));
      expect(requesters.length).toBeGreaterThan(0);
      for (const requester of requesters) {
        const snooped: Msg[] = [];
        for (const spy of users.filter((u) => u.user !== requester.user)) {
          const nc = await nats.connectAs(spy.user);
          others.push(nc);
          // Whatever inbox pattern the spy may hold (refusals are expected and ignored).
          for (const pattern of ['_INBOX.>', `_INBOX_${requester.user}.>`, `_INBOX_${spy.user}.>`, '_INBOX_*.>']) {
            nc.subscribe(pattern, { callback: (err, m) => !err && snooped.push(m) });
          }
          await nc.flush();
        }
        const requesterNc = await nats.connectAs(requester.user);
        others.push(requesterNc);
        const reply = await requesterNc.request('api.ping', new Uint8Array(), { timeout: 3_000 });
        expect(new TextDecoder().decode(reply.data)).toBe('{"ok":true}');
        await sleep(300);
        expect({ requester: requester.user, snooped: snooped.map((m) => m.subject) }).toEqual({ requester: requester.user, snooped: [] });
      }
    } finally {
      await api.close();
      await Promise.all(others.map((c) => c.close().catch(() => undefined)));
    }
  });
});
