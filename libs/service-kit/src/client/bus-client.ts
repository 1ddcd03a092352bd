import {
  bearer,
  BusError,
  decodeBody,
  encodeBody,
  ErrorReplySchema,
  EVENTS,
  fromWireError,
  HEADERS,
  IDEMPOTENT_SUBJECTS,
  isErrorReply,
  NON_IDEMPOTENT_SUBJECTS,
  MAX_TOKEN_CHARS,
  parseMessage,
  RPC,
  type EventOf,
  type EventSubject,
  type ReplyOf,
  type RequestOf,
  type RpcSubject,
} from '@auth-bus/contracts';
import {
  ErrorCode as NatsErrorCode,
  headers as natsHeaders,
  NatsError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from 'nats';
import type { z } from 'zod';

export interface RequestOptions {
  /** Bearer token, sent as `Authorization: Bearer …` (never in the body). */
  token?: string;
  /** Deadline in ms of each attempt; an attempt fails with TIMEOUT after it. Default 3000. */
  timeout?: number;
  traceparent?: string;
  /**
   * Extra attempts for this request if it fails with UNAVAILABLE or TIMEOUT (overrides the
   * client's `retries`; only applied to idempotent subjects). 0 turns retrying off.
   */
  retries?: number;
}

/** The contract's retry decisions, re-exported where the retry option is documented. */
export { IDEMPOTENT_SUBJECTS, NON_IDEMPOTENT_SUBJECTS };

/** Failures worth another attempt: nobody answered, or the bus was away. Never a service's own answer. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['UNAVAILABLE', 'TIMEOUT']);

export interface RetryInfo {
  subject: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  error: BusError;
}

export interface BusClientOptions {
  /**
   * Extra attempts for a request on an idempotent subject that failed with UNAVAILABLE or
   * TIMEOUT (default 0: every failure goes straight to the caller). With retries a request can
   * take up to `(retries + 1) × timeout` plus the pauses.
   */
  retries?: number;
  /** Pause before the first retry in ms, doubled for each further one (default 50). */
  retryDelayMs?: number;
  /** Which subjects may be retried (default: IDEMPOTENT_SUBJECTS). */
  idempotent?: (subject: string) => boolean;
  /** Called before each retry (metrics, logs, tests). */
  onRetry?: (info: RetryInfo) => void;
  /**
   * Refuse, as UNAUTHENTICATED `malformed`, a token that cannot be an RFC 6750 bearer token
   * before it goes into a header (internet-facing gateways: host-relay).
   */
  checkTokens?: boolean;
  /** Told when `forward` gets a reply that breaks the contract (answered as INTERNAL). */
  onContractBreach?: (subject: string, what: 'error reply' | 'reply') => void;
}

/** RFC 6750 `b64token`: what a bearer token may contain (no spaces, no CR/LF, nothing to inject into a header). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Refuses a token that cannot be a bearer token, before it goes into a NATS header. */
export function checkTokenShape(token: string): void {
  if (token.length > MAX_TOKEN_CHARS || !B64TOKEN.test(token)) {
    throw BusError.unauthenticated('malformed');
  }
}

/** The connection a client sends on: a fixed one, or a getter that throws UNAVAILABLE while there is none. */
export type ConnectionSource = NatsConnection | (() => NatsConnection);

export interface EventPublishOptions {
  token?: string;
  /** Sets `Nats-Msg-Id` so JetStream can drop duplicates. */
  messageId?: string;
  traceparent?: string;
}

export interface RawReply {
  body: unknown;
  headers?: MsgHdrs;
}

/** Maps a nats.js failure to the contract's codes: no responders and closed links are UNAVAILABLE. */
export function busErrorFromNats(err: unknown, subject: string, timeout: number): BusError {
  if (err instanceof BusError) return err;
  if (err instanceof NatsError) {
    switch (err.code) {
      case NatsErrorCode.Timeout:
        return BusError.timeout(subject, timeout);
      case NatsErrorCode.NoResponders:
        return BusError.unavailable(`No service is answering on ${subject}`);
      case NatsErrorCode.PermissionsViolation:
        return new BusError('FORBIDDEN', `Not allowed to use ${subject}`, { reason: 'permissions_violation' });
      default:
        return BusError.unavailable(`Bus unavailable (${err.code})`);
    }
  }
  return BusError.unavailable('Bus unavailable');
}

function buildHeaders(options: { token?: string; messageId?: string; traceparent?: string }): MsgHdrs | undefined {
  if (!options.token && !options.messageId && !options.traceparent) return undefined;
  const h = natsHeaders();
  if (options.token) h.set(HEADERS.authorization, bearer(options.token));
  if (options.messageId) h.set(HEADERS.messageId, options.messageId);
  if (options.traceparent) h.set(HEADERS.traceparent, options.traceparent);
  return h;
}

/**
 * A typed client for the bus: validates what it sends and what it gets back against the
 * contract, speaks the wire format, and turns every failure into a BusError with a stable code.
 */
export class BusClient {
  constructor(
    private readonly source: ConnectionSource,
    private readonly options: BusClientOptions = {},
  ) {}

  get connection(): NatsConnection {
    return typeof this.source === 'function' ? this.source() : this.source;
  }

  async request<S extends RpcSubject>(subject: S, payload: RequestOf<S>, options: RequestOptions = {}): Promise<ReplyOf<S>> {
    const schemas = RPC[subject];
    const body = parseMessage(schemas.request as z.ZodType, payload, `${subject} request`);
    const { body: reply } = await this.requestRaw(subject, body, options);
    if (isErrorReply(reply)) {
      throw fromWireError(parseMessage(ErrorReplySchema, reply, `${subject} error reply`).error);
    }
    return parseMessage(schemas.reply as z.ZodType, reply, `${subject} reply`) as ReplyOf<S>;
  }

  /**
   * A request on any subject, for gateways that forward what a caller sent: the body is checked
   * against the subject's request schema when the contract knows it, the reply against its reply
   * schema; an error reply is thrown as the BusError it carries. A reply that breaks the
   * contract becomes INTERNAL (the service's fault, not the caller's).
   */
  async forward(subject: string, body: unknown, options: RequestOptions = {}): Promise<unknown> {
    const schemas = (RPC as Record<string, { request: z.ZodType; reply: z.ZodType } | undefined>)[subject];
    const payload = schemas ? parseMessage(schemas.request, body, `${subject} request`) : body;
    const { body: reply } = await this.requestRaw(subject, payload, options);
    if (isErrorReply(reply)) {
      const parsed = ErrorReplySchema.safeParse(reply);
      if (!parsed.success) throw this.breach(subject, 'error reply');
      throw fromWireError(parsed.data.error);
    }
    if (schemas && !schemas.reply.safeParse(reply).success) throw this.breach(subject, 'reply');
    return reply;
  }

  private breach(subject: string, what: 'error reply' | 'reply'): BusError {
    this.options.onContractBreach?.(subject, what);
    return BusError.internal();
  }

  /**
   * A request on any subject without schema checks on the reply: for gateways that forward a
   * reply as it is. The body is still encoded in the wire format and failures are typed.
   */
  async requestRaw(subject: string, body: unknown, options: RequestOptions = {}): Promise<RawReply> {
    const timeout = options.timeout ?? 3000;
    const headers = this.headers(options);
    const nc = this.connection;
    const data = encodeBody(body);
    const idempotent = this.options.idempotent ?? ((s: string) => IDEMPOTENT_SUBJECTS.has(s as RpcSubject));
    const retries = idempotent(subject) ? Math.max(0, options.retries ?? this.options.retries ?? 0) : 0;
    let delay = this.options.retryDelayMs ?? 50;
    for (let attempt = 1; ; attempt++) {
      let msg: Msg;
      try {
        msg = await nc.request(subject, data, { timeout, headers });
      } catch (err) {
        const error = busErrorFromNats(err, subject, timeout);
        if (attempt > retries || !RETRYABLE_CODES.has(error.code) || nc.isClosed()) throw error;
        this.options.onRetry?.({ subject, attempt, error });
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
        continue;
      }
      return { body: decodeBody(msg.data), headers: msg.headers };
    }
  }

  publish<S extends EventSubject>(subject: S, payload: EventOf<S>, options: EventPublishOptions = {}): void {
    const body = parseMessage(EVENTS[subject] as z.ZodType, payload, `${subject} event`);
    const headers = this.headers(options);
    const nc = this.connection;
    try {
      nc.publish(subject, encodeBody(body), { headers });
    } catch (err) {
      throw busErrorFromNats(err, subject, 0);
    }
  }

  private headers(options: { token?: string; messageId?: string; traceparent?: string }): MsgHdrs | undefined {
    if (options.token !== undefined && this.options.checkTokens) checkTokenShape(options.token);
    return buildHeaders(options);
  }
}
