import {
  BusError,
  ClientFrame,
  methodHasBody,
  parseMessage,
  ServerFrame,
  SUBJECTS,
  toWireError,
  type WebRequestFrame,
} from '@auth-bus/contracts';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { BusService, checkTokenShape } from '../bus/bus.service';
import { RouteForwarder } from '../bus/route-forwarder.service';
import { asBusError } from '../common/filters/error-response';
import { checkJwtShape } from '../common/guards/jwt-shape';
import { SessionReportLimiter } from '../common/limits/session-report-limiter';
import { TokenBucket } from '../common/limits/token-bucket';
import { sessionTag } from '../common/logging/session-tag';
import { APP_LOGGER, type AppLogger } from '@auth-bus/service-kit';
import { RELAY_CONFIG, type RelayConfig } from '../config/relay.config';
import { OPEN, RelayConnection, type FrameSocket } from './connection';
import { revocationTarget, RevocationWatch } from './revocation-watch.service';

type Outgoing = z.infer<typeof ServerFrame>;
type RawData = Buffer | ArrayBuffer | Buffer[] | string;

/** Close code when `hello` does not come in time (4000–4999 are for applications). */
export const CLOSE_HELLO_TIMEOUT = 4408;
/** Close code when the relay shuts down. */
export const CLOSE_GOING_AWAY = 1001;

function byteLength(data: RawData): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function toText(data: RawData): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/**
 * What identifies one reported login for the repeat window: the token, hashed (no token kept
 * beyond the socket). Not the session id: a reload is a new Streamlit session (a new correlation
 * id) with the same login, and auth-service still audits that session when the Streamlit host
 * verifies it (`auth.verify` with its correlation id).
 */
function reportKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 22);
}

/** The `id` of a frame, if it has a usable one, so that a refusal can be correlated. */
function peekId(value: unknown): string | undefined {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : undefined;
}

/**
 * The component protocol on one WebSocket (see apps/host-relay/README.md):
 * `hello` → `welcome`; `session.reported` / `session.ended` → `auth.session.*` on the bus and
 * `session.ack`; `web.request` → route table → bus request → `web.result` with the same id.
 *
 * Every frame is checked, in this order, against: the per-connection rate (token bucket), the
 * frame size, JSON, the contract's `ClientFrame` schema, the protocol state and the
 * per-connection limit of requests in flight. Each refusal is an `error` frame with a typed
 * code (and the frame's id when it has one); the socket stays open. Every `web.request` gets
 * exactly one answer with its id: a `web.result`, or an `error` frame if it was refused.
 *
 * Session events become audit events in auth-service, so they pass two more checks before
 * anything is published: a reported token must be shaped like a JWT (else UNAUTHENTICATED
 * `malformed`), and the client address must be within its session-event budget
 * (SessionReportLimiter, shared by all its sockets; else RATE_LIMITED).
 *
 * Logs never carry a session id (a Streamlit session id lets whoever reads it re-attach to the
 * session), only `sessionTag()` of it; never a token.
 */
@Injectable()
export class FrameHandler {
  readonly connections = new Set<RelayConnection>();
  private readonly log: AppLogger;
  /** Session events per client address, across all its sockets. */
  readonly sessionReports: SessionReportLimiter;
  /** Per address: when a refused session event was last logged (a flood must not flood the logs). */
  private readonly reportLimitLogged = new Map<string, number>();

  constructor(
    private readonly bus: BusService,
    private readonly forwarder: RouteForwarder,
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(APP_LOGGER) logger: AppLogger,
    @Optional() private readonly revocations?: RevocationWatch,
  ) {
    this.log = logger.child({ context: 'ws' });
    this.sessionReports = new SessionReportLimiter(config.sessionReports);
    revocations?.onRevocation((record) => this.pushRevocation(record.revoked_at));
  }

  /**
   * Live sessions (issue 21): a revocation just arrived. Every socket whose reported token it
   * covers gets `session.revoked` and forgets the token, so its frame locks its page at once.
   * Returns how many sockets were told.
   */
  pushRevocation(revokedAt?: number): number {
    let told = 0;
    for (const conn of this.connections) {
      if (conn.revocable && this.revocations?.covers(conn.revocable)) {
        this.revoke(conn, revokedAt);
        told++;
      }
    }
    if (told > 0) this.log.info({ sockets: told }, 'revocation pushed');
    return told;
  }

  /** Forgets the socket's session and tells its frame; no `session.ended` (auth-service audited the revocation). */
  private revoke(conn: RelayConnection, revokedAt?: number): void {
    if (conn.reportKey !== undefined) this.sessionReports.forget(this.addressOf(conn), conn.reportKey);
    conn.token = undefined;
    conn.user = undefined;
    conn.reportKey = undefined;
    conn.revocable = undefined;
    this.send(conn, revokedAt === undefined ? { type: 'session.revoked' } : { type: 'session.revoked', revoked_at: revokedAt });
  }

  open(socket: FrameSocket, meta: { origin?: string; ip?: string } = {}): RelayConnection {
    const { ratePerSec, burst, helloTimeoutMs } = this.config.ws;
    const conn = new RelayConnection(randomBytes(9).toString('base64url'), socket, new TokenBucket(ratePerSec, burst), meta);
    conn.helloTimer = setTimeout(() => {
      if (!conn.sessionId && !conn.closed) {
        this.log.info({ conn: conn.id }, 'no hello in time; closing');
        socket.close(CLOSE_HELLO_TIMEOUT, 'hello expected');
      }
    }, helloTimeoutMs);
    conn.helloTimer.unref?.();
    this.connections.add(conn);
    this.log.info({ conn: conn.id, origin: meta.origin, ip: meta.ip, open: this.connections.size }, 'websocket opened');
    return conn;
  }

  closed(conn: RelayConnection, code?: number): void {
    if (conn.closed) return;
    conn.closed = true;
    clearTimeout(conn.helloTimer);
    clearTimeout(conn.pauseTimer);
    conn.token = undefined;
    conn.revocable = undefined;
    this.connections.delete(conn);
    this.log.info(
      { conn: conn.id, session: sessionTag(conn.sessionId), code, frames: conn.frames, ms: Date.now() - conn.openedAt, open: this.connections.size },
      'websocket closed',
    );
  }

  /** Closes every socket with `code` and waits (at most `waitMs`) until they are closed. */
  async closeAll(code: number, reason: string, waitMs: number): Promise<void> {
    if (this.connections.size === 0) return;
    this.log.info({ open: this.connections.size }, 'closing websockets');
    for (const conn of this.connections) conn.socket.close(code, reason);
    const deadline = Date.now() + waitMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Heartbeat tick: drops sockets that did not answer the previous ping, pings the others. */
  heartbeat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        this.log.info({ conn: conn.id }, 'no pong; dropping dead socket');
        conn.socket.terminate();
        this.closed(conn, 1006);
        continue;
      }
      conn.alive = false;
      try {
        conn.socket.ping();
      } catch {
        /* closing already */
      }
    }
  }

  pong(conn: RelayConnection): void {
    conn.alive = true;
  }

  /** One incoming frame. Never throws: every failure becomes an `error` frame. */
  handle(conn: RelayConnection, data: RawData, isBinary = false): void {
    conn.frames++;
    conn.alive = true;
    const size = byteLength(data);
    const tooLarge = size > this.config.ws.maxFrameBytes;

    if (!conn.bucket.tryTake()) {
      this.refuseFlood(conn, tooLarge || isBinary ? undefined : data);
      return;
    }
    conn.refusedStreak = 0;

    if (tooLarge) {
      this.noteLimit(conn, 'frame too large', { size });
      this.sendError(conn, new BusError('PAYLOAD_TOO_LARGE', `Frame of ${size} bytes exceeds ${this.config.ws.maxFrameBytes}`));
      return;
    }
    if (isBinary) {
      this.sendError(conn, BusError.invalidMessage('Frames must be JSON text, not binary'));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(toText(data));
    } catch {
      this.sendError(conn, BusError.invalidMessage('Frame is not valid JSON'));
      return;
    }
    let frame: ClientFrame;
    try {
      frame = parseMessage(ClientFrame, json, 'frame');
    } catch (err) {
      this.sendError(conn, err, peekId(json));
      return;
    }
    try {
      this.dispatch(conn, frame);
    } catch (err) {
      this.sendError(conn, err, frame.type === 'web.request' ? frame.id : undefined);
    }
  }

  private dispatch(conn: RelayConnection, frame: ClientFrame): void {
    if (frame.type === 'hello') return this.hello(conn, frame.session_id);
    if (!conn.sessionId) {
      throw BusError.invalidMessage('Send hello first');
    }
    switch (frame.type) {
      case 'session.reported':
        return this.sessionReported(conn, frame.token, frame.user);
      case 'session.ended':
        return this.sessionEnded(conn);
      case 'web.request':
        return this.webRequest(conn, frame);
    }
  }

  private hello(conn: RelayConnection, sessionId: string): void {
    if (conn.sessionId && conn.sessionId !== sessionId) {
      throw BusError.invalidMessage('This connection already belongs to another session');
    }
    conn.sessionId = sessionId;
    clearTimeout(conn.helloTimer);
    this.send(conn, { type: 'welcome', connection_id: conn.id, session_id: sessionId });
  }

  private sessionReported(conn: RelayConnection, token: string, user: RelayConnection['user']): void {
    checkTokenShape(token);
    checkJwtShape(token);
    const sessionId = conn.sessionId!;
    const address = this.addressOf(conn);
    const key = reportKey(token);
    const verdict = this.sessionReports.report(address, key);
    if (verdict === 'limited') this.refuseSessionEvent(conn, address, 'session.reported');
    if (verdict === 'publish') {
      this.bus.publish(
        SUBJECTS.auth.sessionReported,
        { session_id: sessionId, reported_at: new Date().toISOString(), user, via: `host-relay:${conn.id}` },
        token,
      );
      this.sessionReports.remember(address, key);
    }
    conn.token = token;
    conn.user = user;
    conn.reportKey = key;
    conn.revocable = revocationTarget(token);
    this.log.info({ conn: conn.id, session: sessionTag(sessionId), published: verdict === 'publish' }, 'session reported');
    this.send(conn, { type: 'session.ack', state: 'reported' });
    // Revoked while this frame was offline (or in another tab): it learns it now.
    if (conn.revocable && this.revocations?.covers(conn.revocable)) this.revoke(conn);
  }

  private sessionEnded(conn: RelayConnection): void {
    const token = conn.token;
    const key = conn.reportKey;
    // Forget the token first: a logout takes effect here even if the bus is unreachable or the address over its budget.
    conn.token = undefined;
    conn.user = undefined;
    conn.reportKey = undefined;
    conn.revocable = undefined;
    if (token === undefined) {
      // Nothing was reported on this socket: nothing to end, nothing to audit.
      this.log.debug({ conn: conn.id, session: sessionTag(conn.sessionId) }, 'session ended without a reported session');
      this.send(conn, { type: 'session.ack', state: 'ended' });
      return;
    }
    const address = this.addressOf(conn);
    if (key !== undefined) this.sessionReports.forget(address, key);
    if (!this.sessionReports.take(address)) this.refuseSessionEvent(conn, address, 'session.ended');
    this.bus.publish(
      SUBJECTS.auth.sessionEnded,
      { session_id: conn.sessionId!, ended_at: new Date().toISOString(), via: `host-relay:${conn.id}` },
      token,
    );
    this.log.info({ conn: conn.id, session: sessionTag(conn.sessionId) }, 'session ended');
    this.send(conn, { type: 'session.ack', state: 'ended' });
  }

  private addressOf(conn: RelayConnection): string {
    return conn.meta.ip ?? 'unknown';
  }

  /** Over the address's session-event budget: logged at most every 10 s per address, then refused with RATE_LIMITED. */
  private refuseSessionEvent(conn: RelayConnection, address: string, what: string): never {
    const now = Date.now();
    if (now - (this.reportLimitLogged.get(address) ?? 0) >= 10_000) {
      if (this.reportLimitLogged.size >= 10_000) this.reportLimitLogged.clear();
      this.reportLimitLogged.set(address, now);
      this.log.warn({ conn: conn.id, ip: address, frame: what }, 'limit hit: session events from this address');
    }
    const { perMinute, burst } = this.config.sessionReports;
    throw new BusError('RATE_LIMITED', `Too many session reports from this address (at most ${burst} at once and ${perMinute} per minute)`);
  }

  private webRequest(conn: RelayConnection, frame: WebRequestFrame): void {
    if (conn.inFlight.has(frame.id)) {
      throw BusError.invalidMessage('A request with this id is already in flight');
    }
    if (frame.body !== undefined && !methodHasBody(frame.method)) {
      throw BusError.invalidMessage('A GET request has no body');
    }
    if (conn.inFlight.size >= this.config.ws.maxInFlight) {
      this.noteLimit(conn, 'too many requests in flight', { inFlight: conn.inFlight.size });
      throw new BusError('RATE_LIMITED', `Too many requests in flight (at most ${this.config.ws.maxInFlight})`);
    }
    conn.inFlight.add(frame.id);
    const token = frame.useauth ? conn.token : undefined;
    const started = Date.now();
    this.forwarder
      .forward({ method: frame.method, path: frame.path, token, body: frame.body, client: this.addressOf(conn) })
      .then(
        (result) => {
          this.send(conn, { type: 'web.result', id: frame.id, label: frame.label, ok: true, status: result.status, data: result.data });
          this.log.debug({ conn: conn.id, path: frame.path, status: result.status, ms: Date.now() - started }, 'web request');
        },
        (err) => {
          const bus = asBusError(err);
          this.send(conn, { type: 'web.result', id: frame.id, label: frame.label, ok: false, status: bus.status, error: toWireError(bus) });
          this.log.debug({ conn: conn.id, path: frame.path, code: bus.code, ms: Date.now() - started }, 'web request failed');
        },
      )
      .finally(() => conn.inFlight.delete(frame.id));
  }

  /**
   * A frame over the rate. It is answered (with its id when it has one); a client that keeps
   * flooding past a whole burst of refusals is paused (its socket is not read, so TCP pushes
   * back) until tokens are available again, which bounds what it can cost the relay.
   */
  private refuseFlood(conn: RelayConnection, data: RawData | undefined): void {
    conn.refusedStreak++;
    let id: string | undefined;
    if (data !== undefined) {
      try {
        id = peekId(JSON.parse(toText(data)));
      } catch {
        /* no id to correlate */
      }
    }
    this.noteLimit(conn, 'rate limit', { refused: conn.refusedStreak });
    this.sendError(conn, new BusError('RATE_LIMITED', `Too many frames (at most ${this.config.ws.ratePerSec} per second)`), id);
    if (conn.refusedStreak >= this.config.ws.burst && !conn.pauseTimer && !conn.closed) {
      const wait = Math.max(conn.bucket.msUntilNext(), 250);
      conn.socket.pause();
      conn.pauseTimer = setTimeout(() => {
        conn.pauseTimer = undefined;
        conn.refusedStreak = 0;
        if (!conn.closed) conn.socket.resume();
      }, wait);
      conn.pauseTimer.unref?.();
    }
  }

  /** Logs a limit hit at most every 10 s per connection, so that a flood does not flood the logs. */
  private noteLimit(conn: RelayConnection, what: string, extra: Record<string, unknown>): void {
    const now = Date.now();
    if (now - conn.lastLimitLog < 10_000) return;
    conn.lastLimitLog = now;
    this.log.warn({ conn: conn.id, session: sessionTag(conn.sessionId), ip: conn.meta.ip, ...extra }, `limit hit: ${what}`);
  }

  private sendError(conn: RelayConnection, err: unknown, id?: string): void {
    const frame: Outgoing = { type: 'error', error: toWireError(asBusError(err)) };
    if (id !== undefined) frame.id = id;
    this.send(conn, frame);
  }

  private send(conn: RelayConnection, frame: Outgoing): void {
    const { socket } = conn;
    if (conn.closed || socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.config.ws.maxBufferedBytes) {
      this.log.warn({ conn: conn.id, buffered: socket.bufferedAmount }, 'client is not reading its frames; disconnecting');
      socket.terminate();
      this.closed(conn, 1006);
      return;
    }
    const checked = ServerFrame.safeParse(frame);
    if (!checked.success) {
      this.log.error({ conn: conn.id, type: frame.type }, 'outgoing frame breaks the contract; sending INTERNAL instead');
      const id = 'id' in frame ? frame.id : undefined;
      socket.send(JSON.stringify({ type: 'error', ...(id ? { id } : {}), error: { code: 'INTERNAL', message: 'Internal error' } }));
      return;
    }
    socket.send(JSON.stringify(frame));
  }
}
