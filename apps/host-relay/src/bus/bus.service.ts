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
import { connect, type NatsConnection } from 'nats';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { RELAY_LOGGER } from '../common/logging/logger';
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
 * The relay's one NATS connection (as user `host-relay`). It starts connecting in the
 * background and never gives up, so the relay starts (and answers `/healthz`) while NATS is
 * down. While it is not connected every request fails at once with UNAVAILABLE instead of
 * waiting for its deadline.
 */
@Injectable()
export class BusService implements OnModuleInit, OnApplicationShutdown {
  private nc?: NatsConnection;
  private client?: BusClient;
  private connected = false;
  private stopping = false;
  private retryTimer?: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(RELAY_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'bus' });
  }

  onModuleInit(): void {
    void this.connectLoop(0);
  }

  get isConnected(): boolean {
    return this.connected && !!this.nc && !this.nc.isClosed();
  }

  private async connectLoop(attempt: number): Promise<void> {
    if (this.stopping) return;
    const { servers, user, password } = this.config.nats;
    try {
      const nc = await connect({
        servers,
        user,
        pass: password,
        name: `host-relay:${hostname()}:${process.pid}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 5_000,
        maxPingOut: 2,
        timeout: 2_000,
        noEcho: true,
      });
      if (this.stopping) {
        await nc.close();
        return;
      }
      this.nc = nc;
      this.client = new BusClient(nc);
      this.connected = true;
      this.log.info({ server: nc.getServer() }, 'connected to NATS');
      void this.watchStatus(nc);
      void nc.closed().then((err) => {
        this.connected = false;
        if (this.stopping) return;
        this.log.error({ err: err?.message }, 'NATS connection closed; connecting again');
        this.scheduleRetry(0);
      });
    } catch (err) {
      const delay = Math.min(5_000, 250 * 2 ** Math.min(attempt, 5));
      if (attempt === 0 || attempt % 20 === 0) {
        this.log.warn({ err: (err as Error).message, servers, retryInMs: delay }, 'NATS not reachable; retrying');
      }
      this.scheduleRetry(attempt + 1, delay);
    }
  }

  private scheduleRetry(attempt: number, delay = 250): void {
    if (this.stopping) return;
    this.retryTimer = setTimeout(() => void this.connectLoop(attempt), delay);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      switch (s.type) {
        case 'disconnect':
        case 'staleConnection':
          if (this.connected) this.log.warn({ status: s.type }, 'NATS connection lost; reconnecting');
          this.connected = false;
          break;
        case 'reconnect':
          this.connected = true;
          this.log.info({ server: s.data }, 'reconnected to NATS');
          break;
        case 'error':
          this.log.error({ err: String(s.data) }, 'NATS error');
          break;
        default:
          break;
      }
    }
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
    clearTimeout(this.retryTimer);
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    const drained = nc.drain().catch(() => undefined);
    const deadline = new Promise((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([drained, deadline]);
    if (!nc.isClosed()) await nc.close();
  }
}
