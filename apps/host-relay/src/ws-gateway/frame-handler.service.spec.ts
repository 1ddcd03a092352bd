import { BusError, ServerFrame, SUBJECTS, type RevocationRecord } from '@auth-bus/contracts';
import { createHash } from 'node:crypto';
import pino from 'pino';
import type { BusService } from '../bus/bus.service';
import type { ForwardRequest, RouteForwarder } from '../bus/route-forwarder.service';
import { loadConfig, type RelayConfig } from '../config/relay.config';
import { OPEN, type FrameSocket } from './connection';
import { CLOSE_HELLO_TIMEOUT, FrameHandler } from './frame-handler.service';
import { revocationTarget, RevocationWatch } from './revocation-watch.service';

class FakeSocket implements FrameSocket {
  readyState = OPEN;
  bufferedAmount = 0;
  sent: any[] = [];
  closedWith?: number;
  terminated = false;
  paused = 0;
  resumed = 0;
  pings = 0;
  send(data: string) {
    const frame = JSON.parse(data);
    // Everything the relay says must match the contract.
    expect(ServerFrame.safeParse(frame).success).toBe(true);
    this.sent.push(frame);
  }
  close(code?: number) {
    this.closedWith = code;
  }
  terminate() {
    this.terminated = true;
  }
  ping() {
    this.pings++;
  }
  pause() {
    this.paused++;
  }
  resume() {
    this.resumed++;
  }
  last() {
    return this.sent.at(-1);
  }
}

function setup(env: Record<string, string> = {}, logger: pino.Logger = pino({ level: 'silent' }), revocations?: RevocationWatch) {
  const config: RelayConfig = loadConfig({ RELAY_WS_RATE_PER_SEC: '1000', RELAY_WS_BURST: '1000', ...env });
  const published: { subject: string; payload: any; token?: string }[] = [];
  const forwarded: ForwardRequest[] = [];
  let answer: (req: ForwardRequest) => Promise<any> = async () => ({ data: 'pong' });
  const bus = {
    publish: (subject: string, payload: unknown, token?: string) => published.push({ subject, payload, token }),
  } as unknown as BusService;
  const forwarder = {
    forward: async (req: ForwardRequest) => {
      forwarded.push(req);
      const data = await answer(req);
      return { route: { method: 'GET', path: req.path, subject: 'x', protected: false }, status: 200, data };
    },
  } as unknown as RouteForwarder;
  const handler = new FrameHandler(bus, forwarder, config, logger, revocations);
  const socket = new FakeSocket();
  const conn = handler.open(socket, { origin: 'http://localhost:3001', ip: '127.0.0.1' });
  const send = (frame: unknown) => handler.handle(conn, typeof frame === 'string' ? frame : JSON.stringify(frame));
  /** Another socket of the same relay, from `ip`, with hello already said. */
  const another = (ip: string, sessionId: string) => {
    const s = new FakeSocket();
    const c = handler.open(s, { origin: 'http://localhost:3001', ip });
    const sendOn = (frame: unknown) => handler.handle(c, JSON.stringify(frame));
    sendOn({ type: 'hello', v: 1, session_id: sessionId });
    return { socket: s, conn: c, send: sendOn };
  };
  return { handler, socket, conn, send, another, published, forwarded, setAnswer: (fn: typeof answer) => (answer = fn), config };
}

const flush = () => new Promise((r) => setImmediate(r));
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Shaped like an RS256 access token (auth-service verifies it; the relay only checks the shape). */
const jwt = (sub: string) => `${b64({ alg: 'RS256', typ: 'JWT', kid: 'key-1' })}.${b64({ sub })}.c2lnbmF0dXJl`;
const TOKEN = jwt('alice');

describe('FrameHandler', () => {
  afterEach(() => jest.useRealTimers());

  it('answers hello with welcome', () => {
    const { send, socket, conn } = setup();
    send({ type: 'hello', v: 1, session_id: 'st-session-1' });
    expect(socket.last()).toEqual({ type: 'welcome', connection_id: conn.id, session_id: 'st-session-1' });
  });

  it('asks for hello before anything else, keeping the request id', () => {
    const { send, socket, forwarded } = setup();
    send({ type: 'web.request', id: 'r1', method: 'GET', path: '/api/ping' });
    expect(socket.last()).toEqual({ type: 'error', id: 'r1', error: { code: 'INVALID_MESSAGE', message: 'Send hello first' } });
    expect(forwarded).toHaveLength(0);
  });

  it('refuses to switch a connection to another session', () => {
    const { send, socket } = setup();
    send({ type: 'hello', v: 1, session_id: 'a' });
    send({ type: 'hello', v: 1, session_id: 'a' });
    expect(socket.last().type).toBe('welcome');
    send({ type: 'hello', v: 1, session_id: 'b' });
    expect(socket.last().error.code).toBe('INVALID_MESSAGE');
  });

  it('publishes a reported session with the token in the header, not the body, and acks', () => {
    const { send, socket, published, conn } = setup();
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'session.reported', token: TOKEN, user: { sub: 'alice', name: 'Alice' } });
    expect(socket.last()).toEqual({ type: 'session.ack', state: 'reported' });
    expect(published).toHaveLength(1);
    expect(published[0].subject).toBe(SUBJECTS.auth.sessionReported);
    expect(published[0].token).toBe(TOKEN);
    expect(JSON.stringify(published[0].payload)).not.toContain(TOKEN);
    expect(published[0].payload).toMatchObject({ session_id: 's1', user: { sub: 'alice' }, via: `host-relay:${conn.id}` });
  });

  it('refuses a token that could not be a bearer token (header injection)', () => {
    const { send, socket, published } = setup();
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'session.reported', token: 'abc\r\nX-Evil: 1' });
    expect(socket.last().error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'malformed' });
    expect(published).toHaveLength(0);
  });

  it('attaches the session token only to useauth requests, and forgets it on session.ended', async () => {
    const { send, socket, forwarded, published } = setup();
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'session.reported', token: TOKEN });
    send({ type: 'web.request', id: 'a', method: 'GET', path: '/api/pong', useauth: true });
    send({ type: 'web.request', id: 'b', method: 'GET', path: '/api/ping' });
    await flush();
    expect(forwarded.map((f) => f.token)).toEqual([TOKEN, undefined]);
    send({ type: 'session.ended' });
    expect(socket.last()).toEqual({ type: 'session.ack', state: 'ended' });
    expect(published.at(-1)).toMatchObject({ subject: SUBJECTS.auth.sessionEnded, token: TOKEN, payload: { session_id: 's1' } });
    send({ type: 'web.request', id: 'c', method: 'GET', path: '/api/pong', useauth: true });
    await flush();
    expect(forwarded.at(-1)!.token).toBeUndefined();
  });

  it('correlates results with request ids and labels', async () => {
    const { send, socket, setAnswer } = setup();
    setAnswer(async (req) => ({ path: req.path }));
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'web.request', id: 'req-7', label: 'Ping it', method: 'GET', path: '/api/ping' });
    await flush();
    expect(socket.last()).toEqual({ type: 'web.result', id: 'req-7', label: 'Ping it', ok: true, status: 200, data: { path: '/api/ping' } });
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'] as const)('forwards a %s with its JSON body', async (method) => {
    const { send, socket, forwarded } = setup();
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'web.request', id: 'w1', method, path: '/api/notes', body: { text: 'hi' } });
    await flush();
    expect(forwarded.at(-1)).toMatchObject({ method, path: '/api/notes', body: { text: 'hi' } });
    expect(socket.last()).toMatchObject({ type: 'web.result', id: 'w1', ok: true });
  });

  it('refuses a GET with a body, forwarding nothing', async () => {
    const { send, socket, forwarded } = setup();
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'web.request', id: 'g1', method: 'GET', path: '/api/ping', body: { a: 1 } });
    await flush();
    expect(socket.last()).toMatchObject({ type: 'error', id: 'g1', error: { code: 'INVALID_MESSAGE' } });
    expect(forwarded).toHaveLength(0);
  });

  it('turns a typed bus error into a failed web.result with its HTTP-like status', async () => {
    const { send, socket, setAnswer } = setup();
    send({ type: 'hello', v: 1, session_id: 's1' });
    for (const [id, err, status] of [
      ['u', BusError.unauthenticated('expired'), 401],
      ['f', BusError.forbidden('read:messages'), 403],
      ['t', BusError.timeout('api.pong', 3000), 504],
      ['n', new BusError('NOT_FOUND', 'No route for GET /x'), 404],
      ['x', new Error('boom'), 500],
    ] as const) {
      setAnswer(async () => {
        throw err;
      });
      send({ type: 'web.request', id, method: 'GET', path: '/api/pong' });
      await flush();
      expect(socket.last()).toMatchObject({ type: 'web.result', id, ok: false, status });
    }
    expect(socket.last().error).toEqual({ code: 'INTERNAL', message: 'Internal error' });
  });

  it.each([
    ['not JSON', '{"type":', 'Frame is not valid JSON'],
    ['an unknown type', { type: 'subscribe', subject: 'audit.>' }, 'Invalid frame'],
    ['a raw subject instead of a path', { type: 'web.request', id: 'r', method: 'GET', path: 'api.pong' }, 'Invalid frame'],
    ['extra fields', { type: 'hello', v: 1, session_id: 's', admin: true }, 'Invalid frame'],
    ['a JSON array', '[1,2]', 'Invalid frame'],
  ])('answers %s with INVALID_MESSAGE and stays usable', (_what, frame, message) => {
    const { send, socket } = setup();
    send(frame);
    expect(socket.last().type).toBe('error');
    expect(socket.last().error.code).toBe('INVALID_MESSAGE');
    expect(socket.last().error.message).toContain(message);
    send({ type: 'hello', v: 1, session_id: 's1' });
    expect(socket.last().type).toBe('welcome');
    expect(socket.closedWith).toBeUndefined();
  });

  it('keeps the id of an invalid web.request so the client can correlate the refusal', () => {
    const { send, socket } = setup();
    send({ type: 'web.request', id: 'bad-1', method: 'DELETE', path: '/api/ping' });
    expect(socket.last()).toMatchObject({ type: 'error', id: 'bad-1', error: { code: 'INVALID_MESSAGE' } });
  });

  it('refuses binary frames', () => {
    const { handler, conn, socket } = setup();
    handler.handle(conn, Buffer.from('{"type":"hello"}'), true);
    expect(socket.last().error.code).toBe('INVALID_MESSAGE');
  });

  it('answers an oversized frame with PAYLOAD_TOO_LARGE without parsing it', () => {
    const { send, socket } = setup({ RELAY_MAX_FRAME_BYTES: '1024' });
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'web.request', id: 'big', method: 'POST', path: '/api/ping', body: { blob: 'x'.repeat(2000) } });
    expect(socket.last()).toMatchObject({ type: 'error', error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(socket.closedWith).toBeUndefined();
  });

  it('limits frames per second and says so with RATE_LIMITED, with the request id', () => {
    const { send, socket } = setup({ RELAY_WS_RATE_PER_SEC: '1', RELAY_WS_BURST: '3' });
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'web.request', id: 'flood-1', method: 'GET', path: '/api/ping' });
    expect(socket.last()).toMatchObject({ type: 'error', id: 'flood-1', error: { code: 'RATE_LIMITED' } });
  });

  it('pauses reading from a client that keeps flooding, then resumes', () => {
    jest.useFakeTimers();
    const { send, socket } = setup({ RELAY_WS_RATE_PER_SEC: '10', RELAY_WS_BURST: '5' });
    for (let i = 0; i < 11; i++) send({ type: 'hello', v: 1, session_id: 's1' });
    expect(socket.paused).toBe(1);
    expect(socket.sent.filter((f) => f.error?.code === 'RATE_LIMITED')).toHaveLength(6);
    jest.advanceTimersByTime(1000);
    expect(socket.resumed).toBe(1);
  });

  it('limits requests in flight per connection', async () => {
    const { send, socket, setAnswer } = setup({ RELAY_WS_MAX_IN_FLIGHT: '2' });
    const pending: (() => void)[] = [];
    setAnswer(() => new Promise((resolve) => pending.push(() => resolve({ ok: 1 }))));
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'web.request', id: '1', method: 'GET', path: '/api/ping' });
    send({ type: 'web.request', id: '1', method: 'GET', path: '/api/ping' });
    expect(socket.last()).toMatchObject({ type: 'error', id: '1', error: { code: 'INVALID_MESSAGE' } });
    send({ type: 'web.request', id: '2', method: 'GET', path: '/api/ping' });
    send({ type: 'web.request', id: '3', method: 'GET', path: '/api/ping' });
    expect(socket.last()).toMatchObject({ type: 'error', id: '3', error: { code: 'RATE_LIMITED' } });
    await flush();
    pending.forEach((p) => p());
    await flush();
    send({ type: 'web.request', id: '4', method: 'GET', path: '/api/ping' });
    await flush();
    pending.at(-1)!();
    await flush();
    expect(socket.sent.filter((f) => f.type === 'web.result').map((f) => f.id)).toEqual(['1', '2', '4']);
  });

  it('does not answer on a socket that closed meanwhile', async () => {
    const { send, socket, handler, conn } = setup();
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'session.reported', token: TOKEN });
    send({ type: 'web.request', id: '1', method: 'GET', path: '/api/ping' });
    const before = socket.sent.length;
    handler.closed(conn, 1001);
    expect(conn.token).toBeUndefined();
    await flush();
    expect(socket.sent.length).toBe(before);
  });

  it('disconnects a client that does not read its frames', () => {
    const { send, socket, handler } = setup({ RELAY_WS_MAX_BUFFERED_BYTES: '2048' });
    socket.bufferedAmount = 4096;
    send({ type: 'hello', v: 1, session_id: 's1' });
    expect(socket.terminated).toBe(true);
    expect(handler.connections.size).toBe(0);
  });

  it('closes a socket that never says hello', () => {
    jest.useFakeTimers();
    const { socket } = setup({ RELAY_WS_HELLO_TIMEOUT_MS: '500' });
    jest.advanceTimersByTime(600);
    expect(socket.closedWith).toBe(CLOSE_HELLO_TIMEOUT);
  });

  it('drops sockets that miss a heartbeat', () => {
    const { handler, socket, conn } = setup();
    handler.heartbeat();
    expect(socket.pings).toBe(1);
    handler.pong(conn);
    handler.heartbeat();
    expect(socket.terminated).toBe(false);
    handler.heartbeat();
    expect(socket.terminated).toBe(true);
  });

  it('reports a bus failure on session.reported as an error frame and keeps no token', () => {
    const { send, socket, conn, handler } = setup();
    (handler as any).bus.publish = () => {
      throw BusError.unavailable('The bus is not reachable right now');
    };
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'session.reported', token: TOKEN });
    expect(socket.last()).toMatchObject({ type: 'error', error: { code: 'UNAVAILABLE' } });
    expect(conn.token).toBeUndefined();
  });
});

describe('FrameHandler session reports (what reaches the audit trail)', () => {
  const budget = { RELAY_SESSION_REPORT_BURST: '3', RELAY_SESSION_REPORTS_PER_MINUTE: '6' };

  it.each([
    ['a word', 'this-is-not-a-jwt'],
    ['three segments of garbage', 'abc.def.ghi'],
    ['a JWT without kid', `${b64({ alg: 'RS256' })}.${b64({ sub: 'a' })}.c2ln`],
  ])('refuses %s as UNAUTHENTICATED/malformed, publishes nothing and keeps no token', (_what, token) => {
    const { send, socket, published, conn } = setup();
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'session.reported', token });
    expect(socket.last()).toMatchObject({ type: 'error', error: { code: 'UNAUTHENTICATED', reason: 'malformed' } });
    expect(published).toHaveLength(0);
    expect(conn.token).toBeUndefined();
  });

  it('shares one budget among all sockets of an address: beyond it RATE_LIMITED, nothing published, no token kept', () => {
    const { another, published } = setup(budget);
    const sockets = Array.from({ length: 5 }, (_, i) => another('10.0.0.9', `flood-${i}`));
    sockets.forEach((s, i) => s.send({ type: 'session.reported', token: jwt(`mallory-${i}`) }));
    expect(published).toHaveLength(3);
    expect(sockets.map((s) => s.socket.last().type)).toEqual(['session.ack', 'session.ack', 'session.ack', 'error', 'error']);
    expect(sockets[4].socket.last().error.code).toBe('RATE_LIMITED');
    expect(sockets[4].conn.token).toBeUndefined();
    // Another address is not affected.
    const user = another('10.0.0.10', 'user-1');
    user.send({ type: 'session.reported', token: TOKEN });
    expect(user.socket.last()).toEqual({ type: 'session.ack', state: 'reported' });
    expect(published).toHaveLength(4);
  });

  it('acknowledges the same login seen again from the address (page change, reconnect, reload) without publishing or charging', () => {
    const { another, published } = setup(budget);
    // A reload is a new Streamlit session, so a new correlation id, with the same token: one
    // developer reloading a page on 127.0.0.1 must never run out of budget.
    for (let i = 0; i < 10; i++) {
      const s = another('10.0.0.9', `st-${i}`);
      s.send({ type: 'session.reported', token: TOKEN });
      expect(s.socket.last()).toEqual({ type: 'session.ack', state: 'reported' });
      expect(s.conn.token).toBe(TOKEN);
    }
    expect(published).toHaveLength(1);
    // Another login (another token) from that address is a new report, charged.
    const other = another('10.0.0.9', 'st-x');
    other.send({ type: 'session.reported', token: jwt('alice-again') });
    expect(published).toHaveLength(2);
  });

  it('publishes session.ended only for a reported session, within the same budget', () => {
    const { send, socket, another, published } = setup(budget);
    send({ type: 'hello', v: 1, session_id: 's1' });
    send({ type: 'session.ended' });
    expect(socket.last()).toEqual({ type: 'session.ack', state: 'ended' });
    expect(published).toHaveLength(0);

    const s = another('10.0.0.9', 'st-1');
    s.send({ type: 'session.reported', token: TOKEN });
    s.send({ type: 'session.ended' });
    expect(published.map((p) => p.subject)).toEqual([SUBJECTS.auth.sessionReported, SUBJECTS.auth.sessionEnded]);
    // Reporting the same login again after it ended is a new login: published (and charged).
    s.send({ type: 'session.reported', token: TOKEN });
    expect(published).toHaveLength(3);
    // The budget (3) is spent: the logout is refused, but takes effect on this socket all the same.
    s.send({ type: 'session.ended' });
    expect(s.socket.last()).toMatchObject({ type: 'error', error: { code: 'RATE_LIMITED' } });
    expect(s.conn.token).toBeUndefined();
    expect(published).toHaveLength(3);
  });

  it('never logs the session id or the token, only a short hash of the id', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const sessionId = 'st-4f0c2b0d8a9e4c1b9f7e6d5c4b3a2910';
    const { send, socket, handler, conn } = setup({ RELAY_SESSION_REPORT_BURST: '1' }, logger);
    send({ type: 'hello', v: 1, session_id: sessionId });
    send({ type: 'session.reported', token: TOKEN });
    send({ type: 'session.reported', token: jwt('bob') });
    expect(socket.last().error.code).toBe('RATE_LIMITED');
    send({ type: 'session.ended' });
    handler.closed(conn, 1000);
    const logs = lines.join('');
    expect(logs).toContain('session reported');
    expect(logs).toContain('limit hit');
    expect(logs).toContain('websocket closed');
    expect(logs).not.toContain(sessionId);
    expect(logs).not.toContain('eyJ');
    expect(logs).toContain(createHash('sha256').update(sessionId).digest('hex').slice(0, 12));
  });
});

describe('FrameHandler.closeAll', () => {
  it('closes every socket with the given code and waits for them', async () => {
    const { handler, socket, conn } = setup();
    socket.close = (code?: number) => {
      socket.closedWith = code;
      setTimeout(() => handler.closed(conn, code), 10);
    };
    await handler.closeAll(1001, 'bye', 1000);
    expect(socket.closedWith).toBe(1001);
    expect(handler.connections.size).toBe(0);
  });
});

describe('FrameHandler revocation push (issue 21)', () => {
  const withIat = (sub: string, iat: number) => `${b64({ alg: 'RS256', typ: 'JWT', kid: 'key-1' })}.${b64({ sub, iat })}.c2lnbmF0dXJl`;
  /** A watch on no bus: the test plays the bucket by applying records and announcing them, as the KV watch does. */
  function live() {
    const watch = new RevocationWatch({} as BusService, pino({ level: 'silent' }));
    const revoke = (record: RevocationRecord) => {
      watch.index.apply(record);
      watch.index.onRevocation!(record);
    };
    return { watch, revoke, ...setup({}, undefined, watch) };
  }

  it("pushes session.revoked to every socket of the revoked user, and to no one else's", async () => {
    const { revoke, another, forwarded, published } = live();
    const aliceTab1 = another('10.0.0.1', 's1');
    const aliceTab2 = another('10.0.0.2', 's2');
    const bob = another('10.0.0.3', 's3');
    const nobody = another('10.0.0.4', 's4');
    aliceTab1.send({ type: 'session.reported', token: withIat('auth0|alice', 1_000) });
    aliceTab2.send({ type: 'session.reported', token: withIat('auth0|alice', 1_001) });
    bob.send({ type: 'session.reported', token: withIat('auth0|bob', 1_000) });
    const publishedBefore = published.length;

    revoke({ kind: 'user', sub: 'auth0|alice', revoked_at: 2_000, by: 'auth0|alice' });

    expect(aliceTab1.socket.last()).toEqual({ type: 'session.revoked', revoked_at: 2_000 });
    expect(aliceTab2.socket.last()).toEqual({ type: 'session.revoked', revoked_at: 2_000 });
    expect(bob.socket.sent.some((f) => f.type === 'session.revoked')).toBe(false);
    expect(nobody.socket.sent.some((f) => f.type === 'session.revoked')).toBe(false);
    // The socket forgot the token: a protected request no longer carries it.
    aliceTab1.send({ type: 'web.request', id: 'after', method: 'GET', path: '/api/pong', useauth: true });
    await flush();
    expect(forwarded.at(-1)!.token).toBeUndefined();
    // auth-service audited the revocation; the relay publishes no session.ended for it.
    expect(published).toHaveLength(publishedBefore);
  });

  it('does not push to a login issued after the revocation, and pushes a one-token revocation only to that token', () => {
    const { revoke, another } = live();
    const before = withIat('auth0|alice', 1_000);
    const older = another('10.0.0.1', 's1');
    const newer = another('10.0.0.2', 's2');
    older.send({ type: 'session.reported', token: before });
    newer.send({ type: 'session.reported', token: withIat('auth0|alice', 3_000) });

    revoke({ kind: 'user', sub: 'auth0|alice', revoked_at: 2_000, by: 'revoke-cli' });
    expect(older.socket.last().type).toBe('session.revoked');
    expect(newer.socket.last()).toEqual({ type: 'session.ack', state: 'reported' });

    revoke({ kind: 'token', token_hash: revocationTarget(withIat('auth0|alice', 3_000))!.hash, revoked_at: 2_100, by: 'auth0|admin' });
    expect(newer.socket.last()).toEqual({ type: 'session.revoked', revoked_at: 2_100 });
  });

  it('tells a frame that reports an already revoked token (it was offline during the push)', () => {
    const { revoke, another } = live();
    revoke({ kind: 'user', sub: 'auth0|alice', revoked_at: 2_000, by: 'auth0|alice' });
    const late = another('10.0.0.1', 's1');
    late.send({ type: 'session.reported', token: withIat('auth0|alice', 1_500) });
    expect(late.socket.sent.slice(-2)).toEqual([{ type: 'session.ack', state: 'reported' }, { type: 'session.revoked' }]);
  });

  it('matches nothing for a token whose payload names no subject', () => {
    expect(revocationTarget(`${b64({ alg: 'RS256', kid: 'k' })}.${b64({ iat: 1 })}.c2ln`)).toBeUndefined();
    expect(revocationTarget('not-a-jwt')).toBeUndefined();
    expect(revocationTarget(withIat('auth0|alice', 5))).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{16}$/), sub: 'auth0|alice', iat: 5 });
  });
});
