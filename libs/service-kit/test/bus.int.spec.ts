import { AUDIT_STREAM, BusError, decodeBody, encodeBody } from '@auth-bus/contracts';
import { NatsHarness } from '@auth-bus/testing';
import { Controller, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { createInbox, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { AuditPublisher } from '../src/audit-publisher';
import { startBusService, type RunningBusService } from '../src/bootstrap';
import { BusConnection } from '../src/bus-connection';
import { createLogger } from '../src/logger';
import { ServiceKitModule } from '../src/service-kit.module';

const silent = createLogger({ service: 'test', instance: 'test-1', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

async function ensureStream(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({
    name: AUDIT_STREAM.name,
    subjects: [...AUDIT_STREAM.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: 60_000_000_000,
  });
}

async function streamCount(nc: NatsConnection): Promise<number> {
  const jsm = await nc.jetstreamManager();
  return (await jsm.streams.info(AUDIT_STREAM.name)).state.messages;
}

/** Every stored message, read with an ordered consumer (the auth-service user may not use direct get). */
async function readAll(nc: NatsConnection): Promise<Array<{ subject: string; msgId?: string; body: unknown }>> {
  const total = await streamCount(nc);
  const consumer = await nc.jetstream().consumers.get(AUDIT_STREAM.name);
  const out: Array<{ subject: string; msgId?: string; body: unknown }> = [];
  if (total === 0) return out;
  const messages = await consumer.consume({ max_messages: 100 });
  for await (const m of messages) {
    out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), body: decodeBody(m.data) });
    if (m.info.pending === 0) break;
  }
  messages.stop();
  await consumer.delete().catch(() => undefined);
  return out;
}

let inFlightGate = 0;

@Controller()
class SlowPingController {
  @MessagePattern('api.ping')
  async ping(): Promise<{ ok: true; n: number }> {
    inFlightGate++;
    await sleep(300);
    return { ok: true, n: inFlightGate };
  }

  @MessagePattern('api.pong')
  pong(): never {
    throw BusError.forbidden('read:messages');
  }

  @MessagePattern('api.pong-scoped')
  broken(): never {
    throw new Error('database password is hunter2');
  }
}

describe('service-kit against a real nats-server', () => {
  let nats: NatsHarness;
  let admin: NatsConnection;
  let client: NatsConnection;

  beforeAll(async () => {
    nats = await NatsHarness.start();
    admin = await nats.connectAs('audit-writer');
    client = await nats.connectAs('host-relay');
  });
  afterAll(async () => {
    await client?.close();
    await admin?.close();
    await nats?.dispose();
  });

  it('BusConnection waits for a NATS that is not up yet, then reconnects after a restart', async () => {
    await nats.stop();
    await admin.close().catch(() => undefined);
    await client.close().catch(() => undefined);
    const reconnects: boolean[] = [];
    const bus = new BusConnection({ servers: [nats.url], ...auth('api-service'), name: 'api-service:early', logger: silent });
    bus.onConnect((_nc, info) => {
      reconnects.push(info.reconnect);
    });
    const connected = bus.start();
    await sleep(700);
    expect(bus.isConnected).toBe(false);
    await nats.restart();
    await connected;
    expect(bus.isConnected).toBe(true);
    await nats.restart();
    await waitUntil(() => reconnects.length >= 2);
    expect(reconnects).toEqual([false, true]);
    await bus.close();
    admin = await nats.connectAs('audit-writer');
    client = await nats.connectAs('host-relay');
  }, 30_000);

  describe('AuditPublisher', () => {
    let bus: BusConnection;
    let audit: AuditPublisher;

    beforeAll(async () => {
      bus = new BusConnection({ servers: [nats.url], ...auth('audit-writer'), name: 'auth-service:audit-test', logger: silent });
      audit = new AuditPublisher(bus, { service: 'auth-service', instance: 'audit-test', logger: silent, ackTimeoutMs: 1_000 });
      // Events published before the stream exists are kept and retried.
      audit.publish({ kind: 'logout', sub: 'early', session_id: 's-0' });
      await bus.start();
      await sleep(300);
      expect(audit.stats.published).toBe(0);
      await ensureStream(admin);
    });
    afterAll(() => bus.close());

    it('stores events published before the stream existed', async () => {
      expect(await audit.flush(10_000)).toBe(0);
      expect(await streamCount(admin)).toBe(1);
      expect(audit.stats.retries).toBeGreaterThan(0);
    });

    it('stores each event once, even when published twice with its id', async () => {
      const before = await streamCount(admin);
      const id = audit.publish({ kind: 'login.verified', sub: 'alice', session_id: 's-1', token_hash: '0123456789abcdef' });
      audit.publish({ kind: 'login.verified', id, sub: 'alice', session_id: 's-1', token_hash: '0123456789abcdef' });
      audit.publish({ kind: 'login.rejected', reason: 'expired', session_id: 's-1' });
      expect(await audit.flush()).toBe(0);
      expect(await streamCount(admin)).toBe(before + 2);
      expect(audit.stats.duplicates).toBe(1);
      const stored = await readAll(admin);
      const last = stored.filter((m) => m.subject === 'audit.events.login.verified').pop()!;
      expect(last.msgId).toBe(id);
      expect(last.body).toMatchObject({ id, kind: 'login.verified', sub: 'alice', service: 'auth-service', instance: 'audit-test' });
    });

    it('coalesces identical events within the window into one event with a count', async () => {
      // api.* events come from api-service (audit-writer may publish login.* and logout only).
      const apiBus = new BusConnection({ servers: [nats.url], ...auth('api-service'), name: 'api-service:coalesce-test', logger: silent });
      await apiBus.start();
      const coalescing = new AuditPublisher(apiBus, { service: 'api-service', instance: 'coalesce-test', logger: silent, coalesceWindowMs: 300 });
      const before = await streamCount(admin);
      const started = Date.now();
      for (let i = 0; i < 50; i++) coalescing.publish({ kind: 'api.allowed', sub: 'alice', token_hash: 'aaaaaaaaaaaaaaaa', subject: 'api.pong' }, { coalesce: true });
      coalescing.publish({ kind: 'api.allowed', sub: 'bob', token_hash: 'bbbbbbbbbbbbbbbb', subject: 'api.pong' }, { coalesce: true });
      coalescing.publish({ kind: 'api.denied', reason: 'expired', token_hash: 'aaaaaaaaaaaaaaaa', subject: 'api.pong' }, { coalesce: true });
      coalescing.publish({ kind: 'api.denied', reason: 'expired', token_hash: 'aaaaaaaaaaaaaaaa', subject: 'api.pong' }, { coalesce: true });
      await waitUntil(async () => (await streamCount(admin)) === before + 3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      const events = (await readAll(admin)).slice(-3).map((m) => m.body as Record<string, unknown>);
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'api.allowed', sub: 'alice', count: 50, until: expect.any(String) }),
          expect.objectContaining({ kind: 'api.denied', reason: 'expired', count: 2 }),
        ]),
      );
      const bob = events.find((e) => e.sub === 'bob')!;
      expect(bob.count).toBeUndefined();
      expect(bob.until).toBeUndefined();
      // flush() emits what is still being coalesced.
      coalescing.publish({ kind: 'api.allowed', sub: 'carol', subject: 'api.pong' }, { coalesce: true });
      expect(await coalescing.flush()).toBe(0);
      expect(await streamCount(admin)).toBe(before + 4);
      await apiBus.close();
    });

    it('refuses an event that does not fit the schema (no room for a token)', async () => {
      const before = await streamCount(admin);
      const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
      expect(audit.publish({ kind: 'login.rejected', token_hash: jwt })).toBeUndefined();
      expect(audit.stats.invalid).toBe(1);
      // Fields outside the schema are never copied into the event.
      expect(audit.publish({ kind: 'login.rejected', reason: 'expired', token: jwt } as never)).toBeDefined();
      await audit.flush();
      expect(await streamCount(admin)).toBe(before + 1);
      expect(JSON.stringify((await readAll(admin)).map((m) => m.body))).not.toContain('eyJ');
    });
  });

  describe('startBusService', () => {
    let svc: RunningBusService;

    beforeAll(async () => {
      @Module({})
      class TestModule {}
      svc = await startBusService({
        service: 'api-service',
        instance: 'drain-test',
        nats: { servers: [nats.url], ...auth('api-service') },
        queue: 'api-service',
        logger: silent,
        handleSignals: false,
        module: (runtime) => ({ module: TestModule, imports: [ServiceKitModule.forRoot(runtime)], controllers: [SlowPingController] }),
      });
      await waitUntil(async () => {
        const res = await fetch(`${nats.monitorUrl}/connz?subs=1`);
        const body = (await res.json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
        return body.connections.some((c) => c.name === 'api-service:drain-test' && (c.subscriptions_list ?? []).includes('api.ping'));
      });
    });
    afterAll(() => svc.shutdown('test end'));

    it('sends exactly one reply per request, in the contract wire format', async () => {
      const replies = new Map<string, unknown[]>();
      for (const subject of ['api.pong', 'api.pong-scoped']) {
        const inbox = createInbox('_INBOX_host-relay');
        replies.set(subject, []);
        client.subscribe(inbox, { max: 5, callback: (_e, m) => replies.get(subject)!.push(decodeBody(m.data)) });
        client.publish(subject, encodeBody({}), { reply: inbox });
      }
      await sleep(400);
      expect(replies.get('api.pong')).toEqual([
        { error: { code: 'FORBIDDEN', message: 'Missing permission: read:messages', reason: 'missing_permission', permission: 'read:messages' } },
      ]);
      // Anything unexpected is a generic INTERNAL: the message (and what it may reveal) stays in the logs.
      expect(replies.get('api.pong-scoped')).toEqual([{ error: { code: 'INTERNAL', message: 'Internal error' } }]);
    });

    it('drops, unanswered and unprocessed, a request whose reply subject is not a requester inbox', async () => {
      const before = svc.server.refusedReplyCount;
      // api-service may publish on audit.events.api.> (its own audit events), so here the bus
      // server is the only wall between a bounced reply and the audit stream.
      for (const reply of ['audit.events.api.allowed', '_INBOX.someone', '_INBOX_api-service.x', '$JS.API.STREAM.PURGE.AUDIT']) {
        client.publish('api.ping', encodeBody({}), { reply });
      }
      await waitUntil(() => svc.server.refusedReplyCount === before + 4);
      expect(svc.server.isAllowedReplySubject('_INBOX_host-relay.abc.1')).toBe(true);
      expect(svc.server.isAllowedReplySubject('_INBOX_streamlit-host.abc')).toBe(true);
      expect(svc.server.isAllowedReplySubject('_INBOX_host-relay.')).toBe(false);
      expect(svc.server.isAllowedReplySubject('_INBOX_host-relayX.abc')).toBe(false);
      // A request from a requester's inbox is still answered.
      const reply = await client.request('api.ping', encodeBody({}), { timeout: 5_000 });
      expect(decodeBody(reply.data)).toMatchObject({ ok: true });
    });

    it('drains on shutdown: every request already received is answered, then the subjects are released', async () => {
      const requests = Array.from({ length: 10 }, () => client.request('api.ping', encodeBody({}), { timeout: 5_000 }));
      await sleep(100);
      const stopped = svc.shutdown('test');
      const replies = await Promise.all(requests);
      expect(replies.map((m) => decodeBody(m.data))).toEqual(Array.from({ length: 10 }, () => expect.objectContaining({ ok: true })));
      await stopped;
      await expect(client.request('api.ping', encodeBody({}), { timeout: 1_000 })).rejects.toThrow(/503|no responders/i);
    });
  });

  it('shuts down promptly when NATS is away (nothing could be drained or flushed)', async () => {
    @Module({})
    class OfflineModule {}
    const svc = await startBusService({
      service: 'api-service',
      instance: 'offline-test',
      nats: { servers: [nats.url], ...auth('api-service') },
      queue: 'api-service',
      logger: silent,
      handleSignals: false,
      module: (runtime) => ({ module: OfflineModule, imports: [ServiceKitModule.forRoot(runtime)], controllers: [SlowPingController] }),
    });
    await svc.runtime.bus.start();
    await waitUntil(() => svc.runtime.bus.isOnline);
    svc.app.get(AuditPublisher).publish({ kind: 'logout', sub: 'x' });
    await nats.stop();
    await waitUntil(() => !svc.runtime.bus.isOnline);
    const started = Date.now();
    await svc.shutdown('test');
    expect(Date.now() - started).toBeLessThan(2_000);
    await nats.restart();
  }, 30_000);

  function auth(user: 'api-service' | 'audit-writer') {
    return { user, pass: nats.password(user), inboxPrefix: `_INBOX_${user}` };
  }
});
