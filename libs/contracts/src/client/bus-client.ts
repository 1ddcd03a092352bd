import {
  ErrorCode as NatsErrorCode,
  headers as natsHeaders,
  NatsError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from 'nats';
import type { z } from 'zod';
import { BusError } from '../errors';
import { EVENTS, RPC, type EventOf, type EventSubject, type ReplyOf, type RequestOf, type RpcSubject } from '../registry';
import { parseMessage } from '../validate';
import { bearer, decodeBody, encodeBody, ErrorReplySchema, fromWireError, HEADERS, isErrorReply } from '../wire';

export interface RequestOptions {
  /** Bearer token, sent as `Authorization: Bearer …` (never in the body). */
  token?: string;
  /** Deadline in ms; the request fails with TIMEOUT after it. Default 3000. */
  timeout?: number;
  traceparent?: string;
}

export interface PublishOptions {
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
  constructor(private readonly nc: NatsConnection) {}

  get connection(): NatsConnection {
    return this.nc;
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
   * A request on any subject without schema checks on the reply: for gateways that forward a
   * reply as it is. The body is still encoded in the wire format and failures are typed.
   */
  async requestRaw(subject: string, body: unknown, options: RequestOptions = {}): Promise<RawReply> {
    const timeout = options.timeout ?? 3000;
    let msg: Msg;
    try {
      msg = await this.nc.request(subject, encodeBody(body), { timeout, headers: buildHeaders(options) });
    } catch (err) {
      throw busErrorFromNats(err, subject, timeout);
    }
    return { body: decodeBody(msg.data), headers: msg.headers };
  }

  publish<S extends EventSubject>(subject: S, payload: EventOf<S>, options: PublishOptions = {}): void {
    const body = parseMessage(EVENTS[subject] as z.ZodType, payload, `${subject} event`);
    try {
      this.nc.publish(subject, encodeBody(body), { headers: buildHeaders(options) });
    } catch (err) {
      throw busErrorFromNats(err, subject, 0);
    }
  }
}
