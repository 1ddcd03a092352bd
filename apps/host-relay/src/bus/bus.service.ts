import { BusError, type EventOf, type EventSubject } from '@auth-bus/contracts';
import { APP_LOGGER, BusConnection, type AppLogger } from '@auth-bus/service-kit';
import { BusClient } from '@auth-bus/service-kit/client';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { RELAY_CONFIG, type RelayConfig } from '../config/relay.config';

export { checkTokenShape } from '@auth-bus/service-kit/client';

export interface BusRequestOptions {
  token?: string;
  /** Deadline in ms (default: RELAY_REQUEST_TIMEOUT_MS). */
  timeout?: number;
}

/**
 * The relay's one NATS connection (as user `host-relay`, service-kit's BusConnection) and the
 * bus client on it. The connection starts in the background and never gives up, so the relay
 * starts (and answers `/healthz`) while NATS is down; while it is not connected every request
 * fails at once with UNAVAILABLE instead of waiting for its deadline. Tokens are checked for
 * bearer shape before they go into a header (the relay faces the internet).
 */
@Injectable()
export class BusService implements OnModuleInit, OnApplicationShutdown {
  private bus?: BusConnection;
  private stopping = false;
  private readonly log: AppLogger;
  private readonly client: BusClient;
  private readonly connectListeners: Array<(nc: NatsConnection, info: { reconnect: boolean }) => void | Promise<void>> = [];

  constructor(
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    this.log = logger.child({ context: 'bus' });
    this.client = new BusClient(() => this.onlineConnection(), {
      checkTokens: true,
      onContractBreach: (subject, what) => this.log.error({ subject }, `service ${what} breaks the contract`),
    });
  }

  onModuleInit(): void {
    this.open();
  }

  /** The server is reachable right now (false before the first connection and between a disconnect and the reconnect). */
  get isConnected(): boolean {
    return !!this.bus?.isOnline;
  }

  private onlineConnection() {
    const nc = this.bus?.connection;
    if (!nc || !this.isConnected) throw BusError.unavailable('The bus is not reachable right now');
    return nc;
  }

  /** Runs `listener` on every connection and reconnection, also of a connection opened anew (e.g. the revocation watch). */
  onConnect(listener: (nc: NatsConnection, info: { reconnect: boolean }) => void | Promise<void>): void {
    this.connectListeners.push(listener);
    this.bus?.onConnect(listener);
  }

  private open(): void {
    const { servers, user, pass } = this.config.nats;
    this.bus = new BusConnection({
      servers,
      user,
      pass,
      name: `host-relay:${this.config.instance}`,
      logger: this.log,
      connectOptions: { noEcho: true, timeout: 2_000, reconnectJitter: 100 },
      // Does not happen with endless reconnects; if it does, start over with a new connection.
      onUnexpectedClose: () => {
        if (!this.stopping) setTimeout(() => this.open(), 250).unref();
      },
    });
    for (const listener of this.connectListeners) this.bus.onConnect(listener);
    void this.bus.start().catch(() => undefined);
  }

  /** A request on `subject`, checked against the contract both ways (BusClient.forward). */
  request(subject: string, body: unknown, options: BusRequestOptions = {}): Promise<unknown> {
    return this.client.forward(subject, body, { token: options.token, timeout: options.timeout ?? this.config.requestTimeoutMs });
  }

  /** Publishes an event (validated against its schema); the token goes into `Authorization`. */
  publish<S extends EventSubject>(subject: S, payload: EventOf<S>, token?: string): void {
    this.client.publish(subject, payload, { token });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.bus?.close(2_000);
  }
}
