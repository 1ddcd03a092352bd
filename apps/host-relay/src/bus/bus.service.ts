import {
  BusError,
  ErrorReplySchema,
  fromWireError,
  isErrorReply,
  MAX_TOKEN_CHARS,
  parseMessage,
  RPC,
  type EventOf,
  type EventSubject,
} from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/contracts/client';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { z } from 'zod';
import { APP_LOGGER, BusConnection, type AppLogger } from '@auth-bus/service-kit';
import { RELAY_CONFIG, type RelayConfig } from '../config/relay.config';

export interface BusRequestOptions {
  token?: string;
  /** Deadline in ms (default: RELAY_REQUEST_TIMEOUT_MS). */
  timeout?: number;
}

/** RFC 6750 `b64token`: what a bearer token may contain (no spaces, no CR/LF, nothing to inject into a header). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Refuses a token that cannot be a bearer token, before it goes into a NATS header. */
export function checkTokenShape(token: string): void {
  if (token.length > MAX_TOKEN_CHARS || !B64TOKEN.test(token)) {
    throw BusError.unauthenticated('malformed');
  }
}

/**
 * The relay's one NATS connection (as user `host-relay`), on service-kit's BusConnection: it
 * starts connecting in the background and never gives up, so the relay starts (and answers
 * `/healthz`) while NATS is down. While it is not connected — before the first connection and
 * during a reconnect — every request fails at once with UNAVAILABLE instead of waiting for its
 * deadline.
 */
@Injectable()
export class BusService implements OnModuleInit, OnApplicationShutdown {
  private bus?: BusConnection;
  private client?: BusClient;
  private stopping = false;
  private readonly log: AppLogger;

  constructor(
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    this.log = logger.child({ context: 'bus' });
  }

  onModuleInit(): void {
    this.open();
  }

  /** The server is reachable right now (false before the first connection and between a disconnect and the reconnect). */
  get isConnected(): boolean {
    return !!this.client && !!this.bus?.isOnline;
  }

  private open(): void {
    const { servers, user, pass } = this.config.nats;
    const bus = new BusConnection({
      servers,
      user,
      pass,
      name: `host-relay:${this.config.instance}`,
      logger: this.log,
      // noAsyncTraces: nats.js would otherwise build an Error per request for its stack trace.
      connectOptions: { noEcho: true, timeout: 2_000, reconnectJitter: 100, noAsyncTraces: true },
      // Does not happen with endless reconnects; if it does, start over with a new connection.
      onUnexpectedClose: () => {
        if (!this.stopping) setTimeout(() => this.open(), 250).unref();
      },
    });
    this.bus = bus;
    bus.onConnect((nc) => {
      if (this.bus === bus) this.client = new BusClient(nc);
    });
    void bus.start().catch(() => undefined);
  }

  private ready(): BusClient {
    if (!this.client || !this.isConnected) throw BusError.unavailable('The bus is not reachable right now');
    return this.client;
  }

  /**
   * A request on `subject`: the body is checked against the subject's request schema when the
   * contract knows it, the reply against its reply schema; an error reply is thrown as the
   * BusError it carries. A reply that breaks the contract becomes INTERNAL (it is the
   * service's fault, not the caller's).
   */
  async request(subject: string, body: unknown, options: BusRequestOptions = {}): Promise<unknown> {
    const schemas = (RPC as Record<string, { request: z.ZodType; reply: z.ZodType } | undefined>)[subject];
    const payload = schemas ? parseMessage(schemas.request, body, `${subject} request`) : body;
    if (options.token !== undefined) checkTokenShape(options.token);
    const client = this.ready();
    const timeout = options.timeout ?? this.config.requestTimeoutMs;
    const { body: reply } = await client.requestRaw(subject, payload, { token: options.token, timeout });
    if (isErrorReply(reply)) {
      const parsed = ErrorReplySchema.safeParse(reply);
      if (!parsed.success) {
        this.log.error({ subject }, 'service replied with a malformed error');
        throw BusError.internal();
      }
      throw fromWireError(parsed.data.error);
    }
    if (schemas && !schemas.reply.safeParse(reply).success) {
      this.log.error({ subject }, 'service reply breaks the contract');
      throw BusError.internal();
    }
    return reply;
  }

  /** Publishes an event (validated against its schema); the token goes into `Authorization`. */
  publish<S extends EventSubject>(subject: S, payload: EventOf<S>, token?: string): void {
    if (token !== undefined) checkTokenShape(token);
    this.ready().publish(subject, payload, { token });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.bus?.close(2_000);
  }
}
