import { SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { DevIdpHarness, NatsHarness, RelayHarness, ServicesHarness, waitFor } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';
import { TestSocket } from './ws-client';

// Starting NATS, dev-idp, the services and the relay (and building stale dists) takes a while.
jest.setTimeout(120_000);

const ORIGIN = 'http://localhost:3001';
const json = (res: Response): Promise<any> => res.json();

/**
 * The whole path with nothing faked: real nats-server with the project's users and
 * permissions, real auth-service and api-service processes, real RS256 tokens from dev-idp
 * (alice has read:messages, bob has no permission), and the built relay in front.
 */
describe('host-relay end to end (real NATS, real services, dev-idp tokens)', () => {
  let nats: NatsHarness;
  let idp: DevIdpHarness;
  let services: ServicesHarness;
  let relay: RelayHarness;
  let host: NatsConnection;
  let alice: string;
  let bob: string;
  const sockets: TestSocket[] = [];
  const open = async (sessionId?: string) => {
    const s = await TestSocket.hello(relay.wsUrl, ORIGIN, sessionId);
    sockets.push(s);
    return s;
  };
  const get = (path: string, token?: string) => fetch(`${relay.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    nats = await NatsHarness.start();
    idp = await DevIdpHarness.start();
    services = await ServicesHarness.start({ nats, idp, apiReplicas: 1 });
    relay = await RelayHarness.start({
      nats,
      allowedOrigins: [ORIGIN],
      env: { RELAY_READY_CACHE_MS: '0', RELAY_REQUEST_TIMEOUT_MS: '2000', LOG_LEVEL: 'debug' },
      waitForReady: true,
    });
    [alice, bob] = (await Promise.all([idp.tokenFor('alice'), idp.tokenFor('bob')])).map((t) => t.access_token);
    host = await nats.connectAs('streamlit-host');
  });

  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
  });

  afterAll(async () => {
    await host?.close();
    await relay?.stop();
    await services?.stop();
    await idp?.stop();
    await nats?.dispose();
  });

  describe('HTTP gateway', () => {
    it('/api/ping → 200 without a token', async () => {
      const res = await get('/api/ping');
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ data: expect.stringContaining('PUBLIC'), instance: expect.any(String) });
    });

    it('/api/pong → 401 with WWW-Authenticate without a token, 200 with alice’s', async () => {
      const anonymous = await get('/api/pong');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="auth-bus"');
      expect(await json(anonymous)).toMatchObject({ error: { code: 'UNAUTHENTICATED', reason: 'missing' } });

      const res = await get('/api/pong', alice);
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ data: expect.stringContaining('SECURE'), sub: 'auth0|alice' });
    });

    it('/api/pong → 401 for a tampered token', async () => {
      const [h, p, sig] = alice.split('.');
      const res = await get('/api/pong', `${h}.${p}.${sig.slice(0, -4)}AAAA`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="auth-bus", error="invalid_token"');
      expect((await json(res)).error.code).toBe('UNAUTHENTICATED');
    });

    it('/api/pong-scoped → 403 for bob, 200 for alice', async () => {
      const denied = await get('/api/pong-scoped', bob);
      expect(denied.status).toBe(403);
      expect(await json(denied)).toMatchObject({ error: { code: 'FORBIDDEN', permission: 'read:messages' } });
      const res = await get('/api/pong-scoped', alice);
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ sub: 'auth0|alice', permission: 'read:messages' });
    });

    it('/readyz says ready', async () => {
      const res = await get('/readyz');
      expect(res.status).toBe(200);
      expect((await json(res)).checks).toEqual({ nats: true, api: true, auth: true });
    });
  });

  describe('WebSocket', () => {
    it('reports a session (auth-service verifies and audits it), makes a delegated WebRequest, gets the correlated result', async () => {
      const sessionId = `e2e-${Date.now()}`;
      const s = await open(sessionId);
      s.send({ type: 'session.reported', token: alice, user: { sub: 'auth0|alice', name: 'Alice Example' } });
      expect(await s.next((f) => f.type === 'session.ack')).toEqual({ type: 'session.ack', state: 'reported' });

      const pong = await s.request('/api/pong', { id: 'req-pong', useauth: true, label: 'Call pong' });
      expect(pong).toMatchObject({ type: 'web.result', id: 'req-pong', label: 'Call pong', ok: true, status: 200, data: { sub: 'auth0|alice' } });
      const scoped = await s.request('/api/pong-scoped', { id: 'req-scoped', useauth: true });
      expect(scoped).toMatchObject({ id: 'req-scoped', ok: true, data: { permission: 'read:messages' } });
      const withoutAuth = await s.request('/api/pong', { id: 'req-noauth', useauth: false });
      expect(withoutAuth).toMatchObject({ id: 'req-noauth', ok: false, status: 401, error: { code: 'UNAUTHENTICATED' } });

      // The report reached auth-service: it verified the token and wrote login.verified for this session.
      const audit = new BusClient(host);
      const verified = await waitFor(
        async () => {
          const { events } = await audit.request(SUBJECTS.audit.query, { kind: 'login.verified', sub: 'auth0|alice', limit: 100 }, { token: alice });
          return events.find((e) => e.session_id === sessionId);
        },
        { timeout: 10_000, what: 'login.verified in the audit trail' },
      );
      expect(verified).toMatchObject({ kind: 'login.verified', sub: 'auth0|alice' });

      s.send({ type: 'session.ended' });
      expect(await s.next((f) => f.type === 'session.ack')).toEqual({ type: 'session.ack', state: 'ended' });
      expect(await s.request('/api/pong', { useauth: true })).toMatchObject({ ok: false, status: 401 });
      const logout = await waitFor(
        async () => {
          const { events } = await audit.request(SUBJECTS.audit.query, { kind: 'logout', limit: 100 }, { token: alice });
          return events.find((e) => e.session_id === sessionId);
        },
        { timeout: 10_000, what: 'logout in the audit trail' },
      );
      expect(logout).toMatchObject({ kind: 'logout', sub: 'auth0|alice' });
    });

    it('gives bob a 403 result on pong-scoped', async () => {
      const s = await open();
      s.send({ type: 'session.reported', token: bob });
      await s.next((f) => f.type === 'session.ack');
      expect(await s.request('/api/pong-scoped', { id: 'bob-1', useauth: true })).toMatchObject({
        id: 'bob-1',
        ok: false,
        status: 403,
        error: { code: 'FORBIDDEN', permission: 'read:messages' },
      });
    });

    it('refuses a frame from a disallowed origin at the handshake', async () => {
      await expect(TestSocket.open(relay.wsUrl, 'https://evil.example')).rejects.toMatchObject({ status: 403 });
    });

    it('unknown path, invalid frame, oversized frame and flood get typed errors while a second connection keeps being served', async () => {
      const noisy = await open();
      const calm = await open();
      calm.send({ type: 'session.reported', token: alice });
      await calm.next((f) => f.type === 'session.ack');
      const calmResults: Promise<any>[] = [];
      const calmTimer = setInterval(() => calmResults.push(calm.request('/api/pong', { useauth: true, timeout: 5000 })), 150);

      expect(await noisy.request('/api/does-not-exist', { id: 'u1' })).toMatchObject({ id: 'u1', ok: false, status: 404, error: { code: 'NOT_FOUND' } });
      noisy.send('not json at all');
      expect((await noisy.next((f) => f.type === 'error')).error.code).toBe('INVALID_MESSAGE');
      noisy.send({ type: 'web.request', id: 'i1', method: 'GET', path: '/api/ping', useauth: 'yes' });
      expect(await noisy.next((f) => f.id === 'i1')).toMatchObject({ type: 'error', error: { code: 'INVALID_MESSAGE' } });
      noisy.send({ type: 'web.request', id: 'o1', method: 'GET', path: '/api/ping', body: { pad: 'x'.repeat(80_000) } });
      expect((await noisy.next((f) => f.type === 'error')).error.code).toBe('PAYLOAD_TOO_LARGE');
      for (let i = 0; i < 300; i++) noisy.send({ type: 'web.request', id: `f${i}`, method: 'GET', path: '/api/ping' });
      expect(await noisy.next((f) => f.type === 'error' && f.error.code === 'RATE_LIMITED')).toMatchObject({ id: expect.stringMatching(/^f\d+$/) });

      await new Promise((r) => setTimeout(r, 1500));
      clearInterval(calmTimer);
      const answers = await Promise.all(calmResults);
      expect(answers.length).toBeGreaterThanOrEqual(8);
      for (const a of answers) expect(a).toMatchObject({ type: 'web.result', ok: true, status: 200, data: { sub: 'auth0|alice' } });
      expect(noisy.closeCode).toBeUndefined();
    });
  });

  describe('with the services stopped', () => {
    it('answers UNAVAILABLE/TIMEOUT within a bounded time, and recovers by itself when they come back', async () => {
      const s = await open();
      s.send({ type: 'session.reported', token: alice });
      await s.next((f) => f.type === 'session.ack');
      await services.stop();

      const started = Date.now();
      const http = await get('/api/pong', alice);
      expect([503, 504]).toContain(http.status);
      expect(['UNAVAILABLE', 'TIMEOUT']).toContain((await json(http)).error.code);
      const ws = await s.request('/api/pong', { useauth: true });
      expect(ws).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(UNAVAILABLE|TIMEOUT)$/) } });
      expect(Date.now() - started).toBeLessThan(2 * 2000 + 1000);
      expect((await get('/readyz')).status).toBe(503);

      services = await ServicesHarness.start({ nats, idp, apiReplicas: 1 });
      await relay.waitForReady(20_000);
      expect((await get('/api/pong', alice)).status).toBe(200);
      expect(await s.request('/api/pong', { useauth: true })).toMatchObject({ ok: true, status: 200 });
    });
  });

  describe('logs', () => {
    it('never contain a token, even at debug level', () => {
      const logs = relay.logLines.join('\n');
      expect(logs).toContain('"level":"debug"');
      for (const token of [alice, bob]) {
        expect(logs).not.toContain(token);
        expect(logs).not.toContain(token.split('.')[2]);
      }
    });
  });
});
