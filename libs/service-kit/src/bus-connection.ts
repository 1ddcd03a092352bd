import { connect, type ConnectionOptions, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { natsInboxPrefix } from './config/nats-config';
import type { AppLogger } from './logger';

export interface BusConnectionOptions {
  servers: string[];
  user?: string;
  pass?: string;
  /**
   * Prefix of this connection's reply inboxes (default `_INBOX_<user>`, the only inboxes
   * infra/nats/nats.conf lets the user read; plain `_INBOX` without a user).
   */
  inboxPrefix?: string;
  /** Connection name shown by NATS monitoring (`/connz`): `<service>:<instance>`. */
  name: string;
  logger: AppLogger;
  /** Called if the connection closes for good without `close()` (the process should exit). */
  onUnexpectedClose?: (err?: Error) => void;
  /** Extra nats.js options (tests shorten timings). */
  connectOptions?: Partial<ConnectionOptions>;
}

export type ConnectListener = (nc: NatsConnection, info: { reconnect: boolean }) => void | Promise<void>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The service's one NATS connection, shared by the NestJS server (subscriptions) and everything
 * else (JetStream, audit). It keeps trying forever: a service may start before NATS, and
 * survives NATS restarts (nats.js reconnects and re-subscribes by itself). Connect listeners
 * run on the first connection and after every reconnect (e.g. to re-check the audit stream).
 */
export class BusConnection {
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private starting?: Promise<NatsConnection>;
  private closing = false;
  private online = false;
  private readonly listeners: ConnectListener[] = [];

  constructor(private readonly options: BusConnectionOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** Prefix of the reply inboxes of this connection (requests, JetStream, audit acks). */
  get inboxPrefix(): string {
    return this.options.inboxPrefix ?? (this.options.user ? natsInboxPrefix(this.options.user) : '_INBOX');
  }

  /** The connection, once established (undefined before). */
  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  /** Connected and not closed (nats.js buffers what is published while it reconnects). */
  get isConnected(): boolean {
    return !!this.nc && !this.nc.isClosed() && !this.nc.isDraining();
  }

  /** Whether the server is reachable right now (false between a disconnect and the reconnect). */
  get isOnline(): boolean {
    return this.online && this.isConnected;
  }

  /** Starts connecting (idempotent) and resolves once connected — however long that takes. */
  start(): Promise<NatsConnection> {
    return (this.starting ??= this.connectLoop());
  }

  /** JetStream on this connection (undefined until connected). */
  jetstream(): JetStreamClient | undefined {
    if (!this.nc) return undefined;
    return (this.js ??= this.nc.jetstream());
  }

  jetstreamManager(): Promise<JetStreamManager> {
    if (!this.nc) return Promise.reject(new Error('not connected'));
    return this.nc.jetstreamManager({ checkAPI: false });
  }

  /** Runs `listener` on every (re)connection, and at once if already connected. */
  onConnect(listener: ConnectListener): void {
    this.listeners.push(listener);
    if (this.nc) this.runListener(listener, this.nc, false);
  }

  /** Flushes what was published and closes (subscriptions should be drained before). */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closing = true;
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    if (!this.online) timeoutMs = 0; // nothing can be flushed to a server that is away
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([nc.flush(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    } catch {
      // flushing failed (connection lost): close anyway
    } finally {
      clearTimeout(timer);
      await nc.close().catch(() => undefined);
    }
  }

  private async connectLoop(): Promise<NatsConnection> {
    const { logger } = this.options;
    let attempt = 0;
    for (;;) {
      if (this.closing) throw new Error('closed before connecting');
      try {
        const nc = await connect({
          servers: this.options.servers,
          user: this.options.user,
          pass: this.options.pass,
          name: this.options.name,
          inboxPrefix: this.inboxPrefix,
          // Keep trying until NATS is there, and after any later loss, forever.
          waitOnFirstConnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          reconnectJitter: 250,
          ignoreAuthErrorAbort: true,
          pingInterval: 5_000,
          maxPingOut: 2,
          // nats.js captures two stack traces per request for debugging (one per JetStream
          // publish here); on the hot path of a service that is most of a request's cost.
          noAsyncTraces: true,
          ...this.options.connectOptions,
        });
        this.nc = nc;
        this.online = true;
        logger.info({ server: nc.getServer() }, 'connected to NATS');
        void this.watch(nc);
        for (const listener of this.listeners) this.runListener(listener, nc, false);
        return nc;
      } catch (err) {
        attempt++;
        logger.warn({ attempt, error: (err as Error).message }, 'NATS connection failed; retrying');
        await sleep(Math.min(250 * 2 ** Math.min(attempt, 5), 5_000));
      }
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    const { logger } = this.options;
    void nc.closed().then((err) => {
      if (this.closing) return;
      logger.fatal({ error: err?.message }, 'NATS connection closed for good');
      this.options.onUnexpectedClose?.(err ?? undefined);
    });
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.online = false;
          if (!this.closing) logger.warn({ server: status.data }, 'disconnected from NATS; reconnecting');
          break;
        case 'reconnect':
          this.online = true;
          logger.info({ server: status.data }, 'reconnected to NATS');
          for (const listener of this.listeners) this.runListener(listener, nc, true);
          break;
        case 'error':
          logger.error({ error: String(status.data) }, 'NATS error');
          break;
        case 'ldm':
          logger.warn('NATS server entering lame-duck mode');
          break;
        default:
          break;
      }
    }
  }

  private runListener(listener: ConnectListener, nc: NatsConnection, reconnect: boolean): void {
    Promise.resolve()
      .then(() => listener(nc, { reconnect }))
      .catch((err) => this.options.logger.error({ error: (err as Error).message }, 'NATS connect listener failed'));
  }
}
