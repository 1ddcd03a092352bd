import { bridgeSubject, decodeBody, encodeBody } from '@auth-bus/contracts';
import { DevIdpHarness, freePort, ManagedProcess, NatsHarness, natsEnvFor, readAuditStream, RelayHarness, ServicesHarness, waitFor, type TokenResponse } from '@auth-bus/testing';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on a free port that records every request it gets. */
async function startUpstream(handle: (hit: Hit, res: import('node:http').ServerResponse) => void): Promise<{ server: Server; port: number; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      hits.push(hit);
      handle(hit, res);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port, hits };
}

const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** The only headers the bridge may send upstream (plus the token header of the route's kind). */
const FIXED_HEADERS = ['accept', 'user-agent', 'connection', 'host', 'content-type', 'content-length', 'traceparent'];

/**
 * http-bridge as a built process on a real nats-server, trusting the real dev-idp, in front of a
 * real upstream HTTP server: what reaches the upstream, what never does, the replies and the audit.
 */
describe('http-bridge (real NATS, real dev-idp, real upstream, built service)', () => {
  let nats: NatsHarness;
  let idp: DevIdpHarness;
  let services: ServicesHarness;
  let bridge: ManagedProcess;
  let relay: NatsConnection;
  let reader: NatsConnection;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let elsewhere: Awaited<ReturnType<typeof startUpstream>>;
  let alice: TokenResponse;
  let bob: TokenResponse;
  let dir: string;
  let routesFile: string;
  let gateway: RelayHarness | undefined;

  beforeAll(async () => {
    nats = await NatsHarness.start();
    idp = await DevIdpHarness.start();
    // auth-service creates the AUDIT stream (with the bridge kinds' subjects); no api-service needed.
    services = await ServicesHarness.start({ nats, idp, apiReplicas: 0 });
    elsewhere = await startUpstream((_hit, res) => json(res, 200, { stolen: true }));
    upstream = await startUpstream((hit, res) => {
      const path = hit.url.split('?')[0];
      if (path === '/echo') return json(res, 200, { method: hit.method, url: hit.url, headers: hit.headers, body: hit.body });
      if (path === '/missing') return json(res, 404, { message: 'no such thing' });
      if (path === '/teapot') {
        res.writeHead(418, { 'Content-Type': 'text/plain' });
        return res.end('short and stout');
      }
      if (path === '/boom') return json(res, 500, { secret: 'stack trace' });
      if (path === '/slow') {
        const late = setTimeout(() => json(res, 200, { late: true }), 3_000);
        return void res.on('close', () => clearTimeout(late));
      }
      if (path === '/redirect') {
        res.writeHead(302, { Location: `http://127.0.0.1:${elsewhere.port}/steal` });
        return res.end();
      }
      json(res, 500, { unexpected: path });
    });
    const dead = await freePort();
    const base = `http://127.0.0.1:${upstream.port}`;
    dir = mkdtempSync(join(tmpdir(), 'http-bridge-test-'));
    routesFile = join(dir, 'routes.yaml');
    writeFileSync(
      routesFile,
      [
        'routes:',
        `  - { id: echo, path: /api/t/echo, upstream: "${base}/echo?fixed=1" }`,
        `  - { id: echo-post, method: POST, path: /api/t/echo, upstream: "${base}/echo", token: accesstoken, body_limit: 200 }`,
        `  - { id: public, path: /api/t/public, upstream: "${base}/echo", public: true }`,
        `  - { id: scoped, path: /api/t/scoped, upstream: "${base}/echo", permission: "read:messages", token: none }`,
        `  - { id: missing, path: /api/t/missing, upstream: "${base}/missing" }`,
        `  - { id: teapot, path: /api/t/teapot, upstream: "${base}/teapot" }`,
        `  - { id: boom, path: /api/t/boom, upstream: "${base}/boom" }`,
        `  - { id: refused, path: /api/t/refused, upstream: "http://127.0.0.1:${dead}/x" }`,
        `  - { id: slow, path: /api/t/slow, upstream: "${base}/slow", timeout: 500ms }`,
        `  - { id: redirect, path: /api/t/redirect, upstream: "${base}/redirect" }`,
      ].join('\n'),
    );
    const env = { ...services.envFor('api-service', 'bridge-test-1'), ...natsEnvFor(nats.url, 'http-bridge'), BRIDGE_ROUTES_FILE: routesFile };
    bridge = ManagedProcess.start('bridge-test-1', process.execPath, [join(__dirname, '..', 'dist', 'main.js')], env);
    await waitFor(
      async () => {
        if (!bridge.running) throw new Error(`http-bridge exited:\n${bridge.tail(30)}`);
        const connz = (await (await fetch(`${nats.monitorUrl}/connz?subs=1`)).json()) as { connections?: Array<{ name?: string; subscriptions_list?: string[] }> };
        return (connz.connections ?? []).some((c) => c.name === 'http-bridge:bridge-test-1' && (c.subscriptions_list ?? []).includes('bridge.>'));
      },
      { timeout: 30_000, interval: 100, what: 'http-bridge subscribed on bridge.>' },
    );
    relay = await nats.connectAs('host-relay');
    reader = await nats.connectAs('audit-reader');
    [alice, bob] = await Promise.all([idp.tokenFor('alice'), idp.tokenFor('bob')]);
  }, 120_000);

  afterAll(async () => {
    await relay?.close();
    await reader?.close();
    await gateway?.stop();
    await bridge?.stop();
    await services?.stop();
    await idp?.stop();
    await nats?.dispose();
    for (const s of [upstream?.server, elsewhere?.server]) {
      s?.closeAllConnections();
      s?.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One bus request as host-relay would send it; resolves with the decoded reply (success or `{error}`). */
  async function call(id: string, body: unknown = {}, token?: string, extra: Record<string, string> = {}): Promise<any> {
    const h = natsHeaders();
    if (token) h.set('Authorization', `Bearer ${token}`);
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    const msg = await relay.request(bridgeSubject(id), encodeBody(body), { headers: h, timeout: 10_000 });
    return decodeBody(msg.data);
  }

  it('forwards an allowed call to the configured URL with the token as a bearer, and relays the 2xx answer', async () => {
    const before = upstream.hits.length;
    const reply = await call('echo', {}, alice.access_token);
    expect(reply).toMatchObject({ status: 200, route: 'echo', instance: 'bridge-test-1' });
    expect(reply.latency_ms).toBeGreaterThanOrEqual(0);
    expect(reply.data).toMatchObject({ method: 'GET', url: '/echo?fixed=1', body: '' });
    expect(reply.data.headers.authorization).toBe(`Bearer ${alice.access_token}`);
    expect(upstream.hits.length).toBe(before + 1);
  });

  it('refuses a call without a token (401) and never calls the upstream', async () => {
    const before = upstream.hits.length;
    await expect(call('echo')).resolves.toEqual({ error: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'missing' }) });
    await expect(call('echo', {}, 'not.a.jwt')).resolves.toEqual({ error: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'malformed' }) });
    const forged = `${alice.access_token.slice(0, -4)}AAAA`;
    await expect(call('echo', {}, forged)).resolves.toEqual({ error: expect.objectContaining({ code: 'UNAUTHENTICATED' }) });
    expect(upstream.hits.length).toBe(before);
  });

  it('refuses a token without the route permission (403) and never calls the upstream', async () => {
    const before = upstream.hits.length;
    await expect(call('scoped', {}, bob.access_token)).resolves.toEqual({ error: expect.objectContaining({ code: 'FORBIDDEN', permission: 'read:messages' }) });
    expect(upstream.hits.length).toBe(before);
    // alice holds it; token: none — the upstream gets no credential at all.
    const reply = await call('scoped', {}, alice.access_token);
    expect(reply.status).toBe(200);
    expect(reply.data.headers.authorization).toBeUndefined();
    expect(reply.data.headers.accesstoken).toBeUndefined();
    expect(upstream.hits.length).toBe(before + 1);
  });

  it('serves a public route without a token, forwarding none even when one is sent', async () => {
    const reply = await call('public', {}, alice.access_token);
    expect(reply.status).toBe(200);
    expect(reply.data.headers.authorization).toBeUndefined();
    expect((await call('public')).status).toBe(200);
  });

  it('keeps the status of an upstream 4xx', async () => {
    await expect(call('missing', {}, alice.access_token)).resolves.toMatchObject({ status: 404, data: { message: 'no such thing' } });
    await expect(call('teapot', {}, alice.access_token)).resolves.toMatchObject({ status: 418, data: 'short and stout' });
  });

  it('answers UPSTREAM_ERROR for a 5xx (without its body) and for a refused connection', async () => {
    const boom = await call('boom', {}, alice.access_token);
    expect(boom).toEqual({ error: { code: 'UPSTREAM_ERROR', message: 'The upstream of boom answered 500' } });
    expect(JSON.stringify(boom)).not.toContain('stack trace');
    await expect(call('refused', {}, alice.access_token)).resolves.toEqual({ error: expect.objectContaining({ code: 'UPSTREAM_ERROR' }) });
  });

  it('answers TIMEOUT when the upstream is slower than the route timeout', async () => {
    const started = Date.now();
    await expect(call('slow', {}, alice.access_token)).resolves.toEqual({ error: expect.objectContaining({ code: 'TIMEOUT' }) });
    expect(Date.now() - started).toBeLessThan(2_900);
  });

  it('forwards a JSON body within the limit, refuses a larger or non-object one before calling the upstream', async () => {
    const before = upstream.hits.length;
    const reply = await call('echo-post', { text: 'hello' }, alice.access_token);
    expect(reply.status).toBe(200);
    expect(reply.data).toMatchObject({ method: 'POST', body: '{"text":"hello"}' });
    expect(reply.data.headers['content-type']).toBe('application/json');
    // token: accesstoken — the article's header, and no Authorization.
    expect(reply.data.headers.accesstoken).toBe(alice.access_token);
    expect(reply.data.headers.authorization).toBeUndefined();
    expect(upstream.hits.length).toBe(before + 1);
    await expect(call('echo-post', { text: 'x'.repeat(300) }, alice.access_token)).resolves.toEqual({ error: expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }) });
    await expect(call('echo-post', [1, 2], alice.access_token)).resolves.toEqual({ error: expect.objectContaining({ code: 'INVALID_MESSAGE' }) });
    expect(upstream.hits.length).toBe(before + 1);
  });

  it('does not follow a redirect to another host', async () => {
    await expect(call('redirect', {}, alice.access_token)).resolves.toEqual({ error: expect.objectContaining({ code: 'UPSTREAM_ERROR' }) });
    expect(elsewhere.hits).toHaveLength(0);
  });

  it('never passes on headers the caller set', async () => {
    const reply = await call('echo', {}, alice.access_token, {
      Cookie: 'session=stolen',
      'X-Forwarded-For': '10.0.0.1',
      Host: 'evil.example',
      'X-Upstream-Url': `http://127.0.0.1:${elsewhere.port}/steal`,
      Connection: 'Upgrade',
      accesstoken: 'smuggled',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const sent = Object.keys(reply.data.headers);
    expect(sent.filter((h) => !FIXED_HEADERS.includes(h) && h !== 'authorization')).toEqual([]);
    expect(reply.data.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(reply.data.headers.cookie).toBeUndefined();
    expect(reply.data.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(elsewhere.hits).toHaveLength(0);
  });

  it('audits every call as bridge.allowed / bridge.denied with status and latency, never the token', async () => {
    let events: Awaited<ReturnType<typeof readAuditStream>> = [];
    await waitFor(
      async () => {
        events = (await readAuditStream(reader)).filter((m) => m.event.kind.startsWith('bridge.'));
        return events.some((m) => m.event.subject === 'bridge.redirect') && events.some((m) => m.event.subject === 'bridge.echo-post' && m.event.reason === 'payload_too_large');
      },
      { timeout: 20_000, interval: 250, what: 'bridge audit events stored' },
    );
    for (const m of events) {
      expect(m.subject).toBe(`audit.events.${m.event.kind}`);
      expect(m.raw).not.toContain(alice.access_token);
      expect(m.raw).not.toContain(bob.access_token);
      expect(m.raw).not.toContain(alice.access_token.split('.')[2]);
      expect(m.event.service).toBe('http-bridge');
    }
    const of = (subject: string) => events.filter((m) => m.event.subject === subject).map((m) => m.event);
    expect(of('bridge.missing')).toEqual([expect.objectContaining({ kind: 'bridge.allowed', sub: 'auth0|alice', upstream_status: 404, latency_ms: expect.any(Number) })]);
    expect(of('bridge.boom')).toEqual([expect.objectContaining({ kind: 'bridge.allowed', upstream_status: 500, reason: 'upstream_error' })]);
    expect(of('bridge.slow')).toEqual([expect.objectContaining({ kind: 'bridge.allowed', reason: 'timeout' })]);
    expect(of('bridge.redirect')).toEqual([expect.objectContaining({ kind: 'bridge.allowed', upstream_status: 302, reason: 'redirect' })]);
    expect(of('bridge.scoped')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'bridge.denied', sub: 'auth0|bob', reason: 'missing_permission' }),
        expect.objectContaining({ kind: 'bridge.allowed', sub: 'auth0|alice', upstream_status: 200 }),
      ]),
    );
    const denied = of('bridge.echo').filter((e) => e.kind === 'bridge.denied');
    expect(denied.map((e) => e.reason).sort()).toEqual(expect.arrayContaining(['malformed', 'missing']));
    expect(denied.find((e) => e.reason === 'missing')?.token_hash).toBeUndefined();
  });

  it("is reached through host-relay's HTTP gateway like a built-in route (the same routes file)", async () => {
    gateway = await RelayHarness.start({ nats, allowedOrigins: ['http://localhost:3001'], env: { BRIDGE_ROUTES_FILE: routesFile } });
    const before = upstream.hits.length;
    const auth = { Authorization: `Bearer ${alice.access_token}` };
    const ok = await fetch(`${gateway.url}/api/t/echo`, { headers: auth });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ method: 'GET', url: '/echo?fixed=1' });
    const posted = await fetch(`${gateway.url}/api/t/echo`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"text":"via relay"}' });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ method: 'POST', body: '{"text":"via relay"}' });
    const missing = await fetch(`${gateway.url}/api/t/missing`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'no such thing' });
    expect(upstream.hits.length).toBe(before + 3);
    const anonymous = await fetch(`${gateway.url}/api/t/echo`);
    expect(anonymous.status).toBe(401);
    expect((await fetch(`${gateway.url}/api/t/boom`, { headers: auth })).status).toBe(502);
    expect(upstream.hits.length).toBe(before + 4);
    // Only the file's paths: anything else is still NOT_FOUND, never a subject.
    for (const path of ['/api/t/nope', '/api/bridge.echo', '/api/t/echo/..']) expect((await fetch(`${gateway.url}${path}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${gateway.url}/api/t/missing`, { method: 'DELETE', headers: auth })).status).toBe(404);
    expect(upstream.hits.length).toBe(before + 4);
  }, 60_000); // it starts a relay process
});
