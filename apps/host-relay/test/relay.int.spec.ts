import { NatsHarness, RelayHarness, waitFor } from '@auth-bus/testing';
import { fakeJwt, startFakeServices, type FakeServices } from './fake-services';
import { TestSocket } from './ws-client';

/**
 * The built relay as a process, on a real nats-server with its real user and permissions, in
 * front of hand-made responders (test/fake-services.ts) that can be slow, silent or absent on
 * purpose. The same checks against the real services and dev-idp tokens are in
 * relay.e2e.int.spec.ts.
 */
// Starting processes (and building a stale dist) takes longer than Jest's default 5 s.
jest.setTimeout(60_000);

const ORIGIN = 'http://localhost:3001';
const json = (res: Response): Promise<any> => res.json();
const TIMEOUT_MS = 800;

describe('host-relay on a real nats-server (stand-in services)', () => {
  let nats: NatsHarness;
  let relay: RelayHarness;
  let fake: FakeServices;
  const sockets: TestSocket[] = [];
  const open = async (origin = ORIGIN) => {
    const s = await TestSocket.hello(relay.wsUrl, origin);
    sockets.push(s);
    return s;
  };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${relay.url}${path}`, { headers });

  beforeAll(async () => {
    nats = await NatsHarness.start();
    fake = await startFakeServices(nats);
    relay = await RelayHarness.start({
      nats,
      allowedOrigins: [ORIGIN, 'http://localhost:4010'],
      env: { RELAY_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), RELAY_READY_CACHE_MS: '0', RELAY_WS_RATE_PER_SEC: '20', RELAY_WS_BURST: '40' },
      waitForReady: true,
    });
  });

  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
  });

  afterAll(async () => {
    await relay?.stop();
    await fake?.stop();
    await nats?.dispose();
    const leaked = relay?.logLines.filter((l) => /good|silent|slow|bob|eyJ/.test(l.replace(/"(data|msg)":"[^"]*"/g, ''))) ?? [];
    expect(leaked).toEqual([]);
  });

  describe('HTTP gateway', () => {
    it('GET /api/ping → 200 with the service reply', async () => {
      const res = await get('/api/ping');
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ data: 'Hello from a PUBLIC endpoint!', instance: 'fake-api' });
    });

    it('forwards the Authorization header into the NATS headers', async () => {
      const res = await get('/api/pong', { Authorization: `Bearer ${fakeJwt('good')}` });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ sub: 'alice' });
      expect(fake.apiHeaders.at(-1)).toBe(`Bearer ${fakeJwt('good')}`);
    });

    it('401 with a plain Bearer challenge (RFC 6750 §3.1: no error code) when no token was sent', async () => {
      const res = await get('/api/pong');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="auth-bus"');
      expect(await json(res)).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'No bearer token was presented', reason: 'missing' } });
    });

    it('401 with error="invalid_token" when the service refuses the token that was sent', async () => {
      const res = await get('/api/pong', { Authorization: `Bearer ${fakeJwt('nobody')}` });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="auth-bus", error="invalid_token"');
      expect((await json(res)).error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'bad_signature' });
    });

    it('401 malformed, answered by the relay itself, for a bearer token that is not even a JWT', async () => {
      const before = fake.apiHeaders.length;
      const res = await get('/api/pong', { Authorization: 'Bearer not-a-jwt' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="auth-bus", error="invalid_token"');
      expect((await json(res)).error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'malformed' });
      expect(fake.apiHeaders.length).toBe(before);
    });

    it('401 malformed for an Authorization header that is not Bearer', async () => {
      const res = await get('/api/pong', { Authorization: 'Basic YWxpY2U6c2VjcmV0' });
      expect(res.status).toBe(401);
      expect((await json(res)).error.reason).toBe('malformed');
    });

    it('403 with the missing permission', async () => {
      const res = await get('/api/pong-scoped', { Authorization: `Bearer ${fakeJwt('bob')}` });
      expect(res.status).toBe(403);
      expect(await json(res)).toMatchObject({ error: { code: 'FORBIDDEN', permission: 'read:messages' } });
    });

    it('404 NOT_FOUND for paths outside the route table, subjects included', async () => {
      for (const path of ['/api/nope', '/api/auth.verify', '/audit.query', '/api/ping/extra']) {
        const res = await get(path);
        expect(res.status).toBe(404);
        expect((await json(res)).error.code).toBe('NOT_FOUND');
      }
      const post = await fetch(`${relay.url}/api/ping`, { method: 'POST', body: '{}' });
      expect(post.status).toBe(404);
    });

    it('413 for a body over the limit', async () => {
      const res = await fetch(`${relay.url}/api/ping`, { method: 'POST', body: 'x'.repeat(70_000), headers: { 'Content-Type': 'application/json' } });
      expect(res.status).toBe(413);
      expect((await json(res)).error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('504 TIMEOUT within the deadline when the service does not answer', async () => {
      const started = Date.now();
      const res = await get('/api/pong', { Authorization: `Bearer ${fakeJwt('silent')}` });
      expect(res.status).toBe(504);
      expect((await json(res)).error.code).toBe('TIMEOUT');
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
    });

    it('CORS: preflight from an allowed origin allows Authorization; other origins get 403', async () => {
      const pre = await fetch(`${relay.url}/api/pong`, {
        method: 'OPTIONS',
        headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const ok = await get('/api/ping', { Origin: ORIGIN });
      expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      const evil = await get('/api/ping', { Origin: 'https://evil.test' });
      expect(evil.status).toBe(403);
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      expect((await json(evil)).error.reason).toBe('origin_not_allowed');
    });

    it('/healthz and /readyz', async () => {
      expect((await get('/healthz')).status).toBe(200);
      const ready = await get('/readyz');
      expect(ready.status).toBe(200);
      expect(await json(ready)).toMatchObject({ status: 'ready', checks: { nats: true, api: true, auth: true } });
    });
  });

  describe('WebSocket /ws', () => {
    it('refuses a disallowed or missing origin at the handshake', async () => {
      await expect(TestSocket.open(relay.wsUrl, 'https://evil.test')).rejects.toMatchObject({ status: 403 });
      await expect(TestSocket.open(relay.wsUrl)).rejects.toMatchObject({ status: 403 });
      await expect(TestSocket.open(relay.wsUrl.replace('/ws', '/other'), ORIGIN)).rejects.toThrow();
    });

    it('reports a session (token in the NATS header only), makes a delegated request, ends the session', async () => {
      const s = await open();
      const good = fakeJwt('good');
      s.send({ type: 'session.reported', token: good, user: { sub: 'alice', name: 'Alice' } });
      expect(await s.next((f) => f.type === 'session.ack')).toEqual({ type: 'session.ack', state: 'reported' });
      await waitFor(() => fake.sessionEvents.find((e) => e.subject === 'auth.session.reported'), { timeout: 3000 });
      const reported = fake.sessionEvents.find((e) => e.subject === 'auth.session.reported')!;
      expect(reported.authorization).toBe(`Bearer ${good}`);
      expect(JSON.stringify(reported.body)).not.toContain(good.split('.')[1]);
      expect(reported.body).toMatchObject({ user: { sub: 'alice' } });

      const result = await s.request('/api/pong', { id: 'pong-1', useauth: true, label: 'Call pong' });
      expect(result).toMatchObject({ type: 'web.result', id: 'pong-1', label: 'Call pong', ok: true, status: 200, data: { sub: 'alice' } });
      const anonymous = await s.request('/api/pong', { id: 'pong-2' });
      expect(anonymous).toMatchObject({ id: 'pong-2', ok: false, status: 401, error: { code: 'UNAUTHENTICATED', reason: 'missing' } });

      s.send({ type: 'session.ended' });
      expect(await s.next((f) => f.type === 'session.ack')).toEqual({ type: 'session.ack', state: 'ended' });
      await waitFor(() => fake.sessionEvents.find((e) => e.subject === 'auth.session.ended'), { timeout: 3000 });
      expect(fake.sessionEvents.find((e) => e.subject === 'auth.session.ended')!.authorization).toBe(`Bearer ${good}`);
      expect(await s.request('/api/pong', { useauth: true })).toMatchObject({ ok: false, status: 401 });
    });

    it('unknown path, invalid frame, oversized frame and a flood each get a typed error while a second connection keeps being served', async () => {
      const noisy = await open();
      const calm = await open();
      const calmResults: Promise<any>[] = [];
      const calmTimer = setInterval(() => calmResults.push(calm.request('/api/ping', { timeout: 3000 })), 150);

      expect(await noisy.request('/api/admin', { id: 'unknown' })).toMatchObject({ id: 'unknown', ok: false, status: 404, error: { code: 'NOT_FOUND' } });
      noisy.send('{"type":"web.request",');
      expect((await noisy.next((f) => f.type === 'error')).error.code).toBe('INVALID_MESSAGE');
      noisy.send({ type: 'web.request', id: 'bad', method: 'GET', path: '/api/ping', subject: 'audit.query' });
      expect(await noisy.next((f) => f.id === 'bad')).toMatchObject({ type: 'error', error: { code: 'INVALID_MESSAGE' } });
      noisy.send({ type: 'web.request', id: 'big', method: 'GET', path: '/api/ping', body: { blob: 'x'.repeat(100_000) } });
      expect((await noisy.next((f) => f.type === 'error')).error.code).toBe('PAYLOAD_TOO_LARGE');
      // Still usable after all of that:
      expect(await noisy.request('/api/ping')).toMatchObject({ ok: true });

      for (let i = 0; i < 400; i++) noisy.send({ type: 'web.request', id: `flood-${i}`, method: 'GET', path: '/api/ping' });
      const limited = await noisy.next((f) => f.type === 'error' && f.error.code === 'RATE_LIMITED');
      expect(limited.id).toMatch(/^flood-/);
      await new Promise((r) => setTimeout(r, 1500));
      clearInterval(calmTimer);

      const calmAnswers = await Promise.all(calmResults);
      expect(calmAnswers.length).toBeGreaterThanOrEqual(8);
      for (const answer of calmAnswers) expect(answer).toMatchObject({ type: 'web.result', ok: true, status: 200 });
      expect(noisy.closeCode).toBeUndefined();
    });

    it('limits requests in flight per connection', async () => {
      const s = await open();
      s.send({ type: 'session.reported', token: fakeJwt('slow') });
      await s.next((f) => f.type === 'session.ack');
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => s.request('/api/pong', { id: `slow-${i}`, useauth: true })));
      const ok = answers.filter((a) => a.type === 'web.result' && a.ok);
      const limited = answers.filter((a) => a.type === 'error' && a.error.code === 'RATE_LIMITED');
      expect(ok).toHaveLength(8);
      expect(limited).toHaveLength(2);
    });

    it('answers TIMEOUT for a silent service, correlated by id', async () => {
      const s = await open();
      s.send({ type: 'session.reported', token: fakeJwt('silent') });
      await s.next((f) => f.type === 'session.ack');
      const started = Date.now();
      expect(await s.request('/api/pong', { id: 't1', useauth: true })).toMatchObject({ id: 't1', ok: false, status: 504, error: { code: 'TIMEOUT' } });
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
    });

    it('closes a socket that sends a frame over the hard ceiling (1009), and only that one', async () => {
      const s = await open();
      const other = await open();
      s.send('x'.repeat(300_000));
      expect(await s.closed).toBe(1009);
      expect(await other.request('/api/ping')).toMatchObject({ ok: true });
    });
  });

  describe('services stopped', () => {
    it('answers UNAVAILABLE at once, then recovers by itself when they come back', async () => {
      await fake.stop();
      const s = await open();
      const started = Date.now();
      const res = await get('/api/ping');
      expect(res.status).toBe(503);
      expect((await json(res)).error.code).toBe('UNAVAILABLE');
      expect(await s.request('/api/ping')).toMatchObject({ ok: false, status: 503, error: { code: 'UNAVAILABLE' } });
      // UNAVAILABLE (not TIMEOUT) shows that nothing waited for the deadline; the bound is loose for busy machines.
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
      expect((await get('/readyz')).status).toBe(503);

      fake = await startFakeServices(nats);
      expect((await get('/api/ping')).status).toBe(200);
      expect(await s.request('/api/ping')).toMatchObject({ ok: true });
      expect((await get('/readyz')).status).toBe(200);
    });
  });
});

describe('host-relay and a NATS outage', () => {
  let nats: NatsHarness;
  let relay: RelayHarness;
  let fake: FakeServices | undefined;

  afterAll(async () => {
    await relay?.stop();
    await fake?.stop();
    await nats?.dispose();
  });

  it('starts while NATS is down, answers UNAVAILABLE fast, and connects when NATS comes up', async () => {
    nats = await NatsHarness.start();
    await nats.stop();
    relay = await RelayHarness.start({ nats, env: { RELAY_READY_CACHE_MS: '0', RELAY_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) } });
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${relay.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await json(ready)).checks.nats).toBe(false);
    const started = Date.now();
    const res = await fetch(`${relay.url}/api/ping`);
    expect(res.status).toBe(503);
    expect((await json(res)).error.code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);

    await nats.restart();
    fake = await startFakeServices(nats);
    await relay.waitForReady(15_000);
    expect((await fetch(`${relay.url}/api/ping`)).status).toBe(200);
  });

  it('rides out a NATS restart', async () => {
    await fake!.stop();
    fake = undefined;
    await nats.restart(300);
    fake = await startFakeServices(nats);
    await waitFor(async () => (await fetch(`${relay.url}/api/ping`)).status === 200, { timeout: 15_000, what: 'relay back after NATS restart' });
  });

  it('says goodbye to open sockets (1001) when it shuts down', async () => {
    const s = await TestSocket.hello(relay.wsUrl, 'http://localhost:3001');
    await relay.stop();
    expect(await s.closed).toBe(1001);
  });
});

describe('host-relay socket housekeeping', () => {
  let nats: NatsHarness;
  let relay: RelayHarness;

  beforeAll(async () => {
    nats = await NatsHarness.start();
    relay = await RelayHarness.start({
      nats,
      env: {
        RELAY_WS_MAX_CONNECTIONS_PER_IP: '3',
        RELAY_WS_HELLO_TIMEOUT_MS: '500',
        RELAY_WS_HEARTBEAT_MS: '300',
        RELAY_HTTP_RATE_PER_SEC: '0.1',
        RELAY_HTTP_BURST: '5',
      },
    });
  });

  afterAll(async () => {
    await relay?.stop();
    await nats?.dispose();
  });

  it('caps sockets per client address (429) and frees the slot when one closes', async () => {
    const open = await Promise.all([1, 2, 3].map(() => TestSocket.hello(relay.wsUrl, ORIGIN)));
    await expect(TestSocket.open(relay.wsUrl, ORIGIN)).rejects.toMatchObject({ status: 429 });
    open[0].close();
    await open[0].closed;
    const again = await waitFor(() => TestSocket.hello(relay.wsUrl, ORIGIN).catch(() => undefined), { timeout: 3000, what: 'a free slot' });
    [again!, ...open].forEach((s) => s.close());
  });

  it('limits HTTP requests per client address with 429 RATE_LIMITED (health checks excepted)', async () => {
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${relay.url}/api/ping`);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get('retry-after')).toBe('1');
        expect((await json(res)).error.code).toBe('RATE_LIMITED');
      } else {
        await res.body?.cancel();
      }
    }
    // NATS has no services here: the requests that pass get 503.
    expect(statuses.slice(0, 5)).toEqual([503, 503, 503, 503, 503]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
  });

  it('closes a socket that never says hello (4408)', async () => {
    const s = await TestSocket.open(relay.wsUrl, ORIGIN);
    expect(await s.closed).toBe(4408);
  });

  it('drops a socket that stops answering pings, keeps one that answers', async () => {
    const deaf = await TestSocket.open(relay.wsUrl, ORIGIN, { autoPong: false });
    deaf.send({ type: 'hello', v: 1, session_id: 'deaf' });
    await deaf.next((f) => f.type === 'welcome');
    const alive = await TestSocket.hello(relay.wsUrl, ORIGIN);
    expect(await deaf.closed).toBe(1006);
    expect(alive.closeCode).toBeUndefined();
    alive.close();
  });
});
