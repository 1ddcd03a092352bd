import { ClientFrame, ErrorReplySchema, HTTP_STATUS_BY_CODE, MAX_BODY_BYTES, methodHasBody, parseBearer, ServerFrame, SUBJECTS } from '@auth-bus/contracts';
import { processAlive, readAuditStream } from '@auth-bus/testing';
import fc from 'fast-check';
import type { NatsConnection } from 'nats';
import { request as httpRequest } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { settledCount } from './support/audit';
import { headerValue, mutated, runs, vectors } from './support/fuzz';
import { report, sleep } from './support/measure';
import { ORIGIN, Stack } from './support/stack';
import { WsClient } from './support/ws-client';

const WS_RUNS = runs(150, 2_500);
const HTTP_RUNS = runs(300, 5_000);
const ORIGIN_RUNS = runs(60, 600);
const MAX_FRAME = MAX_BODY_BYTES;
const enc = new TextEncoder();

type Frame = { kind: string; data: string | Buffer; binary?: boolean };

/**
 * The relay's rule: the serialized origin (scheme and host lower-cased) is on the list, or (in
 * development, as here) a local `http` app on any port; `null` never.
 */
function originAllowed(origin: string): boolean {
  if (origin === 'null') return false;
  try {
    const url = new URL(origin);
    return url.origin === ORIGIN || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

/**
 * Hostile input at host-relay, the only door from outside: fast-check drives WebSocket frames
 * (random JSON, random text and bytes, the contract's invalid frames and mutations of its valid
 * ones, frames over the size limit, frames before hello), HTTP requests (any method, path,
 * Authorization, Origin, body) and handshakes (any Origin), against the real relay in front of
 * the real services. The oracle is the contract (ClientFrame, the route table):
 *
 * - every frame gets exactly one answer, of the contract's ServerFrame shape; an invalid frame
 *   an `error` frame with a typed code (and its id when it has one), never a handler's answer;
 *   the socket stays open;
 * - only valid `session.reported`/`session.ended` frames reach auth-service (audited by session);
 * - every HTTP answer is 200 from a route, or the typed `{error}` with its contract status;
 *   never 500; only allowed origins open a socket;
 * - the relay is alive and serving afterwards.
 */
describe('fuzzing host-relay (WebSocket frames, HTTP requests, handshakes)', () => {
  let stack: Stack;
  let reader: NatsConnection;
  const sessions = new Map<string, { valid: number; invalid: number }>();
  let n = 0;

  beforeAll(async () => {
    stack = await Stack.start({
      relay: true,
      // The fuzzers send faster than a browser; the limits themselves are the relay's own tests' business.
      relayEnv: { RELAY_WS_RATE_PER_SEC: '5000', RELAY_WS_BURST: '5000', RELAY_HTTP_RATE_PER_SEC: '0', RELAY_SESSION_REPORT_BURST: '10000', RELAY_AUTH_TRIAL_BURST: '100000', LOG_LEVEL: 'warn' },
    });
    reader = await stack.nats.connectAs('audit-reader');
  }, 120_000);

  afterAll(async () => {
    await reader?.close();
    await stack?.stop();
  });

  const frameArb = (): fc.Arbitrary<Frame> => {
    const v = vectors('component.client-frame.v1');
    const tokens = [stack.alice.access_token, stack.bob.access_token];
    const withToken = v.valid.map((f: any) => (f.type === 'session.reported' ? { ...f, token: tokens[0] } : f));
    const json = (kind: string) => (value: unknown) => ({ kind, data: JSON.stringify(value) ?? 'null' });
    return fc.oneof(
      { weight: 6, arbitrary: mutated(withToken).map(json('mutated frame')) },
      { weight: 2, arbitrary: fc.constantFrom(...withToken).map(json('valid frame')) },
      { weight: 1, arbitrary: fc.constantFrom(...v.invalid).map(json('invalid frame')) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json('random JSON')) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((data) => ({ kind: 'random text', data })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ kind: 'binary', data: Buffer.from(b), binary: true })) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Frame>(
          { kind: 'over the frame limit', data: JSON.stringify({ type: 'web.request', id: 'big', method: 'GET', path: '/api/ping', label: 'x'.repeat(MAX_FRAME) }) },
          { kind: 'deep nesting', data: `${'['.repeat(50_000)}${']'.repeat(50_000)}` },
          { kind: 'empty', data: '' },
          { kind: 'raw subject', data: JSON.stringify({ type: 'web.request', id: 'raw', method: 'GET', path: '/audit.events.logout' }) },
          { kind: 'traversal', data: JSON.stringify({ type: 'web.request', id: 'trav', method: 'GET', path: '/api/../api/pong-scoped', useauth: true }) },
          { kind: 'header injection', data: JSON.stringify({ type: 'session.reported', token: 'abc\r\nNats-Msg-Id: x' }) },
          { kind: 'forged useauth', data: JSON.stringify({ type: 'web.request', id: 'f', method: 'GET', path: '/api/pong', useauth: true, auth_kind: 'BEARER', body: { token: tokens[0] } }) },
          { kind: 'forged useauth', data: JSON.stringify({ type: 'web.request', id: 'fp', method: 'POST', path: '/api/notes', useauth: true, auth_kind: 'BEARER', body: { text: 'x', token: tokens[0] } }) },
        ),
      },
    );
  };

  /** The answer the contract says a frame must get, given the socket's state. */
  function expected(frame: Frame, helloed: string | undefined): { type: string[]; code?: string[]; id?: string; valid: boolean; parsed?: any } {
    if (frame.binary) return { type: ['error'], code: ['INVALID_MESSAGE'], valid: false };
    if (Buffer.byteLength(frame.data) > MAX_FRAME) return { type: ['error'], code: ['PAYLOAD_TOO_LARGE'], valid: false };
    let json: any;
    try {
      json = JSON.parse(frame.data.toString());
    } catch {
      return { type: ['error'], code: ['INVALID_MESSAGE'], valid: false };
    }
    const id = typeof json?.id === 'string' && json.id.length >= 1 && json.id.length <= 64 ? json.id : undefined;
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) return { type: ['error'], code: ['INVALID_MESSAGE'], id, valid: false };
    const f = parsed.data;
    if (f.type === 'hello') return helloed && helloed !== f.session_id ? { type: ['error'], code: ['INVALID_MESSAGE'], valid: true, parsed: f } : { type: ['welcome'], valid: true, parsed: f };
    if (!helloed) return { type: ['error'], code: ['INVALID_MESSAGE'], id: f.type === 'web.request' ? f.id : undefined, valid: true, parsed: f };
    if (f.type === 'session.reported') return { type: ['session.ack', 'error'], code: ['UNAUTHENTICATED'], valid: true, parsed: f };
    if (f.type === 'session.ended') return { type: ['session.ack'], valid: true, parsed: f };
    // a body on a method without one (GET) is refused before anything is forwarded
    if (f.body !== undefined && !methodHasBody(f.method)) return { type: ['error'], code: ['INVALID_MESSAGE'], id: f.id, valid: true, parsed: f };
    return { type: ['web.result'], id: f.id, valid: true, parsed: f };
  }

  it('answers every frame exactly once with a typed frame, and keeps the socket open', async () => {
    const kinds: Record<string, Record<string, number>> = {};
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(frameArb(), { minLength: 1, maxLength: 4 }), async (sayHello, frames) => {
        const session = `fzws-${++n}`;
        const socket = sayHello ? await WsClient.hello(stack.relay!.wsUrl, ORIGIN, session) : await WsClient.open(stack.relay!.wsUrl, ORIGIN);
        let helloed = sayHello ? session : undefined;
        const mine = { valid: 0, invalid: 0 };
        try {
          for (const frame of frames) {
            const want = expected(frame, helloed);
            if (helloed && want.parsed && (want.parsed.type === 'session.reported' || want.parsed.type === 'session.ended')) mine.valid++;
            else if (helloed) mine.invalid++;
            socket.send(frame.data, { binary: frame.binary });
            const answer = want.id !== undefined ? await socket.next((f) => f.id === want.id, 5_000) : await socket.next(undefined, 5_000);
            const label = `${frame.kind} → ${answer.type}${answer.error ? `:${answer.error.code}` : ''}`;
            (kinds[frame.kind] ??= {})[label] = (kinds[frame.kind][label] ?? 0) + 1;
            expect(ServerFrame.safeParse(answer).success).toBe(true);
            expect({ frame: frame.kind, data: String(frame.data).slice(0, 200), type: want.type.includes(answer.type) }).toMatchObject({ type: true });
            if (answer.type === 'error') {
              expect(want.code ?? []).toContain(answer.error.code);
              if (want.id !== undefined) expect(answer.id).toBe(want.id);
            }
            if (answer.type === 'web.result') expect(answer.status === 200 ? answer.ok : !answer.ok && answer.error.code !== 'INTERNAL').toBe(true);
            if (answer.type === 'welcome') helloed = want.parsed.session_id;
          }
          await sleep(20);
          expect(socket.frames).toEqual([]);
          expect(socket.isOpen).toBe(true);
        } finally {
          socket.close();
          if (helloed) {
            const seen = sessions.get(helloed) ?? { valid: 0, invalid: 0 };
            sessions.set(helloed, { valid: seen.valid + mine.valid, invalid: seen.invalid + mine.invalid });
          }
        }
      }),
      { numRuns: WS_RUNS },
    );
    report('fuzz-relay-ws', { runs: WS_RUNS, sockets: n, answers: kinds });
  }, 300_000);

  it('let only valid session frames through to auth-service', async () => {
    await settledCount(reader);
    const events = await readAuditStream(reader);
    const onlyInvalid = new Set([...sessions].filter(([, c]) => c.valid === 0).map(([s]) => s));
    const leaked = events.filter((m) => onlyInvalid.has(m.event.session_id));
    expect(leaked.map((m) => ({ session: m.event.session_id, kind: m.event.kind }))).toEqual([]);
    const traced = events.filter((m) => String(m.event.session_id).startsWith('fzws-'));
    expect(traced.length).toBeGreaterThan(0);
    expect(onlyInvalid.size).toBeGreaterThan(0);
    report('fuzz-relay-ws-audit', { sessions: sessions.size, sessions_only_invalid: onlyInvalid.size, audited_events: traced.length, leaked: leaked.length });
  }, 60_000);

  /** One raw HTTP request (node:http sends method and path as given). */
  function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: stack.relay!.port, method, path, headers, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
      req.end(body);
    });
  }

  it('answers every HTTP request with a route’s 200 or the typed error of its status', async () => {
    const token = stack.alice.access_token;
    const pathArb = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('/api/ping', '/api/pong', '/api/pong-scoped') },
      fc.constantFrom('/api/ping', '/api/pong', '/api/pong-scoped', '/api/ping/', '/api/ping?x=1&x=2', '/API/PING', '/api//ping', '/api/%70ing', '/api/../api/pong', '/api/pong%00', '/api/ping#frag', '/api', '/api/', '/', '/ws', '/audit.query', '/api/auth.verify', `/api/${'a'.repeat(5000)}`),
      fc.webPath().map((p) => `/api${p.startsWith('/') ? p : `/${p}`}`),
      fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
    );
    const authArb = fc.oneof(fc.constant(undefined), fc.constant(`Bearer ${token}`), fc.constant(`Bearer ${stack.bob.access_token}`), headerValue, headerValue.map((h) => `Bearer ${h.replace(/\s/g, '')}`));
    const originArb = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constant(ORIGIN) }, fc.constantFrom('null', 'http://evil.example', `${ORIGIN}.evil.example`, 'https://localhost:3001'), fc.webUrl().map((u) => new URL(u).origin));
    const bodyArb = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)), fc.constant(Buffer.alloc(MAX_BODY_BYTES + 10, 0x20)));
    const statuses: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: fc.constant('GET') }, fc.constantFrom('HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS')), pathArb, authArb, originArb, bodyArb, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'), async (method, path, auth, origin, body, type) => {
        const headers: Record<string, string> = {};
        if (auth !== undefined) headers.authorization = auth;
        if (origin !== undefined) headers.origin = origin;
        const payload = method === 'GET' || method === 'HEAD' ? undefined : body;
        if (payload !== undefined) {
          headers['content-type'] = type;
          headers['content-length'] = String(payload.length);
        }
        const res = await send(method, path, headers, payload);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        expect(res.status).not.toBe(500);
        if (origin !== undefined && !originAllowed(origin)) expect(res.status).toBe(403);
        if (path === '/healthz' || path === '/readyz' || res.status === 204 || method === 'HEAD') return;
        if (res.status === 200) {
          // Only a route of the table, asked with GET, and (for protected ones) a valid token.
          const route = path.split(/[?#]/)[0].replace(/\/+$/, '');
          expect({ method, route }).toMatchObject({ method: 'GET', route: expect.stringMatching(/^\/api\/(ping|pong|pong-scoped)$/) });
          // …and a protected one only for a valid token (with read:messages for the scoped one).
          const caller = parseBearer(auth) === token ? 'alice' : parseBearer(auth) === stack.bob.access_token ? 'bob' : 'other';
          if (route === '/api/pong') expect(['alice', 'bob']).toContain(caller);
          if (route === '/api/pong-scoped') expect(caller).toBe('alice');
          return;
        }
        const parsed = ErrorReplySchema.safeParse(JSON.parse(res.text));
        expect({ method, path: path.slice(0, 80), status: res.status, typed: parsed.success }).toMatchObject({ typed: true });
        expect(HTTP_STATUS_BY_CODE[parsed.data!.error.code]).toBe(res.status);
        if (res.status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
        // A browser origin not on the list is refused before anything else; an allowed one never is.
        const refusedOrigin = res.status === 403 && parsed.data!.error.reason === 'origin_not_allowed';
        if (origin !== undefined) expect({ origin, refusedOrigin }).toEqual({ origin, refusedOrigin: !originAllowed(origin) });
      }),
      { numRuns: HTTP_RUNS },
    );
    report('fuzz-relay-http', { runs: HTTP_RUNS, statuses });
  }, 300_000);

  it('opens a socket only for an allowed origin', async () => {
    const originArb = fc.oneof(
      fc.webUrl().map((u) => new URL(u).origin),
      fc.constantFrom('null', '', ' ', 'http://localhost:3001.evil.example', 'http://localhost:30011', 'https://localhost:3001', 'http://127.0.0.1:3001', 'http://localhost', 'file://', `${ORIGIN}\r\nX: y`),
      fc.constant(ORIGIN),
    );
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(originArb, async (origin) => {
        const allowed = originAllowed(origin);
        const result = await WsClient.open(stack.relay!.wsUrl, origin || undefined).then(
          (s) => {
            s.close();
            return 'open';
          },
          (err: { status?: number; message: string }) => err.status ?? err.message,
        );
        if (allowed) opened++;
        expect({ origin, result }).toEqual({ origin, result: allowed ? 'open' : origin.includes('\r') ? expect.anything() : 403 });
      }),
      { numRuns: ORIGIN_RUNS },
    );
    expect(opened).toBeGreaterThan(0);
  }, 120_000);

  it('survives malformed HTTP on the wire', async () => {
    const raw = (payload: string) =>
      new Promise<string>((resolve) => {
        const socket = tcpConnect(stack.relay!.port, '127.0.0.1');
        let out = '';
        socket.on('data', (d) => (out += d.toString()));
        socket.on('close', () => resolve(out));
        socket.on('error', () => resolve(out));
        socket.setTimeout(2_000, () => socket.destroy());
        socket.write(payload);
      });
    const status = (answer: string) => /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
    const [garbage, bigHeader, smuggle, badChunk, version, pipelined] = await Promise.all([
      raw('GARBAGE\r\n\r\n'),
      raw(`GET /api/ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`),
      raw('GET /api/ping HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/pong-scoped HTTP/1.1\r\nHost: x\r\n\r\n'),
      raw('POST /api/ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n'),
      raw('GET /api/ping HTTP/9.9\r\nHost: x\r\n\r\n'),
      raw('GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(50)),
    ]);
    expect(status(garbage)).toBe('400');
    expect(status(bigHeader)).toBe('431');
    // Content-Length with Transfer-Encoding is refused outright: no smuggled second request.
    expect(status(smuggle)).toBe('400');
    expect(smuggle).not.toMatch(/pong-scoped|UNAUTHENTICATED/);
    expect(status(badChunk)).toBe('400');
    expect(['400', '505']).toContain(status(version));
    // Pipelined requests are each answered, in order.
    expect((pipelined.match(/HTTP\/1\.1 200/g) ?? []).length).toBe(50);
    report('fuzz-relay-raw-http', { garbage: status(garbage), big_header: status(bigHeader), cl_and_te: status(smuggle), bad_chunk: status(badChunk), bad_version: status(version), pipelined_200: 50 });
  }, 60_000);

  it('is alive and serving afterwards', async () => {
    expect(processAlive(stack.relayPid)).toBe(true);
    expect(stack.relay!.logs(400)).not.toMatch(/"level":(50|60)/);
    expect((await fetch(`${stack.relay!.url}/api/pong`, { headers: { authorization: `Bearer ${stack.alice.access_token}` } })).status).toBe(200);
    const socket = await WsClient.hello(stack.relay!.wsUrl, ORIGIN, 'after-fuzz');
    try {
      expect(await socket.report(stack.alice.access_token)).toMatchObject({ type: 'session.ack' });
      expect(await socket.request('/api/pong-scoped', { useauth: true })).toMatchObject({ type: 'web.result', ok: true, status: 200 });
    } finally {
      socket.close();
    }
    expect(enc.encode(SUBJECTS.api.ping).length).toBeGreaterThan(0);
  });
});
